/* SPDX-License-Identifier: MIT */
/* knat.c - kernel-NAT mode: the server's kernel NATs its clients' packets
 *
 * Theory of operation. The server role checks a client's packet as in
 * userspace mode (source, egress policy, TTL, MTU), then knat_outbound()
 * gives the session a pool address if it has none yet, moves the packet's
 * source to it and writes it into the TUN device KNAT_TUN. The kernel
 * routes it, the nftables table (knat_nft.c) source-NATs it out of the
 * egress interface, and conntrack routes the replies, translated back,
 * to the pool address: into the TUN again, where on_tun() reads them,
 * finds the session by destination, moves the destination back to the
 * client's inner address and delivers them. The kernel sees each packet
 * once more as a router, so it decrements the TTL itself: the server's
 * TTL check must then only test it.
 *
 * On the host, while it runs: the TUN (up, with the tunnel's MTU and a
 * route of the pool), the table, and sysctls: IPv4 forwarding on, and
 * conntrack's UDP and ICMP timeouts (and TCP's established one) raised to
 * nat.timeouts, never lowered, as they hold for the whole namespace. The
 * sysctls, link and route go through netcfg with the state file
 * /run/tether/server.NETNS, written before each change. The TUN is not
 * persistent: it vanishes with the process, route included, which makes
 * it a lock too: while it exists a server runs, and while none does, a
 * leftover table and state file are a crashed run's, for knat_cleanup()
 * or the next knat_open() to undo. A server that drops its privileges
 * hands the undoing over to its root keeper (privsep.c), which has a copy
 * of this state and runs knat_undo_host() when the server ends, however
 * it ends; the server keeps CAP_NET_ADMIN for the changes it makes while
 * it runs: quota sets, their rules, and conntrack entries.
 *
 * A reload (SIGHUP) changes the clients: one added, or whose quota
 * changed, goes through knat_client() (the per-session arrays and the
 * pool grow, a new quota value gets its sets and rule); one removed
 * through knat_client_removed(), which deletes the flows the kernel still
 * tracks from its pool address (ctnl.c), so that no reply of theirs ever
 * reaches whoever holds the address next.
 */
#include <errno.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctnl.h"
#include "knat.h"
#include "knat_nft.h"
#include "knat_pool.h"
#include "log.h"
#include "netcfg.h"
#include "nftcmd.h"
#include "runstate.h"
#include "tun.h"
#include "u32set.h"

#define PKT_MAX		 65536
#define READS_PER_WAKEUP 64

/* Why kernel-NAT mode dropped a packet */
enum knat_drop {
	KNAT_DROP_NO_ADDRESS,	 /* the pool is used up (3/13 sent) */
	KNAT_DROP_QUOTA_SET,	 /* nftables refused the session's quota */
	KNAT_DROP_TUN_WRITE,	 /* the TUN refused it */
	KNAT_DROP_IN_NOT_IPV4,	 /* from the TUN: not IPv4 (IPv6 chatter) */
	KNAT_DROP_IN_MALFORMED,	 /* from the TUN: not a valid packet */
	KNAT_DROP_IN_NO_SESSION, /* to a pool address no session holds */
	KNAT_DROP__COUNT
};

static const char *const drop_names[KNAT_DROP__COUNT] = {
	[KNAT_DROP_NO_ADDRESS] = "no pool address left",
	[KNAT_DROP_QUOTA_SET] = "nftables refused the quota entry",
	[KNAT_DROP_TUN_WRITE] = "TUN write refused",
	[KNAT_DROP_IN_NOT_IPV4] = "inbound not IPv4",
	[KNAT_DROP_IN_MALFORMED] = "inbound malformed",
	[KNAT_DROP_IN_NO_SESSION] = "inbound to a pool address of no session",
};

static const struct {
	const char *key;
	size_t timeout; /* offset of the seconds in struct conf_server */
} timeouts[] = {
	{"net.netfilter.nf_conntrack_udp_timeout",
	 offsetof(struct conf_server, nat_udp_timeout)},
	{"net.netfilter.nf_conntrack_udp_timeout_stream",
	 offsetof(struct conf_server, nat_udp_timeout)},
	{"net.netfilter.nf_conntrack_icmp_timeout",
	 offsetof(struct conf_server, nat_icmp_timeout)},
	{"net.netfilter.nf_conntrack_tcp_timeout_established",
	 offsetof(struct conf_server, nat_tcp_established_timeout)},
};

