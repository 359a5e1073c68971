/* SPDX-License-Identifier: MIT */
/* client.c - the client role: the laptop's TUN device, through the tunnel
 *
 * The laptop's traffic for the configured routes enters a TUN device; the
 * client reads it in batches, clamps TCP MSS to what the tunnel carries,
 * and hands the packets to the tunnel (tunnel_client.c), which batches
 * them into sealed messages. Replies are written back into the TUN. The
 * TUN takes TCP segmentation offload (tun.h): the laptop's TCP hands it
 * packets of up to 64 KiB, which the tunnel carries whole or splits.
 *
 * With a ws:// or wss:// server URL the path to the server is the phone:
 * the client serves a WebSocket on its link-local address (added to the
 * Wi-Fi interface while it runs), the phone's page connects, and every
 * new connection from the page (a reload, a new phone) replaces the old
 * one and resumes the session. With udp:// the client dials the server.
 * With "dhcp" enabled it also runs dnsmasq for the phone (dhcpd.c).
 * The page itself is served on the same address (phone_page.c).
 *
 * The TUN's address, MTU and routes come from the server's assignment in
 * the handshake; everything added to the host is undone on exit. Each
 * change is written to /run/tether/client.NETNS before it is made, so
 * what a crashed run left is undone by `tether --role=client --cleanup`,
 * and by the next start before it changes anything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_dns.h"
#include "client_state.h"
#include "client_status.h"
#include "dhcpd.h"
#include "ev.h"
#include "log.h"
#include "netcfg.h"
#include "phone_page.h"
#include "pkt.h"
#include "ratelimit.h"
#include "roles.h"
#include "runstate.h"
#include "status.h"
#include "transport.h"
#include "tun.h"
#include "tunnel.h"

#define WS_MAX_MESSAGE	 65536
#define UDP_MAX_MESSAGE	 1472
#define QUEUE_BYTES	 (1 << 20)
#define READS_PER_WAKEUP 64
#define PKT_MAX		 65536
/* The largest TCP packet the laptop's stack hands the TUN (TSO). Each goes
 * in a message of its own, which crosses every hop whole: through the
 * relay, 48 KiB ones went 20-30 % faster than 64 KiB ones (which make
 * messages of the largest size), and faster than 16 or 32 KiB ones too */
#define TUN_GSO_MAX 49152
/* ICMP host unreachable while the server is out of reach (tunnel.h) */
#define ICMP_RATE	  10 /* per second per destination */
#define ICMP_BURST	  10
#define ICMP_GLOBAL_RATE  200
#define ICMP_GLOBAL_BURST 50

/*
 * Full tunnel, as wg-quick does it: the tunnel's default route lives in
 * its own table, which every packet without tether's mark looks up;
 * before that, the main table is consulted for everything but its default
 * route (suppress_prefixlength 0), so on-link and more specific routes
 * (the phone's Wi-Fi, link-local) keep working. The UDP transport's socket
 * carries the mark, so its packets to the server take the main table's
 * default route and never loop into the tunnel; src_valid_mark lets
 * rp_filter see the mark when it checks the replies. IPv6 cannot go
 * through the tunnel yet, so the same pair of rules ends in "prohibit"
 * instead of a table: fe80::/10 and on-link prefixes stay reachable,
 * everything else fails at once rather than leak around the tunnel.
 */
#define FULL_TABLE	   6354
#define FULL_FWMARK	   6354
#define FULL_PRIO_LOOKUP   32764
#define FULL_PRIO_SUPPRESS 32763
#define SRC_VALID_MARK	   "net.ipv4.conf.all.src_valid_mark"

enum client_drop {
	CLIENT_DROP_NOT_IPV4, /* from the TUN: IPv6 or garbage */
	CLIENT_DROP_WRITE,    /* the TUN refused a reply */
	CLIENT_DROP_VNET,     /* from the TUN: a bad offload header */
	CLIENT_DROP__COUNT
};

