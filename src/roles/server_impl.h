/* SPDX-License-Identifier: MIT */
/* server_impl.h - the server role's state, shared by its two halves:
 * server.c (setup, privileges, signals, status) and server_path.c (what
 * happens to each packet)
 */
#ifndef TETHER_SERVER_IMPL_H
#define TETHER_SERVER_IMPL_H

#include <net/if.h>
#include <stdint.h>

#include "ev.h"
#include "privdrop.h"
#include "ratelimit.h"
#include "server_clients.h"
#include "tunnel.h"

#define PKT_BUF 65536

/* Why the server role (not the NAT or tunnel) dropped a packet */
enum server_drop {
	SERVER_DROP_PARSE,   /* not a valid IPv4 packet */
	SERVER_DROP_SOURCE,  /* not from the client's own address */
	SERVER_DROP_TTL,     /* TTL ran out (time exceeded sent) */
	SERVER_DROP_POLICY,  /* egress policy (3/13 sent) */
	SERVER_DROP_QUOTA,   /* NAT refused a new flow (3/13 sent) */
	SERVER_DROP_NAT,     /* NAT dropped it (counted there by reason) */
	SERVER_DROP_SIZE,    /* over the egress MTU (frag-needed if DF) */
	SERVER_DROP_SEND,    /* the raw socket refused it */
	SERVER_DROP_IN_CSUM, /* inbound: malformed or bad checksum */
	SERVER_DROP_OFFLINE, /* inbound: the client has no path */
	SERVER_DROP_RATE_UP, /* over the client's rate, to the internet */
	SERVER_DROP_RATE_DN, /* over the client's rate, from it */
	SERVER_DROP__COUNT
};

struct server {
	const struct conf_server *cf;
	struct ev_loop *loop;
	struct transport *ws, *udp;
	struct tunnel_server *tunnel;
	struct nat *nat;
	struct knat *knat; /* kernel-NAT mode instead of nat, raw, cap */
	struct policy *policy;
	struct rawsock *raw;
	struct egress_gso *gso_out; /* NULL: egress.gso off or impossible */
	struct capture *cap;
	struct hostguard *guard;
	struct server_clients clients;
	struct privdrop_user user; /* to run as; uid 0: keep root's rights */
	struct ev_timer *expire;
	struct ev_turn *flusher;
	uint32_t ext_addr;
	size_t egress_mtu; /* device MTU; bigger packets checked */
	char egress_if[IF_NAMESIZE];
	uint8_t buf[PKT_BUF]; /* scratch: ICMP errors, fragments */
	uint8_t seg[PKT_BUF]; /* one split TCP segment */
	struct ratelimit icmp_limit; /* host unreachable, per destination */
	struct tokenbucket *rate;    /* per client: [2 id] up, [2 id + 1] down */
	size_t nrate;		     /* ids it has room for */
	uint64_t drops[SERVER_DROP__COUNT];
	uint64_t forwarded, returned;
	uint64_t gso_whole, gso_split; /* NATed TCP packets of many segments */
	struct status *status;
	uint64_t started_ms;
};

/* server_path.c: the tunnel's handlers, and where replies come in */
extern const struct tunnel_server_handlers server_tunnel_handlers;
void server_on_capture(uint8_t *pkt, size_t len, void *arg);
void server_from_kernel(uint32_t id, uint8_t *pkt, size_t len, void *arg);

#endif
