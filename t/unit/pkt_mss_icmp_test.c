/* SPDX-License-Identifier: MIT */
/* pkt_mss_icmp_test.c - unit tests for TCP MSS clamping and ICMP errors
 *
 * pkt_tcp_clamp_mss() must fix the checksum when it clamps and leave the
 * packet untouched otherwise, over hand-made and random TCP options;
 * pkt_icmp_error() must build the same bytes as the kernel's errors
 * (pkt_vectors.h) and refuse what no error may answer: errors, later
 * fragments, multicast and broadcast (RFC 1812 4.3.2.7).
 */
#include "pkt.h"
#include "pkt_ref.h"
#include "tap.h"

static void test_mss(void)
{
	/* NOP, MSS at an odd offset, NOP, NOP, NOP */
	static const uint8_t odd[8] = {1, 2, 4, 0x23, 0x28, 1, 1, 1};
	static const uint8_t eol[8] = {0, 2, 4, 0x23, 0x28, 0, 0, 0};
	static const uint8_t bad[][8] = {
		{2, 4, 0x05, 0xb4, 3, 0, 1, 1},	      /* length 0 */
		{2, 4, 0x05, 0xb4, 3, 1, 1, 1},	      /* length 1 */
		{2, 4, 0x05, 0xb4, 1, 1, 3, 3},	      /* past the end */
		{2, 3, 0x05, 1, 1, 1, 1, 1},	      /* MSS length 3 */
		{2, 4, 0x05, 0xb4, 2, 4, 0x05, 0xb4}, /* two MSS */
		{1, 1, 1, 1, 1, 1, 1, 8},	      /* kind, no length */
	};
	uint8_t copy[100];
	struct pktgen g = PKTGEN_INIT;
	struct pkt p;
	size_t len, i;
	int r, badsum = 0, badtouch = 0;

	len = VEC(ref_tcp_syn);
	pkt_parse(&p, buf, len);
	is(pkt_tcp_clamp_mss(&p, 1500), 0, "syn: 1460 <= 1500: no change");
	is(pkt_tcp_clamp_mss(&p, 1460), 0, "syn: 1460 <= 1460: no change");
	ok(!memcmp(buf, ref_tcp_syn, len), "syn: untouched");
	is(pkt_tcp_clamp_mss(&p, 1380), 1, "syn: clamped to 1380");
	is(get16(buf + 42), 1380, "syn: MSS field 1380");
	is(ref_l4_csum(buf, buf + 20, len - 20), l4_field(buf),
	   "syn: checksum right after clamp");
	len = VEC(ref_tcp_synack);
	pkt_parse(&p, buf, len);
	is(pkt_tcp_clamp_mss(&p, 1200), 1, "syn-ack: clamped");
	is(ref_l4_csum(buf, buf + 20, len - 20), l4_field(buf),
	   "syn-ack: checksum right");
	len = VEC(ref_tcp_data);
	pkt_parse(&p, buf, len);
	is(pkt_tcp_clamp_mss(&p, 500), 0, "not a SYN: no change");
	len = VEC(ref_udp);
	pkt_parse(&p, buf, len);
	is(pkt_tcp_clamp_mss(&p, 500), 0, "not TCP: no change");
	ok(!memcmp(buf, ref_udp, len), "not TCP: untouched");

	g.saddr = A(10, 0, 0, 1);
	g.daddr = A(10, 0, 0, 2);
	g.tcp_flags = PKT_TCP_SYN;
	len = pktgen_tcp(buf, sizeof(buf), &g);
	pkt_parse(&p, buf, len);
	is(pkt_tcp_clamp_mss(&p, 500), 0, "SYN without options: no change");
	g.opts = odd;
	g.optlen = sizeof(odd);
	g.plen = 3;
	len = pktgen_tcp(buf, sizeof(buf), &g);
	pkt_parse(&p, buf, len);
	is(pkt_tcp_clamp_mss(&p, 1000), 1, "odd offset MSS: clamped");
	is(get16(buf + 43), 1000, "odd offset MSS: field 1000");
	is(ref_l4_csum(buf, buf + 20, len - 20), l4_field(buf),
	   "odd offset MSS: checksum right");
	g.opts = eol;
	len = pktgen_tcp(buf, sizeof(buf), &g);
	pkt_parse(&p, buf, len);
	is(pkt_tcp_clamp_mss(&p, 1000), 0, "MSS after EOL: ignored");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		g.opts = bad[i];
		len = pktgen_tcp(buf, sizeof(buf), &g);
		memcpy(copy, buf, len);
		pkt_parse(&p, buf, len);
		is(pkt_tcp_clamp_mss(&p, 1000), -1, "malformed options %zu", i);
		ok(!memcmp(copy, buf, len), "malformed options %zu: untouched",
		   i);
	}

	/* random option bytes: clamped and right, or untouched */
	for (i = 0; i < 20000; i++) {
		uint8_t o[40];
		size_t k;

		for (k = 0; k < sizeof(o); k++)
			o[k] = (uint8_t)(rnd() % 4 ? rnd() % 5 : rnd());
		g.opts = o;
		g.optlen = 4 * (1 + rnd() % 10);
		g.plen = rnd() % 5;
		len = pktgen_tcp(buf, sizeof(buf), &g);
		memcpy(copy, buf, len);
		pkt_parse(&p, buf, len);
		r = pkt_tcp_clamp_mss(&p, (uint16_t)rnd());
		if (r == 1)
			badsum += ref_l4_csum(buf, buf + 20, len - 20) !=
				  l4_field(buf);
		else
			badtouch += memcmp(copy, buf, len) != 0;
	}
	is(badsum, 0, "random options: checksum right when clamped");
	is(badtouch, 0, "random options: untouched otherwise");
}