static const char *const drop_names[CLIENT_DROP__COUNT] = {
	[CLIENT_DROP_NOT_IPV4] = "not ipv4",
	[CLIENT_DROP_WRITE] = "tun write failed",
	[CLIENT_DROP_VNET] = "bad offload header",
};

struct client {
	const struct conf_client *cf;
	struct ev_loop *loop;
	struct transport *t;
	struct tconn *path; /* the phone's page, or the UDP peer */
	struct tunnel_client *tunnel;
	struct tun *tun;
	struct ev_io *tun_io;
	bool tun_paused;
	struct netcfg *nc;
	bool configured; /* TUN address and routes are set */
	bool failed;	 /* stopped by a failure, not a signal: exit 1 */
	uint16_t mss;	 /* TCP MSS that fits the tunnel */
	char *page_info; /* the phone page's settings (JSON) */
	uint8_t buf[PKT_MAX];
	struct ratelimit icmp_limit;
	uint64_t drops[CLIENT_DROP__COUNT];
	uint64_t packets_out, packets_in;
	uint64_t gso_out; /* of packets_out: TCP packets of many segments */
	uint64_t unreachables; /* ICMP host unreachable written */
	struct client_state state;
	struct status *status;
	struct dhcpd *dhcpd; /* the phone's DHCP server, if configured */
};

/* Lower the MSS of SYNs in either direction to what fits the TUN MTU */
static void clamp(struct client *cl, uint8_t *pkt, size_t len)
{
	struct pkt p;

	if (cl->mss && pkt_parse(&p, pkt, len) == PKT_OK &&
	    p.proto == IPPROTO_TCP && p.tcp_flags & PKT_TCP_SYN)
		pkt_tcp_clamp_mss(&p, cl->mss);
}

/* The tunnel refused a packet from the TUN: no way to the server for a
 * while. Answer it with ICMP host unreachable, from its destination, so
 * the sender fails fast and TCP keeps its retransmission timer short (RFC
 * 6069). Built in place over the packet. */
static void unreachable(struct client *cl, size_t len)
{
	struct pkt p;
	int n;

	if (pkt_parse(&p, cl->buf, len) != PKT_OK ||
	    !ratelimit_allow(&cl->icmp_limit, &p.daddr, sizeof(p.daddr),
			     ev_now(cl->loop)))
		return;
	n = pkt_icmp_error(cl->buf, sizeof(cl->buf), &p, p.daddr,
			   PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_HOST, 0);
	if (n > 0 && tun_write(cl->tun, cl->buf, (size_t)n) < 0)
		cl->drops[CLIENT_DROP_WRITE]++;
	else if (n > 0)
		cl->unreachables++;
}

static void tun_pause(struct client *cl, bool pause)
{
	if (cl->tun_paused == pause)
		return;
	cl->tun_paused = pause;
	if (pause)
		ev_io_stop(cl->tun_io);
	else
		ev_io_start(cl->tun_io, EV_READ);
}

/* Drain the TUN (bounded per wakeup), batch, then send the batch */
static void on_tun(struct ev_io *io, int events, void *arg)
{
	struct client *cl = arg;
	int full = 0;

	(void)io;
	(void)events;
	for (int i = 0; i < READS_PER_WAKEUP && full != 1; i++) {
		size_t gso;
		ssize_t n =
			tun_read_gso(cl->tun, cl->buf, sizeof(cl->buf), &gso);

		if (n < 0 && errno == EBADMSG) {
			cl->drops[CLIENT_DROP_VNET]++;
			continue;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("client: read from %s",
					 tun_name(cl->tun));
			break;
		}
		if (n < 20 || cl->buf[0] >> 4 != 4) {
			cl->drops[CLIENT_DROP_NOT_IPV4]++;
			continue;
		}
		clamp(cl, cl->buf, (size_t)n);
		full = tunnel_client_send_gso(cl->tunnel, cl->buf, (size_t)n,
					      gso);
		cl->gso_out += gso != 0;
		if (full == TUNNEL_UNREACHABLE)
			unreachable(cl, (size_t)n);
		cl->packets_out++;
	}
	if (full != 1)
		full = tunnel_client_flush(cl->tunnel);
	if (full == 1)
		tun_pause(cl, true); /* until the transport drains */
}

