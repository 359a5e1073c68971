/* SPDX-License-Identifier: MIT */
/* pkt_test.c - unit tests for packet parsing, checksums and rewrites
 *
 * Reference checksums come from two places that share no code with
 * src/pkt.c and src/csum.c: packets captured from the Linux kernel
 * (pkt_vectors.h) and the byte-by-byte sums of pktgen.h.  Rewrite tests
 * run over many random packets from a fixed-seed PRNG and compare every
 * incrementally updated checksum with a full recomputation.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "pkt.h"
#include "tap.h"
#include "pkt_vectors.h"
#include "pktgen.h"

#define A(a, b, c, d) pktgen_addr(a, b, c, d)
#define VEC(v)	      (memcpy(buf, v, sizeof(v)), sizeof(v))

static uint8_t buf[65536 + 64];

static uint32_t rng_state = 0x7e7e7e7e;

/* xorshift32: fixed seed, same packets on every run */
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Full IP header checksum with the field zeroed, host order */
static uint16_t ref_ip_csum(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	uint32_t sum = pktgen_sum(ip, ihl, 0);

	sum += 0xffff - get16(ip + 10); /* take the stored field out */
	return pktgen_fold(sum);
}

/* Offset of the L4 checksum field in the TCP, UDP or ICMP header */
static size_t csum_at(const uint8_t *ip)
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
static uint16_t ref_l4_csum(const uint8_t *ip, const uint8_t *l4, size_t len)
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

static uint16_t l4_field(const uint8_t *ip)
{
	const uint8_t *l4 = ip + (ip[0] & 0xf) * 4;

	return get16(l4 + csum_at(ip));
}

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

/* Check a rewritten packet's checksums against full recomputation */
static int sums_ok(const uint8_t *ip, size_t len, int nocsum)
{
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	uint16_t want;

	if (ref_ip_csum(ip) != get16(ip + 10))
		return 0;
	if (nocsum)
		return l4_field(ip) == 0;
	want = ref_l4_csum(ip, ip + ihl, len - ihl);
	/* ICMP: 0xffff for 0 is right, and needed for all-zero data */
	if (ip[9] == PKT_PROTO_ICMP && !want)
		want = 0xffff;
	return want == l4_field(ip);
}

static size_t random_packet(uint8_t *b, size_t size, int kind)
{
	static const uint8_t opts[8] = {0x94, 4, 0, 0, 1, 1, 1, 0};
	static const uint8_t tcpopt[8] = {2, 4, 5, 0xb4, 1, 3, 3, 7};
	struct pktgen g = PKTGEN_INIT;

	g.saddr = rnd();
	g.daddr = rnd();
	g.sport = (uint16_t)rnd();
	g.dport = (uint16_t)rnd();
	g.ip_id = (uint16_t)rnd();
	g.ttl = (uint8_t)(rnd() % 4 ? rnd() : 1 + rnd() % 2);
	g.plen = rnd() % 4 ? rnd() % 64 : rnd() % 1400;
	g.seq = rnd();
	g.tcp_flags = (uint8_t)rnd();
	g.icmp_seq = (uint16_t)rnd();
	g.icmp_type = rnd() & 1 ? PKT_ICMP_ECHO : PKT_ICMP_ECHOREPLY;
	g.ipopts = opts;
	g.ipoptlen = 4 * (rnd() % 3);
	g.opts = tcpopt;
	g.optlen = 4 * (rnd() % 3);
	g.udp_nocsum = kind == 2;
	switch (kind) {
	case 0:
		return pktgen_tcp(b, size, &g);
	case 1:
	case 2:
		return pktgen_udp(b, size, &g);
	default:
		return pktgen_icmp(b, size, &g);
	}
}

