/* SPDX-License-Identifier: MIT */
/* pkt_fuzz.c - libFuzzer harness: arbitrary bytes as an IPv4 packet
 *
 * Each input is a raw packet (the seeds in fuzz/corpus/pkt are real ones).
 * Whatever parses is rewritten every way the NAT rewrites packets, clamped,
 * answered with an ICMP error and checksummed, with the sanitizers watching
 * every byte.  Beyond "no crash" it checks what the NAT relies on: a
 * rewritten packet still parses to the same shape, and checksums that
 * verified before a rewrite still verify after it.  The last 8 bytes of
 * the input double as the new addresses, ports and MSS.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[65536];
static uint8_t out[PKT_ICMP_ERR_MAX];

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

static int ip_csum_ok(const struct pkt *p)
{
	return !csum_fold(csum_partial(p->data, p->l4off, 0));
}

/* Verify an ICMP message even when fragmented: what we have of it */
static int icmp_sum_ok(const struct pkt *p)
{
	return !csum_fold(
		csum_partial(p->data + p->l4off, p->len - p->l4off, 0));
}

static void check_shape(const struct pkt *p, size_t size)
{
	CHECK(p->len <= size && p->l4off >= PKT_IPV4_HLEN);
	CHECK(p->l4off <= p->len);
	CHECK((size_t)p->l4off + p->l4hlen <= p->len);
	CHECK(!(p->flags & PKT_F_PORTS) || (p->flags & PKT_F_L4));
	CHECK(!p->frag_off || !(p->flags & PKT_F_L4));
	if (p->flags & PKT_F_ICMP_ERR) {
		CHECK(p->inner.l3off == p->l4off + PKT_ICMP_HLEN);
		CHECK(p->inner.l4off + 8u <= p->len);
	}
	CHECK(ip_csum_ok(p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t addr1, addr2;
	uint16_t port, mss;
	struct pkt p, q;
	int l4ok, icmpok, r;
	uint8_t t[8] = {0};

	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	if (size >= sizeof(t))
		memcpy(t, data + size - sizeof(t), sizeof(t));
	memcpy(&addr1, t, 4);
	addr2 = addr1 ^ 0x5a5a5a5a;
	port = (uint16_t)(t[4] << 8 | t[5]);
	mss = (uint16_t)(t[6] << 8 | t[7]);

	r = pkt_parse(&p, buf, size);
	CHECK(*pkt_drop_name((enum pkt_drop)r));
	if (r != PKT_OK)
		return 0;
	check_shape(&p, size);
	l4ok = pkt_l4_csum_ok(&p);
	icmpok = p.proto == PKT_PROTO_ICMP && (p.flags & PKT_F_L4) &&
		 icmp_sum_ok(&p);

	/* an error about it: must parse back, quoting it */
	r = pkt_icmp_error(out, sizeof(out), &p, addr1, PKT_ICMP_UNREACH,
			   PKT_ICMP_UNREACH_NEEDFRAG, mss);
	if (r >= 0 && p.len >= p.l4off + 8u) {
		CHECK(pkt_parse(&q, out, (size_t)r) == PKT_OK);
		CHECK(q.flags & PKT_F_ICMP_ERR);
		CHECK(q.inner.saddr == p.saddr && q.inner.daddr == p.daddr);
		CHECK(q.inner.proto == p.proto);
		CHECK(q.len <= PKT_ICMP_ERR_MAX);
	}

	/* the outbound NAT path, then the inbound one */
	r = pkt_tcp_clamp_mss(&p, mss);
	CHECK(r >= -1 && r <= 1);
	pkt_set_src(&p, addr1, port);
	pkt_set_ip_id(&p, port);
	pkt_dec_ttl(&p);
	pkt_set_dst(&p, addr2, (uint16_t)~port);
	pkt_set_inner_src(&p, addr2, port);
	pkt_set_inner_dst(&p, addr1, (uint16_t)(port + 1));

	CHECK(pkt_parse(&q, buf, size) == PKT_OK);
	check_shape(&q, size);
	CHECK(q.flags == p.flags && q.len == p.len && q.proto == p.proto);
	CHECK(q.saddr == addr1 && q.daddr == addr2);
	CHECK(q.sport == p.sport && q.dport == p.dport);
	if (p.flags & PKT_F_ICMP_ERR) {
		CHECK(q.inner.saddr == addr2 && q.inner.daddr == addr1);
		CHECK(q.inner.sport == p.inner.sport);
		CHECK(q.inner.dport == p.inner.dport);
	}
	if (l4ok)
		CHECK(pkt_l4_csum_ok(&q));
	if (icmpok)
		CHECK(icmp_sum_ok(&q));

	pkt_csum_fix(&q);
	CHECK(pkt_l4_csum_ok(&q));
	return 0;
}