static void on_packet(const uint8_t *pkt, size_t len, void *user)
{
	struct client *cl = user;

	if (len > sizeof(cl->buf))
		return;
	memcpy(cl->buf, pkt, len);
	clamp(cl, cl->buf, len);
	if (tun_write(cl->tun, cl->buf, len) < 0)
		cl->drops[CLIENT_DROP_WRITE]++;
	else
		cl->packets_in++;
}

/* Does "routes" hold 0.0.0.0/0? */
static bool full_tunnel(const struct conf_client *cf)
{
	const struct prefix *routes = cf->routes.v;

	for (size_t i = 0; i < cf->routes.n; i++)
		if (routes[i].addr.family == AF_INET && !routes[i].len)
			return true;
	return false;
}

/* Both families' rules: main without default routes, then the rest */
static int full_tunnel_rules(struct client *cl, int family, uint32_t table)
{
	struct netcfg_rule suppress = {
		.family = family,
		.priority = FULL_PRIO_SUPPRESS,
		.table = RT_TABLE_MAIN,
		.suppress = 0,
	};
	struct netcfg_rule rest = {
		.family = family,
		.priority = FULL_PRIO_LOOKUP,
		.table = table,
		.not_fwmark = FULL_FWMARK,
		.suppress = -1,
	};

	if (netcfg_rule_add(cl->nc, &suppress) && errno != EEXIST)
		return -1;
	if (netcfg_rule_add(cl->nc, &rest) && errno != EEXIST)
		return -1;
	return 0;
}

/* Everything IPv4 into the TUN, everything IPv6 but on-link refused */
static int full_tunnel_up(struct client *cl, int ifindex)
{
	struct prefix dflt = {.addr.family = AF_INET, .len = 0};

	if (netcfg_sysctl_set(cl->nc, SRC_VALID_MARK, 1) ||
	    netcfg_route_add(cl->nc, ifindex, &dflt, FULL_TABLE) ||
	    full_tunnel_rules(cl, AF_INET6, 0) ||
	    full_tunnel_rules(cl, AF_INET, FULL_TABLE)) {
		log_error("client: could not route everything through %s "
			  "(see above)",
			  tun_name(cl->tun));
		return -1;
	}
	log_info("client: full tunnel: IPv4 through %s (table %u, fwmark %u), "
		 "IPv6 blocked",
		 tun_name(cl->tun), FULL_TABLE, FULL_FWMARK);
	return 0;
}

/* The first handshake: give the TUN its address, MTU and routes */
static void on_up(const struct noise_assignment *as, void *user)
{
	struct client *cl = user;
	struct prefix inner = {.addr.family = AF_INET, .len = as->prefix};
	const struct prefix *routes = cl->cf->routes.v;
	unsigned mtu = as->mtu;
	char a[ADDR_STRLEN];
	int ifindex = tun_ifindex(cl->tun);

	inner.addr.v4 = as->addr;
	if (cl->configured) {
		log_warnx("client: the server changed the assignment to %s; "
			  "keeping the first one until restart",
			  prefix_format(&inner, a, sizeof(a)));
		return;
	}
	if (mtu > cl->cf->tun_mtu)
		mtu = (unsigned)cl->cf->tun_mtu;
	cl->mss = (uint16_t)(mtu - 40);
	if (netcfg_link_gso_max(cl->nc, ifindex, TUN_GSO_MAX))
		log_info("client: could not cap TCP offload packets of %s at "
			 "%u bytes (see above)",
			 tun_name(cl->tun), TUN_GSO_MAX);
	if (netcfg_link_up(cl->nc, ifindex, mtu) ||
	    netcfg_addr_add(cl->nc, ifindex, &inner) ||
	    (full_tunnel(cl->cf) && full_tunnel_up(cl, ifindex)))
		goto fail;
	for (size_t i = 0; i < cl->cf->routes.n; i++)
		/* a route the host already has for that prefix stays (the
		 * failure is logged); any other failure is fatal */
		if ((routes[i].len || routes[i].addr.family != AF_INET) &&
		    netcfg_route_add(cl->nc, ifindex, &routes[i], 0) &&
		    errno != EEXIST)
			goto fail;
	client_dns_up(cl->nc, cl->cf, ifindex, as->dns);
	cl->configured = true;
	log_info("client: tunnel up: %s is %s, mtu %u, %zu route%s",
		 tun_name(cl->tun), prefix_format(&inner, a, sizeof(a)), mtu,
		 cl->cf->routes.n, cl->cf->routes.n == 1 ? "" : "s");
	return;
fail:
	/* half a tunnel is worse than none: traffic would leak or vanish */
	log_error("client: could not configure %s (see above); stopping",
		  tun_name(cl->tun));
	cl->failed = true;
	ev_loop_stop(cl->loop);
}