static void test_rewrite_random(void)
{
	int i, kind, bad_parse = 0, bad_sum = 0, bad_field = 0, bad_re = 0;
	int bad_ttl = 0, nocsum;
	uint32_t addr;
	uint16_t port, ttl;
	struct pkt p, q;
	size_t len;

	for (i = 0; i < 20000; i++) {
		kind = (int)(rnd() % 4);
		len = random_packet(buf, sizeof(buf), kind);
		if (pkt_parse(&p, buf, len) != PKT_OK) {
			bad_parse++;
			continue;
		}
		nocsum = kind == 2;
		addr = rnd();
		port = (uint16_t)rnd();
		switch (rnd() % 5) {
		case 0:
			pkt_set_src(&p, addr, port);
			bad_field += memcmp(buf + 12, &addr, 4) ||
				     get16(buf + p.l4off +
					   (kind == 3 ? 4 : 0)) != port ||
				     p.saddr != addr || p.sport != port;
			break;
		case 1:
			pkt_set_dst(&p, addr, port);
			bad_field += memcmp(buf + 16, &addr, 4) ||
				     get16(buf + p.l4off +
					   (kind == 3 ? 4 : 2)) != port ||
				     p.daddr != addr || p.dport != port;
			break;
		case 2:
			pkt_set_ip_id(&p, port);
			bad_field += get16(buf + 4) != port || p.ip_id != port;
			break;
		case 3:
			ttl = buf[8];
			if (pkt_dec_ttl(&p))
				bad_ttl += ttl > 1 || buf[8] != ttl;
			else
				bad_ttl += ttl <= 1 || buf[8] != ttl - 1 ||
					   p.ttl != ttl - 1;
			break;
		default:
			pkt_set_src(&p, addr, port);
			pkt_set_dst(&p, rnd(), (uint16_t)rnd());
			pkt_set_ip_id(&p, (uint16_t)rnd());
			pkt_dec_ttl(&p);
			break;
		}
		bad_sum += !sums_ok(buf, len, nocsum);
		if (pkt_parse(&q, buf, len) != PKT_OK || q.saddr != p.saddr ||
		    q.daddr != p.daddr || q.sport != p.sport ||
		    q.dport != p.dport || q.ip_id != p.ip_id ||
		    !pkt_l4_csum_ok(&q))
			bad_re++;
	}
	is(bad_parse, 0, "20000 random TCP/UDP/ICMP packets parse");
	is(bad_sum, 0, "incremental checksums equal full recomputation");
	is(bad_field, 0, "rewritten fields in bytes and struct");
	is(bad_ttl, 0, "ttl decrements, refuses at 1 and 0");
	is(bad_re, 0, "rewritten packets parse again, same fields");
}

/* The checksum of a fragmented datagram lives in the first fragment */
static void test_rewrite_frags(void)
{
	static uint8_t f1[600], f2[600], dgram[2000];
	uint32_t addr = A(203, 0, 113, 9);
	struct pkt p1, p2;
	size_t n1, n2, l1, l2;

	n1 = sizeof(ref_udp_frag1);
	n2 = sizeof(ref_udp_frag2);
	memcpy(f1, ref_udp_frag1, n1);
	memcpy(f2, ref_udp_frag2, n2);
	pkt_parse(&p1, f1, n1);
	pkt_parse(&p2, f2, n2);
	pkt_set_src(&p1, addr, 61000);
	pkt_set_src(&p2, addr, 61000);
	ok(pktgen_ip_csum_ok(f1) && pktgen_ip_csum_ok(f2),
	   "udp frags: ip checksums");
	ok(!memcmp(f2 + 20, ref_udp_frag2 + 20, n2 - 20),
	   "udp frag2: only the IP header changed");
	is(p2.sport, 0, "udp frag2: no port to set");
	l1 = n1 - 20;
	l2 = n2 - 20;
	memcpy(dgram, f1 + 20, l1);
	memcpy(dgram + l1, f2 + 20, l2);
	is(get16(dgram + 4), l1 + l2, "udp frags: reassembled length");
	is(ref_l4_csum(f1, dgram, l1 + l2), get16(dgram + 6),
	   "udp frags: reassembled checksum right after src rewrite");
	pkt_set_dst(&p1, A(10, 0, 0, 1), 53);
	pkt_set_dst(&p2, A(10, 0, 0, 1), 53);
	memcpy(dgram, f1 + 20, l1);
	is(ref_l4_csum(f1, dgram, l1 + l2), get16(dgram + 6),
	   "udp frags: and after dst rewrite");

	n1 = sizeof(ref_icmp_frag1);
	n2 = sizeof(ref_icmp_frag2);
	memcpy(f1, ref_icmp_frag1, n1);
	memcpy(f2, ref_icmp_frag2, n2);
	pkt_parse(&p1, f1, n1);
	pkt_parse(&p2, f2, n2);
	pkt_set_src(&p1, addr, 4242);
	pkt_set_src(&p2, addr, 4242);
	pkt_set_ip_id(&p1, 999);
	pkt_set_ip_id(&p2, 999);
	ok(pktgen_ip_csum_ok(f1) && pktgen_ip_csum_ok(f2),
	   "icmp frags: ip checksums");
	is(get16(f2 + 4), 999, "icmp frag2: id remapped");
	memcpy(dgram, f1 + 20, n1 - 20);
	memcpy(dgram + n1 - 20, f2 + 20, n2 - 20);
	is(get16(dgram + 4), 4242, "icmp frags: echo id rewritten");
	is(pktgen_fold(pktgen_sum(dgram, n1 + n2 - 40, 0)), 0,
	   "icmp frags: reassembled checksum right");
}

