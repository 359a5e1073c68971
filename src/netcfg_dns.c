/* SPDX-License-Identifier: MIT */
/* netcfg_dns.c - the laptop's resolver while the tunnel is up, and undoing it
 *
 * The DNS server must be reached through the tunnel, or the queries leak
 * around it: the kernel is asked where it routes the server's address
 * (as `ip route get` does), and unless that is the TUN a host route into
 * the TUN is added (an ordinary netcfg route, undone with the rest).
 *
 * Then the resolver is set in one of three ways (resolv.h), recorded
 * first like every netcfg change:
 *
 *	systemd-resolved: resolvectl dns, domain "~." (every name) and
 *		default-route on the TUN; undone by resolvectl revert, or by
 *		resolved itself when the TUN goes away
 *	resolvconf: a record for the TUN, metric 0 and exclusive where the
 *		implementation knows those (wg-quick's call); undone by -d
 *	the file: /etc/resolv.conf replaced, the previous one kept as
 *		/run/tether/resolv.conf.NETNS (resolv_file.c)
 *
 * Names that go on a command line or into a path are plain ([A-Za-z0-9._-],
 * starting with a letter or digit), whether they come from the config or
 * back from a state file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "netcfg_dns.h"
#include "netcfg_impl.h"
#include "runcmd.h"
#include "runstate.h"

/* The state file's word for each method */
static const char *const words[] = {
	[RESOLV_RESOLVED] = "resolved",
	[RESOLV_RESOLVCONF] = "resolvconf",
	[RESOLV_FILE] = "file",
};

/* A plain name that is safe as an argument and as a file name */
static bool plain(const char *s)
{
	size_t n = strlen(s);

	return n && n < NETCFG_DNS_LEN &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") == n &&
	       *s != '.' && *s != '-';
}

static void on_route(const struct nlmsghdr *nlh, void *arg)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	int *oif = arg;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return;
	mnl_attr_for_each(
		a, nlh, sizeof(*rtm)) if (mnl_attr_get_type(a) == RTA_OIF &&
					  mnl_attr_validate(a, MNL_TYPE_U32) >=
						  0) *oif =
		(int)mnl_attr_get_u32(a);
}