static void on_dead(void *user)
{
	struct client *cl = user;

	client_state_silent(&cl->state, ev_now(cl->loop));
}

static void on_heard(void *user)
{
	struct client *cl = user;

	client_state_heard(&cl->state, ev_now(cl->loop));
}

static void on_handshake(const struct noise_assignment *as, uint64_t rtt_us,
			 void *user)
{
	struct client *cl = user;

	client_state_handshake(&cl->state, as, rtt_us, ev_now(cl->loop));
}

static const struct tunnel_client_handlers tunnel_handlers = {
	.up = on_up,
	.packet = on_packet,
	.dead = on_dead,
	.handshake = on_handshake,
	.heard = on_heard,
};

/* Only a tether page (or the C relay, which sends no Origin) may connect */
static bool on_admit(struct tconn *c, const char *origin, void *user)
{
	struct client *cl = user;

	if (phone_page_origin_ok(cl->cf, origin))
		return true;
	log_info("client: refused %s: Origin %s is not a tether page",
		 tconn_name(c), origin);
	return false;
}

static void on_open(struct tconn *c, void *user)
{
	struct client *cl = user;
	struct tconn *old = cl->path;

	client_state_path_open(&cl->state, tconn_name(c), ev_now(cl->loop));
	cl->path = c;
	if (old) {
		log_info("client: %s replaces %s", tconn_name(c),
			 tconn_name(old));
		tconn_close(old);
	}
	tunnel_client_attach(cl->tunnel, c);
}

static void on_message(struct tconn *c, uint8_t *msg, size_t len, void *user)
{
	struct client *cl = user;

	(void)c;
	tunnel_client_receive(cl->tunnel, msg, len);
}

static void on_closed(struct tconn *c, const char *why, void *user)
{
	struct client *cl = user;

	tunnel_client_detach(cl->tunnel, c);
	if (cl->path != c)
		return;
	cl->path = NULL;
	tun_pause(cl, false);
	client_state_path_lost(&cl->state, why, ev_now(cl->loop));
}

static void on_drained(struct tconn *c, void *user)
{
	struct client *cl = user;

	if (c == cl->path)
		tun_pause(cl, false);
}

static const struct transport_handlers transport_handlers = {
	.open = on_open,
	.message = on_message,
	.closed = on_closed,
	.drained = on_drained,
	.admit = on_admit,
};

/* Add the listen address to the Wi-Fi interface, on-link for the phone */
static int add_listen_address(struct client *cl)
{
	const struct endpoint *l = &cl->cf->listen;
	struct prefix p = {.addr = l->addr, .len = 32};
	struct prefix ll;
	const char *why;
	int ifindex;

	if (!cl->cf->interface)
		return 0;
	ifindex = netcfg_ifindex(cl->nc, cl->cf->interface);
	if (ifindex <= 0) {
		log_error("client: no interface %s (\"interface\")",
			  cl->cf->interface);
		return -1;
	}
	if (l->addr.family == AF_INET6)
		p.len = 128;
	prefix_parse("169.254.0.0/16", &ll, false, &why);
	if (prefix_contains(&ll, &l->addr))
		p.len = 16; /* link-local: the phone's address is on-link */
	if (netcfg_addr_add(cl->nc, ifindex, &p) && errno != EEXIST)
		return -1;
	return 0;
}