/*
 * Rewrite an ICMP error and check it against the original packet rewritten
 * the same way and recomputed in full.  @orig is the whole original packet,
 * @quote how many of its bytes the error carries.
 */
static int check_err_rewrite(const uint8_t *orig, size_t olen, size_t quote,
			     int dst, uint32_t addr, uint16_t port)
{
	static uint8_t o[2000], e[2000];
	struct pktgen g = PKTGEN_INIT;
	struct pkt p, q, po;
	size_t elen, ihl = (size_t)(orig[0] & 0xf) * 4, k;
	int bad = 0;
	uint16_t c;

	memcpy(o, orig, olen);
	if (pkt_parse(&po, o, olen) != PKT_OK)
		return 100;
	g.saddr = A(192, 0, 2, 254);
	g.daddr = po.saddr;
	g.icmp_type = PKT_ICMP_UNREACH;
	g.icmp_code = PKT_ICMP_UNREACH_PORT;
	g.payload = orig;
	g.plen = quote;
	elen = pktgen_icmp(e, sizeof(e), &g);
	if (pkt_parse(&p, e, elen) != PKT_OK)
		return 200;

	if (dst) {
		pkt_set_inner_dst(&p, addr, port);
		pkt_set_src(&p, A(198, 18, 0, 1), 0);
		pkt_set_dst(&po, addr, port);
	} else {
		pkt_set_inner_src(&p, addr, port);
		pkt_set_dst(&p, A(198, 18, 0, 2), 0);
		pkt_set_src(&po, addr, port);
	}
	/* the reference: the original rewritten, checksums from scratch */
	pktgen_fix_ip_csum(o);
	c = ref_l4_csum(o, o + ihl, olen - ihl);
	if (o[9] == PKT_PROTO_ICMP && !c)
		c = 0xffff; /* see test_zero_csum() */
	if (!(po.flags & PKT_F_UDP_CSUM0))
		pktgen_put16(o + ihl + csum_at(o), c);
	/* a TCP checksum cut off by the quote cannot be updated */
	for (k = ihl + 16; o[9] == 6 && k < quote && quote < ihl + 18; k++)
		o[k] = orig[k];

	bad += !pktgen_ip_csum_ok(e);
	bad += pktgen_fold(pktgen_sum(e + 20, elen - 20, 0)) != 0;
	bad += memcmp(e + 28, o, quote) != 0;
	if (pkt_parse(&q, e, elen) != PKT_OK)
		return bad + 1000;
	bad += (dst ? q.inner.daddr : q.inner.saddr) != addr;
	if (po.flags & PKT_F_PORTS)
		bad += (dst ? q.inner.dport : q.inner.sport) != port;
	bad += dst ? q.saddr != A(198, 18, 0, 1) : q.daddr != A(198, 18, 0, 2);
	bad += q.inner.sport != p.inner.sport || q.inner.dport != p.inner.dport;
	return bad;
}

