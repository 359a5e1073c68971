/* SPDX-License-Identifier: MIT */
/* nat_impl.h - NAT table internals shared by nat.c, nat_xlate.c and tests
 *
 * Not for the rest of tether: use nat.h.  Records are pooled in arrays
 * sized at nat_new() and linked by uint32_t indices; NAT_NIL ends a list.
 */
#ifndef TETHER_NAT_IMPL_H
#define TETHER_NAT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "frag.h"
#include "nat.h"
#include "wheel.h"

#define NAT_NIL		UINT32_MAX
#define NAT_WHEEL_ORDER	12	/* 4096 one-second slots */
#define NAT_DST_PORTS	128	/* flows per (mapping, remote addr) */
#define NAT_PORT_HOLD	0x80000000u /* port held until low bits (s) */

enum nat_pidx { NAT_P_TCP, NAT_P_UDP, NAT_P_ICMP };

/* TCP flow state, as bits seen so far (RFC 7857 2.2, RFC 6146 3.5.2) */
#define NAT_TCP_SYN_OUT	0x01
#define NAT_TCP_SYN_IN	0x02
#define NAT_TCP_FIN_OUT	0x04
#define NAT_TCP_FIN_IN	0x08
#define NAT_TCP_RST	0x10

/* A flow: one remote endpoint of a mapping (32 bytes). */
struct nat_flow {
	uint32_t map;		/* owning mapping; NAT_NIL while free */
	uint32_t raddr;		/* remote address, network order */
	uint16_t rport;		/* remote port; 0 for ICMP echo */
	uint8_t tcp;		/* NAT_TCP_* */
	uint8_t spare;
	uint32_t mnext;		/* flows of one mapping; free list */
	uint32_t mprev;
	struct wheel_node tw;	/* expiry */
};

/* A slot of the flow index: the key inline, so that a lookup reads one
 * cache line (16 bytes, four to a line).  flow is the flow's index + 1;
 * 0 is an empty slot, so calloc'd pages cost nothing until used. */
struct nat_fslot {
	uint32_t map;
	uint32_t raddr;
	uint16_t rport;
	uint16_t spare;
	uint32_t flow;
};

/* A mapping: (session, protocol, inner address, inner port) -> ext port. */
struct nat_map {
	uint32_t session;	/* session id (key) */
	uint32_t iaddr;		/* inner address, network order (key) */
	uint16_t iport;		/* inner port or echo id (key) */
	uint16_t eport;		/* external port or echo id */
	uint8_t pidx;		/* enum nat_pidx (key); 0xff while free */
	uint8_t spare[3];
	uint32_t hnext;		/* hash chain; free list */
	uint32_t sess;		/* index of the session record */
	uint32_t snext;		/* mappings of the same session */
	uint32_t sprev;
	uint32_t flows;		/* first flow */
	uint32_t nflows;
};

struct nat_sess {
	uint32_t id;
	uint32_t hnext;		/* hash chain; free list */
	uint32_t quota;		/* mappings allowed */
	uint32_t nmaps;
	uint32_t nflows;
	uint32_t maps;		/* first mapping */
	bool custom;		/* quota set by the caller: keep */
};

struct nat {
	struct nat_params p;
	uint32_t range;			/* ports in the range */
	uint64_t hseed;			/* hash seed */
	unsigned char pkey[16];		/* port choice PRF key */
	uint64_t pctr;			/* port choice counter */

	struct nat_sess *sess;
	uint32_t *sess_hash;
	uint32_t sess_mask, sess_top, sess_free, nsess;

	struct nat_map *maps;
	uint32_t *map_hash;
	uint32_t map_mask, map_top, map_free, nmaps;

	struct nat_flow *flows;
	struct nat_fslot *fslot;	/* open addressing, linear probing */
	uint32_t fslot_mask, flow_top, flow_free, nflows;

	uint32_t *ports[NAT_PROTOS];	/* map + 1, 0, or HOLD|until */
	uint32_t ports_used[NAT_PROTOS];

	struct wheel wheel;
	struct frag *frag;
	uint32_t now_s;			/* last clock seen, seconds */
	uint64_t now_ms;
	uint64_t mem;

	struct nat_stats st;		/* counters only; figures filled in
					 * by nat_stats_get() */
};

/* nat_table.c */
uint32_t nat_sess_find(const struct nat *n, uint32_t id);
uint32_t nat_sess_get(struct nat *n, uint32_t id);
void nat_sess_put(struct nat *n, uint32_t i, bool force);
bool nat_port_free(const struct nat *n, uint32_t v);
void nat_map_free(struct nat *n, uint32_t i, bool keep_sess);
void nat_flow_free(struct nat *n, uint32_t i, bool keep_map);
void nat_clock(struct nat *n, uint64_t now_ms);
uint32_t nat_map_find(const struct nat *n, uint32_t session, int pidx,
		      uint32_t iaddr, uint16_t iport);
uint32_t nat_map_by_port(const struct nat *n, int pidx, uint16_t eport);
uint32_t nat_flow_find(const struct nat *n, uint32_t map, uint32_t raddr,
		       uint16_t rport, bool any_port);
enum nat_drop nat_flow_out(struct nat *n, uint32_t session, int pidx,
			   uint32_t iaddr, uint16_t iport, uint32_t raddr,
			   uint16_t rport, uint32_t *flow, uint32_t *map,
			   bool *created);
bool nat_filter_ok(const struct nat *n, uint32_t map, uint32_t raddr,
		   uint16_t rport, uint32_t *flow);
void nat_flow_refresh(struct nat *n, uint32_t flow);
void nat_flow_touch(struct nat *n, uint32_t flow, int pidx);
void nat_flow_tcp(struct nat *n, uint32_t flow, uint8_t tcp_flags,
		  bool inbound, bool created);

static inline int nat_pidx(uint8_t proto)
{
	switch (proto) {
	case PKT_PROTO_TCP:
		return NAT_P_TCP;
	case PKT_PROTO_UDP:
		return NAT_P_UDP;
	case PKT_PROTO_ICMP:
		return NAT_P_ICMP;
	default:
		return -1;
	}
}

#endif