struct knat {
	struct ev_loop *loop;
	struct tun *tun;
	struct ev_io *io;
	struct netcfg *nc;
	struct nft_ctx *nft;
	bool table;
	struct u32set quotas; /* the flow quotas with a set in the table */
	struct knat_pool *pool;
	uint32_t nsessions;
	uint32_t *quota; /* per session: its flow quota */
	uint32_t *inner; /* per session: its inner address */
	knat_deliver_cb deliver;
	void *arg;
	uint64_t drops[KNAT_DROP__COUNT];
	uint64_t out, in;
	uint8_t buf[PKT_MAX];
};

/* Packets the kernel routed to the pool: back to their clients */
static void on_tun(struct ev_io *io, int events, void *arg)
{
	struct knat *k = arg;
	uint32_t session;
	struct pkt p;

	(void)io;
	(void)events;
	for (int i = 0; i < READS_PER_WAKEUP; i++) {
		ssize_t n = tun_read(k->tun, k->buf, sizeof(k->buf));

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("knat: read from " KNAT_TUN);
			return;
		}
		if (n < 1 || k->buf[0] >> 4 != 4) {
			k->drops[KNAT_DROP_IN_NOT_IPV4]++;
			continue;
		}
		if (pkt_parse(&p, k->buf, (size_t)n) != PKT_OK) {
			k->drops[KNAT_DROP_IN_MALFORMED]++;
			continue;
		}
		if (knat_pool_owner(k->pool, p.daddr, &session)) {
			k->drops[KNAT_DROP_IN_NO_SESSION]++;
			continue;
		}
		knat_xlate_in(&p, k->inner[session]);
		k->in++;
		k->deliver(session, k->buf, p.len, k->arg);
	}
}

/* The session's pool address in *@a, taken (and entered in its quota's
 * set) on its first packet. Return: KNAT_SENT if there is one, else why
 * not (counted) */
static enum knat_verdict session_addr(struct knat *k, uint32_t session,
				      uint32_t inner, uint32_t *a)
{
	*a = knat_pool_addr(k->pool, session);
	if (*a)
		return KNAT_SENT;
	*a = knat_pool_take(k->pool, session);
	if (!*a) {
		k->drops[KNAT_DROP_NO_ADDRESS]++;
		return KNAT_REFUSE;
	}
	if (knat_nft_member(k->nft, k->quota[session], *a, 1)) {
		knat_pool_release(k->pool, session);
		k->drops[KNAT_DROP_QUOTA_SET]++;
		return KNAT_DROP;
	}
	k->inner[session] = inner;
	return KNAT_SENT;
}

/**
 * knat_outbound() - hand a client's checked packet to the kernel
 * @k:		kernel-NAT mode
 * @session:	the client session that sent it
 * @p:		the packet, parsed, from the client's inner address; its
 *		source is rewritten in place
 * @gso:	for a TCP packet of many segments, their payload size: the
 *		kernel splits it (tun_write_gso()); 0 for any other packet
 *
 * Return: see enum knat_verdict
 */
enum knat_verdict knat_outbound(struct knat *k, uint32_t session, struct pkt *p,
				size_t gso)
{
	enum knat_verdict v;
	uint32_t a;

	v = session_addr(k, session, p->saddr, &a);
	if (v != KNAT_SENT)
		return v;
	knat_xlate_out(p, a);
	if (tun_write_gso(k->tun, p, gso) < 0) {
		k->drops[KNAT_DROP_TUN_WRITE]++;
		return KNAT_DROP;
	}
	k->out++;
	return KNAT_SENT;
}

/**
 * knat_session_gone() - a session ended: its pool address is free again
 * @k:		kernel-NAT mode
 * @session:	the session
 */
void knat_session_gone(struct knat *k, uint32_t session)
{
	uint32_t a = knat_pool_release(k->pool, session);

	if (a)
		knat_nft_member(k->nft, k->quota[session], a, 0);
}