static void test_rewrite_icmp_err(void)
{
	static uint8_t dgram[2000], o[2000];
	uint32_t addr = A(100, 64, 0, 5);
	struct pkt p, q;
	int i, bad = 0, kind;
	uint16_t want;
	size_t len, n1, quote;

	len = VEC(ref_icmp_unreach);
	pkt_parse(&p, buf, len);
	pkt_set_inner_src(&p, addr, 33333);
	pkt_set_dst(&p, addr, 0);
	ok(pktgen_ip_csum_ok(buf), "unreach: outer ip checksum");
	ok(pktgen_ip_csum_ok(buf + 28), "unreach: inner ip checksum");
	is(pktgen_fold(pktgen_sum(buf + 20, len - 20, 0)), 0,
	   "unreach: icmp checksum");
	is(get16(buf + 28 + 20 + 6), 0, "unreach: zero udp checksum stays");
	is(pkt_parse(&q, buf, len), PKT_OK, "unreach: parses after rewrite");
	is(q.inner.saddr, addr, "unreach: inner saddr");
	is(q.inner.sport, 33333, "unreach: inner sport");
	is(q.daddr, addr, "unreach: outer daddr");
	is(q.inner.dport, 5999, "unreach: inner dport kept");

	/* the kernel's 576-byte error quoting a 776-byte UDP datagram */
	n1 = sizeof(ref_udp_frag1);
	memcpy(dgram, ref_udp_frag1, n1);
	memcpy(dgram + n1, ref_udp_frag2 + 20, sizeof(ref_udp_frag2) - 20);
	len = n1 + sizeof(ref_udp_frag2) - 20;
	pktgen_put16(dgram + 2, (uint16_t)len);
	pktgen_put16(dgram + 6, 0);
	pktgen_fix_ip_csum(dgram);
	memcpy(o, dgram, len);
	pkt_parse(&q, o, len);
	is(q.len, 796, "reassembled udp: 796 bytes");
	ok(pkt_l4_csum_ok(&q), "reassembled udp: checksum verifies");
	pkt_set_src(&q, addr, 33333);
	want = ref_l4_csum(o, o + 20, len - 20);
	len = VEC(ref_icmp_unreach_576);
	pkt_parse(&p, buf, len);
	is(p.inner.l4off + 8, 56, "unreach 576: inner udp header quoted");
	pkt_set_inner_src(&p, addr, 33333);
	is(get16(buf + 48 + 6), want,
	   "unreach 576: inner udp "
	   "checksum as full recomputation of the whole datagram");
	is(pktgen_fold(pktgen_sum(buf + 20, len - 20, 0)), 0,
	   "unreach 576: icmp checksum");
	ok(pktgen_ip_csum_ok(buf + 28), "unreach 576: inner ip checksum");

	/* random originals, random quote lengths, both directions */
	for (i = 0; i < 5000; i++) {
		kind = (int)(rnd() % 4);
		len = random_packet(o, 1500, kind);
		quote = (size_t)(o[0] & 0xf) * 4 + 8;
		quote += rnd() % (len - quote + 1);
		bad += check_err_rewrite(o, len, quote, (int)(rnd() & 1), rnd(),
					 (uint16_t)rnd());
	}
	is(bad, 0, "5000 random ICMP errors rewritten: every checksum right");
}

/*
 * Find the source address (last 16 bits) that makes the full checksum of
 * @ip come out as 0: UDP must then send 0xffff, TCP must keep 0x0000.
 */
static uint32_t addr_for_zero_csum(uint8_t *ip, size_t len)
{
	uint8_t tmp[200];
	uint32_t v, sum;

	memcpy(tmp, ip, len);
	pktgen_put16(tmp + 20 + (ip[9] == 6 ? 16 : 6), 0);
	for (v = 0; v <= 0xffff; v++) {
		pktgen_put16(tmp + 14, (uint16_t)v);
		sum = pktgen_sum(tmp + 12, 8, 0) + ip[9] + (uint32_t)(len - 20);
		if (pktgen_fold(pktgen_sum(tmp + 20, len - 20, sum)) == 0)
			break;
	}
	return A(tmp[12], tmp[13], (uint8_t)(v >> 8), (uint8_t)v);
}