static int start_path(struct client *cl)
{
	const struct conf_url *u = &cl->cf->server_url;
	struct transport_params tp = {
		.kind = TRANSPORT_WEBSOCKET,
		.listen = &cl->cf->listen,
		.path = "/websocket",
		.static_dir = cl->cf->webapp,
		.info_path = PHONE_PAGE_INFO_PATH,
		.max_message = WS_MAX_MESSAGE,
		.queue_bytes = QUEUE_BYTES,
		.handshake_timeout_s = 10,
		.max_per_ip = 8,
		.ping_interval_s = 10,
	};
	char ep[ADDR_STRLEN], where[ADDR_STRLEN + 16];

	if (u->scheme == URL_UDP) {
		tp = (struct transport_params){
			.kind = TRANSPORT_UDP,
			.max_message = UDP_MAX_MESSAGE,
			.fwmark = full_tunnel(cl->cf) ? FULL_FWMARK : 0,
		};
		cl->t = transport_new(cl->loop, &tp, &transport_handlers, cl);
		snprintf(where, sizeof(where), "udp://%.40s:%u", u->host,
			 u->port);
		client_state_init(&cl->state, "server", where,
				  ev_now(cl->loop));
		return cl->t && transport_connect(cl->t, u, NULL, NULL) ? 0
									: -1;
	}
	if (add_listen_address(cl))
		return -1;
	phone_page_check(cl->cf);
	cl->page_info = phone_page_info(cl->cf);
	tp.info_json = cl->page_info;
	endpoint_format(&cl->cf->listen, ep, sizeof(ep));
	cl->t = transport_new(cl->loop, &tp, &transport_handlers, cl);
	snprintf(where, sizeof(where), "http://%s/", ep);
	if (cl->t)
		client_state_init(&cl->state, "phone", where, ev_now(cl->loop));
	return cl->t ? 0 : -1;
}

/* dnsmasq ended by itself: the client does not run without it (dhcpd.c) */
static void on_dhcpd_died(void *arg)
{
	struct client *cl = arg;

	cl->failed = true;
	ev_loop_stop(cl->loop);
}

/* DHCP for the phone, on the interface that has the listen address now */
static int start_dhcp(struct client *cl)
{
	if (!cl->cf->dhcp_enabled)
		return 0;
	cl->dhcpd = dhcpd_start(cl->loop, cl->cf, on_dhcpd_died, cl);
	return cl->dhcpd ? 0 : -1;
}

static int start_tunnel(struct client *cl)
{
	const struct conf_client *cf = cl->cf;
	struct tunnel_client_params tp = {
		.private_key = cf->private_key.b,
		.server_key = cf->server_public_key.b,
		.max_message = cf->server_url.scheme == URL_UDP
				       ? UDP_MAX_MESSAGE
				       : WS_MAX_MESSAGE,
	};

	cl->tunnel = tunnel_client_new(cl->loop, &tp, &tunnel_handlers, cl);
	if (!cl->tunnel)
		return -1;
	cl->tun = tun_open_flags(cf->tun_name, TUN_OFFLOAD);
	if (!cl->tun)
		return -1;
	cl->tun_io = ev_io_new(cl->loop, tun_fd(cl->tun), on_tun, cl);
	if (!cl->tun_io || ev_io_start(cl->tun_io, EV_READ))
		return -1;
	return 0;
}

