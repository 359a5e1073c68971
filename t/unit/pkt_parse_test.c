/* SPDX-License-Identifier: MIT */
/* pkt_parse_test.c - unit tests for packet parsing, drop reasons, checksums
 *
 * What the kernel computed (pkt_vectors.h) must be what pkt_parse(),
 * csum_partial() and the checksum helpers compute, and pktgen.h's
 * byte-by-byte sums must agree with both; every drop reason has a case
 * that builds a packet, breaks it and expects that reason.
 */
#include <arpa/inet.h>

#include "pkt.h"
#include "pkt_ref.h"
#include "tap.h"

static void test_names(void)
{
	const char *seen[PKT_DROP_MAX];
	int i, j, dup = 0, empty = 0;

	for (i = 0; i < PKT_DROP_MAX; i++) {
		seen[i] = pkt_drop_name((enum pkt_drop)i);
		if (!seen[i] || !*seen[i] || !strcmp(seen[i], "unknown"))
			empty++;
		for (j = 0; j < i; j++)
			dup += seen[j] && seen[i] && !strcmp(seen[i], seen[j]);
	}
	is(empty, 0, "every drop reason has a name");
	is(dup, 0, "drop names are distinct");
	is_str(pkt_drop_name(PKT_OK), "ok", "PKT_OK is \"ok\"");
	is_str(pkt_drop_name(PKT_DROP_IP_CSUM), "bad ip checksum",
	       "name of PKT_DROP_IP_CSUM");
	is_str(pkt_drop_name(PKT_DROP_MAX), "unknown", "PKT_DROP_MAX unknown");
	is_str(pkt_drop_name((enum pkt_drop)(PKT_DROP_MAX + 9)), "unknown",
	       "far out of range: unknown");
}

static void test_csum(void)
{
	/* RFC 1071 section 3 example: sum 0xddf2 */
	static const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03,
				      0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t c, old, new, want;
	uint32_t o32, n32;
	int i, bad = 0, badu = 0, n;
	size_t len, off;

	c = csum_fold(csum_partial(rfc, sizeof(rfc), 0));
	is(ntohs(c), 0xffff & ~0xddf2, "RFC 1071 example");
	c = csum_fold(csum_partial(rfc, 7, 0));
	is(ntohs(c), pktgen_fold(pktgen_sum(rfc, 7, 0)), "odd length pads");
	is(csum_fold(csum_partial(rfc, 0, 0)), 0xffff, "empty buffer");
	is(csum_fold(0xffffffffffffffffULL), 0, "fold of all ones");

	/* every length and alignment against the byte-by-byte sum */
	for (i = 0; i < 3000; i++) {
		len = rnd() % 200;
		off = rnd() % 8;
		for (n = 0; n < (int)(len + off); n++)
			buf[n] = (uint8_t)rnd();
		c = csum_fold(csum_partial(buf + off, len, 0));
		bad += ntohs(c) != pktgen_fold(pktgen_sum(buf + off, len, 0));
	}
	is(bad, 0,
	   "csum_partial matches byte sums, lengths 0..199, "
	   "alignments 0..7");
	c = csum_fold(csum_partial(buf, 65535, 0));
	is(ntohs(c), pktgen_fold(pktgen_sum(buf, 65535, 0)), "65535 bytes");

	/* incremental updates equal full recomputation */
	bad = 0;
	for (i = 0; i < 20000; i++) {
		len = 4 + 2 * (rnd() % 30);
		for (n = 0; n < (int)len; n++)
			buf[n] = (uint8_t)rnd();
		if (i % 50 == 0)
			memset(buf, 0, len); /* sums near zero */
		off = 2 * (rnd() % (len / 2 - 1));
		c = csum_fold(csum_partial(buf, len, 0));
		if (i & 1) {
			memcpy(&old, buf + off, 2);
			new = (uint16_t)rnd();
			memcpy(buf + off, &new, 2);
			c = csum_update16(c, old, new);
		} else {
			memcpy(&o32, buf + off, 4);
			n32 = rnd();
			memcpy(buf + off, &n32, 4);
			c = csum_update32(c, o32, n32);
		}
		want = csum_fold(csum_partial(buf, len, 0));
		bad += c != want;
		badu += c == 0xffff && want != 0xffff;
	}
	is(bad, 0, "RFC 1624 updates equal full recomputation (20000)");
	is(badu, 0, "no -0 (0xffff) from updates");
}