static void test_icmp_error(void)
{
	static uint8_t dgram[2000], out[2000];
	struct pktgen g = PKTGEN_INIT;
	struct pkt p, e;
	size_t len;
	int r;

	/* same bytes as the kernel's errors, from ICMP type on */
	len = ref_udp_dgram(dgram);
	pkt_parse(&p, dgram, len);
	r = pkt_icmp_error(out, sizeof(out), &p, A(10, 9, 0, 2),
			   PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT, 0);
	is(r, 576, "error about 796 bytes: 576 bytes");
	ok(!memcmp(out + 20, ref_icmp_unreach_576 + 20, 556),
	   "error about 796 bytes: ICMP part equals the kernel's");
	ok(!memcmp(out + 12, ref_icmp_unreach_576 + 12, 8),
	   "error: addresses as the kernel's");
	is(out[1], 0xc0, "error: tos 0xc0 as the kernel's");
	ok(pktgen_ip_csum_ok(out), "error: ip checksum");
	len = VEC(ref_udp_nocsum);
	pkt_parse(&p, buf, len);
	r = pkt_icmp_error(out, sizeof(out), &p, A(10, 9, 0, 2),
			   PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT, 0);
	is(r, 67, "error about 39 bytes: 67 bytes");
	ok(!memcmp(out + 20, ref_icmp_unreach + 20, 47),
	   "error about 39 bytes: ICMP part equals the kernel's");

	len = VEC(ref_tcp_data);
	pkt_parse(&p, buf, len);
	r = pkt_icmp_error(out, sizeof(out), &p, A(192, 0, 2, 1),
			   PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_NEEDFRAG, 1400);
	is(r, 28 + 58, "frag needed: quotes all 58 bytes");
	is(pkt_parse(&e, out, (size_t)r), PKT_OK, "frag needed: parses");
	is(e.icmp_type, 3, "frag needed: type 3");
	is(e.icmp_code, 4, "frag needed: code 4");
	is(get16(out + 26), 1400, "frag needed: next-hop MTU");
	is(get16(out + 24), 0, "frag needed: unused word zero");
	is(e.saddr, A(192, 0, 2, 1), "frag needed: from us");
	is(e.daddr, p.saddr, "frag needed: to the sender");
	is(e.inner.saddr, p.saddr, "frag needed: inner saddr");
	is(e.inner.daddr, p.daddr, "frag needed: inner daddr");
	is(e.inner.sport, p.sport, "frag needed: inner sport");
	is(e.inner.dport, p.dport, "frag needed: inner dport");
	is(e.inner.proto, PKT_PROTO_TCP, "frag needed: inner proto");
	ok(!memcmp(out + 28, ref_tcp_data, 58), "frag needed: quote exact");
	is(e.ttl, 64, "error: ttl 64");
	ok(e.flags & PKT_F_DF, "error: DF, an atomic datagram");

	r = pkt_icmp_error(out, sizeof(out), &p, A(192, 0, 2, 1),
			   PKT_ICMP_TIMXCEED, 0, 0);
	is(pkt_parse(&e, out, (size_t)r), PKT_OK, "time exceeded: parses");
	is(e.icmp_type, PKT_ICMP_TIMXCEED, "time exceeded: type 11");
	r = pkt_icmp_error(out, sizeof(out), &p, A(192, 0, 2, 1),
			   PKT_ICMP_PARAMPROB, 0, 9u << 24);
	is(out[24], 9, "parameter problem: pointer");

	r = pkt_icmp_error(out, 28 + 28, &p, A(192, 0, 2, 1), PKT_ICMP_UNREACH,
			   PKT_ICMP_UNREACH_ADMIN, 0);
	is(r, 56, "small buffer: header plus 8 bytes");
	is(pkt_parse(&e, out, (size_t)r), PKT_OK, "small buffer: parses");
	is(e.inner.dport, 5001, "small buffer: inner dport");
	is(pkt_icmp_error(out, 55, &p, A(192, 0, 2, 1), 3, 13, 0), -1,
	   "buffer too small: -1");

	/* in place: the error replaces the packet in its own buffer */
	len = VEC(ref_tcp_data);
	pkt_parse(&p, buf, len);
	r = pkt_icmp_error(buf, sizeof(buf), &p, A(192, 0, 2, 1), 3, 13, 0);
	is(r, 86, "in place: built");
	ok(!memcmp(buf + 28, ref_tcp_data, 58), "in place: quote intact");
	is(pkt_parse(&e, buf, (size_t)r), PKT_OK, "in place: parses");

	/* never */
	len = VEC(ref_icmp_unreach);
	pkt_parse(&p, buf, len);
	is(pkt_icmp_error(out, sizeof(out), &p, A(1, 1, 1, 1), 3, 13, 0), -1,
	   "no error about an error");
	len = VEC(ref_udp_frag2);
	pkt_parse(&p, buf, len);
	is(pkt_icmp_error(out, sizeof(out), &p, A(1, 1, 1, 1), 3, 13, 0), -1,
	   "no error about a non-first fragment");
	len = VEC(ref_udp_frag1);
	pkt_parse(&p, buf, len);
	is(pkt_icmp_error(out, sizeof(out), &p, A(1, 1, 1, 1), 3, 13, 0), 576,
	   "first fragment: error of 576 bytes");
	len = VEC(ref_icmp_echo);
	pkt_parse(&p, buf, len);
	is(pkt_icmp_error(out, sizeof(out), &p, A(1, 1, 1, 1), 3, 13, 0), 80,
	   "error about an echo request: fine");

	g.daddr = A(10, 0, 0, 1);
	g.saddr = A(0, 0, 0, 0);
	len = pktgen_udp(buf, sizeof(buf), &g);
	pkt_parse(&p, buf, len);
	is(pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 13, 0), -1,
	   "no error to 0.0.0.0");
	p.saddr = A(127, 0, 0, 1);
	is(pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 13, 0), -1,
	   "no error to 127.0.0.1");
	p.saddr = A(224, 0, 0, 251);
	is(pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 13, 0), -1,
	   "no error to multicast");
	p.saddr = A(255, 255, 255, 255);
	is(pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 13, 0), -1,
	   "no error to broadcast");
	p.saddr = A(10, 0, 0, 2);
	p.daddr = A(239, 1, 1, 1);
	is(pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 13, 0), -1,
	   "no error about a multicast packet");
	p.daddr = A(10, 0, 0, 1);
	is(pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 13, 0), 56,
	   "unicast both ways: error");
	p.daddr = A(127, 0, 0, 1);
	is(pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 13, 0), 56,
	   "a packet to loopback is answered (a policy refusal)");
	p.daddr = A(255, 255, 255, 255);
	is(pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 13, 0), -1,
	   "no error about a broadcast packet");
	p.daddr = A(10, 0, 0, 1);

	g.saddr = A(10, 0, 0, 2);
	g.plen = 4;
	len = pktgen_udp(buf, sizeof(buf), &g);
	buf[9] = 47;
	pktgen_fix_ip_csum(buf);
	pkt_parse(&p, buf, len);
	r = pkt_icmp_error(out, sizeof(out), &p, g.daddr, 3, 2, 0);
	is(r, 28 + 32, "GRE of 32 bytes: quoted whole");
	is(pkt_parse(&e, out, (size_t)r), PKT_OK, "GRE error: parses");
	is(e.inner.proto, 47, "GRE error: inner proto");
}

int main(void)
{
	test_mss();
	test_icmp_error();
	return tap_done();
}
