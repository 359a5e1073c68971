/* SPDX-License-Identifier: MIT */
/* pktgen.h - build IPv4 TCP/UDP/ICMP test packets with correct checksums
 *
 * For unit tests only.  The checksums here are computed byte by byte in
 * host order, deliberately unlike src/csum.c, so tests compare two
 * independent implementations.  Usage:
 *
 *	struct pktgen g = PKTGEN_INIT;
 *	g.saddr = pktgen_addr(10, 0, 0, 1); g.sport = 40000; ...
 *	len = pktgen_udp(buf, sizeof(buf), &g);
 */
#ifndef TETHER_PKTGEN_H
#define TETHER_PKTGEN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * struct pktgen - what to build; zero fields take the defaults noted
 * @saddr:	source address, network byte order
 * @daddr:	destination address, network byte order
 * @sport:	TCP/UDP source port, host order; ICMP echo: the id
 * @dport:	TCP/UDP destination port, host order
 * @ip_id:	IP identification
 * @frag:	IP flags and fragment offset field, host order (0x4000: DF)
 * @ttl:	time to live (0: 64)
 * @tos:	type of service
 * @tcp_flags:	TCP flags (0x02 SYN, 0x10 ACK, ...)
 * @icmp_type:	ICMP type for pktgen_icmp(): 8 echo request, 0 reply, 3 ...
 * @icmp_code:	ICMP code
 * @icmp_seq:	ICMP echo sequence number (bytes 6-7 of the ICMP header;
 *		the next-hop MTU of a fragmentation-needed error)
 * @seq:	TCP sequence number
 * @ack:	TCP acknowledgement number
 * @ipopts:	IP options, @ipoptlen bytes, a multiple of 4, at most 40
 * @ipoptlen:	length of @ipopts
 * @opts:	TCP options, @optlen bytes, a multiple of 4, at most 40
 * @optlen:	length of @opts
 * @payload:	L4 payload, @plen bytes (NULL: @plen bytes of a pattern);
 *		for an ICMP error, the quoted packet
 * @plen:	payload length
 * @udp_nocsum:	send UDP without checksum (field 0)
 */
struct pktgen {
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint16_t ip_id;
	uint16_t frag;
	uint8_t ttl;
	uint8_t tos;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_seq;
	uint32_t seq;
	uint32_t ack;
	const uint8_t *ipopts;
	size_t ipoptlen;
	const uint8_t *opts;
	size_t optlen;
	const void *payload;
	size_t plen;
	int udp_nocsum;
};

#define PKTGEN_INIT                                                            \
	{                                                                      \
		0                                                              \
	}

/* pktgen_addr(10, 0, 0, 1) - an IPv4 address in network byte order */
static inline uint32_t pktgen_addr(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t v[4] = {a, b, c, d};
	uint32_t addr;

	memcpy(&addr, v, sizeof(addr));
	return addr;
}

/* One's complement sum of big-endian 16-bit words, byte by byte */
static inline uint32_t pktgen_sum(const uint8_t *b, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum += (i & 1) ? b[i] : (uint32_t)b[i] << 8;
	return sum;
}

/* Fold and complement: the checksum in host order */
static inline uint16_t pktgen_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void pktgen_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void pktgen_put32(uint8_t *b, uint32_t v)
{
	pktgen_put16(b, (uint16_t)(v >> 16));
	pktgen_put16(b + 2, (uint16_t)v);
}

/* Checksum over the pseudo-header and @len bytes at @l4, host order */
static inline uint16_t pktgen_l4_csum(const uint8_t *ip, const uint8_t *l4,
				      size_t len, uint8_t proto)
{
	uint32_t sum = pktgen_sum(ip + 12, 8, 0);

	sum += proto;
	sum += (uint32_t)len;
	return pktgen_fold(pktgen_sum(l4, len, sum));
}

/* pktgen_fix_ip_csum() - recompute an IPv4 header checksum in place */
static inline void pktgen_fix_ip_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	pktgen_put16(ip + 10, 0);
	pktgen_put16(ip + 10, pktgen_fold(pktgen_sum(ip, ihl, 0)));
}

/* pktgen_ip_csum_ok() - does an IPv4 header checksum verify? */
static inline int pktgen_ip_csum_ok(const uint8_t *ip)
{
	return !pktgen_fold(pktgen_sum(ip, (size_t)(ip[0] & 0xf) * 4, 0));
}

/*
 * pktgen_l4_csum_ok() - does the TCP, UDP or ICMP checksum of an
 * unfragmented packet of @len bytes verify?  UDP without checksum does.
 */
