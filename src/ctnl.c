/* SPDX-License-Identifier: MIT */
/* ctnl.c - deleting the kernel's conntrack entries of one source address
 *
 * Theory of operation. Kernel-NAT mode frees a removed client's flows by
 * deleting the conntrack entries whose original source is its pool
 * address, over ctnetlink (nlx.c, one socket per call; CAP_NET_ADMIN): a
 * dump of the IPv4 entries (IPCTNL_MSG_CT_GET), whose original tuples
 * from that address are copied, then one IPCTNL_MSG_CT_DELETE per tuple.
 * The kernel's own dump filter (CTA_FILTER) takes flag bits the UAPI
 * headers do not define, so the match is made here. Deleting while the
 * dump runs could make the dump skip entries, hence the two steps; an
 * entry that ended in between (ENOENT) is not counted, and a dump torn by
 * a concurrent change (EAGAIN) is read again. At most BATCH_MAX tuples
 * are held at once: a round that fills up is followed by another,
 * MAX_ROUNDS at most.
 */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctnl.h"
#include "log.h"
#include "nlx.h"

#define TUPLE_MAX  256 /* bytes of an original tuple's attributes */
#define BATCH_MAX  4096
#define MAX_ROUNDS 64

struct tuple {
	uint16_t len;
	uint8_t b[TUPLE_MAX];
};

struct dump {
	uint32_t saddr;
	struct tuple *v;
	size_t n;
};

/* A ctnetlink request for IPv4 in x->buf */
static struct nlmsghdr *request(struct nlx *x, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh =
		nlx_msg(x, (NFNL_SUBSYS_CTNETLINK << 8) | type, flags);
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->nfgen_family = AF_INET;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

/* The IPv4 source of an original tuple, 0 if it has none */
static uint32_t tuple_src(const struct nlattr *tuple)
{
	const struct nlattr *a, *b;

	mnl_attr_for_each_nested(a, tuple) {
		if (mnl_attr_get_type(a) != CTA_TUPLE_IP)
			continue;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) == CTA_IP_V4_SRC &&
			    mnl_attr_validate(b, MNL_TYPE_U32) >= 0)
				return mnl_attr_get_u32(b);
		}
	}
	return 0;
}

/* One entry of the dump: its original tuple kept if it is from saddr */
static void on_entry(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	const struct nlattr *a;

	if (d->n == BATCH_MAX)
		return;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != CTA_TUPLE_ORIG)
			continue;
		if (mnl_attr_get_payload_len(a) > TUPLE_MAX ||
		    tuple_src(a) != d->saddr)
			return;
		d->v[d->n].len = (uint16_t)mnl_attr_get_payload_len(a);
		memcpy(d->v[d->n].b, mnl_attr_get_payload(a), d->v[d->n].len);
		d->n++;
		return;
	}
}

/* The entries from saddr, up to BATCH_MAX. Return: 0, or -1 */
static int collect(struct nlx *x, struct dump *d)
{
	for (int i = 0; i < MAX_ROUNDS; i++) {
		d->n = 0;
		request(x, IPCTNL_MSG_CT_GET, NLM_F_DUMP);
		if (!nlx_talk(x, on_entry, d))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	return -1; /* torn every time: errno EAGAIN */
}

/* Delete one entry. Return: 1, 0 if it was gone already, -1 */
static int delete_one(struct nlx *x, const struct tuple *t)
{
	struct nlmsghdr *nlh = request(x, IPCTNL_MSG_CT_DELETE, 0);

	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, t->len, t->b);
	if (!nlx_talk(x, NULL, NULL))
		return 1;
	return errno == ENOENT ? 0 : -1;
}

static long delete_all(struct nlx *x, struct dump *d)
{
	long deleted = 0;
	int r;

	for (int round = 0; round < MAX_ROUNDS; round++) {
		if (collect(x, d)) {
			log_warn("ctnl: listing conntrack entries");
			return -1;
		}
		for (size_t i = 0; i < d->n; i++) {
			r = delete_one(x, &d->v[i]);
			if (r < 0) {
				log_warn("ctnl: deleting a conntrack entry");
				return -1;
			}
			deleted += r;
		}
		if (d->n < BATCH_MAX)
			return deleted;
	}
	log_warnx("ctnl: more than %d entries; some are left",
		  MAX_ROUNDS * BATCH_MAX);
	return deleted;
}

/**
 * ctnl_delete_from() - delete the conntrack entries of flows from @saddr
 * @saddr:	IPv4 source address of the flows' original direction,
 *		network order
 *
 * Needs CAP_NET_ADMIN in the network namespace.
 *
 * Return: how many entries were deleted, or -1 (logged)
 */
long ctnl_delete_from(uint32_t saddr)
{
	struct dump d = {.saddr = saddr};
	struct nlx *x = calloc(1, sizeof(*x));
	long ret = -1;

	d.v = malloc(BATCH_MAX * sizeof(*d.v));
	if (!x || !d.v) {
		log_error("ctnl: out of memory");
		goto out;
	}
	if (nlx_open(x, NETLINK_NETFILTER)) {
		log_warn("ctnl: netlink socket");
		goto out;
	}
	ret = delete_all(x, &d);
	nlx_close(x);
out:
	free(x);
	free(d.v);
	return ret;
}
