/* SPDX-License-Identifier: MIT */
/* frag.h - IPv4 fragment tracking for the NAT: IP id remapping, held pieces
 *
 * Outbound, every fragment of a client's datagram gets the same fresh IP id
 * so that two clients' datagrams under one external address cannot be
 * reassembled together.  Inbound, the first fragment (which carries the
 * port) decides the client; fragments that come before it are held, in a
 * bounded buffer, until it does or a timeout.  This module only keeps
 * state and bytes; the NAT parses and rewrites the packets.
 */
#ifndef TETHER_FRAG_H
#define TETHER_FRAG_H

#include <stddef.h>
#include <stdint.h>

struct frag;

/**
 * struct frag_params - limits
 * @max:	datagrams tracked at once (both directions); the oldest is
 *		forgotten to make room
 * @hold_bytes:	bytes of inbound fragments held at once
 * @hold_pkts:	inbound fragments held at once
 * @timeout_ms:	how long a datagram's state, and a held fragment, lives
 * @seed:	hash seed
 */
struct frag_params {
	uint32_t max;
	uint32_t hold_bytes;
	uint32_t hold_pkts;
	uint64_t timeout_ms;
	uint64_t seed;
};

/* What became of an inbound non-first fragment. */
enum frag_verdict {
	FRAG_PASS,	/* datagram known: *session, *inner_addr are set */
	FRAG_DENY,	/* its first fragment was dropped: drop this one */
	FRAG_HELD,	/* kept until the first fragment arrives */
	FRAG_NOROOM,	/* too big to hold, or out of memory */
};

/**
 * struct frag_counts - what frag.c dropped on its own, for the NAT's counters
 * @evicted:	held fragments pushed out to make room
 * @timeout:	held fragments whose first never came
 * @denied:	held fragments of a datagram whose first was dropped
 */
struct frag_counts {
	uint64_t evicted;
	uint64_t timeout;
	uint64_t denied;
};

struct frag *frag_new(const struct frag_params *p);
void frag_free(struct frag *f);
void frag_expire(struct frag *f, uint64_t now_ms);
int frag_out_id(struct frag *f, uint32_t session, uint32_t saddr,
		uint32_t daddr, uint8_t proto, uint16_t id, uint64_t now_ms,
		uint16_t *ext_id);
uint16_t frag_new_id(struct frag *f, uint32_t daddr, uint8_t proto);
enum frag_verdict frag_in(struct frag *f, uint32_t saddr, uint8_t proto,
			  uint16_t id, const uint8_t *pkt, size_t len,
			  uint64_t now_ms, uint32_t *session,
			  uint32_t *inner_addr);
void frag_in_first(struct frag *f, uint32_t saddr, uint8_t proto,
		   uint16_t id, uint64_t now_ms, int pass, uint32_t session,
		   uint32_t inner_addr);
int frag_release(struct frag *f, uint8_t *buf, size_t cap, size_t *len,
		 uint32_t *session, uint32_t *inner_addr);
void frag_session_remove(struct frag *f, uint32_t session);
void frag_usage(const struct frag *f, uint32_t *entries, uint32_t *held,
		uint32_t *held_bytes, uint64_t *mem);
const struct frag_counts *frag_counts(const struct frag *f);

#endif
