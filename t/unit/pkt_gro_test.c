/* SPDX-License-Identifier: MIT */
/* pkt_gro_test.c - joining runs of TCP segments (src/pkt_gro.c)
 *
 * Segments are made by splitting one large packet with pkt_tcp_segment();
 * a joined run, split again, must give them back byte for byte. Every rule
 * that ends or refuses a run is tried on its own, and every packet must
 * come out once, in order.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "pkt_gro.h"
#include "pktgen.h"
#include "tap.h"

#define SEG    1000
#define NSEG   80
#define HDR    (20 + 20 + 12) /* IP, TCP, timestamps option */
#define OUTMAX 64

/* The segments of one large packet, as a client sends them over UDP */
static uint8_t segs[NSEG][HDR + SEG];
static size_t seglen[NSEG];
static int nsegs;

/* What the joiner emitted */
static struct {
	int n;
	size_t len[OUTMAX], gso[OUTMAX];
	uint32_t owner[OUTMAX];
	uint8_t *data[OUTMAX];
} out;

static struct pkt_gro gro;

static void emit(uint32_t owner, uint8_t *pkt, size_t len, size_t gso,
		 void *arg)
{
	(void)arg;
	if (out.n >= OUTMAX)
		return;
	out.owner[out.n] = owner;
	out.len[out.n] = len;
	out.gso[out.n] = gso;
	out.data[out.n] = malloc(len);
	memcpy(out.data[out.n], pkt, len);
	out.n++;
}

static void out_reset(void)
{
	for (int i = 0; i < out.n; i++)
		free(out.data[i]);
	memset(&out, 0, sizeof(out));
}

/* NSEG segments of SEG bytes as a TCP sender's TSO makes them: ACK only,
 * the last one ACK, PSH; sequence numbers and IP ids counting up (and
 * wrapping), a timestamps option */
static void make_segments(void)
{
	static const uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};
	struct pktgen g = PKTGEN_INIT;
	uint8_t data[SEG];

	g.saddr = pktgen_addr(10, 77, 0, 2);
	g.daddr = pktgen_addr(203, 0, 113, 2);
	g.sport = 40000;
	g.dport = 5201;
	g.frag = 0x4000;
	g.ack = 12345;
	g.opts = ts;
	g.optlen = sizeof(ts);
	g.payload = data;
	g.plen = SEG;
	for (nsegs = 0; nsegs < NSEG; nsegs++) {
		for (size_t j = 0; j < SEG; j++)
			data[j] = (uint8_t)(nsegs * 31 + j * 7);
		g.ip_id = (uint16_t)(65500 + nsegs);
		g.seq = 0xfffff000u + (uint32_t)(nsegs * SEG);
		g.tcp_flags = (uint8_t)(PKT_TCP_ACK |
					(nsegs == NSEG - 1 ? PKT_TCP_PSH : 0));
		seglen[nsegs] = pktgen_tcp(segs[nsegs], sizeof(segs[nsegs]), &g);
	}
}

/* A copy of segment @i to change; refix() its checksums after */
static uint8_t *copy(int i, uint8_t *b)
{
	memcpy(b, segs[i], seglen[i]);
	return b;
}

static void refix(uint8_t *b, size_t len)
{
	pktgen_fix_ip_csum(b);
	pktgen_put16(b + 36, 0);
	pktgen_put16(b + 36, pktgen_l4_csum(b, b + 20, len - 20, 6));
}

static void add(uint32_t owner, uint8_t *b, size_t len)
{
	pkt_gro_add(&gro, owner, b, len);
}

/* Emitted packet @k is @b as it came */
static bool came_as(int k, const uint8_t *b, size_t len)
{
	return k < out.n && !out.gso[k] && out.len[k] == len &&
	       !memcmp(out.data[k], b, len);
}

/* Split emitted packet @k and compare with segments @from.. */
static int split_from;
static int split_bad;

static void compare_segment(uint8_t *b, size_t len, void *arg)
{
	(void)arg;
	if (split_from >= nsegs || len != seglen[split_from] ||
	    memcmp(b, segs[split_from], len))
		split_bad++;
	split_from++;
}

