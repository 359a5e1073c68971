/* SPDX-License-Identifier: MIT */
/* nat_xlate_test.c - NAT translation: ICMP errors, hairpinning, fragments
 *
 * Every translated packet has all its checksums recomputed from scratch
 * (csum_ok()); fragmented datagrams are reassembled here and checked whole.
 */
#include <stdio.h>

#include "nat.h"
#include "nat_helpers.h"
#include "tap.h"

#define FRAGSZ	256

static uint8_t frags[8][FRAGSZ];
static size_t flens[8];

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* A UDP datagram of @plen bytes of payload with DF clear and IP id @id */
static void mk_udp_big(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp,
		       size_t plen, uint16_t id)
{
	struct pktgen g = PKTGEN_INIT;

	g.saddr = s;
	g.daddr = d;
	g.sport = sp;
	g.dport = dp;
	g.ip_id = id;
	g.plen = plen;
	blen = pktgen_udp(buf, sizeof(buf), &g);
}

/* Cut the datagram in buf into fragments of @step L4 bytes each. */
static size_t split(size_t step)
{
	size_t h = ihl(buf), l4len = rd16(buf + 2) - h, off, k = 0, n;

	for (off = 0; off < l4len; off += step, k++) {
		n = l4len - off < step ? l4len - off : step;
		memcpy(frags[k], buf, h);
		memcpy(frags[k] + h, buf + h + off, n);
		put16(frags[k] + 2, (uint16_t)(h + n));
		put16(frags[k] + 6, (uint16_t)(off / 8 |
					       (off + n < l4len ? 0x2000 : 0)));
		put16(frags[k] + 10, 0);
		put16(frags[k] + 10, pktgen_fold(pktgen_sum(frags[k], h, 0)));
		flens[k] = h + n;
	}
	return k;
}

/* Put fragment @k in buf, run it through the NAT, keep the result. */
static enum nat_action frag_go(struct nat *n, size_t k, int outbound,
			       uint32_t session)
{
	enum nat_action a;

	memcpy(buf, frags[k], flens[k]);
	blen = flens[k];
	a = outbound ? out(n, session) : in(n);
	memcpy(frags[k], buf, flens[k]);
	return a;
}

/* Reassemble @k fragments (any order) and check every checksum. */
static int reasm_ok(uint8_t (*f)[FRAGSZ], const size_t *lens, size_t k)
{
	static uint8_t r[4096];
	size_t i, h = 0, total = 0, off, n;

	for (i = 0; i < k; i++)
		if (!(rd16(f[i] + 6) & 0x1fff)) {
			h = ihl(f[i]);
			memcpy(r, f[i], h);
		}
	if (!h)
		return 0;
	for (i = 0; i < k; i++) {
		if (!csum_ok(f[i], lens[i]) || rd16(f[i] + 4) != rd16(r + 4) ||
		    rdaddr(f[i] + 12) != rdaddr(r + 12) ||
		    rdaddr(f[i] + 16) != rdaddr(r + 16))
			return 0;
		off = (size_t)(rd16(f[i] + 6) & 0x1fff) * 8;
		n = lens[i] - ihl(f[i]);
		memcpy(r + h + off, f[i] + ihl(f[i]), n);
		if (off + n > total)
			total = off + n;
	}
	put16(r + 2, (uint16_t)(h + total));
	put16(r + 6, 0);
	put16(r + 10, 0);
	put16(r + 10, pktgen_fold(pktgen_sum(r, h, 0)));
	return csum_ok(r, h + total);
}

