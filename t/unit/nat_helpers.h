/* SPDX-License-Identifier: MIT */
/* nat_helpers.h - packets, a fake clock and checksum checks for NAT tests
 *
 * Checksums are verified by full recomputation with pktgen.h's byte-by-byte
 * sums, independent of the incremental updates the NAT makes.
 */
#ifndef TETHER_NAT_HELPERS_H
#define TETHER_NAT_HELPERS_H

#include <stdint.h>
#include <string.h>

#include "nat.h"
#include "pktgen.h"

#define SEC	1000ull
#define EXT	pktgen_addr(198, 51, 100, 7)
#define CL1	pktgen_addr(10, 0, 0, 2)
#define CL2	pktgen_addr(10, 0, 0, 3)
#define R1	pktgen_addr(203, 0, 113, 10)
#define R2	pktgen_addr(203, 0, 113, 20)
#define RTR	pktgen_addr(192, 0, 2, 254)

static uint64_t now;			/* the fake clock, milliseconds */
static uint8_t buf[65536];		/* the packet under test */
static size_t blen;
static struct nat_result res;

static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t rdaddr(const uint8_t *b)
{
	uint32_t a;

	memcpy(&a, b, sizeof(a));
	return a;
}

static inline size_t ihl(const uint8_t *b)
{
	return (size_t)(b[0] & 15) * 4;
}

/* Fields of the packet in buf */
#define SADDR()	rdaddr(buf + 12)
#define DADDR()	rdaddr(buf + 16)
#define SPORT()	rd16(buf + ihl(buf))
#define DPORT()	rd16(buf + ihl(buf) + 2)
#define ECHOID() rd16(buf + ihl(buf) + 4)
#define IPID()	rd16(buf + 4)

static inline int icmp_is_err(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 ||
	       type == 12;
}

/* csum_ok() - every checksum in the packet is right; for an ICMP error
 * also the quoted IP header and, if the quote is complete, its L4 sum. */
static inline int csum_ok(const uint8_t *b, size_t len)
{
	size_t h, tot;
	const uint8_t *l4;

	if (len < 20)
		return 0;
	h = ihl(b);
	tot = rd16(b + 2);
	if (h < 20 || tot > len || tot < h)
		return 0;
	if (pktgen_fold(pktgen_sum(b, h, 0)))
		return 0;
	if (rd16(b + 6) & 0x3fff)
		return 1; /* a fragment: see reassembled_csum_ok() */
	l4 = b + h;
	switch (b[9]) {
	case 17:
		if (tot - h >= 8 && rd16(l4 + 6) == 0)
			return 1;
		/* fallthrough */
	case 6:
		return !pktgen_l4_csum(b, l4, tot - h, b[9]);
	case 1:
		if (pktgen_fold(pktgen_sum(l4, tot - h, 0)))
			return 0;
		if (icmp_is_err(l4[0]) && tot - h >= 28) {
			const uint8_t *q = l4 + 8;
			size_t qlen = tot - h - 8;

			if (pktgen_fold(pktgen_sum(q, ihl(q), 0)))
				return 0;
			if (rd16(q + 2) <= qlen)
				return csum_ok(q, qlen);
		}
		return 1;
	default:
		return 1;
	}
}

static inline size_t mk_udp(uint32_t s, uint16_t sp, uint32_t d,
			    uint16_t dp)
{
	struct pktgen g = { .saddr = s, .daddr = d, .sport = sp, .dport = dp,
			    .frag = 0x4000, .ip_id = 0x1234, .plen = 12 };

	blen = pktgen_udp(buf, sizeof(buf), &g);
	return blen;
}

static inline size_t mk_tcp(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp,
			    uint8_t flags)
{
	struct pktgen g = { .saddr = s, .daddr = d, .sport = sp, .dport = dp,
			    .frag = 0x4000, .tcp_flags = flags, .seq = 1000,
			    .plen = 5 };

	blen = pktgen_tcp(buf, sizeof(buf), &g);
	return blen;
}

static inline size_t mk_echo(uint32_t s, uint32_t d, uint8_t type,
			     uint16_t id)
{
	struct pktgen g = { .saddr = s, .daddr = d, .sport = id,
			    .icmp_type = type, .icmp_seq = 1, .plen = 16 };

	blen = pktgen_icmp(buf, sizeof(buf), &g);
	return blen;
}

/* An ICMP error from @s to @d quoting the packet in buf (all of it). */
static inline size_t mk_icmp_err(uint32_t s, uint32_t d, uint8_t type,
				 uint8_t code)
{
	static uint8_t quote[1500];
	struct pktgen g = { .saddr = s, .daddr = d, .icmp_type = type,
			    .icmp_code = code, .payload = quote, .plen = blen };

	memcpy(quote, buf, blen);
	blen = pktgen_icmp(buf, sizeof(buf), &g);
	return blen;
}

static inline enum nat_action out(struct nat *n, uint32_t session)
{
	return nat_outbound(n, session, buf, blen, now, &res);
}

static inline enum nat_action in(struct nat *n)
{
	return nat_inbound(n, buf, blen, now, &res);
}

/* udp_out() - send UDP out, return the external port (0 if not sent) */
static inline uint16_t udp_out(struct nat *n, uint32_t session, uint32_t s,
			       uint16_t sp, uint32_t d, uint16_t dp)
{
	mk_udp(s, sp, d, dp);
	if (out(n, session) != NAT_FORWARD || !csum_ok(buf, blen) ||
	    SADDR() != EXT)
		return 0;
	return SPORT();
}

/* udp_in() - UDP from @s:@sp to EXT:@eport; the action */
static inline enum nat_action udp_in(struct nat *n, uint32_t s, uint16_t sp,
				     uint16_t eport)
{
	mk_udp(s, sp, EXT, eport);
	return in(n);
}

static inline struct nat *mk_nat(const struct nat_params *tweak)
{
	struct nat_params p;

	if (tweak) {
		p = *tweak;
	} else {
		nat_params_default(&p);
		p.seed = 42;
	}
	p.ext_addr = EXT;
	return nat_new(&p);
}

static inline uint64_t drops(const struct nat *n, enum nat_drop d)
{
	struct nat_stats st;

	nat_stats_get(n, &st);
	return st.drops[d];
}

static inline struct nat_stats stats(const struct nat *n)
{
	struct nat_stats st;

	nat_stats_get(n, &st);
	return st;
}

#endif
