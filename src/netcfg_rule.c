/* SPDX-License-Identifier: MIT */
/* netcfg_rule.c - policy routing rules and sysctls, and undoing them
 *
 * Rules go over rtnetlink like netcfg.c's addresses and routes, and are
 * recorded the same way: listed (and written to the state file) before
 * they are added with NLM_F_EXCL, so a rule that was there already is
 * never ours to delete. Sysctls are files under /proc/sys of this network
 * namespace: the old value is recorded, and written back on undo; a value
 * that is right already is left unrecorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netcfg_impl.h"

static int rule_msg(struct netcfg *nc, uint16_t type, uint16_t flags,
		    const struct netcfg_rule *ru)
{
	struct nlmsghdr *nlh = nlx_msg(&nc->nlx, type, flags);
	struct fib_rule_hdr *frh =
		mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));

	frh->family = (uint8_t)ru->family;
	frh->action = ru->table ? FR_ACT_TO_TBL : FR_ACT_PROHIBIT;
	frh->table = ru->table && ru->table < 256 ? (uint8_t)ru->table
						  : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, ru->priority);
	if (ru->table)
		mnl_attr_put_u32(nlh, FRA_TABLE, ru->table);
	if (ru->not_fwmark) {
		frh->flags |= FIB_RULE_INVERT;
		mnl_attr_put_u32(nlh, FRA_FWMARK, ru->not_fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, UINT32_MAX);
	}
	if (ru->suppress >= 0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN,
				 (uint32_t)ru->suppress);
	return nlx_talk(&nc->nlx, NULL, NULL);
}

/* "IPv4 rule pref 32764 not fwmark 6354 lookup 6354", as `ip rule` says */
static const char *rule_name(const struct netcfg_rule *ru, char *buf,
			     size_t len)
{
	char mark[32] = "", act[24] = " prohibit", sup[40] = "";

	if (ru->not_fwmark)
		snprintf(mark, sizeof(mark), " not fwmark %u", ru->not_fwmark);
	if (ru->table)
		snprintf(act, sizeof(act), " lookup %u", ru->table);
	if (ru->suppress >= 0)
		snprintf(sup, sizeof(sup), " suppress_prefixlength %d",
			 ru->suppress);
	snprintf(buf, len, "%s rule pref %u%s%s%s",
		 ru->family == AF_INET6 ? "IPv6" : "IPv4", ru->priority, mark,
		 act, sup);
	return buf;
}

/**
 * netcfg_rule_add() - add a policy routing rule
 * @nc:		the handle
 * @rule:	the rule: family, priority, table (or prohibit), the fwmark
 *		it does not match, suppress_prefixlength
 *
 * A rule that is there already fails with EEXIST (logged at info level)
 * and is not recorded for netcfg_undo().
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int netcfg_rule_add(struct netcfg *nc, const struct netcfg_rule *rule)
{
	struct netcfg_state_rec r = {.kind = NETCFG_STATE_RULE};
	char what[128];

	if ((rule->family != AF_INET && rule->family != AF_INET6) ||
	    rule->suppress > (rule->family == AF_INET ? 32 : 128)) {
		log_warnx("netcfg: add rule: bad family %d or "
			  "suppress_prefixlength %d",
			  rule->family, rule->suppress);
		errno = EINVAL;
		return -1;
	}
	if (netcfg_reserve(nc) < 0)
		return -1;
	r.rule = *rule;
	if (r.rule.suppress < 0)
		r.rule.suppress = -1;
	if (netcfg_intend(nc, &r) < 0)
		return -1;
	if (rule_msg(nc, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &r.rule) < 0) {
		netcfg_forget(nc);
		netcfg_report(nc, errno, "add %s",
			      rule_name(&r.rule, what, sizeof(what)));
		return -1;
	}
	return 0;
}

/* /proc/sys/net/ipv4/conf/all/src_valid_mark for net.ipv4.conf.all... */
static void sysctl_path(const char *key, char *path, size_t len)
{
	snprintf(path, len, "/proc/sys/%s", key);
	for (char *c = path + strlen("/proc/sys/"); *c; c++)
		if (*c == '.')
			*c = '/';
}