static inline int pktgen_l4_csum_ok(const uint8_t *ip, size_t len)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	const uint8_t *l4 = ip + ihl;
	uint32_t sum;

	len -= ihl;
	switch (ip[9]) {
	case 1:
		return !pktgen_fold(pktgen_sum(l4, len, 0));
	case 17:
		if (!l4[6] && !l4[7])
			return 1;
		len = (size_t)(l4[4] << 8 | l4[5]);
		/* fall through */
	case 6:
		sum = pktgen_sum(ip + 12, 8, ip[9]) + (uint32_t)len;
		return !pktgen_fold(pktgen_sum(l4, len, sum));
	default:
		return 0;
	}
}

/* Write the IPv4 header; return its length, 0 if the packet won't fit */
static inline size_t pktgen_ip(uint8_t *buf, size_t size,
			       const struct pktgen *g, uint8_t proto,
			       size_t l4len)
{
	size_t ihl = 20 + g->ipoptlen;

	if (g->ipoptlen % 4 || g->ipoptlen > 40 || ihl + l4len > size ||
	    ihl + l4len > 65535)
		return 0;
	buf[0] = (uint8_t)(0x40 | ihl / 4);
	buf[1] = g->tos;
	pktgen_put16(buf + 2, (uint16_t)(ihl + l4len));
	pktgen_put16(buf + 4, g->ip_id);
	pktgen_put16(buf + 6, g->frag);
	buf[8] = g->ttl ? g->ttl : 64;
	buf[9] = proto;
	pktgen_put16(buf + 10, 0);
	memcpy(buf + 12, &g->saddr, 4);
	memcpy(buf + 16, &g->daddr, 4);
	if (g->ipoptlen)
		memcpy(buf + 20, g->ipopts, g->ipoptlen);
	pktgen_put16(buf + 10, pktgen_fold(pktgen_sum(buf, ihl, 0)));
	return ihl;
}

static inline void pktgen_payload(uint8_t *to, const struct pktgen *g)
{
	size_t i;

	if (g->payload) {
		memcpy(to, g->payload, g->plen);
		return;
	}
	for (i = 0; i < g->plen; i++)
		to[i] = (uint8_t)(i * 7 + 1);
}

/* pktgen_tcp() - build a TCP segment; return its length, 0 if too big */
static inline size_t pktgen_tcp(uint8_t *buf, size_t size,
				const struct pktgen *g)
{
	size_t thl = 20 + g->optlen, ihl;
	uint8_t *t;

	if (g->optlen % 4 || g->optlen > 40)
		return 0;
	ihl = pktgen_ip(buf, size, g, 6, thl + g->plen);
	if (!ihl)
		return 0;
	t = buf + ihl;
	pktgen_put16(t, g->sport);
	pktgen_put16(t + 2, g->dport);
	pktgen_put32(t + 4, g->seq);
	pktgen_put32(t + 8, g->ack);
	t[12] = (uint8_t)(thl / 4 << 4);
	t[13] = g->tcp_flags;
	pktgen_put16(t + 14, 65535);
	pktgen_put16(t + 16, 0);
	pktgen_put16(t + 18, 0);
	if (g->optlen)
		memcpy(t + 20, g->opts, g->optlen);
	pktgen_payload(t + thl, g);
	pktgen_put16(t + 16, pktgen_l4_csum(buf, t, thl + g->plen, 6));
	return ihl + thl + g->plen;
}

/* pktgen_udp() - build a UDP datagram; return its length, 0 if too big */
static inline size_t pktgen_udp(uint8_t *buf, size_t size,
				const struct pktgen *g)
{
	size_t ulen = 8 + g->plen, ihl;
	uint16_t csum;
	uint8_t *u;

	ihl = pktgen_ip(buf, size, g, 17, ulen);
	if (!ihl)
		return 0;
	u = buf + ihl;
	pktgen_put16(u, g->sport);
	pktgen_put16(u + 2, g->dport);
	pktgen_put16(u + 4, (uint16_t)ulen);
	pktgen_put16(u + 6, 0);
	pktgen_payload(u + 8, g);
	if (!g->udp_nocsum) {
		csum = pktgen_l4_csum(buf, u, ulen, 17);
		pktgen_put16(u + 6, csum ? csum : 0xffff);
	}
	return ihl + ulen;
}

/*
 * pktgen_icmp() - build an ICMP message: an echo request or reply (id in
 * @sport), or an error quoting @payload; return its length, 0 if too big
 */
static inline size_t pktgen_icmp(uint8_t *buf, size_t size,
				 const struct pktgen *g)
{
	size_t len = 8 + g->plen, ihl;
	uint8_t *ic;

	ihl = pktgen_ip(buf, size, g, 1, len);
	if (!ihl)
		return 0;
	ic = buf + ihl;
	ic[0] = g->icmp_type;
	ic[1] = g->icmp_code;
	pktgen_put16(ic + 2, 0);
	pktgen_put16(ic + 4, g->sport);
	pktgen_put16(ic + 6, g->icmp_seq);
	pktgen_payload(ic + 8, g);
	pktgen_put16(ic + 2, pktgen_fold(pktgen_sum(ic, len, 0)));
	return ihl + len;
}

#endif