/* What the kernel computed must be what we compute */
static void check_vec(const char *name, const uint8_t *v, size_t len)
{
	struct pkt p;
	uint16_t want_ip = get16(v + 10), want_l4;

	memcpy(buf, v, len);
	is(pkt_parse(&p, buf, len), PKT_OK, "%s: parses", name);
	is(p.len, len, "%s: length", name);
	pkt_csum_fix(&p);
	is(get16(buf + 10), want_ip, "%s: ip checksum 0x%04x as kernel's", name,
	   want_ip);
	if ((p.flags & PKT_F_L4) && !(p.flags & PKT_F_FRAG) &&
	    !(p.flags & PKT_F_UDP_CSUM0)) {
		want_l4 = l4_field(v);
		is(ntohs(pkt_l4_csum(&p)), want_l4,
		   "%s: l4 checksum 0x%04x as kernel's", name, want_l4);
		ok(pkt_l4_csum_ok(&p), "%s: l4 checksum verifies", name);
		is(ref_l4_csum(v, v + p.l4off, len - p.l4off), want_l4,
		   "%s: pktgen agrees with kernel", name);
		ok(pktgen_l4_csum_ok(v, len), "%s: pktgen verifies", name);
	}
	ok(!memcmp(buf, v, len), "%s: pkt_csum_fix changed nothing", name);
}

static void test_vectors(void)
{
	struct pkt p;
	size_t len;

	check_vec("echo", ref_icmp_echo, sizeof(ref_icmp_echo));
	check_vec("echo reply", ref_icmp_echoreply, sizeof(ref_icmp_echoreply));
	check_vec("tcp syn", ref_tcp_syn, sizeof(ref_tcp_syn));
	check_vec("tcp syn-ack", ref_tcp_synack, sizeof(ref_tcp_synack));
	check_vec("tcp data", ref_tcp_data, sizeof(ref_tcp_data));
	check_vec("udp", ref_udp, sizeof(ref_udp));
	check_vec("udp no csum", ref_udp_nocsum, sizeof(ref_udp_nocsum));
	check_vec("unreach", ref_icmp_unreach, sizeof(ref_icmp_unreach));
	check_vec("unreach 576", ref_icmp_unreach_576,
		  sizeof(ref_icmp_unreach_576));
	check_vec("icmp frag1", ref_icmp_frag1, sizeof(ref_icmp_frag1));
	check_vec("icmp frag2", ref_icmp_frag2, sizeof(ref_icmp_frag2));
	check_vec("udp frag1", ref_udp_frag1, sizeof(ref_udp_frag1));
	check_vec("udp frag2", ref_udp_frag2, sizeof(ref_udp_frag2));

	len = VEC(ref_icmp_echo);
	pkt_parse(&p, buf, len);
	ok(p.data == buf, "echo: data points into the buffer");
	is(p.saddr, A(10, 9, 0, 1), "echo: saddr");
	is(p.daddr, A(10, 9, 0, 2), "echo: daddr");
	is(p.proto, PKT_PROTO_ICMP, "echo: proto");
	is(p.l4off, 20, "echo: l4off");
	is(p.l4hlen, 8, "echo: l4hlen");
	is(p.icmp_type, PKT_ICMP_ECHO, "echo: type");
	is(p.icmp_code, 0, "echo: code");
	is(p.sport, get16(ref_icmp_echo + 24), "echo: id in sport");
	is(p.dport, p.sport, "echo: id in dport");
	is(p.flags, PKT_F_DF | PKT_F_L4 | PKT_F_PORTS | PKT_F_ICMP_ECHO,
	   "echo: flags");
	is(p.ip_id, get16(ref_icmp_echo + 4), "echo: ip id");
	is(p.ttl, 64, "echo: ttl");

	len = VEC(ref_tcp_syn);
	pkt_parse(&p, buf, len);
	is(p.sport, get16(ref_tcp_syn + 20), "syn: sport");
	is(p.dport, 5001, "syn: dport");
	is(p.tcp_flags, PKT_TCP_SYN, "syn: flags");
	is(p.l4hlen, 40, "syn: data offset with options");
	is(p.flags, PKT_F_DF | PKT_F_L4 | PKT_F_PORTS, "syn: pkt flags");
	len = VEC(ref_tcp_synack);
	pkt_parse(&p, buf, len);
	is(p.tcp_flags, PKT_TCP_SYN | PKT_TCP_ACK, "syn-ack: flags");
	len = VEC(ref_tcp_data);
	pkt_parse(&p, buf, len);
	is(p.l4off + p.l4hlen, len - 6, "data: payload offset");

	len = VEC(ref_udp);
	pkt_parse(&p, buf, len);
	is(p.sport, 40000, "udp: sport");
	is(p.dport, 5002, "udp: dport");
	is(p.l4hlen, 8, "udp: l4hlen");
	ok(!(p.flags & PKT_F_UDP_CSUM0), "udp: has checksum");
	len = VEC(ref_udp_nocsum);
	pkt_parse(&p, buf, len);
	ok(p.flags & PKT_F_UDP_CSUM0, "udp no csum: flagged");
	ok(pkt_l4_csum_ok(&p), "udp no csum: nothing to verify");

	len = VEC(ref_icmp_unreach);
	pkt_parse(&p, buf, len);
	is(p.icmp_type, PKT_ICMP_UNREACH, "unreach: type");
	is(p.icmp_code, PKT_ICMP_UNREACH_PORT, "unreach: code");
	is(p.flags, PKT_F_L4 | PKT_F_ICMP_ERR, "unreach: flags");
	is(p.inner.l3off, 28, "unreach: inner l3off");
	is(p.inner.l4off, 48, "unreach: inner l4off");
	is(p.inner.saddr, A(10, 9, 0, 1), "unreach: inner saddr");
	is(p.inner.daddr, A(10, 9, 0, 2), "unreach: inner daddr");
	is(p.inner.proto, PKT_PROTO_UDP, "unreach: inner proto");
	is(p.inner.sport, 40001, "unreach: inner sport");
	is(p.inner.dport, 5999, "unreach: inner dport");
	is(p.inner.ip_id, get16(ref_udp_nocsum + 4), "unreach: inner ip id");
	is(p.inner.flags, PKT_F_DF | PKT_F_L4 | PKT_F_PORTS,
	   "unreach: inner flags");

	len = VEC(ref_icmp_frag1);
	pkt_parse(&p, buf, len);
	is(p.flags,
	   PKT_F_MF | PKT_F_FRAG | PKT_F_L4 | PKT_F_PORTS | PKT_F_ICMP_ECHO,
	   "icmp frag1: first fragment has L4");
	is(p.frag_off, 0, "icmp frag1: offset 0");
	len = VEC(ref_icmp_frag2);
	pkt_parse(&p, buf, len);
	is(p.flags, PKT_F_FRAG, "icmp frag2: fragment, no L4, no MF");
	is(p.frag_off, 552, "icmp frag2: offset in bytes");
	is(p.sport + p.dport + p.l4hlen, 0, "icmp frag2: no ports");
	is(p.ip_id, get16(ref_icmp_frag1 + 4), "icmp frag2: id");
	len = VEC(ref_udp_frag1);
	pkt_parse(&p, buf, len);
	is(p.flags, PKT_F_MF | PKT_F_FRAG | PKT_F_L4 | PKT_F_PORTS,
	   "udp frag1: UDP length past the fragment is fine");
	is(p.dport, 5002, "udp frag1: dport");
	is(pkt_l4_csum(&p), 0, "udp frag1: no full checksum of a fragment");

	len = VEC(ref_ipv6_echo);
	is(pkt_parse(&p, buf, len), PKT_DROP_IPV6, "ipv6 echo: refused");
}