/* The interface the kernel routes @dst out of; 0 for none (unreachable) */
static int route_oif(struct netcfg *nc, struct in_addr dst)
{
	struct nlmsghdr *nlh = nlx_msg(&nc->nlx, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	int oif = 0;

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put(nlh, RTA_DST, sizeof(dst), &dst);
	if (nlx_talk(&nc->nlx, on_route, &oif) < 0)
		return 0;
	return oif;
}

/* Route @server into the TUN. Return: 1 (a host route added), 0, -1 */
static int route_server(struct netcfg *nc, int ifindex, struct in_addr server)
{
	struct prefix host = {.addr.family = AF_INET, .len = 32};

	if (route_oif(nc, server) == ifindex)
		return 0;
	host.addr.v4 = server;
	return netcfg_route_add(nc, ifindex, &host, 0) ? -1 : 1;
}

static int resolvectl_revert(const char *ifname)
{
	const char *revert[] = {"resolvectl", "revert", ifname, NULL};

	return runcmd_checked(revert, NULL);
}

static int set_resolved(const char *ifname, const char *server)
{
	const char *dns[] = {"resolvectl", "dns", ifname, server, NULL};
	const char *domain[] = {"resolvectl", "domain", ifname, "~.", NULL};
	const char *route[] = {"resolvectl", "default-route", ifname, "yes",
			       NULL};

	if (!runcmd_checked(dns, NULL) && !runcmd_checked(domain, NULL) &&
	    !runcmd_checked(route, NULL))
		return 0;
	resolvectl_revert(ifname);
	return -1;
}

static int set_resolvconf(const char *record, const char *server)
{
	const char *add[] = {"resolvconf", "-a", record, "-m", "0", "-x", NULL};
	char text[64];

	snprintf(text, sizeof(text), "nameserver %s\n", server);
	return runcmd_checked(add, text);
}

static int set_file(const char *saved, struct in_addr server)
{
	char text[256];

	if (resolv_text(server, text, sizeof(text)) ||
	    (*saved && resolv_file_save(RESOLV_CONF, saved) < 0))
		return -1;
	if (!resolv_file_write(RESOLV_CONF, text))
		return 0;
	resolv_file_restore(RESOLV_CONF, *saved ? saved : NULL);
	return -1;
}

/* The record's name: the TUN, the resolvconf record, the copy (or "") */
static int name(struct netcfg_state_rec *r, const char *ifname)
{
	char *order;
	struct stat st;
	int ret = 0;

	switch (r->dns_method) {
	case RESOLV_RESOLVED:
		snprintf(r->dns, sizeof(r->dns), "%s", ifname);
		break;
	case RESOLV_RESOLVCONF:
		order = resolv_file_read(RESOLV_INTERFACE_ORDER, true, NULL);
		ret = resolv_record_name(order, ifname, r->dns, sizeof(r->dns));
		free(order);
		break;
	default:
		if (lstat(RESOLV_CONF, &st) && errno == ENOENT)
			return 0;
		runstate_path("resolv.conf", r->dns, sizeof(r->dns));
		return 0;
	}
	if (ret || !plain(r->dns)) {
		log_error("dns: %s is no name to give %s (letters, digits, "
			  "'.', '_' and '-' only)",
			  ifname, resolv_method_name(r->dns_method));
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Say what was done: "with resolvconf, record tun.tether0" */
static void describe(const struct netcfg_state_rec *r, bool routed,
		     const char *ifname, char *what, size_t len)
{
	char how[160];

	if (r->dns_method == RESOLV_RESOLVED)
		snprintf(how, sizeof(how), "with systemd-resolved on %s",
			 r->dns);
	else if (r->dns_method == RESOLV_RESOLVCONF)
		snprintf(how, sizeof(how), "with resolvconf, record %s",
			 r->dns);
	else if (*r->dns)
		snprintf(how, sizeof(how),
			 "in " RESOLV_CONF ", the previous one kept as %s",
			 r->dns);
	else
		snprintf(how, sizeof(how),
			 "in " RESOLV_CONF " (there was none)");
	if (routed)
		snprintf(what, len, "%s; a host route takes it into %s", how,
			 ifname);
	else
		snprintf(what, len, "%s", how);
}

/**
 * netcfg_dns_set() - use a DNS server through the tunnel while it is up
 * @nc:		the handle
 * @ifindex:	the TUN device
 * @server:	the DNS server (IPv4)
 * @how:	the way to set it, or RESOLV_AUTO (resolv_detect())
 * @what:	what was done, for the caller's log line
 * @len:	size of @what
 *
 * Routes @server into the TUN unless it goes there already, then sets it
 * as the resolver; both are undone by netcfg_undo() (and after a crash by
 * netcfg_cleanup()).
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int netcfg_dns_set(struct netcfg *nc, int ifindex, struct in_addr server,
		   enum resolv_method how, char *what, size_t len)
{
	struct netcfg_state_rec r = {.kind = NETCFG_STATE_DNS};
	char ifname[IF_NAMESIZE], a[INET_ADDRSTRLEN];
	int routed, ret;

	if (!if_indextoname((unsigned)ifindex, ifname)) {
		log_warn("dns: ifindex %d", ifindex);
		return -1;
	}
	inet_ntop(AF_INET, &server, a, sizeof(a));
	routed = route_server(nc, ifindex, server);
	if (routed < 0)
		return -1;
	r.dns_method = how == RESOLV_AUTO ? (int)resolv_detect() : (int)how;
	if (netcfg_reserve(nc) < 0 || name(&r, ifname) ||
	    netcfg_intend(nc, &r) < 0)
		return -1;
	if (r.dns_method == RESOLV_RESOLVED)
		ret = set_resolved(ifname, a);
	else if (r.dns_method == RESOLV_RESOLVCONF)
		ret = set_resolvconf(r.dns, a);
	else
		ret = set_file(r.dns, server);
	if (ret) {
		netcfg_forget(nc);
		return -1;
	}
	describe(&r, routed, ifname, what, len);
	return 0;
}

/**
 * netcfg_dns_undo() - put the previous resolver back
 * @r:		the dns record
 *
 * What cannot be there any more counts as undone: resolved's settings for
 * a TUN that is gone, a resolvconf record without resolvconf.
 *
 * Return: 0 if it is undone, -1 if it stays (logged)
 */
int netcfg_dns_undo(const struct netcfg_state_rec *r)
{
	const char *del[] = {"resolvconf", "-d", r->dns, "-f", NULL};

	switch (r->dns_method) {
	case RESOLV_RESOLVED:
		if (!if_nametoindex(r->dns))
			return 0; /* resolved forgot it with the link */
		return resolvectl_revert(r->dns) && errno != ENOENT ? -1 : 0;
	case RESOLV_RESOLVCONF:
		return runcmd_checked(del, NULL) && errno != ENOENT ? -1 : 0;
	default:
		return resolv_file_restore(RESOLV_CONF,
					   *r->dns ? r->dns : NULL);
	}
}

/**
 * netcfg_dns_parse() - a "dns" line of the state file
 * @t:		its words, t[0] is "dns"
 * @n:		how many
 * @r:		the record
 * @why:	on failure, what is wrong (with the rejected word)
 * @len:	size of @why
 *
 * Return: 1 and @r filled, or -1 and @why set
 */
int netcfg_dns_parse(char **t, int n, struct netcfg_state_rec *r, char *why,
		     size_t len)
{
	const char *s;
	size_t dir = strlen(RUNSTATE_DIR "/");
	int m;

	r->kind = NETCFG_STATE_DNS;
	if (n != 3) {
		snprintf(why, len, "want 'dns METHOD NAME' '%s'", t[0]);
		return -1;
	}
	for (m = RESOLV_RESOLVED; m <= RESOLV_FILE; m++)
		if (!strcmp(t[1], words[m]))
			break;
	if (m > RESOLV_FILE) {
		snprintf(why, len, "bad dns method '%s'", t[1]);
		return -1;
	}
	r->dns_method = m;
	s = t[2];
	if (m == RESOLV_FILE && !strcmp(s, "-"))
		return 1;
	if (m == RESOLV_FILE &&
	    (strncmp(s, RUNSTATE_DIR "/", dir) || !plain(s + dir))) {
		snprintf(why, len, "bad copy of resolv.conf '%s'", s);
		return -1;
	}
	if (m != RESOLV_FILE &&
	    (!plain(s) || (m == RESOLV_RESOLVED && strlen(s) >= IF_NAMESIZE))) {
		snprintf(why, len, "bad dns name '%s'", s);
		return -1;
	}
	if (strlen(s) >= sizeof(r->dns)) {
		snprintf(why, len, "dns name too long '%.20s'", s);
		return -1;
	}
	memcpy(r->dns, s, strlen(s) + 1);
	return 1;
}

/**
 * netcfg_dns_format() - a dns record as a line of the state file
 * @r:		the record
 * @buf:	the line (without newline)
 * @len:	size of @buf
 *
 * Return: the snprintf() count (the caller checks it against @len)
 */
int netcfg_dns_format(const struct netcfg_state_rec *r, char *buf, size_t len)
{
	int m = r->dns_method;

	if (m < RESOLV_RESOLVED || m > RESOLV_FILE)
		return -1;
	return snprintf(buf, len, "dns %s %s", words[m],
			*r->dns ? r->dns : "-");
}
