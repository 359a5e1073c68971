/* SPDX-License-Identifier: MIT */
/* pkt_gro.h - joining runs of in-order TCP segments into one packet */
#ifndef TETHER_PKT_GRO_H
#define TETHER_PKT_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_GRO_MAX 65535 /* the IPv4 total length field's limit */

/* Gets every packet given to pkt_gro_add(), in order: @gso 0 for a packet
 * as it came, else a joined run of segments of @gso payload bytes (the
 * last may be shorter) whose TCP checksum is not set (doc/PROTOCOL.md
 * 4.1's GSO entry); struct pkt_gro's segs says how many it joined */
typedef void (*pkt_gro_emit_cb)(uint32_t owner, uint8_t *pkt, size_t len,
				size_t gso, void *arg);

/**
 * struct pkt_gro - one run being joined (one buffer, whoever sends)
 * @buf:	the run: the first segment's headers, every payload after
 * @len:	bytes in @buf; 0 when no run is held
 * @hlen:	IP + TCP header bytes
 * @seg:	payload bytes of the first segment: the run's segment size
 * @segs:	segments joined
 * @owner:	whose run (the caller's id, e.g. a client)
 * @next_seq:	the sequence number the next segment must have
 * @next_id:	the IP id the next segment must have
 * @emit:	where packets go
 * @arg:	passed to @emit
 */
struct pkt_gro {
	uint8_t buf[PKT_GRO_MAX];
	size_t len, hlen, seg;
	unsigned segs;
	uint32_t owner, next_seq;
	uint16_t next_id;
	pkt_gro_emit_cb emit;
	void *arg;
};

void pkt_gro_init(struct pkt_gro *g, pkt_gro_emit_cb emit, void *arg);
void pkt_gro_add(struct pkt_gro *g, uint32_t owner, uint8_t *pkt,
		 size_t len);
void pkt_gro_flush(struct pkt_gro *g);

#endif