/* Build, break, parse: one drop reason per case */
static void test_drops(void)
{
	static const uint8_t opt4[4] = {0x94, 0x04, 0x00, 0x00};
	struct pktgen g = PKTGEN_INIT;
	struct pkt p;
	size_t len;

	g.saddr = A(192, 0, 2, 1);
	g.daddr = A(198, 51, 100, 7);
	g.sport = 1000;
	g.dport = 2000;

	is(pkt_parse(&p, buf, 0), PKT_DROP_TRUNCATED, "empty: truncated");
	buf[0] = 0x60;
	is(pkt_parse(&p, buf, 1), PKT_DROP_IPV6, "1 byte of v6: ipv6");
	buf[0] = 0x45;
	is(pkt_parse(&p, buf, 1), PKT_DROP_TRUNCATED, "1 byte of v4");
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, 19), PKT_DROP_TRUNCATED, "19 bytes");
	is(pkt_parse(&p, buf, len - 1), PKT_DROP_TRUNCATED,
	   "total length beyond bytes received");
	buf[0] = 0x55;
	is(pkt_parse(&p, buf, len), PKT_DROP_VERSION, "version 5");
	buf[0] = 0x05;
	is(pkt_parse(&p, buf, len), PKT_DROP_VERSION, "version 0");
	buf[0] = 0x44;
	is(pkt_parse(&p, buf, len), PKT_DROP_IHL, "ihl 4");
	buf[0] = 0x40;
	is(pkt_parse(&p, buf, len), PKT_DROP_IHL, "ihl 0");
	buf[0] = 0x4f;
	is(pkt_parse(&p, buf, 40), PKT_DROP_TRUNCATED, "ihl 15 in 40 bytes");
	buf[0] = 0x46;
	pktgen_put16(buf + 2, 22);
	is(pkt_parse(&p, buf, len), PKT_DROP_TOTAL_LEN, "total 22 < ihl 24");
	buf[0] = 0x45;
	pktgen_put16(buf + 2, 19);
	is(pkt_parse(&p, buf, len), PKT_DROP_TOTAL_LEN, "total length 19");

	len = pktgen_udp(buf, sizeof(buf), &g);
	buf[8] ^= 1;
	is(pkt_parse(&p, buf, len), PKT_DROP_IP_CSUM, "flipped ttl bit");
	buf[8] ^= 1;
	buf[10] ^= 0x80;
	is(pkt_parse(&p, buf, len), PKT_DROP_IP_CSUM, "flipped csum bit");

	/* fragments */
	g.plen = 12;
	g.frag = 0x2000; /* MF, 20 bytes of payload */
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_FRAG, "MF, payload not 8n");
	g.plen = 16;
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "MF, 24 bytes: first fragment");
	g.frag = 0x1fff; /* offset 65528, 24 bytes */
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_FRAG, "fragment past 65535");
	g.frag = 8190; /* offset 65520 + 8 + 16 = 65544 */
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_FRAG, "ends at 65544");
	g.plen = 7; /* 65520 + 15 = 65535 */
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "ends at 65535 exactly");
	is(p.frag_off, 65520, "offset 8190 is 65520 bytes");
	ok(!(p.flags & PKT_F_L4), "non-first fragment: no L4");
	pktgen_put16(buf + 2, 20);
	pktgen_fix_ip_csum(buf);
	is(pkt_parse(&p, buf, 20), PKT_DROP_FRAG, "empty fragment");
	g.frag = 1;
	g.plen = 0;
	len = pktgen_tcp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_FRAG, "TCP at offset 8");
	g.frag = 2;
	len = pktgen_tcp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "TCP at offset 16");
	g.frag = 1;
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "UDP at offset 8");
	g.frag = 0;

	/* TCP */
	len = pktgen_tcp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "tcp: bare header");
	buf[32] = 0x40;
	is(pkt_parse(&p, buf, len), PKT_DROP_TCP_HDR, "tcp: data offset 4");
	buf[32] = 0x60;
	is(pkt_parse(&p, buf, len), PKT_DROP_TCP_HDR, "tcp: offset past end");
	pktgen_put16(buf + 2, 39);
	pktgen_fix_ip_csum(buf);
	is(pkt_parse(&p, buf, len), PKT_DROP_TCP_HDR, "tcp: 19 bytes");
	g.frag = 0x2000;
	g.plen = 4; /* first fragment, 24 bytes, doff 6 */
	len = pktgen_tcp(buf, sizeof(buf), &g);
	buf[32] = 0x70;
	is(pkt_parse(&p, buf, len), PKT_DROP_TCP_HDR,
	   "tcp: options cut by the first fragment");
	g.frag = 0;
	g.plen = 0;

	/* UDP */
	len = pktgen_udp(buf, sizeof(buf), &g);
	pktgen_put16(buf + 2, 27);
	pktgen_fix_ip_csum(buf);
	is(pkt_parse(&p, buf, len), PKT_DROP_UDP_HDR, "udp: 7 bytes");
	g.plen = 10;
	len = pktgen_udp(buf, sizeof(buf), &g);
	pktgen_put16(buf + 24, 7);
	is(pkt_parse(&p, buf, len), PKT_DROP_UDP_HDR, "udp: length 7");
	pktgen_put16(buf + 24, 19);
	is(pkt_parse(&p, buf, len), PKT_DROP_UDP_HDR, "udp: length past end");
	pktgen_put16(buf + 24, 12);
	is(pkt_parse(&p, buf, len), PKT_OK, "udp: length short of IP: ok");

	/* ICMP */
	g.icmp_type = PKT_ICMP_ECHO;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "icmp: echo");
	pktgen_put16(buf + 2, 27);
	pktgen_fix_ip_csum(buf);
	is(pkt_parse(&p, buf, 27), PKT_DROP_ICMP_HDR, "icmp: 7 bytes");
	len = pktgen_icmp(buf, sizeof(buf), &g);
	buf[len - 1] ^= 4;
	is(pkt_parse(&p, buf, len), PKT_DROP_ICMP_CSUM, "icmp: bad checksum");
	g.frag = 0x2000;
	g.plen = 16;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	buf[len - 1] ^= 4;
	is(pkt_parse(&p, buf, len), PKT_OK,
	   "icmp first fragment: checksum not checkable");
	g.frag = 0;
	g.plen = 0;

	/* ICMP errors and what they quote */
	g.icmp_type = PKT_ICMP_TIMXCEED;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_ICMP_INNER, "quotes nothing");
	memcpy(buf + 1000, ref_udp, sizeof(ref_udp));
	g.payload = buf + 1000;
	g.plen = 27;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_ICMP_INNER, "quote of 20 + 7");
	g.plen = 28;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "quote of 20 + 8");
	buf[1000] = 0x65;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_ICMP_INNER, "quote of ipv6");
	buf[1000] = 0x44;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_ICMP_INNER, "quote with ihl 4");
	buf[1000] = 0x46;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_ICMP_INNER, "ihl 6 + 8 > 28");
	g.plen = 32;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "ihl 6 + 8 = 32");
	pktgen_put16(buf + 1002, 23);
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_DROP_ICMP_INNER, "quoted total < ihl");
	g.payload = NULL;
	g.plen = 0;

	/* not drops: options, other protocols, other ICMP types, trailer */
	g.ipopts = opt4;
	g.ipoptlen = sizeof(opt4);
	len = pktgen_tcp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "ip options: parse");
	is(p.l4off, 24, "ip options: l4off 24");
	is(p.sport, 1000, "ip options: sport");
	g.ipoptlen = 0;
	len = pktgen_udp(buf, sizeof(buf), &g);
	buf[9] = 47;
	pktgen_fix_ip_csum(buf);
	is(pkt_parse(&p, buf, len), PKT_OK, "GRE: passed as other");
	is(p.flags & (PKT_F_L4 | PKT_F_PORTS), 0, "GRE: no L4");
	is(p.proto, 47, "GRE: proto 47");
	g.icmp_type = 13;
	g.plen = 12;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "icmp timestamp: parses");
	is(p.flags, PKT_F_L4, "icmp timestamp: neither echo nor error");
	g.plen = 0;
	len = pktgen_udp(buf, sizeof(buf), &g);
	memset(buf + len, 0xee, 5);
	is(pkt_parse(&p, buf, len + 5), PKT_OK, "trailing bytes: parse");
	is(p.len, len, "trailing bytes: trimmed");
	is(pkt_parse(&p, buf, 20), PKT_DROP_TRUNCATED, "total length > 20");
}