/* RFC 5508: ICMP errors from outside go back to the client, rewritten */
static void test_icmp_err_in(void)
{
	struct nat *n = mk_nat(NULL);
	const uint8_t *q = buf + 28;
	uint16_t e;

	now = 0;
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	mk_icmp_err(RTR, EXT, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(in(n), NAT_FORWARD, "icmp in: port unreachable about UDP");
	is(res.session, 1, "icmp in: to session 1");
	ok(csum_ok(buf, blen), "icmp in: outer, ICMP, quoted IP+UDP sums");
	ok(SADDR() == RTR && DADDR() == CL1, "icmp in: RTR -> 10.0.0.2");
	ok(rdaddr(q + 12) == CL1 && rd16(q + 20) == 5000,
	   "icmp in: quoted source is 10.0.0.2:5000");
	ok(rdaddr(q + 16) == R1 && rd16(q + 22) == 53,
	   "icmp in: quoted destination unchanged");

	/* REQ-12: an error neither ends nor refreshes the mapping */
	now = 299 * SEC;
	mk_udp(EXT, e, R1, 53);
	mk_icmp_err(RTR, EXT, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(in(n), NAT_FORWARD, "icmp in: second error at 299 s");
	is(udp_in(n, R1, 53, e), NAT_FORWARD, "icmp in: mapping still there");
	now = 300 * SEC;
	is(udp_in(n, R1, 53, e), NAT_DROP, "icmp in: error did not refresh");

	/* bad checksum, and errors about nothing of ours */
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	mk_icmp_err(RTR, EXT, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	buf[22] ^= 0x40;
	is(in(n), NAT_DROP, "icmp in: bad ICMP checksum dropped");
	is(res.drop, NAT_DROP_ICMP_CSUM, "icmp in: reason icmp checksum");
	mk_udp(EXT, e, R2, 53);
	mk_icmp_err(RTR, EXT, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(in(n), NAT_DROP, "icmp in: about a flow we don't have: dropped");
	is(res.drop, NAT_DROP_ICMP_NO_MATCH, "icmp in: reason no match");
	mk_udp(EXT, (uint16_t)(e ^ 1), R1, 53);
	mk_icmp_err(RTR, EXT, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(in(n), NAT_DROP, "icmp in: about a port not mapped: dropped");
	mk_udp(R2, e, R1, 53);
	mk_icmp_err(RTR, EXT, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(in(n), NAT_DROP, "icmp in: quoting someone else's packet: dropped");

	/* TCP, with fragmentation needed and an MTU */
	mk_tcp(CL1, 6000, R1, 443, PKT_TCP_SYN);
	out(n, 1);
	{
		struct pktgen g = PKTGEN_INIT;
		static uint8_t quote[128];

		memcpy(quote, buf, blen);
		g.saddr = RTR;
		g.daddr = EXT;
		g.icmp_type = PKT_ICMP_UNREACH;
		g.icmp_code = PKT_ICMP_UNREACH_NEEDFRAG;
		g.icmp_seq = 1280;
		g.payload = quote;
		g.plen = blen;
		blen = pktgen_icmp(buf, sizeof(buf), &g);
	}
	is(in(n), NAT_FORWARD, "icmp in: fragmentation needed about TCP");
	ok(csum_ok(buf, blen), "icmp in: all sums right, quoted TCP too");
	ok(rd16(q + 20) == 6000 && rd16(buf + 26) == 1280,
	   "icmp in: quoted port 6000, MTU 1280 kept");

	/* ICMP echo: time exceeded */
	mk_echo(CL1, R1, PKT_ICMP_ECHO, 77);
	out(n, 1);
	mk_icmp_err(RTR, EXT, PKT_ICMP_TIMXCEED, 0);
	is(in(n), NAT_FORWARD, "icmp in: time exceeded about a ping");
	ok(csum_ok(buf, blen) && rd16(q + 24) == 77,
	   "icmp in: quoted echo id back to 77, sums right");

	/* not translated: an error about a quoted echo reply */
	mk_echo(EXT, R1, PKT_ICMP_ECHOREPLY, 77);
	mk_icmp_err(RTR, EXT, PKT_ICMP_TIMXCEED, 0);
	is(in(n), NAT_DROP, "icmp in: error quoting an echo reply dropped");
	nat_free(n);
	now = 0;
}

/* Errors a client sends about what it got from outside */
static void test_icmp_err_out(void)
{
	struct nat *n = mk_nat(NULL);
	const uint8_t *q = buf + 28;
	uint16_t e;

	now = 0;
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	udp_in(n, R1, 53, e);
	mk_icmp_err(CL1, R1, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(out(n, 1), NAT_FORWARD, "icmp out: client's port unreachable");
	ok(csum_ok(buf, blen), "icmp out: all sums right");
	ok(SADDR() == EXT && DADDR() == R1, "icmp out: EXT -> R1");
	ok(rdaddr(q + 16) == EXT && rd16(q + 22) == e,
	   "icmp out: quoted destination is EXT:%u", e);
	now = 299 * SEC;
	mk_udp(R1, 53, CL1, 5000);
	mk_icmp_err(CL1, R1, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(out(n, 1), NAT_FORWARD, "icmp out: at 299 s");
	now = 300 * SEC;
	nat_expire(n, now);
	is(stats(n).flows, 0, "icmp out: did not refresh the flow");
	mk_udp(R1, 53, CL1, 5000);
	mk_icmp_err(CL1, R1, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(out(n, 1), NAT_DROP, "icmp out: about no mapping: dropped");
	is(res.drop, NAT_DROP_ICMP_NO_MATCH, "icmp out: reason no match");
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	mk_udp(R2, 53, CL1, 5000);
	mk_icmp_err(CL1, R2, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(out(n, 1), NAT_DROP, "icmp out: about a filtered remote: dropped");
	mk_udp(R1, 53, CL1, 5000);
	mk_icmp_err(CL1, R1, PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_PORT);
	is(out(n, 2), NAT_DROP, "icmp out: another session's: dropped");
	nat_free(n);
	now = 0;
}

/* RFC 4787 REQ-9: hairpinning */
static void test_hairpin(void)
{
	struct nat *n = mk_nat(NULL);
	uint16_t e1, e2, free_port;

	now = 0;
	e1 = udp_out(n, 1, CL1, 5000, R1, 3478);
	e2 = udp_out(n, 2, CL2, 6000, R1, 3478);
	mk_udp(CL2, 6000, EXT, e1);
	is(out(n, 2), NAT_DROP, "hairpin: 2 -> 1 before 1 sent to 2: ADF");
	is(res.drop, NAT_DROP_FILTERED, "hairpin: reason filtered");
	mk_udp(CL1, 5000, EXT, e2);
	is(out(n, 1), NAT_HAIRPIN, "hairpin: 1 -> EXT:e2");
	is(res.session, 2, "hairpin: to session 2");
	ok(csum_ok(buf, blen), "hairpin: sums right");
	ok(SADDR() == EXT && SPORT() == e1,
	   "hairpin: seen from 1's external endpoint");
	ok(DADDR() == CL2 && DPORT() == 6000, "hairpin: to 10.0.0.3:6000");
	mk_udp(CL2, 6000, EXT, e1);
	is(out(n, 2), NAT_HAIRPIN, "hairpin: and back 2 -> 1");
	ok(res.session == 1 && SPORT() == e2 && DADDR() == CL1 &&
	   DPORT() == 5000 && csum_ok(buf, blen), "hairpin: rewritten");
	for (free_port = 61000; free_port == e1 || free_port == e2;)
		free_port++;
	mk_udp(CL1, 5000, EXT, free_port);
	is(out(n, 1), NAT_DROP, "hairpin: to no mapping dropped");
	is(res.drop, NAT_DROP_HAIRPIN, "hairpin: reason hairpin");
	mk_tcp(CL1, 5000, EXT, e2, PKT_TCP_SYN);
	is(out(n, 1), NAT_DROP, "hairpin: TCP port has no UDP mapping");
	is(stats(n).hairpin_pkts, 2, "hairpin: counted");
	nat_free(n);
}

/* REQ-14: outbound fragments get the address and one new IP id */
static void test_frag_out(void)
{
	struct nat *n = mk_nat(NULL);
	uint8_t f2[8][FRAGSZ];
	size_t k, i, l2[8];
	uint16_t id1, id2;
	int all = 1;

	now = 0;
	mk_udp_big(CL1, 5000, R1, 9, 100, 0x1111);
	k = split(48);
	is(k, 3, "frag out: three fragments");
	for (i = 0; i < k; i++)
		all &= frag_go(n, i, 1, 1) == NAT_FORWARD;
	ok(all, "frag out: all forwarded");
	ok(reasm_ok(frags, flens, k), "frag out: reassembled datagram right");
	id1 = rd16(frags[0] + 4);
	ok(rdaddr(frags[2] + 12) == EXT && rd16(frags[2] + 4) == id1,
	   "frag out: last fragment from EXT with the same id");
	ok(rd16(frags[0] + 20) == udp_out(n, 1, CL1, 5000, R1, 9),
	   "frag out: first fragment's port is the mapping's");

	/* session 2, same inner address, same IP id, same destination */
	mk_udp_big(CL1, 5000, R1, 9, 100, 0x1111);
	k = split(48);
	all = 1;
	for (i = k; i-- > 0;)
		all &= frag_go(n, i, 1, 2) == NAT_FORWARD;
	ok(all, "frag out: session 2's, last first, forwarded");
	ok(reasm_ok(frags, flens, k), "frag out: reassembled right");
	id2 = rd16(frags[0] + 4);
	ok(id2 != id1, "frag out: ids differ (%04x, %04x)", id1, id2);
	memcpy(f2, frags, sizeof(f2));
	memcpy(l2, flens, sizeof(l2));
	ok(rd16(f2[1] + 4) == id2 && rd16(f2[2] + 4) == id2,
	   "frag out: one id for the whole datagram");

	/* unfragmented: DF clear gets a new id, DF set keeps its own */
	mk_udp_big(CL1, 5000, R1, 9, 10, 0x1111);
	out(n, 1);
	ok(IPID() != 0x1111 && csum_ok(buf, blen),
	   "frag out: DF clear: new id");
	mk_udp(CL1, 5000, R1, 9);
	out(n, 1);
	is(IPID(), 0x1234, "frag out: DF set: id kept");

	/* hairpinned fragments are not translated */
	mk_udp_big(CL1, 5000, EXT, 9, 100, 0x2222);
	split(48);
	is(frag_go(n, 1, 1, 1), NAT_DROP, "frag out: hairpin fragment drop");
	is(res.drop, NAT_DROP_HAIRPIN, "frag out: reason hairpin");
	is(frag_go(n, 0, 1, 1), NAT_DROP, "frag out: hairpin first dropped");
	nat_free(n);
}

/* REQ-14: inbound fragments in order, out of order, evicted, timed out */
static void test_frag_in(void)
{
	struct nat_params p;
	struct nat *n;
	uint8_t rel[8][FRAGSZ];
	size_t k, rl[8], m = 0, len;
	uint32_t session = 0;
	uint16_t e;
	int all = 1;

	nat_params_default(&p);
	p.seed = 9;
	p.frag_hold_pkts = 2;
	n = mk_nat(&p);
	now = 0;
	e = udp_out(n, 1, CL1, 5000, R1, 53);

	mk_udp_big(R1, 53, EXT, e, 100, 0x3333);
	k = split(48);
	all &= frag_go(n, 0, 0, 0) == NAT_FORWARD && res.session == 1;
	all &= frag_go(n, 1, 0, 0) == NAT_FORWARD && res.session == 1;
	all &= frag_go(n, 2, 0, 0) == NAT_FORWARD && res.session == 1;
	ok(all, "frag in: in order, all to session 1");
	ok(reasm_ok(frags, flens, k) && rdaddr(frags[2] + 16) == CL1 &&
	   rd16(frags[0] + 22) == 5000, "frag in: to 10.0.0.2:5000, right");

	/* out of order: the last two first */
	mk_udp_big(R1, 53, EXT, e, 100, 0x4444);
	k = split(48);
	is(frag_go(n, 2, 0, 0), NAT_HELD, "frag in: last before first: held");
	is(frag_go(n, 1, 0, 0), NAT_HELD, "frag in: middle: held");
	is(stats(n).frag_held, 2, "frag in: two held");
	is(frag_go(n, 0, 0, 0), NAT_FORWARD, "frag in: first forwarded");
	while (nat_release_next(n, rel[m], FRAGSZ, &len, &session) == 1) {
		rl[m++] = len;
		all &= session == 1;
	}
	is(m, 2, "frag in: first released the two held");
	ok(all, "frag in: released to session 1");
	memcpy(rel[2], frags[0], flens[0]);
	rl[2] = flens[0];
	ok(reasm_ok(rel, rl, 3), "frag in: reassembled right");
	is(stats(n).frag_held, 0, "frag in: none held");

	/* buffer full: the oldest held fragment goes */
	mk_udp_big(R1, 53, EXT, e, 100, 0x5001);
	split(48);
	frag_go(n, 1, 0, 0);
	memcpy(frags[5], frags[0], flens[0]);
	flens[5] = flens[0];
	mk_udp_big(R1, 53, EXT, e, 100, 0x5002);
	split(48);
	frag_go(n, 1, 0, 0);
	memcpy(frags[6], frags[0], flens[0]);
	flens[6] = flens[0];
	mk_udp_big(R1, 53, EXT, e, 100, 0x5003);
	split(48);
	is(frag_go(n, 1, 0, 0), NAT_HELD, "frag in: third held");
	is(drops(n, NAT_DROP_FRAG_EVICTED), 1, "frag in: oldest evicted");
	is(frag_go(n, 5, 0, 0), NAT_FORWARD, "frag in: evicted one's first");
	is(nat_release_next(n, rel[0], FRAGSZ, &len, &session), 0,
	   "frag in: nothing released for it");
	is(frag_go(n, 6, 0, 0), NAT_FORWARD, "frag in: second one's first");
	is(nat_release_next(n, rel[0], FRAGSZ, &len, &session), 1,
	   "frag in: its fragment released");
	is(nat_release_next(n, rel[0], 10, &len, &session), 0,
	   "frag in: then nothing");

	/* timeout */
	mk_udp_big(R1, 53, EXT, e, 100, 0x6001);
	split(48);
	is(frag_go(n, 1, 0, 0), NAT_HELD, "frag in: held at 0 s");
	now += 30 * SEC - 1;
	nat_expire(n, now);
	is(stats(n).frag_held, 2, "frag in: still held at 29.999 s (2 total)");
	now += 1;
	nat_expire(n, now);
	is(stats(n).frag_held, 0, "frag in: timed out at 30 s");
	is(drops(n, NAT_DROP_FRAG_TIMEOUT), 2, "frag in: two timeouts");
	udp_out(n, 1, CL1, 5000, R1, 53);
	is(frag_go(n, 0, 0, 0), NAT_FORWARD, "frag in: late first forwarded");
	is(nat_release_next(n, rel[0], FRAGSZ, &len, &session), 0,
	   "frag in: nothing to release");

	/* too big for the caller's buffer */
	mk_udp_big(R1, 53, EXT, e, 100, 0x6002);
	split(48);
	frag_go(n, 1, 0, 0);
	frag_go(n, 0, 0, 0);
	is(nat_release_next(n, rel[0], 10, &len, &session), 0,
	   "frag in: too big for the buffer: dropped");
	is(drops(n, NAT_DROP_FRAG_TOOBIG), 1, "frag in: counted as too big");

	/* first fragment filtered: held and later fragments dropped */
	mk_udp_big(R2, 53, EXT, e, 100, 0x7001);
	split(48);
	is(frag_go(n, 1, 0, 0), NAT_HELD, "frag in: from R2 held");
	is(frag_go(n, 0, 0, 0), NAT_DROP, "frag in: R2's first filtered");
	is(drops(n, NAT_DROP_FRAG_DENIED), 1, "frag in: held one denied");
	is(frag_go(n, 2, 0, 0), NAT_DROP, "frag in: R2's last dropped");
	is(res.drop, NAT_DROP_FRAG_DENIED, "frag in: reason denied");

	/* session removal takes ready fragments with it */
	mk_udp_big(R1, 53, EXT, e, 100, 0x7002);
	split(48);
	frag_go(n, 1, 0, 0);
	frag_go(n, 0, 0, 0);
	nat_session_remove(n, 1, now);
	is(nat_release_next(n, rel[0], FRAGSZ, &len, &session), 0,
	   "frag in: removed session's fragments gone");
	is(stats(n).frag_held, 0, "frag in: none held after removal");
	nat_free(n);
	now = 0;
}

/* Fragment state is bounded: many datagrams, never more than frag_max */
static void test_frag_bounds(void)
{
	struct nat_params p;
	struct nat *n;
	uint32_t i, maxseen = 0;
	struct nat_stats st;

	nat_params_default(&p);
	p.seed = 2;
	p.frag_max = 16;
	p.frag_hold_bytes = 1000;
	n = mk_nat(&p);
	for (i = 0; i < 200; i++) {
		mk_udp_big(R1, 53, EXT, 61000, 400, (uint16_t)i);
		split(200);
		frag_go(n, 1, 0, 0);
		mk_udp_big(CL1, 5000, R1, 53, 100, (uint16_t)i);
		split(48);
		frag_go(n, 1, 1, 1);
		st = stats(n);
		if (st.frag_entries > maxseen)
			maxseen = st.frag_entries;
		if (st.frag_held_bytes > 1000)
			maxseen = 9999;
	}
	ok(maxseen <= 16, "frag bounds: at most 16 datagrams tracked (%u)",
	   maxseen);
	ok(stats(n).frag_held <= 4, "frag bounds: held bytes bounded");
	nat_free(n);
}

int main(void)
{
	test_icmp_err_in();
	test_icmp_err_out();
	test_hairpin();
	test_frag_out();
	test_frag_in();
	test_frag_bounds();
	return tap_done();
}
