/* SPDX-License-Identifier: MIT */
/* server.c - the server role: authenticated clients NATed to the internet
 *
 * This file sets the role up, drops privileges, handles signals and
 * reports status; what happens to each packet is in server_path.c.
 *
 * Clients reach the server over WebSocket (through a phone) or UDP; the
 * tunnel (tunnel_server.c) authenticates them and hands over their IP
 * packets, tagged with the client's id. Each packet then goes through,
 * in order: the source check (a client sends from the address it was
 * given), the router's TTL, the egress policy, and the userspace NAT
 * (nat.h); what comes out is sent with a raw socket. Replies are picked
 * off the egress interface by pcap (capture.c), translated back by the
 * NAT and batched to their client; all batches are flushed once per loop
 * turn. A refusal (policy, quota) is answered with ICMP 3/13 so the
 * client's applications fail fast instead of timing out. A reply for a
 * client that has been without a path for a while (its phone is gone) is
 * answered with ICMP host unreachable, as the NAT's router would: the
 * internet side's TCP then keeps its retransmission timeout short (RFC
 * 6069) and resumes at once when the client is back.
 *
 * While it runs the server keeps its own kernel out of the NAT's port
 * range (hostguard.c) and removes that again on exit.
 *
 * In kernel-NAT mode (knat.h) the same checks come first, then the
 * packet goes to the server's kernel through a TUN device instead of the
 * userspace NAT, and replies come back from there.
 *
 * Once everything that needs root is open, the server runs as an
 * unprivileged user (privdrop.c); a keeper process (privsep.c) stays root
 * to undo the host changes at the end and to open the config for a reload
 * (SIGHUP, server_clients.c), which takes the new list of clients.
 * Kernel-NAT mode keeps one capability, CAP_NET_ADMIN, for what it
 * changes while it runs: a pool address into its quota's nftables set on
 * a session's first packet and out at its end, a new quota's set and rule
 * and a removed client's conntrack entries on a reload. Those changes are
 * many, small and in the packet path; sending each to the keeper would
 * add a process switch to a session's first packet and a request format
 * to validate for each kind, to keep from the server what CAP_NET_ADMIN
 * in its own network namespace gives. Its host changes at start (table,
 * sysctls, TUN) are the keeper's to undo, as hostguard's are.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "egress_gso.h"
#include "ev.h"
#include "hostguard.h"
#include "knat.h"
#include "log.h"
#include "nat.h"
#include "netcfg.h"
#include "pemfile.h"
#include "policy.h"
#include "privdrop.h"
#include "privsep.h"
#include "ratelimit.h"
#include "rawsock.h"
#include "roles.h"
#include "server_clients.h"
#include "server_impl.h"
#include "server_status.h"
#include "status.h"
#include "tokenbucket.h"
#include "transport.h"
#include "tunnel.h"

#define MAX_MESSAGE	65536
#define UDP_MAX_MESSAGE 1472
#define QUEUE_BYTES	(1 << 20)
#define LINGER_MS	(900 * 1000)
/* Replies for a client that lost its path: answered with ICMP host
 * unreachable (server_path.c) at most ICMP_RATE per second per internet
 * host, ICMP_GLOBAL_RATE in all */
#define ICMP_RATE	  10
#define ICMP_BURST	  10
#define ICMP_GLOBAL_RATE  1000
#define ICMP_GLOBAL_BURST 100

/* A client's bandwidth limit passes this much at once after an idle time.
 * Half a second at the rate: with a much smaller bucket a TCP sender on a
 * short path (whose window is far above the rate at any size) loses whole
 * bursts and stalls in retransmission timeouts, and gets half the rate. */
#define RATE_BURST_MS  500
#define RATE_BURST_MIN 65536

static const char *const drop_names[SERVER_DROP__COUNT] = {
	[SERVER_DROP_PARSE] = "malformed",
	[SERVER_DROP_SOURCE] = "wrong source",
	[SERVER_DROP_TTL] = "ttl expired",
	[SERVER_DROP_POLICY] = "egress policy",
	[SERVER_DROP_QUOTA] = "mapping quota",
	[SERVER_DROP_NAT] = "nat",
	[SERVER_DROP_SIZE] = "over egress mtu",
	[SERVER_DROP_SEND] = "send failed",
	[SERVER_DROP_IN_CSUM] = "inbound malformed or bad checksum",
	[SERVER_DROP_OFFLINE] = "client offline",
	[SERVER_DROP_RATE_UP] = "bandwidth limit, to the internet",
	[SERVER_DROP_RATE_DN] = "bandwidth limit, from the internet",
};


