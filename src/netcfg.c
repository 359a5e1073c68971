/* SPDX-License-Identifier: MIT */
/* netcfg.c - addresses, routes and link state over rtnetlink, and undoing them
 *
 * One NETLINK_ROUTE socket per struct netcfg, used synchronously (nlx.c).
 * The kernel's errno, and its extended-ack text when it gives one, is
 * reported with what was being done.
 *
 * Every change is appended to a list before it is made, and taken off
 * again if it fails; netcfg_undo() reverts the list from the end. Additions
 * are made with NLM_F_EXCL, so an address or route that was there already
 * fails with EEXIST and is never kept: undo removes only what we added.
 * Room in the list is reserved before the change is made, so a change can
 * never go unrecorded for lack of memory. With a state file
 * (netcfg_set_state()), the list is written to it before each change and
 * after each undo, so netcfg_cleanup() in a later run can finish the job
 * after a crash (netcfg_state.c). Rules and sysctls are in netcfg_rule.c,
 * the resolver in netcfg_dns.c, read-only lookups in netcfg_query.c.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "log.h"
#include "netcfg.h"
#include "netcfg_dns.h"
#include "netcfg_impl.h"
#include "netcfg_state.h"

static const char *ifname(int ifindex, char *buf)
{
	if (ifindex <= 0 || !if_indextoname((unsigned)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "ifindex %d", ifindex);
	return buf;
}

/**
 * netcfg_report() - log a failed change, with the kernel's explanation
 * @nc:		the handle
 * @err:	the errno; EEXIST from an addition is no fault of ours (info)
 * @fmt:	what was being done, printf-style
 *
 * Sets errno to @err.
 */
void netcfg_report(struct netcfg *nc, int err, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err == EEXIST)
		log_info("netcfg: %s: %s (not ours: left alone)", what,
			 strerror(err));
	else if (*nc->nlx.ext)
		log_warnx("netcfg: %s: %s (%s)", what, strerror(err), nc->nlx.ext);
	else
		log_warnx("netcfg: %s: %s", what, strerror(err));
	errno = err;
}

/**
 * netcfg_reserve() - make room for one more change in the list
 * @nc:		the handle
 *
 * Called before anything is changed, so a change never goes unrecorded.
 *
 * Return: 0, or -1 with errno ENOMEM (logged)
 */
int netcfg_reserve(struct netcfg *nc)
{
	struct netcfg_state_rec *c;
	size_t cap;

	if (nc->n < nc->cap)
		return 0;
	cap = nc->cap ? 2 * nc->cap : 8;
	c = realloc(nc->changes, cap * sizeof(*c));
	if (!c) {
		log_warn("netcfg: allocating");
		errno = ENOMEM;
		return -1;
	}
	nc->changes = c;
	nc->cap = cap;
	return 0;
}

/**
 * netcfg_intend() - list a change (and write the state file) before it is
 * made
 * @nc:		the handle, with room reserved (netcfg_reserve())
 * @r:		the change
 *
 * Return: 0, or -1 with errno set if the state file could not be written
 */
int netcfg_intend(struct netcfg *nc, const struct netcfg_state_rec *r)
{
	nc->changes[nc->n++] = *r;
	if (*nc->state && netcfg_state_write(nc->state, nc->changes, nc->n)) {
		nc->n--;
		return -1;
	}
	return 0;
}

/**
 * netcfg_forget() - take the change just intended off again: not made
 * @nc:		the handle
 *
 * Keeps errno.
 */
void netcfg_forget(struct netcfg *nc)
{
	int err = errno;

	nc->n--;
	if (*nc->state)
		netcfg_state_write(nc->state, nc->changes, nc->n);
	errno = err;
}

/* A record of a change to @ifindex, by name; ENODEV if there is none */
static int rec_init(struct netcfg_state_rec *r, enum netcfg_state_kind kind,
		    int ifindex)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->ifindex = ifindex;
	if (ifindex <= 0 || !if_indextoname((unsigned)ifindex, r->ifname)) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

static bool family_ok(const struct prefix *p)
{
	return (p->addr.family == AF_INET && p->len <= 32) ||
	       (p->addr.family == AF_INET6 && p->len <= 128);
}

static size_t addr_len(const struct addr *a)
{
	return a->family == AF_INET ? sizeof(a->v4) : sizeof(a->v6);
}

/**
 * netcfg_open() - open a route netlink socket to configure the host with
 *
 * Return: the handle with an empty change list, or NULL with errno set
 */