void knat_log_counters(const struct knat *k)
{
	log_info("knat: %llu packets into the kernel, %llu back; %u of %u "
		 "pool addresses in use",
		 (unsigned long long)k->out, (unsigned long long)k->in,
		 knat_pool_used(k->pool), knat_pool_size(k->pool));
	for (int i = 0; i < KNAT_DROP__COUNT; i++)
		if (k->drops[i])
			log_info("knat: dropped %llu (%s)",
				 (unsigned long long)k->drops[i],
				 drop_names[i]);
}

/* netcfg with the server's state file of this network namespace */
static struct netcfg *open_netcfg(void)
{
	struct netcfg *nc = netcfg_open();
	char path[64];

	if (nc &&
	    netcfg_set_state(nc, runstate_path("server", path, sizeof(path)))) {
		log_warn("knat: state file %s", path);
		netcfg_close(nc);
		return NULL;
	}
	return nc;
}

/* Undo what a crashed run left. Return: 1 if something, 0, -1 */
static int undo_leftovers(struct netcfg *nc, struct nft_ctx *nft)
{
	char what[1024];
	int n = netcfg_cleanup(nc, what, sizeof(what)), t;

	if (*what)
		log_info("knat: undoing what a previous run left: %s", what);
	t = knat_nft_delete(nft);
	if (t > 0)
		log_info("knat: deleted the nftables table " KNAT_TABLE
			 " a previous run left");
	if (n < 0 || t < 0) {
		log_error("knat: could not undo everything a previous run left "
			  "(see above)");
		return -1;
	}
	return n > 0 || t > 0;
}

static bool overlap(const struct prefix *a, const struct prefix *b)
{
	return a->len <= b->len ? prefix_contains(a, &b->addr)
				: prefix_contains(b, &a->addr);
}

/* What kernel mode cannot do, and a pool that holds a client's inner
 * address, are refused: say what */
static int check_config(const struct conf_server *cf)
{
	const struct conf_peer *peers = cf->clients.v;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];
	const struct prefix *clash = NULL;

	if (cf->nat_filtering == CONF_FILTER_ENDPOINT) {
		log_error("knat: nat.filtering \"endpoint-independent\" is "
			  "not available in kernel mode (Linux lets in only "
			  "the endpoint a flow was sent to)");
		return -1;
	}
	if (cf->nat_pool.addr.family != AF_INET) {
		log_error("knat: nat.pool %s is not an IPv4 prefix",
			  prefix_format(&cf->nat_pool, a, sizeof(a)));
		return -1;
	}
	if (overlap(&cf->nat_pool, &cf->tunnel_address))
		clash = &cf->tunnel_address;
	for (size_t i = 0; !clash && i < cf->clients.n; i++)
		if (peers[i].address.addr.family &&
		    overlap(&cf->nat_pool, &peers[i].address))
			clash = &peers[i].address;
	if (!clash)
		return 0;
	log_error("knat: nat.pool %s overlaps the clients' inner addresses "
		  "(%s): pick another pool",
		  prefix_format(&cf->nat_pool, a, sizeof(a)),
		  prefix_format(clash, b, sizeof(b)));
	return -1;
}

/* Each session's quota, and the distinct ones for the table's sets */
static int set_quotas(struct knat *k, const struct conf_server *cf,
		      struct knat_nft_params *np)
{
	const struct conf_peer *peers = cf->clients.v;

	k->quota = calloc(k->nsessions + 1, sizeof(*k->quota));
	if (!k->quota)
		return -1;
	for (uint32_t i = 0; i < k->nsessions; i++) {
		k->quota[i] = (uint32_t)(peers[i].max_mappings
						 ? peers[i].max_mappings
						 : cf->nat_mappings_per_client);
		if (u32set_add(&k->quotas, k->quota[i]) < 0)
			return -1;
	}
	np->quotas = k->quotas.v;
	np->nquotas = k->quotas.n;
	return 0;
}

/* The TUN up with the tunnel's MTU, the pool routed into it, and the
 * sysctls */
static int configure_host(struct knat *k, const struct conf_server *cf)
{
	int ifindex = tun_ifindex(k->tun);

	if (netcfg_sysctl_set(k->nc, "net.ipv4.ip_forward", 1))
		return -1;
	for (size_t i = 0; i < sizeof(timeouts) / sizeof(*timeouts); i++) {
		const int64_t *s = (const int64_t *)((const char *)cf +
						     timeouts[i].timeout);

		if (netcfg_sysctl_raise(k->nc, timeouts[i].key, (unsigned)*s))
			return -1;
	}
	if (netcfg_link_up(k->nc, ifindex, (unsigned)cf->tunnel_mtu) ||
	    netcfg_route_add(k->nc, ifindex, &cf->nat_pool, 0))
		return -1;
	return 0;
}