static void on_message(struct tconn *c, uint8_t *msg, size_t len, void *user)
{
	struct server *s = user;

	tunnel_server_receive(s->tunnel, c, msg, len);
}

static void on_closed(struct tconn *c, const char *why, void *user)
{
	struct server *s = user;

	log_debug("server: %s closed (%s)", tconn_name(c), why);
	tunnel_server_closed(s->tunnel, c);
}

static const struct transport_handlers transport_handlers = {
	.message = on_message,
	.closed = on_closed,
};

static void on_flush(struct ev_turn *t, void *arg)
{
	struct server *s = arg;

	(void)t;
	tunnel_server_flush(s->tunnel);
}

static void on_expire(struct ev_timer *t, void *arg)
{
	struct server *s = arg;

	(void)t;
	if (s->nat)
		nat_expire(s->nat, ev_now(s->loop));
}

/* Egress interface and address: from the config, else the default route */
static int find_egress(struct server *s)
{
	struct netcfg *nc = netcfg_open();
	int ifindex, ret = -1;
	struct addr a;
	char name[ADDR_STRLEN];

	if (!nc)
		return -1;
	if (s->cf->egress_interface) {
		snprintf(s->egress_if, sizeof(s->egress_if), "%s",
			 s->cf->egress_interface);
		ifindex = netcfg_ifindex(nc, s->egress_if);
	} else {
		ifindex = netcfg_default_ifindex(nc);
		if (ifindex > 0 &&
		    !if_indextoname((unsigned)ifindex, s->egress_if))
			ifindex = -1;
	}
	if (ifindex <= 0) {
		log_error("server: no egress interface (set egress.interface)");
		goto out;
	}
	if (s->cf->egress_address.family == AF_INET) {
		s->ext_addr = s->cf->egress_address.v4.s_addr;
	} else if (netcfg_addr_get(nc, ifindex, &a) || a.family != AF_INET) {
		log_error("server: %s has no IPv4 address (set "
			  "egress.address)",
			  s->egress_if);
		goto out;
	} else {
		s->ext_addr = a.v4.s_addr;
	}
	a.family = AF_INET;
	a.v4.s_addr = s->ext_addr;
	log_info("server: egress %s, address %s", s->egress_if,
		 addr_format(&a, name, sizeof(name)));
	ret = 0;
out:
	netcfg_close(nc);
	return ret;
}

static int start_nat(struct server *s)
{
	const struct conf_server *cf = s->cf;
	struct nat_params np;
	char why[160];

	if (cf->nat_mode == CONF_NAT_KERNEL)
		return 0;
	nat_params_default(&np);
	np.ext_addr = s->ext_addr;
	np.port_lo = cf->nat_ports.lo;
	np.port_hi = cf->nat_ports.hi;
	np.filter = cf->nat_filtering == CONF_FILTER_ENDPOINT
			    ? NAT_FILTER_ENDPOINT
			    : NAT_FILTER_ADDR;
	np.session_quota = (uint32_t)cf->nat_mappings_per_client;
	np.max_mappings = (uint32_t)cf->nat_max_mappings;
	np.udp_timeout = (uint32_t)cf->nat_udp_timeout;
	np.tcp_est_timeout = (uint32_t)cf->nat_tcp_established_timeout;
	np.tcp_trans_timeout = (uint32_t)cf->nat_tcp_transitory_timeout;
	np.icmp_timeout = (uint32_t)cf->nat_icmp_timeout;
	if (nat_params_check(&np, why, sizeof(why))) {
		log_error("server: %s", why);
		return -1;
	}
	s->nat = nat_new(&np);
	if (!s->nat)
		return -1;
	s->clients.nat = s->nat;
	for (uint32_t i = 0; i < cf->clients.n; i++)
		server_clients_quota(&s->clients, i);
	return 0;
}

