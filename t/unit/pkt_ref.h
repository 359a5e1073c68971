/* SPDX-License-Identifier: MIT */
/* pkt_ref.h - reference checksums and a fixed-seed PRNG for the pkt tests
 *
 * The pkt test programs compare src/pkt.c and src/csum.c with references
 * that share no code with them: packets captured from the Linux kernel
 * (pkt_vectors.h) and the byte-by-byte sums of pktgen.h.  The helpers here
 * recompute a packet's checksums in full from those sums.
 */
#ifndef TETHER_PKT_REF_H
#define TETHER_PKT_REF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"
#include "pkt_vectors.h"
#include "pktgen.h"

#define A(a, b, c, d) pktgen_addr(a, b, c, d)
#define VEC(v)	      (memcpy(buf, v, sizeof(v)), sizeof(v))

/* The packet under test; VEC(ref_...) copies a kernel vector into it */
static uint8_t buf[65536 + 64];

static uint32_t rng_state = 0x7e7e7e7e;

/* xorshift32: fixed seed, same packets on every run */
static inline uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static inline uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Full IP header checksum with the field zeroed, host order */
static inline uint16_t ref_ip_csum(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	uint32_t sum = pktgen_sum(ip, ihl, 0);

	sum += 0xffff - get16(ip + 10); /* take the stored field out */
	return pktgen_fold(sum);
}

/* Offset of the L4 checksum field in the TCP, UDP or ICMP header */
static inline size_t csum_at(const uint8_t *ip)
{
	switch (ip[9]) {
	case PKT_PROTO_TCP:
		return 16;
	case PKT_PROTO_UDP:
		return 6;
	default:
		return 2;
	}
}

/*
 * Full L4 checksum of an unfragmented packet or a reassembled datagram
 * (@l4 may live elsewhere than after @ip), field taken as zero, host order
 */
static inline uint16_t ref_l4_csum(const uint8_t *ip, const uint8_t *l4,
				   size_t len)
{
	static uint8_t tmp[65536];
	size_t at = csum_at(ip);
	uint16_t c;

	if (ip[9] == 17)
		len = get16(l4 + 4);
	memcpy(tmp, l4, len);
	pktgen_put16(tmp + at, 0);
	if (ip[9] == 1)
		return pktgen_fold(pktgen_sum(tmp, len, 0));
	c = pktgen_l4_csum(ip, tmp, len, ip[9]);
	return ip[9] == 17 && !c ? 0xffff : c;
}

/* The L4 checksum field as the packet carries it, host order */
static inline uint16_t l4_field(const uint8_t *ip)
{
	const uint8_t *l4 = ip + (ip[0] & 0xf) * 4;

	return get16(l4 + csum_at(ip));
}

/*
 * ref_udp_dgram() - the kernel's two UDP fragments (ref_udp_frag1, 2) put
 * back together as one unfragmented 796-byte datagram in @dgram (at least
 * that big), IP header fixed up; return its length
 */
static inline size_t ref_udp_dgram(uint8_t *dgram)
{
	size_t n1 = sizeof(ref_udp_frag1), len;

	memcpy(dgram, ref_udp_frag1, n1);
	memcpy(dgram + n1, ref_udp_frag2 + 20, sizeof(ref_udp_frag2) - 20);
	len = n1 + sizeof(ref_udp_frag2) - 20;
	pktgen_put16(dgram + 2, (uint16_t)len);
	pktgen_put16(dgram + 6, 0);
	pktgen_fix_ip_csum(dgram);
	return len;
}

#endif
