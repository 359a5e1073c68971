/* SPDX-License-Identifier: MIT */
/* pkt_gro.c - joining runs of in-order TCP segments into one packet
 *
 * The inverse of pkt_tcp_segment(), as a NIC's receive offload (the
 * kernel's tcp_gro_receive()) does it: over UDP the client sends a TCP
 * sender's bulk data as MTU-sized segments (a GSO entry never fits one
 * datagram), and the server would send each through its NAT and the
 * kernel's IP output on its own. Joined back, a run goes on as one GSO
 * packet: one write into kernel-NAT mode's TUN, one send on the egress
 * link (egress_gso.c).
 *
 * A segment joins the run held when it continues it exactly: same
 * addresses, ports, TOS, TTL and DF; the next IP id and sequence number;
 * the same acknowledgment, window and TCP options byte for byte; flags ACK,
 * or ACK and PSH (which ends the run, as does a segment shorter than the
 * first); a payload no longer than the first's; the run under 64 KiB. Its
 * TCP checksum must be right, so a join never repairs a packet. A run
 * starts with a plain ACK segment of at least 536 payload bytes (RFC 879's
 * default MSS, the GSO entry's minimum) without IP options. Anything else
 * ends the run held (it is emitted first, so order holds) and is emitted
 * as it came. One buffer serves every sender: a packet from another owner
 * ends the run too.
 */
#include <string.h>

#include "be.h"
#include "csum.h"
#include "pkt.h"
#include "pkt_gro.h"

#define IP_FRAG	   6
#define IP_CSUM	   10
#define TCP_SEQ	   4
#define TCP_ACK	   8
#define TCP_FLAGS  13
#define TCP_WINDOW 14
#define SEG_MIN	   536

/**
 * pkt_gro_init() - an empty joiner
 * @g:		the joiner (large: 64 KiB of buffer)
 * @emit:	where every packet goes, joined or not
 * @arg:	passed to @emit
 */
void pkt_gro_init(struct pkt_gro *g, pkt_gro_emit_cb emit, void *arg)
{
	g->len = 0;
	g->emit = emit;
	g->arg = arg;
}

/**
 * pkt_gro_flush() - emit the run held, if any
 * @g:	the joiner
 *
 * Call when nothing more can arrive in this batch (once per loop turn).
 */
void pkt_gro_flush(struct pkt_gro *g)
{
	size_t len = g->len;
	uint16_t csum;

	if (!len)
		return;
	g->len = 0;
	if (g->segs == 1) {
		g->emit(g->owner, g->buf, len, 0, g->arg);
		return;
	}
	/* the first segment's headers, its length and checksum renewed */
	be_put16(g->buf + 2, (uint16_t)len);
	memset(g->buf + IP_CSUM, 0, 2);
	csum = csum_fold(csum_partial(g->buf, PKT_IPV4_HLEN, 0));
	memcpy(g->buf + IP_CSUM, &csum, sizeof(csum));
	g->emit(g->owner, g->buf, len, g->seg, g->arg);
}

/* A TCP data segment of a shape a run may start with (@first) or take;
 * its checksum is checked apart, once */
static bool joinable(const struct pkt *p, bool first)
{
	uint8_t want = first ? PKT_TCP_ACK : PKT_TCP_ACK | PKT_TCP_PSH;
	size_t payload = (size_t)p->len - p->l4off - p->l4hlen;

	return p->proto == PKT_PROTO_TCP && (p->flags & PKT_F_L4) &&
	       !(p->flags & PKT_F_FRAG) && p->l4off == PKT_IPV4_HLEN &&
	       (p->tcp_flags & PKT_TCP_ACK) && !(p->tcp_flags & ~want) &&
	       payload >= (first ? SEG_MIN : 1);
}

/* Does @p continue the run held, exactly? */
static bool continues(const struct pkt_gro *g, uint32_t owner,
		      const struct pkt *p)
{
	const uint8_t *h = g->buf, *q = p->data;
	size_t payload = (size_t)p->len - g->hlen;

	return g->len && owner == g->owner &&
	       (size_t)p->l4off + p->l4hlen == g->hlen &&
	       payload <= g->seg && g->len + payload <= PKT_GRO_MAX &&
	       /* version, IHL, TOS; DF and no fragment; TTL, protocol */
	       !memcmp(h, q, 2) && !memcmp(h + IP_FRAG, q + IP_FRAG, 4) &&
	       /* addresses, ports */
	       !memcmp(h + 12, q + 12, 12) && p->ip_id == g->next_id &&
	       be_get32(q + p->l4off + TCP_SEQ) == g->next_seq &&
	       !memcmp(h + PKT_IPV4_HLEN + TCP_ACK, q + p->l4off + TCP_ACK,
		       4) &&
	       /* window, checksum skipped, urgent pointer, options */
	       !memcmp(h + PKT_IPV4_HLEN + TCP_WINDOW,
		       q + p->l4off + TCP_WINDOW, 2) &&
	       !memcmp(h + PKT_IPV4_HLEN + 18, q + p->l4off + 18,
		       g->hlen - PKT_IPV4_HLEN - 18) &&
	       q[p->l4off + 12] == h[PKT_IPV4_HLEN + 12];
}

/* Start a run with @p */
static void start(struct pkt_gro *g, uint32_t owner, const struct pkt *p)
{
	memcpy(g->buf, p->data, p->len);
	g->len = p->len;
	g->hlen = (size_t)p->l4off + p->l4hlen;
	g->seg = g->len - g->hlen;
	g->segs = 1;
	g->owner = owner;
	g->next_seq = be_get32(p->data + p->l4off + TCP_SEQ) + (uint32_t)g->seg;
	g->next_id = (uint16_t)(p->ip_id + 1);
}

/**
 * pkt_gro_add() - a packet, to join to the run held or to pass on
 * @g:		the joiner
 * @owner:	who sent it (runs never mix owners)
 * @pkt:	the packet, IPv4 header first (copied if kept)
 * @len:	its length
 *
 * Every packet reaches the emit callback exactly once, in order: at once,
 * or when its run ends (a packet that does not continue it, a last
 * segment, pkt_gro_flush()).
 */
void pkt_gro_add(struct pkt_gro *g, uint32_t owner, uint8_t *pkt, size_t len)
{
	size_t payload;
	struct pkt p;

	if (pkt_parse(&p, pkt, len) != PKT_OK || !joinable(&p, false) ||
	    !pkt_l4_csum_ok(&p)) {
		pkt_gro_flush(g);
		g->emit(owner, pkt, len, 0, g->arg);
		return;
	}
	if (!continues(g, owner, &p)) {
		pkt_gro_flush(g);
		if (!joinable(&p, true)) {
			g->emit(owner, pkt, len, 0, g->arg);
			return;
		}
		start(g, owner, &p);
		return;
	}
	payload = (size_t)p.len - g->hlen;
	memcpy(g->buf + g->len, p.data + g->hlen, payload);
	g->len += payload;
	g->segs++;
	g->next_seq += (uint32_t)payload;
	g->next_id++;
	if (payload < g->seg || (p.tcp_flags & PKT_TCP_PSH)) {
		g->buf[PKT_IPV4_HLEN + TCP_FLAGS] = p.tcp_flags;
		pkt_gro_flush(g);
	}
}