static void test_zero_csum(void)
{
	struct pktgen g = PKTGEN_INIT;
	struct pkt p;
	uint32_t addr;
	size_t len;

	g.saddr = A(10, 1, 2, 3);
	g.daddr = A(10, 3, 2, 1);
	g.sport = 5353;
	g.dport = 53;
	g.plen = 21;
	len = pktgen_udp(buf, sizeof(buf), &g);
	addr = addr_for_zero_csum(buf, len);
	pkt_parse(&p, buf, len);
	pkt_set_src(&p, addr, 5353);
	is(l4_field(buf), 0xffff, "udp: computed 0 is sent as 0xffff");
	ok(pkt_l4_csum_ok(&p), "udp: 0xffff verifies");
	is(ntohs(pkt_l4_csum(&p)), 0xffff, "udp: pkt_l4_csum gives 0xffff");
	pkt_set_src(&p, g.saddr, 5353);
	is(l4_field(buf), ref_l4_csum(buf, buf + 20, len - 20),
	   "udp: from 0xffff back to the original");

	g.tcp_flags = PKT_TCP_ACK;
	len = pktgen_tcp(buf, sizeof(buf), &g);
	addr = addr_for_zero_csum(buf, len);
	pkt_parse(&p, buf, len);
	pkt_set_src(&p, addr, 5353);
	is(l4_field(buf), 0, "tcp: computed 0 stays 0 (RFC 1624 eqn. 3)");
	ok(pkt_l4_csum_ok(&p), "tcp: 0 verifies");
	pkt_set_dst(&p, A(9, 9, 9, 9), 80);
	is(l4_field(buf), ref_l4_csum(buf, buf + 20, len - 20),
	   "tcp: from 0 onwards");

	/* ICMP has no pseudo-header: an echo reply can be all zero */
	g.icmp_type = PKT_ICMP_ECHOREPLY;
	g.sport = 1;
	g.plen = 0;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(l4_field(buf), 0xfffe, "echo reply, id 1: checksum 0xfffe");
	pkt_parse(&p, buf, len);
	pkt_set_dst(&p, g.daddr, 0);
	is(get16(buf + 24), 0, "echo reply: id now 0, all zero");
	is(l4_field(buf), 0xffff, "all-zero ICMP: 0xffff, not eqn. 3's 0");
	ok(pktgen_l4_csum_ok(buf, len), "all-zero ICMP: verifies");
	is(pkt_parse(&p, buf, len), PKT_OK, "all-zero ICMP: parses");
	pkt_set_src(&p, g.saddr, 0x1234);
	is(l4_field(buf), ref_l4_csum(buf, buf + 20, len - 20),
	   "all-zero ICMP: and back");

	/* non-zero data summing to 0xffff: 0 and 0xffff both verify */
	g.sport = 0xffff;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(l4_field(buf), 0, "echo reply, id 0xffff: checksum 0");
	pkt_parse(&p, buf, len);
	pkt_set_dst(&p, g.daddr, 0xfffe);
	pkt_set_dst(&p, g.daddr, 0xffff);
	ok(pktgen_l4_csum_ok(buf, len), "id 0xffff again: verifies");
}