struct netcfg *netcfg_open(void)
{
	struct netcfg *nc = calloc(1, sizeof(*nc));
	int err;

	if (!nc) {
		log_warn("netcfg: allocating");
		return NULL;
	}
	if (nlx_open(&nc->nlx, NETLINK_ROUTE) < 0) {
		err = errno;
		log_warn("netcfg: netlink socket");
		free(nc);
		errno = err;
		return NULL;
	}
	return nc;
}

static int set_link(struct netcfg *nc, int ifindex, bool up, unsigned mtu)
{
	struct nlmsghdr *nlh = nlx_msg(&nc->nlx, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlx_talk(&nc->nlx, NULL, NULL);
}

/**
 * netcfg_link_up() - set an interface up, and its MTU
 * @nc:		the handle
 * @ifindex:	the interface
 * @mtu:	the MTU to set, or 0 to leave it as it is
 *
 * The previous MTU and up/down state are recorded for netcfg_undo(),
 * unless nothing needed changing.
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int netcfg_link_up(struct netcfg *nc, int ifindex, unsigned mtu)
{
	struct netcfg_state_rec r = { .kind = NETCFG_STATE_LINK };
	struct netcfg_link li;
	char name[IF_NAMESIZE];

	if (netcfg_reserve(nc) < 0)
		return -1;
	if (netcfg_get_link(nc, ifindex, NULL, &li) < 0) {
		netcfg_report(nc, errno, "set %s up", ifname(ifindex, name));
		return -1;
	}
	if (mtu == li.mtu)
		mtu = 0;
	if (li.flags & IFF_UP && !mtu)
		return 0;
	r.ifindex = ifindex;
	memcpy(r.ifname, li.name, sizeof(r.ifname));
	r.mtu = mtu ? li.mtu : 0;
	r.was_up = li.flags & IFF_UP;
	if (netcfg_intend(nc, &r) < 0)
		return -1;
	if (set_link(nc, ifindex, true, mtu) < 0) {
		netcfg_report(nc, errno, "set %s up, mtu %u", li.name,
			      mtu ? mtu : li.mtu);
		netcfg_forget(nc);
		return -1;
	}
	return 0;
}

/**
 * netcfg_link_gso_max() - cap the size of GSO packets on an interface
 * @nc:		the handle
 * @ifindex:	the interface (one of ours: nothing is recorded to undo)
 * @bytes:	the largest GSO packet the stack may hand it
 *
 * Return: 0, or -1 with errno set (a kernel before 5.19 ignores it)
 */
int netcfg_link_gso_max(struct netcfg *nc, int ifindex, unsigned bytes)
{
	struct nlmsghdr *nlh = nlx_msg(&nc->nlx, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_GSO_MAX_SIZE, bytes);
	return nlx_talk(&nc->nlx, NULL, NULL);
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct addr *a)
{
	mnl_attr_put(nlh, type, addr_len(a), &a->v4);
}

static int addr_msg(struct netcfg *nc, uint16_t type, uint16_t flags,
		    int ifindex, const struct prefix *p)
{
	struct nlmsghdr *nlh = nlx_msg(&nc->nlx, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = (uint8_t)p->addr.family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	put_addr(nlh, IFA_LOCAL, &p->addr);
	put_addr(nlh, IFA_ADDRESS, &p->addr);
	return nlx_talk(&nc->nlx, NULL, NULL);
}

/**
 * netcfg_addr_add() - add an address to an interface
 * @nc:		the handle
 * @ifindex:	the interface
 * @p:		address and prefix length, IPv4 or IPv6: 10.77.0.2/24
 *
 * An address that is there already is not ours: it fails with EEXIST
 * (logged at info level) and netcfg_undo() leaves it alone.
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int netcfg_addr_add(struct netcfg *nc, int ifindex, const struct prefix *p)
{
	char pbuf[ADDR_STRLEN], name[IF_NAMESIZE];
	struct netcfg_state_rec r;

	if (!family_ok(p)) {
		log_warnx("netcfg: add address: bad family %d or length %u",
			  p->addr.family, p->len);
		errno = EINVAL;
		return -1;
	}
	if (netcfg_reserve(nc) < 0)
		return -1;
	if (rec_init(&r, NETCFG_STATE_ADDR, ifindex) < 0)
		goto err;
	r.p = *p;
	if (netcfg_intend(nc, &r) < 0)
		return -1;
	if (addr_msg(nc, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex,
		     p) < 0) {
		netcfg_forget(nc);
		goto err;
	}
	return 0;
err:
	netcfg_report(nc, errno, "add %s to %s",
		      prefix_format(p, pbuf, sizeof(pbuf)),
		      ifname(ifindex, name));
	return -1;
}

static int route_msg(struct netcfg *nc, uint16_t type, uint16_t flags,
		     int ifindex, const struct prefix *dst, uint32_t table)
{
	struct nlmsghdr *nlh = nlx_msg(&nc->nlx, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = (uint8_t)dst->addr.family;
	rtm->rtm_dst_len = dst->len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	/* a delete matches any scope; an addition is on-link (no gateway) */
	rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE
					      : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (dst->len)
		put_addr(nlh, RTA_DST, &dst->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	return nlx_talk(&nc->nlx, NULL, NULL);
}

static const char *table_name(uint32_t table, char *buf, size_t len)
{
	if (table == RT_TABLE_MAIN)
		return "main";
	snprintf(buf, len, "%u", table);
	return buf;
}

/**
 * netcfg_route_add() - route a prefix into an interface (no gateway)
 * @nc:		the handle
 * @ifindex:	the interface
 * @dst:	destination prefix, IPv4 or IPv6; length 0 is a default route
 * @table:	routing table, 0 for main
 *
 * A route that is there already (same table, prefix and metric) fails
 * with EEXIST and is not recorded for netcfg_undo().
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int netcfg_route_add(struct netcfg *nc, int ifindex, const struct prefix *dst,
		     uint32_t table)
{
	char pbuf[ADDR_STRLEN], name[IF_NAMESIZE], tbuf[16];
	struct netcfg_state_rec r;

	if (!table)
		table = RT_TABLE_MAIN;
	if (!family_ok(dst)) {
		log_warnx("netcfg: add route: bad family %d or length %u",
			  dst->addr.family, dst->len);
		errno = EINVAL;
		return -1;
	}
	if (netcfg_reserve(nc) < 0)
		return -1;
	if (rec_init(&r, NETCFG_STATE_ROUTE, ifindex) < 0)
		goto err;
	r.p = *dst;
	r.table = table;
	if (netcfg_intend(nc, &r) < 0)
		return -1;
	if (route_msg(nc, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, ifindex,
		      dst, table) < 0) {
		netcfg_forget(nc);
		goto err;
	}
	return 0;
err:
	netcfg_report(nc, errno, "add route %s dev %s table %s",
		      prefix_format(dst, pbuf, sizeof(pbuf)),
		      ifname(ifindex, name),
		      table_name(table, tbuf, sizeof(tbuf)));
	return -1;
}

/*
 * The object is gone already: with the TUN, or removed by someone else.
 * A missing interface index is ENODEV or, for some requests, ENXIO.
 */
static bool gone(int err)
{
	return err == ENOENT || err == ESRCH || err == EADDRNOTAVAIL ||
	       err == ENODEV || err == ENXIO;
}

/* Undo one change. Return: 0 if it is undone or gone, -1 if it stays */
static int revert(struct netcfg *nc, const struct netcfg_state_rec *c)
{
	char pbuf[ADDR_STRLEN], tbuf[16];
	struct netcfg_link li;
	int ifindex = c->ifindex;

	if (!ifindex && c->kind != NETCFG_STATE_RULE &&
	    c->kind != NETCFG_STATE_SYSCTL && c->kind != NETCFG_STATE_DNS) {
		if (netcfg_get_link(nc, 0, c->ifname, &li) < 0) {
			if (gone(errno))
				return 0;
			netcfg_report(nc, errno, "undo: look up %s", c->ifname);
			return -1;
		}
		ifindex = li.ifindex;
	}
	switch (c->kind) {
	case NETCFG_STATE_LINK:
		if (!set_link(nc, ifindex, c->was_up, c->mtu) || gone(errno))
			return 0;
		netcfg_report(nc, errno, "undo: restore %s %s, mtu %u",
			      c->ifname, c->was_up ? "up" : "down", c->mtu);
		break;
	case NETCFG_STATE_ADDR:
		if (!addr_msg(nc, RTM_DELADDR, 0, ifindex, &c->p) ||
		    gone(errno))
			return 0;
		netcfg_report(nc, errno, "undo: delete %s from %s",
			      prefix_format(&c->p, pbuf, sizeof(pbuf)),
			      c->ifname);
		break;
	case NETCFG_STATE_ROUTE:
		if (!route_msg(nc, RTM_DELROUTE, 0, ifindex, &c->p, c->table) ||
		    gone(errno))
			return 0;
		netcfg_report(
			nc, errno, "undo: delete route %s dev %s table %s",
			prefix_format(&c->p, pbuf, sizeof(pbuf)), c->ifname,
			table_name(c->table, tbuf, sizeof(tbuf)));
		break;
	case NETCFG_STATE_RULE:
		return netcfg_rule_undo(nc, &c->rule);
	case NETCFG_STATE_SYSCTL:
		return netcfg_sysctl_undo(nc, c->key, c->value);
	case NETCFG_STATE_DNS:
		return netcfg_dns_undo(c);
	}
	return -1;
}

/**
 * netcfg_undo() - revert every recorded change, newest first
 * @nc:	the handle, or NULL
 *
 * Deletes the addresses, routes and rules that were added and restores
 * the MTU and up/down state of links and the sysctls that were changed.
 * Something already gone (the TUN closed, say) is skipped quietly; other
 * failures are logged and the rest is still undone. Each change undone
 * leaves the list and the state file; the file is removed once the list
 * is empty.
 *
 * Return: 0, or -1 if some change could not be undone (it stays listed)
 */
int netcfg_undo(struct netcfg *nc)
{
	size_t i;

	if (!nc)
		return 0;
	for (i = nc->n; i--;) {
		if (revert(nc, &nc->changes[i]) < 0)
			continue;
		memmove(&nc->changes[i], &nc->changes[i + 1],
			(nc->n - i - 1) * sizeof(*nc->changes));
		nc->n--;
		if (*nc->state)
			netcfg_state_write(nc->state, nc->changes, nc->n);
	}
	return nc->n ? -1 : 0;
}

/**
 * netcfg_set_state() - keep the changes in a state file from now on
 * @nc:		the handle, with no changes made yet
 * @path:	the file: /run/tether/client.NETNS
 *
 * Return: 0, or -1 with errno set (EINVAL: changes were made already;
 * ENAMETOOLONG)
 */
int netcfg_set_state(struct netcfg *nc, const char *path)
{
	if (nc->n) {
		errno = EINVAL;
		return -1;
	}
	if (strlen(path) >= sizeof(nc->state)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(nc->state, path, strlen(path) + 1);
	return 0;
}

/**
 * netcfg_cleanup() - undo the changes a crashed run left in the state file
 * @nc:		the handle, with a state file set and no changes made yet
 * @what:	the changes found, for the log ("addr add wifi0 ..., ...")
 * @len:	size of @what
 *
 * Reads the state file, undoes what it lists newest first (what is gone
 * already counts as undone) and removes it. Malformed lines are logged
 * and skipped. A file whose writer is a tether process that still runs is
 * left alone. Running it again, or without a state file, does nothing.
 *
 * Return: the number of changes undone (0: nothing to do), or -1 with
 * errno set if something is left or the file was malformed (logged)
 */
int netcfg_cleanup(struct netcfg *nc, char *what, size_t len)
{
	struct netcfg_state_file sf;
	int ret;

	*what = '\0';
	if (!*nc->state || nc->n) {
		errno = EINVAL;
		return -1;
	}
	ret = netcfg_state_read(nc->state, &sf);
	if (ret <= 0)
		return ret;
	if (netcfg_state_writer_runs(&sf)) {
		log_error("netcfg: %s belongs to tether pid %ld, which still "
			  "runs: left alone",
			  nc->state, sf.pid);
		free(sf.recs);
		errno = EBUSY;
		return -1;
	}
	netcfg_state_describe(&sf, what, len);
	free(nc->changes);
	nc->changes = sf.recs;
	nc->n = nc->cap = sf.n;
	if (netcfg_undo(nc) < 0) {
		errno = EAGAIN;
		return -1;
	}
	if (!sf.n && netcfg_state_write(nc->state, NULL, 0) < 0)
		return -1;
	if (sf.bad) {
		errno = EINVAL;
		return -1;
	}
	return (int)sf.n;
}

/**
 * netcfg_close() - close the socket and forget the changes
 * @nc:	the handle, or NULL
 *
 * This does not undo anything: call netcfg_undo() first for that.
 */
void netcfg_close(struct netcfg *nc)
{
	if (!nc)
		return;
	nlx_close(&nc->nlx);
	free(nc->changes);
	free(nc);
}