/* The status document, for GET /status */
static json_t *status_json(void *arg)
{
	struct client *cl = arg;
	struct client_status_view v = {
		.cf = cl->cf,
		.state = &cl->state,
		.tunnel = cl->tunnel,
		.transport = cl->t,
		.tun_name = tun_name(cl->tun),
		.tun_read = cl->packets_out,
		.tun_read_gso = cl->gso_out,
		.tun_written = cl->packets_in,
		.tun_unreachables = cl->unreachables,
		.drops = cl->drops,
		.drop_names = drop_names,
		.ndrops = CLIENT_DROP__COUNT,
		.now_ms = ev_now(cl->loop),
	};

	return client_status_json(&v);
}

/* netcfg with the state file of this network namespace */
static struct netcfg *open_netcfg(void)
{
	struct netcfg *nc = netcfg_open();
	char path[64];

	if (nc &&
	    netcfg_set_state(nc, runstate_path("client", path, sizeof(path)))) {
		log_warn("client: state file %s", path);
		netcfg_close(nc);
		return NULL;
	}
	return nc;
}

/* Undo what a run that died left. Return: how many, -1 if some stays */
static int undo_leftovers(struct netcfg *nc)
{
	char what[1024];
	int d = dhcpd_cleanup();
	int n = netcfg_cleanup(nc, what, sizeof(what));

	if (*what)
		log_info("client: undoing what a previous run left: %s", what);
	if (n < 0 || d < 0) {
		log_error("client: could not undo everything a previous run "
			  "left (see above)");
		return -1;
	}
	return n + d;
}

/**
 * client_cleanup() - undo what a client that died left on the host
 *
 * Reads the state file of this network namespace, undoes what it lists,
 * newest first, and removes it. Without a state file there is nothing to
 * do; running it twice is harmless.
 *
 * Return: 0 if nothing is left to undo, 1 otherwise
 */
int client_cleanup(void)
{
	struct netcfg *nc = open_netcfg();
	int n;

	if (!nc)
		return 1;
	n = undo_leftovers(nc);
	netcfg_close(nc);
	if (!n)
		log_info("client: nothing to clean up");
	else if (n > 0)
		log_info("client: cleaned up");
	return n < 0 ? 1 : 0;
}

/**
 * client_run() - the client role's main loop
 * @c:	client config
 *
 * Return: 0 after SIGINT or SIGTERM, 1 if it could not start
 */
int client_run(const struct conf *c)
{
	struct client *cl = calloc(1, sizeof(*cl));
	int ret = 1;

	if (!cl)
		return 1;
	cl->cf = &c->client;
	cl->loop = ev_loop_new();
	cl->nc = open_netcfg();
	if (!cl->loop || !cl->nc || dhcpd_conf_ok(cl->cf) ||
	    ratelimit_init(&cl->icmp_limit, ICMP_RATE, ICMP_BURST,
			   ICMP_GLOBAL_RATE, ICMP_GLOBAL_BURST) ||
	    undo_leftovers(cl->nc) < 0 || runstate_mkdir() ||
	    start_tunnel(cl) || start_path(cl) || start_dhcp(cl) ||
	    status_start(cl->loop, &cl->cf->status_listen, status_json, cl,
			 &cl->status) ||
	    ev_stop_on_signals(cl->loop, "client"))
		goto out;
	ev_loop_run(cl->loop);
	ret = cl->failed;
	log_info("client: %llu packets out, %llu in, %llu handshakes, %llu "
		 "answered host unreachable",
		 (unsigned long long)cl->packets_out,
		 (unsigned long long)cl->packets_in,
		 (unsigned long long)tunnel_client_stats(cl->tunnel)->handshakes,
		 (unsigned long long)cl->unreachables);
out:
	status_free(cl->status);
	dhcpd_stop(cl->dhcpd);
	transport_free(cl->t);
	tunnel_client_free(cl->tunnel);
	ev_io_free(cl->tun_io);
	if (cl->nc && netcfg_undo(cl->nc) < 0)
		log_warnx("client: what could not be undone stays listed for "
			  "tether --role=client --cleanup");
	netcfg_close(cl->nc);
	tun_close(cl->tun);
	ev_loop_free(cl->loop);
	free(cl->page_info);
	free(cl);
	return ret;
}