/* Quoted packets that are fragments, errors, or shorter than they say */
static void test_inner_odd(void)
{
	static uint8_t q[64];
	struct pktgen g = PKTGEN_INIT;
	uint32_t addr = A(100, 64, 9, 9);
	struct pkt p;
	size_t len;

	g.saddr = A(192, 0, 2, 1);
	g.daddr = A(10, 9, 0, 1);
	g.icmp_type = PKT_ICMP_TIMXCEED;
	g.payload = ref_udp_frag1;
	g.plen = 48;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "quoted first fragment: parses");
	is(p.inner.flags, PKT_F_MF | PKT_F_FRAG | PKT_F_L4 | PKT_F_PORTS,
	   "quoted first fragment: MF, ports");
	is(p.inner.sport, 40002, "quoted first fragment: sport");

	g.payload = ref_udp_frag2;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "quoted later fragment: parses");
	is(p.inner.flags, PKT_F_FRAG, "quoted later fragment: no L4");
	is(p.inner.frag_off, 552, "quoted later fragment: offset");
	is(p.inner.sport + p.inner.dport, 0, "quoted later fragment: no ports");
	pkt_set_inner_src(&p, addr, 1234);
	ok(!memcmp(buf + 48, ref_udp_frag2 + 20, 28),
	   "quoted later fragment: only its IP header changes");
	ok(pktgen_ip_csum_ok(buf + 28), "quoted later fragment: ip checksum");
	is(pktgen_fold(pktgen_sum(buf + 20, len - 20, 0)), 0,
	   "quoted later fragment: icmp checksum");

	g.payload = ref_icmp_unreach;
	g.plen = 28;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "error about an error: parses");
	is(p.inner.flags, PKT_F_L4 | PKT_F_ICMP_ERR,
	   "error about an error: inner flagged");
	is(p.inner.icmp_type, PKT_ICMP_UNREACH, "error about an error: type");

	/* a "TCP" packet of 28 bytes, quoted with 12 more bytes after it */
	memcpy(q, ref_tcp_data, 40);
	pktgen_put16(q + 2, 28);
	pktgen_fix_ip_csum(q);
	g.payload = q;
	g.plen = 40;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	is(pkt_parse(&p, buf, len), PKT_OK, "short quoted TCP: parses");
	pkt_set_inner_src(&p, addr, 1234);
	ok(!memcmp(buf + 28 + 36, q + 36, 4),
	   "short quoted TCP: bytes past its length untouched");
	is(pktgen_fold(pktgen_sum(buf + 20, len - 20, 0)), 0,
	   "short quoted TCP: icmp checksum");
	is(p.inner.sport, 1234, "short quoted TCP: port rewritten");
}

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
	size_t len, n1;
	int r;

	/* same bytes as the kernel's errors, from ICMP type on */
	n1 = sizeof(ref_udp_frag1);
	memcpy(dgram, ref_udp_frag1, n1);
	memcpy(dgram + n1, ref_udp_frag2 + 20, sizeof(ref_udp_frag2) - 20);
	len = n1 + sizeof(ref_udp_frag2) - 20;
	pktgen_put16(dgram + 2, (uint16_t)len);
	pktgen_put16(dgram + 6, 0);
	pktgen_fix_ip_csum(dgram);
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

static void test_csum_helpers(void)
{
	struct pkt p;
	size_t len;

	len = VEC(ref_tcp_data);
	pkt_parse(&p, buf, len);
	buf[len - 1] ^= 1;
	ok(!pkt_l4_csum_ok(&p), "tcp: corrupted payload fails verify");
	pkt_csum_fix(&p);
	ok(pkt_l4_csum_ok(&p), "tcp: pkt_csum_fix repairs");
	ok(sums_ok(buf, len, 0), "tcp: repaired as pktgen computes");
	len = VEC(ref_udp);
	pkt_parse(&p, buf, len);
	buf[10] = buf[11] = 0;
	buf[26] ^= 0xff;
	pkt_csum_fix(&p);
	ok(pktgen_ip_csum_ok(buf) && sums_ok(buf, len, 0), "udp: both fixed");
	len = VEC(ref_udp_nocsum);
	pkt_parse(&p, buf, len);
	pkt_csum_fix(&p);
	is(l4_field(buf), 0, "udp no csum: left at zero");

	len = VEC(ref_udp);
	pkt_parse(&p, buf, len);
	is(pkt_dec_ttl(&p), 0, "ttl 64: decremented");
	is(buf[8], 63, "ttl 64: now 63");
	is(p.ttl, 63, "ttl 64: struct follows");
	is(get16(buf + 10), ref_ip_csum(buf), "ttl 64: ip checksum");
	ok(!memcmp(buf + 20, ref_udp + 20, len - 20), "ttl: L4 untouched");
	buf[8] = 1;
	pktgen_fix_ip_csum(buf);
	pkt_parse(&p, buf, len);
	is(pkt_dec_ttl(&p), -1, "ttl 1: refused");
	is(buf[8], 1, "ttl 1: unchanged");
	buf[8] = 0;
	pktgen_fix_ip_csum(buf);
	pkt_parse(&p, buf, len);
	is(pkt_dec_ttl(&p), -1, "ttl 0: refused");
}

int main(void)
{
	test_names();
	test_csum();
	test_vectors();
	test_drops();
	test_rewrite_random();
	test_rewrite_frags();
	test_rewrite_icmp_err();
	test_zero_csum();
	test_inner_odd();
	test_mss();
	test_icmp_error();
	test_csum_helpers();
	return tap_done();
}