static int open_tun(struct knat *k)
{
	k->tun = tun_open_flags(KNAT_TUN, TUN_VNET);
	if (!k->tun) {
		if (errno == EBUSY)
			log_error("knat: another tether server in kernel-NAT "
				  "mode runs in this network namespace");
		return -1;
	}
	k->io = ev_io_new(k->loop, tun_fd(k->tun), on_tun, k);
	return k->io ? 0 : -1;
}

/**
 * knat_open() - start kernel-NAT mode
 * @l:		event loop
 * @cf:		the server's config: clients, tunnel, nat
 * @egress_if:	the egress interface
 * @ext_addr:	the egress address, network order
 * @deliver:	called with each packet for a client
 * @arg:	passed to @deliver
 *
 * Undoes what a crashed run left first. Needs CAP_NET_ADMIN.
 *
 * Return: kernel-NAT mode, running; NULL (logged) if it could not start,
 * with whatever it did undone
 */
struct knat *knat_open(struct ev_loop *l, const struct conf_server *cf,
		       const char *egress_if, uint32_t ext_addr,
		       knat_deliver_cb deliver, void *arg)
{
	struct knat *k = calloc(1, sizeof(*k));
	struct knat_nft_params np = {
		.tun = KNAT_TUN,
		.egress = egress_if,
		.pool = cf->nat_pool,
		.ext_addr = ext_addr,
		.port_lo = cf->nat_ports.lo,
		.port_hi = cf->nat_ports.hi,
	};
	const char *why = NULL;
	char a[ADDR_STRLEN];

	if (!k || check_config(cf))
		goto err;
	k->loop = l;
	k->deliver = deliver;
	k->arg = arg;
	k->nsessions = (uint32_t)cf->clients.n;
	k->pool = knat_pool_new(&cf->nat_pool, k->nsessions, &why);
	k->inner = calloc(k->nsessions + 1, sizeof(*k->inner));
	if (!k->pool || !k->inner || set_quotas(k, cf, &np))
		goto err;
	/* the TUN first: if another server holds it, touch nothing */
	if (open_tun(k))
		goto err;
	k->nc = open_netcfg();
	k->nft = nftcmd_open("knat");
	if (!k->nc || !k->nft || undo_leftovers(k->nc, k->nft) < 0 ||
	    runstate_mkdir() || knat_nft_create(k->nft, &np))
		goto err;
	k->table = true;
	if (configure_host(k, cf) || ev_io_start(k->io, EV_READ))
		goto err;
	log_info("knat: clients' packets go through %s as %u addresses of "
		 "%s, NATed by the kernel (nftables table " KNAT_TABLE ")",
		 KNAT_TUN, knat_pool_size(k->pool),
		 prefix_format(&cf->nat_pool, a, sizeof(a)));
	return k;
err:
	if (k && !k->pool && why)
		log_error("knat: nat.pool %s", why);
	knat_close(k);
	return NULL;
}

/**
 * knat_close() - stop kernel-NAT mode, undoing everything it did
 * @k:	kernel-NAT mode, or NULL
 */
void knat_close(struct knat *k)
{
	if (!k)
		return;
	ev_io_free(k->io);
	knat_undo_host(k);
	netcfg_close(k->nc);
	if (k->nft)
		nft_ctx_free(k->nft);
	tun_close(k->tun);
	knat_pool_free(k->pool);
	free(k->quota);
	free(k->inner);
	u32set_free(&k->quotas);
	free(k);
}

/**
 * knat_cleanup() - undo what a kernel-NAT mode server that died left
 *
 * The sysctls its state file lists are restored and its nftables table is
 * deleted. While its TUN device exists a server runs: nothing is touched.
 *
 * Return: 1 if something was undone, 0 if nothing was left, -1 on failure
 * (logged)
 */