static int sysctl_read(const char *key, unsigned *value)
{
	char path[128], buf[32];
	unsigned long v;
	ssize_t n;
	char *end;
	int fd;

	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		errno = n ? errno : EINVAL;
		return -1;
	}
	buf[n] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	*value = (unsigned)v;
	return 0;
}

static int sysctl_write(const char *key, unsigned value)
{
	char path[128], buf[16];
	int fd, len, err;
	ssize_t n;

	sysctl_path(key, path, sizeof(path));
	len = snprintf(buf, sizeof(buf), "%u\n", value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, buf, (size_t)len);
	err = errno;
	close(fd);
	if (n != len) {
		errno = n < 0 ? err : EIO;
		return -1;
	}
	return 0;
}

/**
 * netcfg_sysctl_set() - set a numeric sysctl of this network namespace
 * @nc:		the handle
 * @key:	net.* key: net.ipv4.conf.all.src_valid_mark
 * @value:	the value to set
 *
 * The old value is recorded for netcfg_undo(), unless it is @value
 * already (then nothing is changed).
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int netcfg_sysctl_set(struct netcfg *nc, const char *key, unsigned value)
{
	struct netcfg_state_rec r = {.kind = NETCFG_STATE_SYSCTL};

	if (strncmp(key, "net.", 4) || strlen(key) >= sizeof(r.key) ||
	    strchr(key, '/')) {
		log_warnx("netcfg: bad sysctl '%s'", key);
		errno = EINVAL;
		return -1;
	}
	if (netcfg_reserve(nc) < 0)
		return -1;
	if (sysctl_read(key, &r.value) < 0)
		goto err;
	if (r.value == value)
		return 0;
	memcpy(r.key, key, strlen(key) + 1);
	if (netcfg_intend(nc, &r) < 0)
		return -1;
	if (sysctl_write(key, value) < 0) {
		netcfg_forget(nc);
		goto err;
	}
	return 0;
err:
	netcfg_report(nc, errno, "set sysctl %s=%u", key, value);
	return -1;
}

/**
 * netcfg_sysctl_raise() - make a numeric sysctl at least @min
 * @nc:		the handle
 * @key:	net.* key: net.netfilter.nf_conntrack_udp_timeout
 * @min:	the lowest value wanted
 *
 * A value of @min or more is left alone; a lower one is set to @min as
 * netcfg_sysctl_set() does, recorded for netcfg_undo().
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int netcfg_sysctl_raise(struct netcfg *nc, const char *key, unsigned min)
{
	unsigned v;

	if (!sysctl_read(key, &v) && v >= min)
		return 0;
	return netcfg_sysctl_set(nc, key, min);
}

/**
 * netcfg_rule_undo() - delete a rule netcfg_rule_add() added
 * @nc:		the handle
 * @rule:	the rule
 *
 * Return: 0 if it is deleted or gone already, -1 if it stays (logged)
 */
int netcfg_rule_undo(struct netcfg *nc, const struct netcfg_rule *rule)
{
	char what[128];

	if (!rule_msg(nc, RTM_DELRULE, 0, rule) || errno == ENOENT)
		return 0;
	netcfg_report(nc, errno, "undo: delete %s",
		      rule_name(rule, what, sizeof(what)));
	return -1;
}

/**
 * netcfg_sysctl_undo() - write a sysctl's old value back
 * @nc:		the handle
 * @key:	net.* key
 * @value:	the value before netcfg_sysctl_set()
 *
 * Return: 0, or -1 if it could not be written (logged)
 */
int netcfg_sysctl_undo(struct netcfg *nc, const char *key, unsigned value)
{
	if (!sysctl_write(key, value))
		return 0;
	netcfg_report(nc, errno, "undo: restore sysctl %s=%u", key, value);
	return -1;
}
