/* SPDX-License-Identifier: MIT */
/* netcfg.c - addresses, routes and link state over rtnetlink, and undoing them
 *
 * One NETLINK_ROUTE socket (libmnl) per struct netcfg, used synchronously:
 * each request carries NLM_F_ACK and we read until its ack, each dump until
 * NLMSG_DONE, skipping any reply with another sequence number (left over
 * from an earlier exchange). The kernel's errno, and its extended-ack text
 * when it gives one, is reported with what was being done.
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
 * the resolver in netcfg_dns.c.
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
#include <time.h>

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
	else if (*nc->ext)
		log_warnx("netcfg: %s: %s (%s)", what, strerror(err), nc->ext);
	else
		log_warnx("netcfg: %s: %s", what, strerror(err));
	errno = err;
}

/* Keep the kernel's extended-ack message, if the error carries one */
static void keep_ext_ack(struct netcfg *nc, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG ||
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		snprintf(nc->ext, sizeof(nc->ext), "%s", mnl_attr_get_str(a));
	}
}

struct exchange {
	uint32_t seq;
	reply_cb cb;
	void *arg;
	int err;		/* the kernel's errno for the request */
	bool torn;		/* a dump changed while it was read */
};

/* Walk one datagram of replies. Return: true when the exchange is over */
static bool walk(struct netcfg *nc, size_t len, struct exchange *x)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nc->buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		size_t plen = mnl_nlmsg_get_payload_len(nlh);

		if (nlh->nlmsg_seq != x->seq || nlh->nlmsg_pid != nc->portid)
			continue;	/* a stale reply */
		switch (nlh->nlmsg_type) {
		case NLMSG_ERROR:
			if (plen < sizeof(*e)) {
				x->err = EBADMSG;
				return true;
			}
			x->err = e->error < 0 ? -e->error : 0;
			if (x->err)
				keep_ext_ack(nc, nlh);
			return true;
		case NLMSG_DONE:
			/* newer kernels say why a dump stopped early */
			if (plen >= sizeof(int) && e->error < 0)
				x->err = -e->error;
			return true;
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			break;
		default:
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				x->torn = true;
			if (x->cb)
				x->cb(nlh, x->arg);
		}
	}
	return false;
}

/**
 * netcfg_talk() - send the message built in nc->buf, read the replies
 * @nc:		the handle
 * @cb:		gets every data message, or NULL
 * @arg:	for @cb
 *
 * Return: 0, or -1 with the kernel's errno (EAGAIN: the dump was torn by a
 * concurrent change, try again)
 */