int knat_cleanup(void)
{
	struct netcfg *nc;
	struct nft_ctx *nft;
	int ret = -1;

	if (if_nametoindex(KNAT_TUN)) {
		log_error("knat: " KNAT_TUN " exists: a tether server in "
			  "kernel-NAT mode runs in this network namespace; "
			  "left alone");
		return -1;
	}
	nc = open_netcfg();
	nft = nftcmd_open("knat");
	if (nc && nft)
		ret = undo_leftovers(nc, nft);
	netcfg_close(nc);
	if (nft)
		nft_ctx_free(nft);
	return ret;
}

/**
 * knat_undo_host() - undo the changes to the host: sysctls, the TUN's
 * link and route, the table
 * @k:	kernel-NAT mode, or NULL
 *
 * Called by knat_close(), or by the keeper (privsep.c) with its copy of
 * the server's @k, once the server is gone or about to be.
 */
void knat_undo_host(struct knat *k)
{
	if (!k)
		return;
	if (netcfg_undo(k->nc))
		log_error("knat: could not undo everything (see above); "
			  "tether --role=server --cleanup retries");
	if (k->table && knat_nft_delete(k->nft) < 0)
		log_error("knat: the nftables table " KNAT_TABLE " stays; "
			  "tether --role=server --cleanup retries");
	k->table = false;
}

/**
 * knat_hand_over() - leave undoing the host changes to the keeper
 * @k:	kernel-NAT mode, or NULL
 *
 * For the server once its keeper, which has a copy of @k, holds them:
 * knat_close() then undoes nothing.
 */
void knat_hand_over(struct knat *k)
{
	if (!k)
		return;
	netcfg_close(k->nc);
	k->nc = NULL;
	k->table = false;
}

/* Room for session @id in the per-session arrays and the pool */
static int grow_sessions(struct knat *k, uint32_t id)
{
	uint32_t n = k->nsessions ? k->nsessions : 8;
	uint32_t *q, *in;

	if (id < k->nsessions)
		return 0;
	while (n <= id)
		n *= 2;
	q = realloc(k->quota, n * sizeof(*q));
	if (q)
		k->quota = q;
	in = realloc(k->inner, n * sizeof(*in));
	if (in)
		k->inner = in;
	if (!q || !in || knat_pool_grow(k->pool, n))
		return -1;
	memset(q + k->nsessions, 0, (n - k->nsessions) * sizeof(*q));
	memset(in + k->nsessions, 0, (n - k->nsessions) * sizeof(*in));
	k->nsessions = n;
	return 0;
}

/* The table's sets and rule for @quota, made if it has none yet */
static int quota_known(struct knat *k, uint32_t quota)
{
	int added = u32set_add(&k->quotas, quota);

	if (added < 0) {
		log_error("knat: out of memory");
		return -1;
	}
	if (added && knat_nft_quota(k->nft, KNAT_TUN, quota)) {
		u32set_del(&k->quotas, quota);
		return -1;
	}
	return 0;
}

/**
 * knat_client() - serve client @id with flow quota @quota: a reload added
 * it, or changed its quota
 * @k:		kernel-NAT mode
 * @id:		the client's session id
 * @quota:	its flow quota
 *
 * A session that holds a pool address moves to the new quota's set: the
 * flows it has already are not counted there, only those it starts from
 * now on.
 *
 * Return: 0, or -1 (logged): an added client must then not be served
 */
int knat_client(struct knat *k, uint32_t id, uint32_t quota)
{
	uint32_t old, a;

	if (grow_sessions(k, id)) {
		log_error("knat: out of memory");
		return -1;
	}
	if (quota_known(k, quota))
		return -1;
	old = k->quota[id];
	a = knat_pool_addr(k->pool, id);
	if (a && old != quota) {
		if (knat_nft_member(k->nft, quota, a, 1))
			return -1;
		knat_nft_member(k->nft, old, a, 0);
	}
	k->quota[id] = quota;
	return 0;
}

/**
 * knat_client_removed() - client @id is no longer served: its flows go
 * @k:	kernel-NAT mode
 * @id:	the client's session id
 *
 * Its session, if it still has one, ends; the conntrack entries of the
 * pool address it held last are deleted (unless another session holds
 * that address by now), so the address passes on without them.
 *
 * Return: how many flows were deleted, or -1 (logged)
 */
long knat_client_removed(struct knat *k, uint32_t id)
{
	uint32_t a;

	knat_session_gone(k, id);
	a = knat_pool_forget(k->pool, id);
	return a ? ctnl_delete_from(a) : 0;
}
