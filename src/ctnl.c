/* SPDX-License-Identifier: MIT */
/* ctnl.c - deleting the kernel's conntrack entries of one source address
 *
 * Theory of operation. Kernel-NAT mode frees a removed client's flows by
 * deleting the conntrack entries whose original source is its pool
 * address, over ctnetlink (libmnl, one socket per call; CAP_NET_ADMIN):
 * a dump of the IPv4 entries (IPCTNL_MSG_CT_GET), whose original tuples
 * from that address are copied, then one IPCTNL_MSG_CT_DELETE per tuple.
 * The kernel's own dump filter (CTA_FILTER) takes flag bits the UAPI
 * headers do not define, so the match is made here. Deleting while the
 * dump runs could make the dump skip entries, hence the two steps; an
 * entry that ended in between (ENOENT) is not counted. At most
 * BATCH_MAX tuples are held at once: a round that fills up is followed by
 * another, MAX_ROUNDS at most.
 */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "ctnl.h"
#include "log.h"

#define TUPLE_MAX  256 /* bytes of an original tuple, nest included */
#define BATCH_MAX  4096
#define MAX_ROUNDS 64
#define BUF_SIZE   16384 /* the kernel fills a dump's reads to this */

struct tuple {
	uint16_t len;
	uint8_t b[TUPLE_MAX];
};

struct dump {
	uint32_t saddr;
	struct tuple *v;
	size_t n;
};

struct ctnl {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	char buf[BUF_SIZE];
};

static struct nlmsghdr *request(struct ctnl *c, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(c->buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++c->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
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
			    mnl_attr_get_payload_len(b) == sizeof(uint32_t))
				return mnl_attr_get_u32(b);
		}
	}
	return 0;
}

/* One entry of the dump: its original tuple kept if it is from saddr */
static int on_entry(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	const struct nlattr *a;

	if (d->n == BATCH_MAX)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != CTA_TUPLE_ORIG)
			continue;
		if (mnl_attr_get_payload_len(a) > TUPLE_MAX ||
		    tuple_src(a) != d->saddr)
			break;
		d->v[d->n].len = (uint16_t)mnl_attr_get_payload_len(a);
		memcpy(d->v[d->n].b, mnl_attr_get_payload(a), d->v[d->n].len);
		d->n++;
		break;
	}
	return MNL_CB_OK;
}

/* Run the request in c->buf until its answer (or the dump) is complete.
 * Return: 0, or -1 with errno set */
static int exchange(struct ctnl *c, mnl_cb_t cb, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)c->buf;
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(c->nl, c->buf, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(c->nl, c->buf, sizeof(c->buf));
		if (n < 0)
			return -1;
		rc = mnl_cb_run(c->buf, (size_t)n, seq, c->portid, cb, arg);
	} while (rc == MNL_CB_OK);
	return rc < 0 ? -1 : 0;
}

/* The entries from saddr, up to BATCH_MAX. Return: 0, or -1 */
static int collect(struct ctnl *c, struct dump *d)
{
	d->n = 0;
	request(c, IPCTNL_MSG_CT_GET, NLM_F_DUMP);
	return exchange(c, on_entry, d);
}

/* Delete one entry. Return: 1, 0 if it was gone already, -1 */
static int delete_one(struct ctnl *c, const struct tuple *t)
{
	struct nlmsghdr *nlh = request(c, IPCTNL_MSG_CT_DELETE, NLM_F_ACK);

	mnl_attr_put(nlh, CTA_TUPLE_ORIG | NLA_F_NESTED, t->len, t->b);
	if (!exchange(c, NULL, NULL))
		return 1;
	return errno == ENOENT ? 0 : -1;
}

static long delete_all(struct ctnl *c, struct dump *d)
{
	long deleted = 0;
	int r;

	for (int round = 0; round < MAX_ROUNDS; round++) {
		if (collect(c, d)) {
			log_warn("ctnl: listing conntrack entries");
			return -1;
		}
		for (size_t i = 0; i < d->n; i++) {
			r = delete_one(c, &d->v[i]);
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
	struct ctnl *c = calloc(1, sizeof(*c));
	long ret = -1;

	d.v = malloc(BATCH_MAX * sizeof(*d.v));
	if (!c || !d.v) {
		log_error("ctnl: out of memory");
		goto out;
	}
	c->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!c->nl || mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		log_warn("ctnl: netlink socket");
		goto out;
	}
	c->portid = mnl_socket_get_portid(c->nl);
	c->seq = (uint32_t)time(NULL);
	ret = delete_all(c, &d);
out:
	if (c && c->nl)
		mnl_socket_close(c->nl);
	free(c);
	free(d.v);
	return ret;
}