/* Emitted packet @k is segments @from..@to-1 joined */
static bool joined_as(int k, int from, int to)
{
	static uint8_t tmp[HDR + SEG];
	struct pkt p;

	if (k >= out.n || out.gso[k] != SEG)
		return false;
	split_from = from;
	split_bad = 0;
	if (pkt_parse(&p, out.data[k], out.len[k]) != PKT_OK ||
	    pkt_tcp_segment(&p, SEG, tmp, sizeof(tmp), compare_segment,
			    NULL) != to - from)
		return false;
	return !split_bad && split_from == to;
}

static void test_roundtrip(void)
{
	int total = 0;

	out_reset();
	for (int i = 0; i < nsegs; i++)
		add(7, segs[i], seglen[i]);
	pkt_gro_flush(&gro);
	/* 65535 bytes hold the headers and 65 segments */
	is(out.n, 2, "round trip: 80 segments make 2 runs (64 KiB each at most)");
	ok(joined_as(0, 0, 65), "round trip: the first is segments 0-64, "
				"split back byte for byte");
	ok(joined_as(1, 65, 80),
	   "round trip: the second is 65-79, PSH on the last kept");
	for (int k = 0; k < out.n; k++)
		total += out.owner[k] == 7;
	is(total, 2, "round trip: both are the sender's");
	ok(out.len[0] <= PKT_GRO_MAX, "round trip: under 64 KiB");
}

/* Segment 1 changed by @change must not join segment 0 */
static void refused(const char *what, void (*change)(uint8_t *b, size_t *len))
{
	uint8_t b[HDR + SEG + 8];
	size_t len = seglen[1];

	copy(1, b);
	change(b, &len);
	out_reset();
	add(1, segs[0], seglen[0]);
	add(1, b, len);
	pkt_gro_flush(&gro);
	ok(out.n == 2 && came_as(0, segs[0], seglen[0]) &&
		   came_as(1, b, len),
	   "refused: %s: both came as they were, in order", what);
}

static void other_port(uint8_t *b, size_t *len)
{
	b[21] ^= 1;
	refix(b, *len);
}

static void seq_gap(uint8_t *b, size_t *len)
{
	b[27] += 1;
	refix(b, *len);
}

static void other_ack(uint8_t *b, size_t *len)
{
	b[31] += 1;
	refix(b, *len);
}

static void other_window(uint8_t *b, size_t *len)
{
	b[35] -= 1;
	refix(b, *len);
}

static void other_tsval(uint8_t *b, size_t *len)
{
	b[47] += 1;
	refix(b, *len);
}

static void id_gap(uint8_t *b, size_t *len)
{
	b[5] += 1;
	refix(b, *len);
}

static void other_ttl(uint8_t *b, size_t *len)
{
	b[8] -= 1;
	refix(b, *len);
}

static void ecn_ce(uint8_t *b, size_t *len)
{
	b[1] |= 3;
	refix(b, *len);
}

static void no_df(uint8_t *b, size_t *len)
{
	b[6] = 0;
	refix(b, *len);
}

static uint8_t flag_bits;

static void flags(uint8_t *b, size_t *len)
{
	b[33] = flag_bits;
	refix(b, *len);
}

static void longer(uint8_t *b, size_t *len)
{
	b[*len] = 0x55;
	*len += 1;
	pktgen_put16(b + 2, (uint16_t)*len);
	refix(b, *len);
}

static void bad_csum(uint8_t *b, size_t *len)
{
	(void)len;
	b[36] ^= 0xff;
}

static void pure_ack(uint8_t *b, size_t *len)
{
	*len = HDR;
	pktgen_put16(b + 2, HDR);
	refix(b, *len);
}

static void udp(uint8_t *b, size_t *len)
{
	struct pktgen g = PKTGEN_INIT;

	g.saddr = pktgen_addr(10, 77, 0, 2);
	g.daddr = pktgen_addr(203, 0, 113, 2);
	g.sport = 40000;
	g.dport = 53;
	g.plen = 100;
	*len = pktgen_udp(b, HDR + SEG, &g);
}

