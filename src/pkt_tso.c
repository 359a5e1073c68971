/* SPDX-License-Identifier: MIT */
/* pkt_tso.c - splitting a merged TCP segment back into MTU-sized ones
 *
 * A capture sees what the kernel hands up, and the kernel merges TCP
 * segments (GRO on a real NIC, GSO packets on a veth or virtio device)
 * into one packet of up to 64 KiB, with a partial checksum. The client's
 * TUN has a small MTU and the UDP transport carries one datagram per
 * message, so the server splits such a packet again as a NIC's TSO would:
 * the same headers, sequence numbers advanced, FIN and PSH on the last
 * segment only, CWR on the first only, the IP id counting up, checksums
 * computed in full.
 */
#include <string.h>

#include <stdbool.h>

#include "be.h"
#include "csum.h"
#include "pkt.h"

#define TCP_SEQ	  4
#define TCP_FLAGS 13
#define TCP_FIN	  0x01
#define TCP_PSH	  0x08
#define TCP_CWR	  0x80

/**
 * pkt_tcp_one_segment() - is a GSO packet only one segment long?
 * @p:		a parsed packet handed over to be split at @mss bytes of
 *		payload, its checksum not meaningful (a partial sum)
 * @mss:	payload bytes per segment
 *
 * Such a packet goes on as a plain one: its checksums are completed.
 *
 * Return: true if @p is a TCP packet with at most @mss bytes of payload
 * (its checksums now complete), false otherwise (@p unchanged)
 */
bool pkt_tcp_one_segment(struct pkt *p, size_t mss)
{
	if (p->proto != PKT_PROTO_TCP || !(p->flags & PKT_F_L4) ||
	    (p->flags & PKT_F_FRAG) ||
	    (size_t)p->len - p->l4off - p->l4hlen > mss)
		return false;
	pkt_csum_fix(p);
	return true;
}

/**
 * pkt_tcp_segment() - split a TCP packet into segments of @mss bytes
 * @p:		a parsed, unfragmented TCP packet
 * @mss:	payload bytes per segment, at least 1
 * @out:	buffer for one segment at a time
 * @cap:	its size; it must hold the headers and @mss bytes
 * @emit:	called with each segment in order, checksums complete
 * @arg:	passed to @emit
 *
 * Return: the number of segments emitted (1 and @p itself is not copied
 * when its payload fits already), or -1 if @p is not a TCP packet that
 * can be split
 */
int pkt_tcp_segment(const struct pkt *p, size_t mss, uint8_t *out, size_t cap,
		    pkt_emit_cb emit, void *arg)
{
	size_t hlen = (size_t)p->l4off + p->l4hlen, payload, off;
	uint32_t seq;
	uint8_t flags;
	int n = 0;

	if (p->proto != PKT_PROTO_TCP || !(p->flags & PKT_F_L4) ||
	    (p->flags & PKT_F_FRAG) || !mss || hlen + mss > cap)
		return -1;
	payload = p->len - hlen;
	if (payload <= mss) {
		emit(p->data, p->len, arg);
		return 1;
	}
	seq = be_get32(p->data + p->l4off + TCP_SEQ);
	flags = p->data[p->l4off + TCP_FLAGS];
	for (off = 0; off < payload; off += mss, n++) {
		size_t chunk = payload - off < mss ? payload - off : mss;
		bool last = off + chunk == payload;
		uint8_t *tcp = out + p->l4off;
		uint16_t ip_csum;
		uint8_t clear;
		struct pkt sp;

		memcpy(out, p->data, hlen);
		memcpy(out + hlen, p->data + hlen + off, chunk);
		be_put16(out + 2, (uint16_t)(hlen + chunk));
		be_put16(out + 4, (uint16_t)(p->ip_id + n));
		be_put32(tcp + TCP_SEQ, seq + (uint32_t)off);
		clear = (uint8_t)((last ? 0 : TCP_FIN | TCP_PSH) |
				  (off ? TCP_CWR : 0));
		tcp[TCP_FLAGS] = flags & (uint8_t)~clear;
		/* the IP header checksum first, so that the segment parses */
		memset(out + 10, 0, 2);
		ip_csum = csum_fold(csum_partial(out, p->l4off, 0));
		memcpy(out + 10, &ip_csum, sizeof(ip_csum));
		if (pkt_parse(&sp, out, hlen + chunk) != PKT_OK)
			return -1;
		pkt_csum_fix(&sp);
		emit(out, hlen + chunk, arg);
	}
	return n;
}
