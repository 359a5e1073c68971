/* SPDX-License-Identifier: MIT */
/* gro_fuzz.c - libFuzzer harness: pkt_gro.c must give back what it got
 *
 * Each input is a script of 3-byte steps, each making one packet from a
 * TCP flow that continues itself unless the step changes something: a
 * port, a sequence or IP id gap, the acknowledgment, window, TTL, TOS, DF,
 * an option byte, the flags, the owner; or it is a UDP datagram, or raw
 * bytes; its checksum may be broken. Random bytes would almost never make
 * segments that join. Whatever the joiner emits, split again with
 * pkt_tcp_segment() where it joined, must be the packets it was given, in
 * order, with the same owners (checksum fields compared by value: both
 * must verify).
 */
#include <string.h>

#include "csum.h"
#include "fuzz.h"
#include "pkt.h"
#include "pkt_gro.h"

#define MAXPKTS 512
#define HDR	52 /* IP, TCP with a timestamps option */

static struct pkt_gro gro;
static uint8_t in[MAXPKTS][HDR + 2048];
static size_t inlen[MAXPKTS];
static uint32_t inowner[MAXPKTS];
static int nin, next; /* packets given; the next one expected back */
static uint8_t seg[HDR + 2048];   /* a segment split off again */
static uint8_t given[HDR + 2048]; /* what goes in: the joiner may change it */

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* @b is the next packet expected, checksum fields compared by value */
static void expect(uint32_t owner, const uint8_t *b, size_t len)
{
	const uint8_t *w;
	struct pkt p;

	CHECK(next < nin && inowner[next] == owner && inlen[next] == len);
	w = in[next++];
	if (!memcmp(w, b, len))
		return;
	/* a rebuilt segment: only its checksums may be written otherwise */
	CHECK(len >= HDR && !memcmp(w, b, 10) && !memcmp(w + 12, b + 12, 24) &&
	      !memcmp(w + 38, b + 38, len - 38));
	CHECK(pkt_parse(&p, (uint8_t *)b, len) == PKT_OK && pkt_l4_csum_ok(&p));
}

static void split_one(uint8_t *b, size_t len, void *arg)
{
	expect(*(uint32_t *)arg, b, len);
}

static void emit(uint32_t owner, uint8_t *pkt, size_t len, size_t gso,
		 void *arg)
{
	struct pkt p;

	(void)arg;
	if (!gso) {
		expect(owner, pkt, len);
		return;
	}
	CHECK(len <= PKT_GRO_MAX && pkt_parse(&p, pkt, len) == PKT_OK);
	CHECK(pkt_tcp_segment(&p, gso, seg, sizeof(seg), split_one, &owner) >
	      1);
}

/* The flow's next segment, changed as step @s says */
static size_t make(uint8_t *b, const uint8_t *s, const uint8_t *raw,
		   size_t rawlen, uint32_t *seq, uint16_t *id, uint32_t *owner)
{
	size_t plen = (size_t)s[2] * 8, len = HDR + plen;
	uint8_t ctl = s[0], arg = s[1];
	struct pkt p;

	if ((ctl & 0x0f) == 11) { /* raw bytes */
		len = rawlen < sizeof(in[0]) ? rawlen : sizeof(in[0]);
		memcpy(b, raw, len);
		return len;
	}
	memset(b, 0, HDR);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)len);
	put16(b + 4, *id);
	b[6] = 0x40;
	b[8] = 64;
	b[9] = PKT_PROTO_TCP;
	put32(b + 12, 0x0a4d0002);
	put32(b + 16, 0xcb007102);
	put16(b + 20, 40000);
	put16(b + 22, 5201);
	put32(b + 24, *seq);
	put32(b + 28, 777);
	b[32] = (HDR - 20) / 4 << 4;
	b[33] = PKT_TCP_ACK;
	put16(b + 34, 512);
	memcpy(b + 40, "\x01\x01\x08\x0a\0\0\0\x07\0\0\0\x09", 12);
	for (size_t i = 0; i < plen; i++)
		b[HDR + i] = (uint8_t)(i + arg);
	switch (ctl & 0x0f) {
	case 1: b[21] ^= arg; break;
	case 2: put32(b + 24, *seq + arg); break;
	case 3: b[31] ^= arg; break;
	case 4: b[33] = arg; break;
	case 5: b[8] = arg; break;
	case 6: put16(b + 4, (uint16_t)(*id + arg)); break;
	case 7: b[1] = arg; break;
	case 8: *owner = arg & 3; break;
	case 9: b[40 + arg % 12] ^= 1; break;
	case 10: b[9] = PKT_PROTO_UDP; put16(b + 24, (uint16_t)(len - 20));
		 break;
	case 12: b[35] ^= arg; break;
	case 13: b[6] ^= 0x40; break;
	default: break;
	}
	if (pkt_parse(&p, b, len) == PKT_OK)
		pkt_csum_fix(&p);
	else
		memset(b + 10, 0, 2);
	if (ctl & 0x80)
		b[len - 1] ^= 0x5a; /* a wrong checksum, or a wrong byte */
	*seq += (uint32_t)plen;
	*id += 1;
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seq = 1000, owner = 0;
	uint16_t id = 65000;

	pkt_gro_init(&gro, emit, NULL);
	nin = next = 0;
	for (size_t off = 0; off + 3 <= size && nin < MAXPKTS; off += 3) {
		inowner[nin] = owner;
		inlen[nin] = make(in[nin], data + off, data + off,
				  size - off, &seq, &id, &inowner[nin]);
		owner = inowner[nin];
		memcpy(given, in[nin], inlen[nin]);
		nin++;
		pkt_gro_add(&gro, owner, given, inlen[nin - 1]);
	}
	pkt_gro_flush(&gro);
	CHECK(next == nin);
	return 0;
}