static void test_refusals(void)
{
	static const struct {
		const char *what;
		uint8_t bits;
	} fl[] = {
		{"FIN", PKT_TCP_ACK | PKT_TCP_FIN},
		{"SYN", PKT_TCP_ACK | PKT_TCP_SYN},
		{"RST", PKT_TCP_ACK | PKT_TCP_RST},
		{"URG", PKT_TCP_ACK | 0x20},
		{"ECE", PKT_TCP_ACK | 0x40},
		{"CWR", PKT_TCP_ACK | 0x80},
		{"no ACK", 0},
	};

	refused("another port", other_port);
	refused("a sequence gap", seq_gap);
	refused("another acknowledgment", other_ack);
	refused("another window", other_window);
	refused("another timestamp", other_tsval);
	refused("an IP id gap", id_gap);
	refused("another TTL", other_ttl);
	refused("ECN CE marked", ecn_ce);
	refused("DF cleared", no_df);
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		flag_bits = fl[i].bits;
		refused(fl[i].what, flags);
	}
	refused("longer than the first", longer);
	refused("a wrong TCP checksum", bad_csum);
	refused("no payload (a pure ACK)", pure_ack);
	refused("UDP", udp);
}

static void test_runs_end(void)
{
	uint8_t b[HDR + SEG], c[HDR + SEG];
	size_t len;

	/* a shorter segment is a run's last */
	copy(1, b);
	len = HDR + 600;
	pktgen_put16(b + 2, (uint16_t)len);
	refix(b, len);
	out_reset();
	add(1, segs[0], seglen[0]);
	add(1, b, len);
	add(1, segs[2], seglen[2]);
	is(out.n, 1, "shorter: its run went at once");
	ok(out.n >= 1 && out.gso[0] == SEG && out.len[0] == HDR + SEG + 600,
	   "shorter: joined to the first, segment size kept");
	pkt_gro_flush(&gro);
	ok(out.n == 2 && came_as(1, segs[2], seglen[2]),
	   "shorter: the next segment starts anew");

	/* PSH ends a run, and is kept */
	copy(1, b);
	b[33] |= PKT_TCP_PSH;
	refix(b, seglen[1]);
	out_reset();
	add(1, segs[0], seglen[0]);
	add(1, b, seglen[1]);
	ok(out.n == 1 && out.gso[0] == SEG &&
		   (out.data[0][33] & PKT_TCP_PSH),
	   "PSH: the run went at once, with PSH");
	pkt_gro_flush(&gro);

	/* a run never starts with PSH, short segments, or IP options */
	copy(0, b);
	b[33] |= PKT_TCP_PSH;
	refix(b, seglen[0]);
	out_reset();
	add(1, b, seglen[0]);
	add(1, segs[1], seglen[1]);
	pkt_gro_flush(&gro);
	ok(out.n == 2 && came_as(0, b, seglen[0]) &&
		   came_as(1, segs[1], seglen[1]),
	   "start: not with PSH");
	copy(0, b);
	len = HDR + 535;
	pktgen_put16(b + 2, (uint16_t)len);
	refix(b, len);
	memcpy(c, segs[1], seglen[1]);
	out_reset();
	add(1, b, len);
	add(1, c, seglen[1]);
	pkt_gro_flush(&gro);
	ok(out.n == 2 && came_as(0, b, len), "start: not under 536 bytes");

	/* another owner ends the run; the owners stay apart */
	out_reset();
	add(1, segs[0], seglen[0]);
	add(2, segs[1], seglen[1]);
	pkt_gro_flush(&gro);
	ok(out.n == 2 && out.owner[0] == 1 && out.owner[1] == 2 &&
		   came_as(0, segs[0], seglen[0]) &&
		   came_as(1, segs[1], seglen[1]),
	   "owner: a segment from another never joins");

	/* something else in between: the run ends first, order holds */
	udp(c, &len);
	out_reset();
	add(1, segs[0], seglen[0]);
	add(1, segs[1], seglen[1]);
	add(1, c, len);
	add(1, segs[2], seglen[2]);
	pkt_gro_flush(&gro);
	ok(out.n == 3 && joined_as(0, 0, 2) && came_as(1, c, len) &&
		   came_as(2, segs[2], seglen[2]),
	   "order: run, then the UDP datagram, then the next segment");

	/* garbage passes through untouched */
	memset(b, 0xa5, 100);
	out_reset();
	add(1, b, 100);
	add(1, b, 0);
	ok(out.n == 2 && out.len[0] == 100 && !out.len[1],
	   "garbage: passed on as it came, even empty");
	out_reset();
}

int main(void)
{
	pkt_gro_init(&gro, emit, NULL);
	make_segments();
	is(nsegs, NSEG, "80 segments made");
	test_roundtrip();
	test_refusals();
	test_runs_end();
	return tap_done();
}
