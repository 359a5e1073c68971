/* SPDX-License-Identifier: MIT */
/* nexthop.c - the link-layer address a packet to a destination goes to,
 * as the kernel routes it out of one interface, cached for a moment
 *
 * For a sender that builds its own link header (egress_gso.c): ask the
 * kernel for the route to the destination out of the interface
 * (RTM_GETROUTE with RTA_OIF and RTA_UID: what a socket bound to that
 * device, opened by the same user at the same time, gets),
 * then for the gateway's, or the on-link destination's, neighbour entry
 * (RTM_GETNEIGH). Only an entry the kernel itself trusts now is used:
 * reachable, permanent or no-ARP, or one it is verifying (delay, probe).
 * Anything else (no entry, incomplete, failed, stale: the kernel would
 * probe it before trusting it again) is "not now": the caller sends
 * through the kernel's own path, which resolves or re-confirms the
 * neighbour for the next time. A route that is not unicast out of the
 * interface is "not now" as well.
 *
 * Answers are cached per destination in a fixed table (a new destination
 * takes the slot of the one its hash shares), good ones for a second so
 * that a changed neighbour is picked up soon, "not now" for a tenth of
 * one so that a destination being resolved is not asked about for every
 * packet. The netlink round trips are synchronous: a few per destination
 * and second at most.
 */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "nexthop.h"
#include "nlx.h"

/* neighbour states the kernel sends to without asking first */
#define NUD_USABLE                                                             \
	(NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP | NUD_DELAY | NUD_PROBE)

struct slot {
	uint32_t daddr;
	bool ok;
	uint64_t until_ms; /* 0: empty */
	uint8_t lladdr[NEXTHOP_ALEN];
};

struct nexthop {
	int ifindex;
	uint32_t uid; /* who opened it (rules may route by user) */
	bool lladdr;  /* the interface has link-layer addresses */
	uint64_t lookups;
	struct slot slot[NEXTHOP_SLOTS];
	struct nlx nlx;
};

/* What a route or neighbour reply said */
struct answer {
	bool ok;
	int oif;     /* route: the interface */
	uint32_t gw; /* route: the gateway, 0 if on-link */
	uint8_t lladdr[NEXTHOP_ALEN];
};

/**
 * nexthop_open() - a next-hop finder for one interface
 * @ifindex:	the interface packets leave by
 * @lladdr:	true if it has link-layer addresses (Ethernet), false for a
 *		device without (tun, WireGuard): only the route is checked
 *
 * Open it when the raw socket it stands in for is opened, before
 * privileges are dropped: routes are looked up for the user who opened it,
 * as the kernel routes that socket's packets.
 *
 * Return: the finder, or NULL (logged)
 */
struct nexthop *nexthop_open(int ifindex, bool lladdr)
{
	struct nexthop *h = calloc(1, sizeof(*h));

	if (!h) {
		log_error("nexthop: out of memory");
		return NULL;
	}
	if (nlx_open(&h->nlx, NETLINK_ROUTE)) {
		log_warn("nexthop: netlink");
		free(h);
		return NULL;
	}
	h->ifindex = ifindex;
	h->uid = (uint32_t)geteuid();
	h->lladdr = lladdr;
	return h;
}

static void on_route(const struct nlmsghdr *nlh, void *arg)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct answer *a = arg;
	const struct nlattr *at;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
	    rtm->rtm_family != AF_INET || rtm->rtm_type != RTN_UNICAST)
		return;
	mnl_attr_for_each(at, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(at)) {
		case RTA_OIF:
			if (mnl_attr_validate(at, MNL_TYPE_U32) >= 0)
				a->oif = (int)mnl_attr_get_u32(at);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(at) == sizeof(a->gw))
				memcpy(&a->gw, mnl_attr_get_payload(at),
				       sizeof(a->gw));
			break;
		case RTA_VIA: /* an IPv6 gateway: not ours to resolve */
			return;
		}
	}
	a->ok = true;
}