/* Checksums a virtual device left partial (pseudo-header sum only) */
static void test_partial_csum(void)
{
	struct pktgen g = PKTGEN_INIT;
	uint8_t b[200];
	struct pkt p;
	size_t len, l4;
	uint16_t partial;

	g.saddr = pktgen_addr(203, 0, 113, 2);
	g.daddr = pktgen_addr(203, 0, 113, 1);
	g.sport = 80;
	g.dport = 61000;
	g.plen = 100;
	for (int proto = 0; proto < 2; proto++) {
		const char *name = proto == 0 ? "udp" : "tcp";
		size_t at;

		len = proto == 0 ? pktgen_udp(b, sizeof(b), &g)
				 : pktgen_tcp(b, sizeof(b), &g);
		l4 = len - 20;
		at = 20 + (proto == 0 ? 6 : 16);
		partial = (uint16_t)~pktgen_fold(pktgen_sum(b + 12, 8, 0) +
						 (proto == 0 ? 17u : 6u) +
						 (uint32_t)l4);
		pktgen_put16(b + at, partial);
		pkt_parse(&p, b, len);
		ok(!pkt_l4_csum_ok(&p), "%s: a partial checksum does not verify",
		   name);
		is(pkt_l4_csum_complete(&p), 0, "%s: partial checksum completed",
		   name);
		ok(pktgen_l4_csum_ok(b, len), "%s: ... and now verifies", name);
		is(pkt_l4_csum_complete(&p), 0, "%s: a good one is kept", name);
		pktgen_put16(b + at, 0x1234);
		pkt_parse(&p, b, len);
		is(pkt_l4_csum_complete(&p), -1, "%s: a wrong one is refused",
		   name);
	}
}

int main(void)
{
	test_names();
	test_partial_csum();
	test_csum();
	test_vectors();
	test_drops();
	return tap_done();
}
