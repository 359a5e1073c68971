/* SPDX-License-Identifier: MIT */
/* privdrop.c - becoming an unprivileged user, with the capabilities kept
 *
 * Theory of operation. A process started as root opens what needs root
 * first (raw socket, capture, listening sockets), then calls privdrop():
 * no new privileges from here on (PR_SET_NO_NEW_PRIVS: no setuid binary
 * or file capability can give any back), the capability bounding set cut
 * to what is kept, the user's group as the only group, the user's uid as
 * every uid (real, effective, saved: no way back to root), and the kept
 * capabilities, if any, permitted and effective (PR_SET_KEEPCAPS carries
 * them across setuid). A last check makes sure root cannot be had back.
 * Changing uids clears the parent-death signal; one that was set (a
 * supervisor such as the selftest asks for it) is set again.
 * The capability syscalls are called directly (linux/capability.h): the
 * few lines libcap would save are not worth a library.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

/* Tried in this order when no user is configured */
static const char *const default_users[] = {"tether", "nobody", NULL};

/**
 * privdrop_lookup() - the user to run as
 * @name:	a user name, "root" to keep root's privileges, or NULL for
 *		the first of "tether" and "nobody" that exists
 * @u:		result
 *
 * Return: 0, or -1 (logged) if there is no such user
 */
int privdrop_lookup(const char *name, struct privdrop_user *u)
{
	const struct passwd *pw = NULL;

	memset(u, 0, sizeof(*u));
	for (int i = 0; !name && default_users[i] && !pw; i++)
		pw = getpwnam(default_users[i]);
	if (name)
		pw = getpwnam(name);
	if (!pw) {
		log_error("there is no user \"%s\" (set \"user\"; \"root\" "
			  "keeps root's privileges)",
			  name ? name : "nobody");
		return -1;
	}
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

static int capset_raw(uint64_t keep)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {0};

	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* Cut the bounding set to @keep; the end of the kernel's list is EINVAL */
static int bound(uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return errno == EINVAL ? 0 : -1;
	}
	return 0;
}

/* "cap_net_admin,cap_net_raw", or "none" */
static const char *cap_names(uint64_t caps, char *buf, size_t len)
{
	static const char *const names[] = {
		[CAP_NET_BIND_SERVICE] = "cap_net_bind_service",
		[CAP_NET_ADMIN] = "cap_net_admin",
		[CAP_NET_RAW] = "cap_net_raw",
	};
	size_t n = 0;

	snprintf(buf, len, "none");
	for (unsigned int cap = 0; cap < 64 && n < len; cap++) {
		if (!(caps & (1ull << cap)))
			continue;
		if (cap < sizeof(names) / sizeof(names[0]) && names[cap])
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      n ? "," : "", names[cap]);
		else
			n += (size_t)snprintf(buf + n, len - n, "%scap_%u",
					      n ? "," : "", cap);
	}
	return buf;
}

/**
 * privdrop() - become @u for good, keeping only capabilities @keep
 * @u:		the user, from privdrop_lookup()
 * @keep:	capabilities to keep, a bit (1 << CAP_...) each
 * @who:	the role, for the log line
 *
 * Must be called as root. Logs the user and the capabilities kept.
 *
 * Return: 0, or -1 (logged): the process is then in an unknown state and
 * must not go on serving
 */
int privdrop(const struct privdrop_user *u, uint64_t keep, const char *who)
{
	char caps[128];
	const char *step;
	int pdeath = 0;

	step = "PR_GET_PDEATHSIG";
	if (prctl(PR_GET_PDEATHSIG, &pdeath, 0, 0, 0))
		goto err;
	step = "PR_SET_NO_NEW_PRIVS";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto err;
	step = "PR_CAPBSET_DROP";
	if (bound(keep))
		goto err;
	step = "PR_SET_KEEPCAPS";
	if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		goto err;
	step = "setgroups";
	if (setgroups(1, &u->gid))
		goto err;
	step = "setresgid";
	if (setresgid(u->gid, u->gid, u->gid))
		goto err;
	step = "setresuid";
	if (setresuid(u->uid, u->uid, u->uid))
		goto err;
	step = "capset";
	if (capset_raw(keep))
		goto err;
	step = "PR_SET_KEEPCAPS";
	if (keep && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		goto err;
	step = "PR_SET_PDEATHSIG";
	if (pdeath && prctl(PR_SET_PDEATHSIG, pdeath, 0, 0, 0))
		goto err;
	if (u->uid && !setuid(0)) {
		log_error("%s: still able to become root after dropping "
			  "privileges",
			  who);
		return -1;
	}
	log_info("%s: running as user %s (uid %u, gid %u), capabilities: %s",
		 who, u->name, (unsigned)u->uid, (unsigned)u->gid,
		 cap_names(keep, caps, sizeof(caps)));
	return 0;
err:
	log_warn("%s: dropping privileges to %s: %s", who, u->name, step);
	return -1;
}
