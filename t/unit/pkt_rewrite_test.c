/* SPDX-License-Identifier: MIT */
/* pkt_rewrite_test.c - unit tests for address, port, id and TTL rewrites
 *
 * Rewrites run over many random packets from a fixed-seed PRNG and over
 * the kernel's own packets, fragments and ICMP errors; every incrementally
 * updated checksum is compared with a full recomputation by pkt_ref.h.
 */
#include <stdbool.h>
#include <arpa/inet.h>

#include "pkt.h"
#include "pkt_ref.h"
#include "tap.h"

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
	size_t len, quote;

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
	len = ref_udp_dgram(dgram);
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

/* What pkt_tcp_segment() emitted */
static struct {
	int n, bad_csum, flags_wrong;
	uint8_t payload[8192];
	size_t plen, max_len;
	uint32_t next_seq;
	bool seq_ok;
} seg;

static void collect(uint8_t *b, size_t len, void *arg)
{
	size_t hlen = 40;
	uint32_t sq = (uint32_t)b[24] << 24 | (uint32_t)b[25] << 16 |
		      (uint32_t)b[26] << 8 | b[27];
	bool last = *(size_t *)arg == seg.plen + (len - hlen);

	if (!pktgen_ip_csum_ok(b) || !pktgen_l4_csum_ok(b, len))
		seg.bad_csum++;
	if (sq != seg.next_seq)
		seg.seq_ok = false;
	if ((b[33] & 0x09) != (last ? 0x09 : 0))	/* FIN, PSH */
		seg.flags_wrong++;
	memcpy(seg.payload + seg.plen, b + hlen, len - hlen);
	seg.plen += len - hlen;
	seg.next_seq += (uint32_t)(len - hlen);
	if (len > seg.max_len)
		seg.max_len = len;
	seg.n++;
}

/* A merged (GRO/GSO) TCP packet split back to MSS-sized segments */
static void test_tcp_segment(void)
{
	struct pktgen g = PKTGEN_INIT;
	static uint8_t b[8192], out[2048], data[5000];
	size_t len, total = sizeof(data);
	struct pkt p;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	g.saddr = pktgen_addr(203, 0, 113, 2);
	g.daddr = pktgen_addr(203, 0, 113, 1);
	g.sport = 80;
	g.dport = 61000;
	g.seq = 0xfffff000;	/* wraps while splitting */
	g.tcp_flags = 0x19;	/* FIN, PSH, ACK */
	g.payload = data;
	g.plen = sizeof(data);
	len = pktgen_tcp(b, sizeof(b), &g);
	is(pkt_parse(&p, b, len), PKT_OK, "segment: a 5,040-byte TCP packet");
	memset(&seg, 0, sizeof(seg));
	seg.seq_ok = true;
	seg.next_seq = g.seq;
	is(pkt_tcp_segment(&p, 1340, out, sizeof(out), collect, &total), 4,
	   "segment: split into 4");
	is(seg.max_len, 1380, "segment: none over 1,380 bytes");
	ok(seg.plen == total && !memcmp(seg.payload, data, total),
	   "segment: payload identical, in order");
	ok(seg.seq_ok, "segment: sequence numbers advance (and wrap)");
	is(seg.bad_csum, 0, "segment: every checksum verifies");
	is(seg.flags_wrong, 0, "segment: FIN and PSH on the last only");
	is(pkt_tcp_segment(&p, 1340, out, 100, collect, &total), -1,
	   "segment: refuses a buffer too small");

	g.plen = 100;
	len = pktgen_tcp(b, sizeof(b), &g);
	pkt_parse(&p, b, len);
	memset(&seg, 0, sizeof(seg));
	is(pkt_tcp_segment(&p, 1340, out, sizeof(out), collect, &total), 1,
	   "segment: a small packet passes whole");
	len = pktgen_udp(b, sizeof(b), &g);
	pkt_parse(&p, b, len);
	is(pkt_tcp_segment(&p, 1340, out, sizeof(out), collect, &total), -1,
	   "segment: UDP is not split");
	ok(!pkt_tcp_one_segment(&p, 1340), "one segment: UDP is not");

	g.plen = 100;
	len = pktgen_tcp(b, sizeof(b), &g);
	b[36] ^= 0x5a; /* a partial sum, as a GSO packet's */
	pkt_parse(&p, b, len);
	ok(pkt_tcp_one_segment(&p, 100) && pktgen_l4_csum_ok(b, len),
	   "one segment: 100 bytes at 100, checksum completed");
	g.plen = 101;
	len = pktgen_tcp(b, sizeof(b), &g);
	b[36] ^= 0x5a;
	pkt_parse(&p, b, len);
	ok(!pkt_tcp_one_segment(&p, 100) && !pktgen_l4_csum_ok(b, len),
	   "one segment: 101 bytes at 100 are two, left alone");
}

int main(void)
{
	test_tcp_segment();
	test_rewrite_random();
	test_rewrite_frags();
	test_rewrite_icmp_err();
	test_zero_csum();
	test_inner_odd();
	test_csum_helpers();
	return tap_done();
}