int netcfg_talk(struct netcfg *nc, reply_cb cb, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)nc->buf;
	struct exchange x = { .seq = ++nc->seq, .cb = cb, .arg = arg };
	ssize_t n;

	nc->ext[0] = '\0';
	nlh->nlmsg_seq = x.seq;
	if (mnl_socket_sendto(nc->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(nc->nl, nc->buf, sizeof(nc->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
	} while (n < 0 || !walk(nc, (size_t)n, &x));
	if (!x.err && x.torn)
		x.err = EAGAIN;
	errno = x.err;
	return x.err ? -1 : 0;
}

/**
 * netcfg_msg() - start a request in nc->buf
 * @nc:		the handle
 * @type:	RTM_NEWRULE, ...
 * @flags:	NLM_F_DUMP, or NLM_F_CREATE | NLM_F_EXCL, ... (NLM_F_ACK and
 *		NLM_F_REQUEST are added)
 *
 * Return: the message header, for its extra header and attributes
 */
struct nlmsghdr *netcfg_msg(struct netcfg *nc, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nc->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	/* every request is acked; a dump ends with NLMSG_DONE instead */
	if (flags != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	return nlh;
}

/* A dump of @type for @family; EAGAIN if it was torn: start afresh */
static int dump(struct netcfg *nc, uint16_t type, uint8_t family,
		size_t hdrlen, reply_cb cb, void *arg)
{
	struct nlmsghdr *nlh = netcfg_msg(nc, type, NLM_F_DUMP);
	uint8_t *h = mnl_nlmsg_put_extra_header(nlh, hdrlen);

	/* ifinfomsg, ifaddrmsg and rtmsg all start with the family */
	h[0] = family;
	return netcfg_talk(nc, cb, arg);
}

/* Dumps torn by concurrent changes are tried again this often */
#define DUMP_TRIES 3

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
	int one = 1, err;

	if (!nc) {
		log_warn("netcfg: allocating");
		return NULL;
	}
	nc->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nc->nl) {
		log_warn("netcfg: netlink socket");
		goto err;
	}
	if (mnl_socket_bind(nc->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("netcfg: netlink bind");
		goto err;
	}
	/* best effort: shorter errors, with the kernel's explanation */
	mnl_socket_setsockopt(nc->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nc->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	nc->portid = mnl_socket_get_portid(nc->nl);
	nc->seq = (uint32_t)time(NULL);
	return nc;
err:
	err = errno;
	if (nc->nl)
		mnl_socket_close(nc->nl);
	free(nc);
	errno = err;
	return NULL;
}

struct link_info {
	int ifindex;
	unsigned flags;
	unsigned mtu;
	char name[IF_NAMESIZE];
};

static void on_link(const struct nlmsghdr *nlh, void *arg)
{
	struct link_info *li = arg;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return;
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_MTU:
			if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
				li->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
				snprintf(li->name, sizeof(li->name), "%s",
					 mnl_attr_get_str(a));
			break;
		}
	}
}

/* RTM_GETLINK by index (@name NULL) or by name */
static int get_link(struct netcfg *nc, int ifindex, const char *name,
		    struct link_info *li)
{
	struct nlmsghdr *nlh = netcfg_msg(nc, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	memset(li, 0, sizeof(*li));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (netcfg_talk(nc, on_link, li) < 0)
		return -1;
	if (li->ifindex <= 0) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/**
 * netcfg_ifindex() - look an interface up by name
 * @nc:		the handle
 * @name:	interface name
 *
 * Return: its index (> 0), or -1 with errno set (ENODEV: no such
 * interface, which is left to the caller to report)
 */
int netcfg_ifindex(struct netcfg *nc, const char *name)
{
	struct link_info li;

	if (!name || !*name || strlen(name) >= IF_NAMESIZE) {
		errno = ENODEV;
		return -1;
	}
	if (get_link(nc, 0, name, &li) < 0) {
		if (errno != ENODEV)
			netcfg_report(nc, errno, "look up interface %s", name);
		return -1;
	}
	return li.ifindex;
}

static int set_link(struct netcfg *nc, int ifindex, bool up, unsigned mtu)
{
	struct nlmsghdr *nlh = netcfg_msg(nc, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return netcfg_talk(nc, NULL, NULL);
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
	struct link_info li;
	char name[IF_NAMESIZE];

	if (netcfg_reserve(nc) < 0)
		return -1;
	if (get_link(nc, ifindex, NULL, &li) < 0) {
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
	struct nlmsghdr *nlh = netcfg_msg(nc, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_GSO_MAX_SIZE, bytes);
	return netcfg_talk(nc, NULL, NULL);
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct addr *a)
{
	mnl_attr_put(nlh, type, addr_len(a), &a->v4);
}

static int addr_msg(struct netcfg *nc, uint16_t type, uint16_t flags,
		    int ifindex, const struct prefix *p)
{
	struct nlmsghdr *nlh = netcfg_msg(nc, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = (uint8_t)p->addr.family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	put_addr(nlh, IFA_LOCAL, &p->addr);
	put_addr(nlh, IFA_ADDRESS, &p->addr);
	return netcfg_talk(nc, NULL, NULL);
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
	struct nlmsghdr *nlh = netcfg_msg(nc, type, flags);
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
	return netcfg_talk(nc, NULL, NULL);
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

struct addr_query {
	int ifindex;
	bool found;
	struct addr a;
};

static void on_addr(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_query *q = arg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	bool have_local = false;

	if (q->found || nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) ||
	    ifa->ifa_family != AF_INET || (int)ifa->ifa_index != q->ifindex)
		return;
	/* IFA_LOCAL is our end; IFA_ADDRESS differs on point-to-point */
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		uint16_t type = mnl_attr_get_type(a);

		if ((type != IFA_LOCAL && type != IFA_ADDRESS) ||
		    mnl_attr_get_payload_len(a) != sizeof(q->a.v4) ||
		    (type == IFA_ADDRESS && have_local))
			continue;
		memcpy(&q->a.v4, mnl_attr_get_payload(a), sizeof(q->a.v4));
		q->a.family = AF_INET;
		q->found = true;
		have_local = type == IFA_LOCAL;
	}
}

/**
 * netcfg_addr_get() - the first IPv4 address of an interface
 * @nc:		the handle
 * @ifindex:	the interface
 * @out:	the address
 *
 * Return: 0, or -1 with errno set (EADDRNOTAVAIL: it has no IPv4 address,
 * which is left to the caller to report)
 */
int netcfg_addr_get(struct netcfg *nc, int ifindex, struct addr *out)
{
	struct addr_query q;
	int tries = DUMP_TRIES, ret;

	do {
		q = (struct addr_query){ .ifindex = ifindex };
		ret = dump(nc, RTM_GETADDR, AF_INET, sizeof(struct ifaddrmsg),
			   on_addr, &q);
	} while (ret < 0 && errno == EAGAIN && --tries);
	if (ret < 0) {
		netcfg_report(nc, errno, "list addresses");
		return -1;
	}
	if (!q.found) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	*out = q.a;
	return 0;
}

struct default_query {
	int ifindex;
	uint32_t metric;
};

static void on_route(const struct nlmsghdr *nlh, void *arg)
{
	struct default_query *q = arg;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t table, metric = 0;
	int oif = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    rtm->rtm_family != AF_INET || rtm->rtm_dst_len ||
	    rtm->rtm_type != RTN_UNICAST)
		return;
	table = rtm->rtm_table;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		const struct rtnexthop *nh = mnl_attr_get_payload(a);
		bool u32 = mnl_attr_validate(a, MNL_TYPE_U32) >= 0;

		switch (mnl_attr_get_type(a)) {
		case RTA_TABLE:
			if (u32)
				table = mnl_attr_get_u32(a);
			break;
		case RTA_OIF:
			if (u32)
				oif = (int)mnl_attr_get_u32(a);
			break;
		case RTA_PRIORITY:
			if (u32)
				metric = mnl_attr_get_u32(a);
			break;
		case RTA_MULTIPATH:	/* the first hop will do */
			if (!oif && mnl_attr_get_payload_len(a) >= sizeof(*nh))
				oif = nh->rtnh_ifindex;
			break;
		}
	}
	if (table != RT_TABLE_MAIN || oif <= 0)
		return;
	if (!q->ifindex || metric < q->metric) {
		q->ifindex = oif;
		q->metric = metric;
	}
}

/**
 * netcfg_default_ifindex() - the interface of the IPv4 default route
 * @nc:	the handle
 *
 * Looks in the main table; of several default routes, the one with the
 * lowest metric wins.
 *
 * Return: the interface index (> 0), or -1 with errno set (ENETUNREACH:
 * there is no default route, which is left to the caller to report)
 */
int netcfg_default_ifindex(struct netcfg *nc)
{
	struct default_query q;
	int tries = DUMP_TRIES, ret;

	do {
		q = (struct default_query){ 0 };
		ret = dump(nc, RTM_GETROUTE, AF_INET, sizeof(struct rtmsg),
			   on_route, &q);
	} while (ret < 0 && errno == EAGAIN && --tries);
	if (ret < 0) {
		netcfg_report(nc, errno, "list routes");
		return -1;
	}
	if (!q.ifindex) {
		errno = ENETUNREACH;
		return -1;
	}
	return q.ifindex;
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
	struct link_info li;
	int ifindex = c->ifindex;

	if (!ifindex && c->kind != NETCFG_STATE_RULE &&
	    c->kind != NETCFG_STATE_SYSCTL && c->kind != NETCFG_STATE_DNS) {
		if (get_link(nc, 0, c->ifname, &li) < 0) {
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
	mnl_socket_close(nc->nl);
	free(nc->changes);
	free(nc);
}