/* Client @id's bandwidth limit, one bucket per direction, set for its
 * entry @p (again if a reload changed its rate); the table grows as the
 * ids do */
static int client_rate(uint32_t id, const struct conf_peer *old,
		       const struct conf_peer *p, void *arg)
{
	struct server *s = arg;
	int64_t kbit = p->rate_kbit ? p->rate_kbit : s->cf->rate_kbit_per_client;
	uint64_t rate = (uint64_t)kbit * 1000 / 8;
	uint64_t burst = rate * RATE_BURST_MS / 1000;
	struct tokenbucket *bigger;
	size_t n = s->nrate ? s->nrate : 8;

	if (old && old->rate_kbit == p->rate_kbit)
		return 0;
	if (id >= s->nrate) {
		while (n <= id)
			n *= 2;
		bigger = realloc(s->rate, 2 * n * sizeof(*bigger));
		if (!bigger)
			return -1;
		memset(bigger + 2 * s->nrate, 0,
		       2 * (n - s->nrate) * sizeof(*bigger));
		s->rate = bigger;
		s->nrate = n;
	}
	for (int dir = 0; dir < 2; dir++)
		tokenbucket_init(&s->rate[2 * id + dir], rate,
				 burst > RATE_BURST_MIN ? burst
							: RATE_BURST_MIN,
				 ev_now(s->loop));
	return 0;
}

static int start_rates(struct server *s)
{
	const struct conf_peer *peers = s->cf->clients.v;

	s->clients.setup = client_rate;
	s->clients.arg = s;
	for (uint32_t i = 0; i < s->cf->clients.n; i++)
		if (client_rate(i, NULL, &peers[i], s))
			return -1;
	return 0;
}

static int start_tunnel(struct server *s)
{
	const struct conf_server *cf = s->cf;
	const struct conf_peer *cp = cf->clients.v;
	struct tunnel_peer *peers = calloc(cf->clients.n + 1, sizeof(*peers));
	struct tunnel_server_params tp = {
		.private_key = cf->private_key.b,
		.npeers = cf->clients.n,
		.max_message = MAX_MESSAGE,
		.linger_ms = LINGER_MS,
	};

	if (!peers)
		return -1;
	for (size_t i = 0; i < cf->clients.n; i++) {
		peers[i].name = cp[i].name;
		peers[i].public_key = cp[i].public_key.b;
	}
	tp.peers = peers;
	s->tunnel = tunnel_server_new(s->loop, &tp, &server_tunnel_handlers, s);
	s->clients.tunnel = s->tunnel;
	free(peers);
	return s->tunnel ? 0 : -1;
}

/* The files the WebSocket listener serves from, with the keys naming them */
static int check_web_files(const struct conf_server *cf)
{
	struct stat st;

	if (!cf->tls_cert != !cf->tls_key) {
		log_error("server: tls.cert and tls.key go together");
		return -1;
	}
	if (cf->tls_cert &&
	    (pemfile_check("server: tls.cert", cf->tls_cert, PEM_CERTIFICATE) ||
	     pemfile_check("server: tls.key", cf->tls_key, PEM_PRIVATE_KEY)))
		return -1;
	if (!cf->webapp)
		return 0;
	if (stat(cf->webapp, &st)) {
		log_error("server: webapp %s: %s", cf->webapp, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_error("server: webapp %s: not a directory", cf->webapp);
		return -1;
	}
	return 0;
}

static int start_transports(struct server *s)
{
	struct transport_params tp = {
		.kind = TRANSPORT_WEBSOCKET,
		.listen = &s->cf->listen,
		.path = "/websocket/",
		.static_dir = s->cf->webapp,
		.tls_cert = s->cf->tls_cert,
		.tls_key = s->cf->tls_key,
		.max_message = MAX_MESSAGE,
		.queue_bytes = QUEUE_BYTES,
		.handshake_timeout_s = 10,
		.max_per_ip = 64,
		.ping_interval_s = 10,
	};

	s->ws = transport_new(s->loop, &tp, &transport_handlers, s);
	if (!s->ws)
		return -1;
	if (!s->cf->udp_listen.addr.family)
		return 0;
	tp = (struct transport_params){
		.kind = TRANSPORT_UDP,
		.listen = &s->cf->udp_listen,
		.max_message = MAX_MESSAGE,
	};
	s->udp = transport_new(s->loop, &tp, &transport_handlers, s);
	return s->udp ? 0 : -1;
}

/* The egress device's MTU (65535, checking nothing, if unknown) */
static size_t device_mtu(const char *ifname)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = 65535;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	if (fd >= 0)
		close(fd);
	return (size_t)mtu;
}

