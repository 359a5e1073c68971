/* SPDX-License-Identifier: MIT */
/* netcfg_query.c - what the host has: interfaces, addresses, default route
 *
 * Read-only rtnetlink lookups on a netcfg handle; they change nothing and
 * record nothing. Dumps torn by a concurrent change are read again.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "netcfg.h"
#include "netcfg_impl.h"

/* A dump of @type for @family; EAGAIN if it was torn: start afresh */
static int dump(struct netcfg *nc, uint16_t type, uint8_t family,
		size_t hdrlen, nlx_reply_cb cb, void *arg)
{
	struct nlmsghdr *nlh = nlx_msg(&nc->nlx, type, NLM_F_DUMP);
	uint8_t *h = mnl_nlmsg_put_extra_header(nlh, hdrlen);

	/* ifinfomsg, ifaddrmsg and rtmsg all start with the family */
	h[0] = family;
	return nlx_talk(&nc->nlx, cb, arg);
}

/* Dumps torn by concurrent changes are tried again this often */
#define DUMP_TRIES 3


static void on_link(const struct nlmsghdr *nlh, void *arg)
{
	struct netcfg_link *li = arg;
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

/**
 * netcfg_get_link() - an interface's index, flags, MTU and name
 * @nc:		the handle
 * @ifindex:	the interface, or 0 to look it up by @name
 * @name:	its name, or NULL to look it up by @ifindex
 * @li:		result
 *
 * Return: 0, or -1 with errno set (not logged)
 */
int netcfg_get_link(struct netcfg *nc, int ifindex, const char *name,
		    struct netcfg_link *li)
{
	struct nlmsghdr *nlh = nlx_msg(&nc->nlx, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	memset(li, 0, sizeof(*li));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (nlx_talk(&nc->nlx, on_link, li) < 0)
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
	struct netcfg_link li;

	if (!name || !*name || strlen(name) >= IF_NAMESIZE) {
		errno = ENODEV;
		return -1;
	}
	if (netcfg_get_link(nc, 0, name, &li) < 0) {
		if (errno != ENODEV)
			netcfg_report(nc, errno, "look up interface %s", name);
		return -1;
	}
	return li.ifindex;
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