/* The route to @daddr out of the interface: 0 (gateway in a->gw, or 0
 * on-link) or -1 if there is no unicast route out of it */
static int route(struct nexthop *h, uint32_t daddr, struct answer *a)
{
	struct nlmsghdr *nlh = nlx_msg(&h->nlx, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put(nlh, RTA_DST, sizeof(daddr), &daddr);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)h->ifindex);
	mnl_attr_put_u32(nlh, RTA_UID, h->uid);
	memset(a, 0, sizeof(*a));
	if (nlx_talk(&h->nlx, on_route, a) < 0 || !a->ok ||
	    a->oif != h->ifindex)
		return -1;
	return 0;
}

static void on_neigh(const struct nlmsghdr *nlh, void *arg)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct answer *a = arg;
	const struct nlattr *at;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm) ||
	    !(ndm->ndm_state & NUD_USABLE))
		return;
	mnl_attr_for_each(at, nlh, sizeof(*ndm)) {
		if (mnl_attr_get_type(at) == NDA_LLADDR &&
		    mnl_attr_get_payload_len(at) == NEXTHOP_ALEN) {
			memcpy(a->lladdr, mnl_attr_get_payload(at),
			       NEXTHOP_ALEN);
			a->ok = true;
		}
	}
}

/* The usable neighbour entry of @addr on the interface: 0 or -1 */
static int neigh(struct nexthop *h, uint32_t addr, struct answer *a)
{
	struct nlmsghdr *nlh = nlx_msg(&h->nlx, RTM_GETNEIGH, 0);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = h->ifindex;
	mnl_attr_put(nlh, NDA_DST, sizeof(addr), &addr);
	memset(a, 0, sizeof(*a));
	if (nlx_talk(&h->nlx, on_neigh, a) < 0 || !a->ok)
		return -1;
	return 0;
}

/* Ask the kernel about @daddr, fill @s */
static void lookup(struct nexthop *h, uint32_t daddr, struct slot *s)
{
	struct answer a;

	h->lookups++;
	s->daddr = daddr;
	s->ok = !route(h, daddr, &a) &&
		(!h->lladdr || !neigh(h, a.gw ? a.gw : daddr, &a));
	if (s->ok && h->lladdr)
		memcpy(s->lladdr, a.lladdr, NEXTHOP_ALEN);
}

/**
 * nexthop_get() - where a packet to a destination goes on the link
 * @h:		the finder
 * @daddr:	the destination, network byte order
 * @now_ms:	monotonic milliseconds (for the cache)
 * @lladdr:	receives the next hop's link-layer address (when the
 *		interface has them)
 *
 * Return: 1 if the packet can go out of the interface now (to @lladdr),
 * 0 if not now (no usable route or neighbour: send it through the kernel)
 */
int nexthop_get(struct nexthop *h, uint32_t daddr, uint64_t now_ms,
		uint8_t lladdr[NEXTHOP_ALEN])
{
	struct slot *s = &h->slot[hash_mix3(0, daddr, 0, 0) % NEXTHOP_SLOTS];

	if (!s->until_ms || s->daddr != daddr || now_ms >= s->until_ms) {
		lookup(h, daddr, s);
		s->until_ms =
			now_ms + (s->ok ? NEXTHOP_OK_MS : NEXTHOP_RETRY_MS);
	}
	if (!s->ok)
		return 0;
	memcpy(lladdr, s->lladdr, NEXTHOP_ALEN);
	return 1;
}

/**
 * nexthop_lookups() - how many times the kernel was asked (cache misses)
 * @h:		the finder
 *
 * Return: the count
 */
uint64_t nexthop_lookups(const struct nexthop *h)
{
	return h->lookups;
}

/**
 * nexthop_close() - free the finder
 * @h:		the finder, or NULL
 *
 * Return: nothing
 */
void nexthop_close(struct nexthop *h)
{
	if (!h)
		return;
	nlx_close(&h->nlx);
	free(h);
}