static int start_egress(struct server *s)
{
	const struct conf_server *cf = s->cf;
	struct capture_params cp = {
		.ifname = s->egress_if,
		.ext_addr = s->ext_addr,
		.port_lo = cf->nat_ports.lo,
		.port_hi = cf->nat_ports.hi,
		.ring_bytes = 4 << 20,
	};

	s->policy = policy_new(cf->egress_allow.v, cf->egress_allow.n,
			       cf->egress_deny.v, cf->egress_deny.n,
			       &s->ext_addr, 1);
	s->egress_mtu = device_mtu(s->egress_if);
	if (cf->nat_mode == CONF_NAT_KERNEL) {
		s->knat = knat_open(s->loop, cf, s->egress_if, s->ext_addr,
				    server_from_kernel, s);
		s->clients.knat = s->knat;
		/* its TUN takes GSO packets: join UDP clients' segments */
		if (s->knat)
			tunnel_server_join_segments(s->tunnel, true);
		return s->policy && s->knat ? 0 : -1;
	}
	s->guard = hostguard_install(s->ext_addr, cf->nat_ports.lo,
				     cf->nat_ports.hi);
	s->raw = rawsock_open(s->egress_if, 0);
	if (cf->egress_gso)
		s->gso_out = egress_gso_open(s->egress_if);
	if (s->gso_out)
		tunnel_server_join_segments(s->tunnel, true);
	s->cap = capture_open(s->loop, &cp, server_on_capture, s);
	return s->policy && s->guard && s->raw && s->cap ? 0 : -1;
}

/* Run by the keeper, as root, when the server ends */
static void keeper_undo(void *arg)
{
	struct server *s = arg;

	hostguard_remove(s->guard);
	knat_undo_host(s->knat);
}

/* The user to become, looked up before anything changes */
static int find_user(struct server *s)
{
	if (geteuid()) {
		log_info("server: not started as root: runs as uid %u",
			 (unsigned)geteuid());
		return 0;
	}
	if (privdrop_lookup(s->cf->user, &s->user))
		return -1;
	if (!s->user.uid)
		log_info("server: user %s: keeping root's privileges",
			 s->user.name);
	return 0;
}

/* Everything that needs root is open: become the configured user, and
 * leave the host changes to the keeper */
static int drop_privileges(struct server *s)
{
	if (!s->user.uid)
		return 0;
	s->clients.keeper = privsep_start(s->clients.base->path, keeper_undo,
					  s);
	if (!s->clients.keeper)
		return -1;
	hostguard_forget(s->guard);
	s->guard = NULL;
	knat_hand_over(s->knat);
	return privdrop(&s->user, s->knat ? 1ull << CAP_NET_ADMIN : 0,
			"server");
}

static void on_hup(int signum, void *arg)
{
	struct server *s = arg;

	(void)signum;
	server_clients_reload(&s->clients);
}

/* SIGHUP waits (blocked) until the loop takes it */
static void hup_mask(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(how, &set, NULL);
}

/* The status document, for GET /status */
static json_t *status_json(void *arg)
{
	struct server *s = arg;
	struct server_status_view v = {
		.cf = s->cf,
		.clients = &s->clients.set,
		.tunnel = s->tunnel,
		.nat = s->nat,
		.ws = s->ws,
		.udp = s->udp,
		.egress_if = s->egress_if,
		.ext_addr = s->ext_addr,
		.forwarded = s->forwarded,
		.returned = s->returned,
		.gso_whole = s->gso_whole,
		.gso_split = s->gso_split,
		.gso_lookups = s->gso_out ? egress_gso_lookups(s->gso_out) : 0,
		.drops = s->drops,
		.drop_names = drop_names,
		.ndrops = SERVER_DROP__COUNT,
		.started_ms = s->started_ms,
		.now_ms = ev_now(s->loop),
	};

	return server_status_json(&v);
}

static void log_counters(const struct server *s)
{
	const struct tunnel_stats *ts = tunnel_server_stats(s->tunnel);

	log_info("server: %llu packets out, %llu back, %llu handshakes",
		 (unsigned long long)s->forwarded,
		 (unsigned long long)s->returned,
		 (unsigned long long)ts->handshakes);
	for (int i = 0; i < SERVER_DROP__COUNT; i++)
		if (s->drops[i])
			log_info("server: dropped %llu (%s)",
				 (unsigned long long)s->drops[i],
				 drop_names[i]);
	for (int i = 0; i < TUNNEL_DROP__COUNT; i++)
		if (ts->drops[i])
			log_info("server: tunnel dropped %llu (%s)",
				 (unsigned long long)ts->drops[i],
				 tunnel_drop_name((enum tunnel_drop)i));
	if (s->knat)
		knat_log_counters(s->knat);
}

/**
 * server_cleanup() - undo what a server that died left on the host
 *
 * Kernel-NAT mode's sysctls and nftables table (unless a server in that
 * mode runs), then the userspace NAT's guard (hostguard_cleanup()).
 *
 * Return: 0 if nothing is left to undo, 1 otherwise
 */
int server_cleanup(void)
{
	int k = knat_cleanup(), h = hostguard_cleanup();

	if (k < 0 || h < 0)
		return 1;
	log_info("server: %s", k || h ? "cleaned up" : "nothing to clean up");
	return 0;
}

/**
 * server_run() - the server role's main loop
 * @c:	server config
 *
 * Return: 0 after SIGINT or SIGTERM, 1 if it could not start
 */
int server_run(const struct conf *c)
{
	struct server *s = calloc(1, sizeof(*s));
	int ret = 1;

	if (!s)
		return 1;
	s->cf = &c->server;
	s->clients.base = c;
	hup_mask(SIG_BLOCK);
	if (check_web_files(s->cf))
		goto out;
	s->loop = ev_loop_new();
	s->clients.loop = s->loop;
	if (!s->loop ||
	    ratelimit_init(&s->icmp_limit, ICMP_RATE, ICMP_BURST,
			   ICMP_GLOBAL_RATE, ICMP_GLOBAL_BURST) ||
	    clientset_init(&s->clients.set, &c->server.clients) ||
	    find_user(s) || find_egress(s) || start_nat(s) || start_tunnel(s) ||
	    start_egress(s) || start_transports(s) ||
	    status_start(s->loop, &s->cf->status_listen, status_json, s,
			 &s->status) ||
	    start_rates(s) || drop_privileges(s))
		goto out;
	s->expire = ev_timer_new(s->loop, on_expire, s);
	s->flusher = ev_turn_new(s->loop, on_flush, s);
	if (!s->expire || !s->flusher ||
	    ev_stop_on_signals(s->loop, "server") ||
	    ev_on_signal(s->loop, SIGHUP, on_hup, s))
		goto out;
	hup_mask(SIG_UNBLOCK);
	s->started_ms = ev_now(s->loop);
	ev_timer_start(s->expire, 1000, 1000);
	ev_turn_start(s->flusher, false);
	log_info("server: serving %zu client%s", c->server.clients.n,
		 c->server.clients.n == 1 ? "" : "s");
	ev_loop_run(s->loop);
	log_counters(s);
	ret = 0;
out:
	status_free(s->status);
	transport_free(s->ws);
	transport_free(s->udp);
	tunnel_server_free(s->tunnel);
	capture_close(s->cap);
	rawsock_close(s->raw);
	egress_gso_close(s->gso_out);
	hostguard_remove(s->guard);
	privsep_finish(s->clients.keeper);
	server_clients_free(&s->clients);
	policy_free(s->policy);
	nat_free(s->nat);
	knat_close(s->knat);
	free(s->rate);
	ev_timer_free(s->expire);
	ev_turn_free(s->flusher);
	ev_loop_free(s->loop);
	free(s);
	return ret;
}
