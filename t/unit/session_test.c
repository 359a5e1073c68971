/* SPDX-License-Identifier: MIT */
/* session_test.c - transport messages: batching, tampering, replay, rekey */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "noise_pair.h"
#include "session.h"
#include "tap.h"

#define SEC 1000ULL /* the fake clock counts milliseconds */

struct link {
	struct pair p;
	struct session c; /* client */
	struct session s; /* server */
	uint32_t next_index;
};

/* Handshake and install; the server's keys wait in "next" until used */
static int link_handshake(struct link *l, uint64_t now)
{
	uint32_t ci = l->next_index++, si = l->next_index++;

	if (pair_handshake(&l->p, ci, si))
		return -1;
	session_install(&l->c, &l->p.ckp, now);
	session_install(&l->s, &l->p.skp, now);
	noise_keypair_clear(&l->p.ckp);
	noise_keypair_clear(&l->p.skp);
	return 0;
}

static void link_init(struct link *l, const struct session_limits *lim)
{
	memset(l, 0, sizeof(*l));
	pair_init(&l->p);
	l->next_index = 100;
	session_init(&l->c, lim, true, 0);
	session_init(&l->s, lim, false, 0);
}

/* Seal the given packets from one session into buf; returns the length */
static size_t seal(struct session *from, uint8_t *buf, size_t cap, uint64_t now,
		   const char *const *pkts, int n)
{
	struct session_batch b;
	size_t len = 0;
	int i;

	session_batch_init(&b, buf, cap);
	for (i = 0; i < n; i++)
		session_batch_add(&b, pkts[i], strlen(pkts[i]));
	if (session_seal(from, &b, now, &len))
		return 0;
	return len;
}

static size_t seal1(struct session *from, uint8_t *buf, uint64_t now,
		    const char *pkt)
{
	return seal(from, buf, SESSION_MAX_MESSAGE, now, &pkt, pkt ? 1 : 0);
}

static void test_both_ways(void)
{
	static const char *const pkts[] = {"x", "second packet",
					   "a third, longer packet ..."};
	uint8_t buf[SESSION_MAX_MESSAGE];
	struct session_iter it;
	const uint8_t *pkt;
	size_t len, plen;
	struct link l;
	int i, good;

	link_init(&l, NULL);
	is(link_handshake(&l, 0), 0, "handshake");
	is(seal1(&l.s, buf, 0, "early"), 0,
	   "server cannot send before the client confirms the keys");
	len = seal(&l.c, buf, sizeof(buf), 1, pkts, 3);
	ok(len > 0, "client seals a batch of 3 packets");
	is(len % 16, 0, "message length is a multiple of 16");
	is(len, SESSION_OVERHEAD + 48, "3 packets + prefixes padded to 48");
	is(session_open(&l.s, buf, len, 1, &it), SESSION_OK, "server opens");
	good = 1;
	for (i = 0; i < 3; i++) {
		plen = 0;
		if (!session_iter_next(&it, &pkt, &plen) ||
		    plen != strlen(pkts[i]) || memcmp(pkt, pkts[i], plen))
			good = 0;
	}
	ok(good, "all 3 packets come out in order and intact");
	ok(!session_iter_next(&it, &pkt, &plen), "and then no more");
	ok(l.s.cur.valid && !l.s.next.valid,
	   "server promoted its new keys to current");

	len = seal1(&l.s, buf, 2, "from the server");
	ok(len > 0, "server can send now");
	is(session_open(&l.c, buf, len, 2, &it), SESSION_OK, "client opens");
	ok(session_iter_next(&it, &pkt, &plen) && plen == 15 &&
		   !memcmp(pkt, "from the server", 15),
	   "client reads the server's packet");

	len = seal1(&l.c, buf, 3, NULL);
	is(len, SESSION_OVERHEAD, "a keepalive is 32 bytes");
	is(session_open(&l.s, buf, len, 3, &it), SESSION_OK, "keepalive opens");
	ok(!session_iter_next(&it, &pkt, &plen), "keepalive has no packets");
	is(l.s.stats.keepalives_received, 1, "server counted a keepalive");
	is(l.s.stats.rx_packets, 3, "server counted 3 packets");
	is(l.c.stats.tx_messages, 2, "client counted 2 messages sent");
	session_clear(&l.c);
	session_clear(&l.s);
}

static void test_bit_flips(void)
{
	static const char *const pkts[] = {"GET / HTTP/1.1", "a packet"};
	uint8_t msg[128], t[128];
	struct session_iter it;
	size_t len, bit, accepted = 0;
	uint64_t before[SESSION_ERR__COUNT];
	struct link l;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	len = seal(&l.c, msg, sizeof(msg), 0, pkts, 2);
	memcpy(before, l.s.stats.drops, sizeof(before));
	for (bit = 0; bit < len * 8; bit++) {
		memcpy(t, msg, len);
		t[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		if (session_open(&l.s, t, len, 0, &it) == SESSION_OK)
			accepted++;
	}
	is(accepted, 0, "each of %zu single-bit flips is rejected", len * 8);
	is(l.s.stats.drops[SESSION_ERR_TYPE] - before[SESSION_ERR_TYPE], 32,
	   "32 header bits: bad type");
	is(l.s.stats.drops[SESSION_ERR_INDEX] - before[SESSION_ERR_INDEX], 32,
	   "32 index bits: unknown index");
	is(l.s.stats.drops[SESSION_ERR_AUTH] - before[SESSION_ERR_AUTH],
	   len * 8 - 64, "every other bit: bad auth");
	is(session_open(&l.s, msg, len, 0, &it), SESSION_OK,
	   "the original still opens: forgeries did not move the window");
	is(session_open(&l.s, msg, len, 0, &it), SESSION_ERR_REPLAY,
	   "and only once");
}

static void test_random_tampering(void)
{
	enum { N = 10000 };
	uint8_t msg[512], t[600];
	struct session_iter it;
	size_t len, tlen, i, accepted = 0, j, flips;
	uint64_t dropped = 0;
	struct link l;
	int e;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	len = seal1(&l.c, msg, 0, "a perfectly ordinary IP packet, honest");
	for (i = 0; i < N; i++) {
		memcpy(t, msg, len);
		tlen = len;
		switch (randombytes_uniform(4)) {
		case 0: /* a few random bit flips */
			flips = 1 + randombytes_uniform(8);
			for (j = 0; j < flips; j++) {
				uint32_t bit =
					randombytes_uniform((uint32_t)len * 8);

				t[bit / 8] ^= (uint8_t)(1 << (bit % 8));
			}
			break;
		case 1: /* random bytes after an intact header */
			randombytes_buf(t + 16, len - 16);
			break;
		case 2: /* truncated or extended */
			tlen = randombytes_uniform(sizeof(t));
			if (tlen == len)
				tlen--;
			if (tlen > len)
				randombytes_buf(t + len, tlen - len);
			break;
		default: /* a random counter, plausible everything else */
			randombytes_buf(t + 8, 8);
			break;
		}
		/* flips can cancel out: a message must really differ */
		if (tlen == len && !memcmp(t, msg, len))
			t[randombytes_uniform((uint32_t)len)] ^= 0x01;
		if (session_open(&l.s, t, tlen, 0, &it) == SESSION_OK)
			accepted++;
	}
	for (e = 1; e < SESSION_ERR__COUNT; e++)
		dropped += l.s.stats.drops[e];
	is(accepted, 0, "10000 tampered messages: none accepted");
	is(dropped, N, "all 10000 counted as drops");
	for (e = 1; e < SESSION_ERR__COUNT; e++)
		if (l.s.stats.drops[e])
			printf("# %s: %llu\n", session_err_name(e),
			       (unsigned long long)l.s.stats.drops[e]);
	is(session_open(&l.s, msg, len, 0, &it), SESSION_OK,
	   "the original is still accepted after them");
}

static void test_replay_and_reorder(void)
{
	enum { N = REPLAY_WINDOW + 100 };
	uint8_t(*msgs)[48] = calloc(N, 48);
	size_t lens[8], i, ok_count = 0, replays = 0;
	struct session_iter it;
	uint8_t t[48];
	struct link l;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	for (i = 0; i < N; i++) {
		size_t len = seal1(&l.c, msgs[i], 0, "p");

		lens[i % 8] = len;
	}
	is(lens[0], 48, "each message is 48 bytes");

	/* the newest first, then the rest of the window backwards */
	for (i = N; i-- > 100;) {
		memcpy(t, msgs[i], 48);
		if (session_open(&l.s, t, 48, 0, &it) == SESSION_OK)
			ok_count++;
	}
	is(ok_count, REPLAY_WINDOW,
	   "%d messages received newest first are all accepted", REPLAY_WINDOW);
	for (i = 100; i < N; i += 97) {
		memcpy(t, msgs[i], 48);
		if (session_open(&l.s, t, 48, 0, &it) == SESSION_ERR_REPLAY)
			replays++;
	}
	is(replays, (REPLAY_WINDOW + 96) / 97, "receiving them again: replay");
	memcpy(t, msgs[99], 48);
	is(session_open(&l.s, t, 48, 0, &it), SESSION_ERR_OLD,
	   "one just outside the window: too old");
	memcpy(t, msgs[0], 48);
	is(session_open(&l.s, t, 48, 0, &it), SESSION_ERR_OLD,
	   "the very first: too old");
	is(l.s.stats.drops[SESSION_ERR_OLD], 2, "2 counted too old");
	is(l.s.stats.drops[SESSION_ERR_REPLAY], replays,
	   "replays counted by reason");
	is(l.s.stats.rx_messages, REPLAY_WINDOW, "accepted messages counted");
	free(msgs);
}

static void test_sizes(void)
{
	static uint8_t buf[SESSION_MAX_MESSAGE + 16], pkt[1500];
	struct session_batch b;
	struct session_iter it;
	const uint8_t *p;
	size_t len, n = 0, room, plen, total = 0;
	struct link l;
	uint8_t *tail;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	memset(pkt, 0x45, sizeof(pkt));
	session_batch_init(&b, buf, sizeof(buf));
	while (session_batch_add(&b, pkt, sizeof(pkt)) == 0)
		n++;
	is(n, SESSION_MAX_BATCH / 1502, "%zu 1500-byte packets fit", n);
	tail = session_batch_tail(&b, &room);
	ok(room < sizeof(pkt), "the tail has room for less than one more");
	if (room) {
		memset(tail, 0x45, room);
		is(session_batch_commit(&b, room), 0,
		   "a packet written in place fills the rest");
		n++;
	}
	is(session_batch_commit(&b, 1), -1, "then the batch is full");
	is(session_seal(&l.c, &b, 0, &len), SESSION_OK, "seal the full batch");
	is(len, SESSION_MAX_MESSAGE, "it is exactly the maximum message size");
	is(session_seal(&l.c, &b, 0, &len), SESSION_ERR_SHORT,
	   "a spent batch cannot be sealed again");
	is(session_open(&l.s, buf, SESSION_MAX_MESSAGE, 0, &it), SESSION_OK,
	   "a maximum-size message opens");
	while (session_iter_next(&it, &p, &plen))
		total++;
	is(total, n, "with all %zu packets", n);

	is(session_open(&l.s, buf, SESSION_MAX_MESSAGE + 1, 0, &it),
	   SESSION_ERR_TOO_BIG, "one byte more: too big");
	is(session_open(&l.s, buf, SESSION_OVERHEAD - 1, 0, &it),
	   SESSION_ERR_SHORT, "31 bytes: short");
	is(session_open(&l.s, buf, 0, 0, &it), SESSION_ERR_SHORT,
	   "0 bytes: short");
	session_batch_init(&b, buf, SESSION_OVERHEAD - 1);
	is(session_seal(&l.c, &b, 0, &len), SESSION_ERR_SHORT,
	   "sealing into a buffer under 32 bytes is refused");
	is(session_batch_add(&b, pkt, 1), -1, "and so is adding to it");
	ok(session_batch_tail(&b, &room) == NULL && room == 0,
	   "it has no tail and no room");
	session_batch_init(&b, buf, 100);
	is(session_batch_add(&b, pkt, 0), -1, "an empty packet is refused");
	is(b.max, 64, "a 100-byte buffer holds a 64-byte batch");
	is(session_batch_add(&b, pkt, 63), -1, "63 bytes and prefix do not");
	is(session_batch_add(&b, pkt, 62), 0, "62 bytes do");
	is(session_batch_add(&b, pkt, 1), -1, "then 1 more does not");
}

/* Seal arbitrary plaintext with the client's current keys, by hand */
static size_t seal_raw(struct link *l, uint8_t *out, const uint8_t *pt,
		       size_t ptlen)
{
	uint8_t nonce[12] = {0};
	struct session_keypair *kp = &l->c.cur;
	uint64_t counter = kp->send_counter++;

	wire_put_header(out, WIRE_DATA);
	wire_put_u32(out + 4, kp->remote_index);
	wire_put_u64(out + 8, counter);
	wire_put_u64(nonce + 4, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt(
		out + 16, NULL, pt, ptlen, out, 16, NULL, nonce, kp->send_key);
	return ptlen + 32;
}

static void test_framing(void)
{
	static const struct {
		const char *name;
		uint8_t pt[8];
		size_t len;
		enum session_err want;
		unsigned int packets;
	} cases[] = {
		{"empty batch", {0}, 0, SESSION_OK, 0},
		{"one packet, no padding", {1, 0, 0x45}, 3, SESSION_OK, 1},
		{"one packet, lone zero byte",
		 {1, 0, 0x45, 0},
		 4,
		 SESSION_OK,
		 1},
		{"zero length then zeros",
		 {1, 0, 0x45, 0, 0, 0, 0, 0},
		 8,
		 SESSION_OK,
		 1},
		{"length past the end",
		 {9, 0, 0x45},
		 3,
		 SESSION_ERR_FRAMING,
		 0},
		{"length 0xffff",
		 {0xff, 0xff, 1, 2, 3},
		 5,
		 SESSION_ERR_FRAMING,
		 0},
		{"nonzero padding",
		 {1, 0, 0x45, 0, 0, 7},
		 6,
		 SESSION_ERR_FRAMING,
		 0},
		{"lone nonzero byte",
		 {1, 0, 0x45, 7},
		 4,
		 SESSION_ERR_FRAMING,
		 0},
		{"padding only", {0, 0, 0, 0}, 4, SESSION_OK, 0},
		{"GSO entry", {0xff, 0xff, 0x18, 2, 1, 0, 0x45}, 7, SESSION_OK, 1},
		{"GSO segment size under 536",
		 {0xff, 0xff, 0x17, 2, 1, 0, 0x45},
		 7,
		 SESSION_ERR_FRAMING,
		 0},
		{"GSO length 0",
		 {0xff, 0xff, 0x18, 2, 0, 0, 0, 0},
		 8,
		 SESSION_ERR_FRAMING,
		 0},
		{"GSO length past the end",
		 {0xff, 0xff, 0x18, 2, 9, 0, 0x45},
		 7,
		 SESSION_ERR_FRAMING,
		 0},
		{"GSO header cut short",
		 {0xff, 0xff, 0x18, 2},
		 4,
		 SESSION_ERR_FRAMING,
		 0},
	};
	uint8_t msg[64];
	struct session_iter it;
	const uint8_t *p;
	size_t i, len, plen;
	unsigned int n;
	struct link l;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = seal_raw(&l, msg, cases[i].pt, cases[i].len);
		is(session_open(&l.s, msg, len, 0, &it), cases[i].want,
		   "framing: %s -> %s", cases[i].name,
		   session_err_name(cases[i].want));
		for (n = 0; session_iter_next(&it, &p, &plen); n++)
			;
		is(n, cases[i].packets, "framing: %s has %u packets",
		   cases[i].name, cases[i].packets);
	}
	is(l.s.stats.drops[SESSION_ERR_FRAMING], 8, "8 counted bad framing");
}

/* GSO entries: built, carried and told apart from plain packets */
static void test_gso_entries(void)
{
	static uint8_t buf[SESSION_MAX_MESSAGE], big[SESSION_MAX_MESSAGE];
	size_t max = session_batch_max_gso(SESSION_MAX_MESSAGE), len, plen;
	struct session_batch b;
	struct session_iter it;
	const uint8_t *p;
	struct link l;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	is(max, SESSION_MAX_BATCH - SESSION_GSO_HDR,
	   "gso: the longest entry fills a whole batch");
	is(session_batch_max_gso(1472), 1440 - SESSION_GSO_HDR,
	   "gso: a UDP datagram's batch holds 1,434 bytes of it");
	memset(big, 0x45, sizeof(big));
	session_batch_init(&b, buf, sizeof(buf));
	is(session_batch_add_gso(&b, big, 100, 535), -1,
	   "gso: segment size 535 refused");
	is(session_batch_add_gso(&b, big, 5, 0), 0, "gso: size 0: plain");
	is(session_batch_add_gso(&b, big, 3000, 1448), 0, "gso: an entry");
	is(session_batch_add_gso(&b, big, max, 1448), -1,
	   "gso: no room for a full one now");
	is(session_seal(&l.c, &b, 1, &len), SESSION_OK, "gso: sealed");
	is(session_open(&l.s, buf, len, 1, &it), SESSION_OK, "gso: opened");
	ok(session_iter_next(&it, &p, &plen) && plen == 5 && !it.gso,
	   "gso: the plain packet first");
	ok(session_iter_next(&it, &p, &plen) && plen == 3000 &&
		   it.gso == 1448 && p[0] == 0x45,
	   "gso: then the entry, segment size 1448");
	ok(!session_iter_next(&it, &p, &plen) && !it.gso, "gso: no more");

	session_batch_init(&b, buf, sizeof(buf));
	is(session_batch_add_gso(&b, big, max + 1, 1448), -1,
	   "gso: one byte over the longest: refused");
	is(session_batch_add_gso(&b, big, max, 1448), 0,
	   "gso: the longest fits an empty batch");
	is(session_seal(&l.c, &b, 2, &len), SESSION_OK, "gso: sealed");
	is(len, SESSION_MAX_MESSAGE, "gso: a message of 65,536 bytes");
	is(session_open(&l.s, buf, len, 2, &it), SESSION_OK, "gso: opened");
	ok(session_iter_next(&it, &p, &plen) && plen == max && it.gso == 1448,
	   "gso: carried whole");
}

struct retired {
	uint32_t idx[64];
	int n;
};

static void on_retire(void *arg, uint32_t index)
{
	struct retired *r = arg;

	if (r->n < 64)
		r->idx[r->n++] = index;
}

static void test_rekey_by_time(void)
{
	uint8_t old_msg[64], old_msg2[64], buf[64];
	struct session_iter it;
	struct retired rc = {.n = 0}, rs = {.n = 0};
	uint32_t old_index;
	uint64_t next;
	size_t len, old_len, old_len2;
	struct link l;

	link_init(&l, NULL);
	l.c.on_retire = on_retire;
	l.c.retire_arg = &rc;
	l.s.on_retire = on_retire;
	l.s.retire_arg = &rs;
	is(session_tick(&l.c, 0, &next) & SESSION_ACT_HANDSHAKE,
	   SESSION_ACT_HANDSHAKE, "client without keys wants a handshake");
	session_handshake_sent(&l.c, 0);
	is(session_tick(&l.c, 1 * SEC, &next) & SESSION_ACT_HANDSHAKE, 0,
	   "not again while one is pending");
	is(next, 5 * SEC, "next tick when the initiation times out");
	is(session_tick(&l.c, 5 * SEC, NULL) & SESSION_ACT_HANDSHAKE,
	   SESSION_ACT_HANDSHAKE, "retransmit after REKEY_TIMEOUT");
	is(session_tick(&l.s, 0, NULL), 0, "server never asks to initiate");
	link_handshake(&l, 6 * SEC);
	is(session_tick(&l.c, 6 * SEC, NULL), SESSION_ACT_KEEPALIVE,
	   "new keys: the client wants to send a keepalive now");
	len = seal1(&l.c, buf, 6 * SEC, NULL);
	session_open(&l.s, buf, len, 6 * SEC, &it);
	old_index = l.c.cur.local_index;
	/* the server's keepalive: a client hearing nothing would handshake
	 * at DEAD_AFTER whatever the keys' age */
	len = seal1(&l.s, buf, 124 * SEC, NULL);
	session_open(&l.c, buf, len, 124 * SEC, &it);

	is(session_tick(&l.c, 125 * SEC, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "no rekey before 120 s");
	is(session_tick(&l.c, 126 * SEC, NULL) & SESSION_ACT_HANDSHAKE,
	   SESSION_ACT_HANDSHAKE, "rekey when the keys are 120 s old");
	session_handshake_sent(&l.c, 126 * SEC);

	/* the server sends with the old keys while the new ones are made */
	old_len = seal1(&l.s, old_msg, 126 * SEC, "in flight");
	old_len2 = seal1(&l.s, old_msg2, 126 * SEC, "delayed");
	link_handshake(&l, 127 * SEC);
	ok(l.c.prev.valid && l.c.prev.local_index == old_index,
	   "the client kept the old keys as previous");
	is(session_open(&l.c, old_msg, old_len, 127 * SEC, &it), SESSION_OK,
	   "a message in flight under the old keys still opens");
	len = seal1(&l.s, buf, 127 * SEC, "still old");
	is(session_open(&l.c, buf, len, 127 * SEC, &it), SESSION_OK,
	   "the server keeps using current until the client confirms");
	len = seal1(&l.c, buf, 127 * SEC, NULL);
	is(session_open(&l.s, buf, len, 127 * SEC, &it), SESSION_OK,
	   "the client's first message under the new keys opens");
	ok(l.s.cur.local_index == l.c.cur.remote_index,
	   "and the server switched to them");
	len = seal1(&l.s, buf, 128 * SEC, "new");
	is(wire_get_u32(buf + 4), l.c.cur.local_index,
	   "the server now sends to the new index");

	/* keys die REJECT_AFTER_TIME after their handshake */
	is(session_open(&l.c, old_msg2, old_len2, 186 * SEC, &it),
	   SESSION_ERR_EXPIRED, "old keys are refused at 180 s of age");
	is(session_open(&l.c, buf, len, 186 * SEC, &it), SESSION_OK,
	   "while the new ones still work");
	len = seal1(&l.s, buf, 245 * SEC, NULL);
	session_open(&l.c, buf, len, 245 * SEC, &it);
	is(session_tick(&l.c, 246 * SEC, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "new keys: no rekey at 119 s of age");
	is(session_tick(&l.c, 247 * SEC, NULL) & SESSION_ACT_HANDSHAKE,
	   SESSION_ACT_HANDSHAKE, "rekey again at 120 s of age");
	ok(seal1(&l.c, buf, 306 * SEC, "late") > 0, "sending at 179 s of age");
	is(seal1(&l.c, buf, 307 * SEC, "late"), 0,
	   "but nothing is sent with keys 180 s old");
	is(l.c.stats.drops[SESSION_ERR_EXPIRED], 1, "1 counted expired");

	/* and are erased after three times that */
	ok(l.c.cur.valid && l.c.prev.valid, "both key pairs are kept ...");
	session_tick(&l.c, 667 * SEC, NULL);
	session_tick(&l.s, 667 * SEC, NULL);
	ok(!l.c.cur.valid && !l.c.prev.valid, "... until 540 s, then erased");
	ok(sodium_is_zero(l.c.cur.send_key, NOISE_KEY_LEN),
	   "the key bytes are zero");
	is(rc.n, 2, "on_retire heard of both client indices");
	is(rs.n, 2, "and of both server indices");
	ok(rc.n == 2 && rc.idx[0] != rc.idx[1], "two different indices");
}

/* An initiation lost on a new path while the keys are good is sent again */
static void test_lost_initiation(void)
{
	uint8_t buf[64];
	struct session_iter it;
	struct link l;
	size_t len;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	len = seal1(&l.c, buf, 0, NULL);
	session_open(&l.s, buf, len, 0, &it);
	session_handshake_sent(&l.c, 1 * SEC);
	is(session_tick(&l.c, 5 * SEC, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "unanswered initiation, good keys: not again at once");
	is(session_tick(&l.c, 6 * SEC, NULL) & SESSION_ACT_HANDSHAKE,
	   SESSION_ACT_HANDSHAKE, "but again after REKEY_TIMEOUT");
	link_handshake(&l, 7 * SEC);
	is(session_tick(&l.c, 20 * SEC, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "answered: no more until the rekey");
}

/* A peer silent for DEAD_AFTER (a restarted server that lost the
 * session): the client handshakes again, every REKEY_TIMEOUT, until it
 * hears from the server */
static void test_dead_rehandshake(void)
{
	uint8_t buf[64];
	struct session_iter it;
	struct link l;
	unsigned act;
	size_t len;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	len = seal1(&l.c, buf, 0, NULL);
	session_open(&l.s, buf, len, 0, &it);
	is(session_tick(&l.c, 29 * SEC, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "silent server, good keys: no handshake before DEAD_AFTER");
	act = session_tick(&l.c, 30 * SEC, NULL);
	is(act & (SESSION_ACT_DEAD | SESSION_ACT_HANDSHAKE),
	   SESSION_ACT_DEAD | SESSION_ACT_HANDSHAKE,
	   "at DEAD_AFTER: dead, and a handshake at once");
	session_handshake_sent(&l.c, 30 * SEC);
	is(session_tick(&l.c, 34 * SEC, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "unanswered: not again before REKEY_TIMEOUT");
	act = session_tick(&l.c, 35 * SEC, NULL);
	is(act & (SESSION_ACT_DEAD | SESSION_ACT_HANDSHAKE),
	   SESSION_ACT_HANDSHAKE, "again after REKEY_TIMEOUT, dead told once");
	session_handshake_sent(&l.c, 35 * SEC);
	link_handshake(&l, 36 * SEC);
	is(session_tick(&l.c, 50 * SEC, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "answered: no more until the rekey");
	is(session_tick(&l.s, 100 * SEC, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "a silent client never makes the server initiate");
}

static void test_rekey_by_count(void)
{
	struct session_limits lim;
	uint8_t buf[64];
	struct session_iter it;
	size_t len;
	int i, sent = 0;
	struct link l;

	session_limits_default(&lim);
	lim.rekey_after_messages = 10;
	lim.reject_after_messages = 20;
	link_init(&l, &lim);
	link_handshake(&l, 0);
	for (i = 0; i < 9; i++)
		sent += seal1(&l.c, buf, 0, "m") > 0;
	is(session_tick(&l.c, 0, NULL) & SESSION_ACT_HANDSHAKE, 0,
	   "9 messages: no rekey yet");
	sent += seal1(&l.c, buf, 0, "m") > 0;
	is(session_tick(&l.c, 0, NULL) & SESSION_ACT_HANDSHAKE,
	   SESSION_ACT_HANDSHAKE, "10 messages: rekey");
	for (i = 0; i < 20; i++)
		sent += seal1(&l.c, buf, 0, "m") > 0;
	is(sent, 20, "exactly 20 messages are sent with one key pair");
	is(session_seal(&l.c, &(struct session_batch){.buf = buf}, 0, &len),
	   SESSION_ERR_EXPIRED, "the 21st is refused: expired");

	/* a receiver refuses counters at the limit too */
	l.c.cur.send_counter = 20;
	l.c.lim.reject_after_messages = 100;
	len = seal1(&l.c, buf, 0, "m");
	is(session_open(&l.s, buf, len, 0, &it), SESSION_ERR_EXPIRED,
	   "a received counter at the limit: expired");
	link_handshake(&l, 1);
	ok(seal1(&l.c, buf, 1, "m") > 0, "a new handshake resets the count");
}

static void test_keepalive_and_dead(void)
{
	uint8_t buf[64];
	struct session_iter it;
	uint64_t next;
	size_t len;
	struct link l;

	link_init(&l, NULL);
	link_handshake(&l, 0);
	len = seal1(&l.c, buf, 0, NULL);
	session_open(&l.s, buf, len, 0, &it);
	is(session_tick(&l.c, 9999, &next), 0, "nothing due at 9.999 s");
	is(next, 10 * SEC, "next tick at 10 s");
	is(session_tick(&l.c, 10 * SEC, &next), SESSION_ACT_KEEPALIVE,
	   "keepalive due 10 s after the last send");
	is(next, 10 * SEC + 100, "an untaken action is asked again soon");
	len = seal1(&l.s, buf, 10 * SEC, "data");
	session_open(&l.c, buf, len, 10 * SEC, &it);
	len = seal1(&l.c, buf, 10 * SEC, NULL);
	session_open(&l.s, buf, len, 10 * SEC, &it);
	is(session_tick(&l.c, 15 * SEC, NULL), 0, "sending reset the timer");
	is(session_tick(&l.c, 39999, NULL) & SESSION_ACT_DEAD, 0,
	   "29.999 s of silence is not dead");
	is(session_tick(&l.c, 40 * SEC, NULL) & SESSION_ACT_DEAD,
	   SESSION_ACT_DEAD, "30 s of silence: path dead");
	is(session_tick(&l.c, 41 * SEC, NULL) & SESSION_ACT_DEAD, 0,
	   "reported once");
	is(session_tick(&l.s, 40 * SEC, NULL) & SESSION_ACT_DEAD,
	   SESSION_ACT_DEAD, "the server detects it too");
	len = seal1(&l.s, buf, 42 * SEC, "back");
	session_open(&l.c, buf, len, 42 * SEC, &it);
	is(session_tick(&l.c, 71 * SEC, NULL) & SESSION_ACT_DEAD, 0,
	   "receiving re-arms the detector");
	is(session_tick(&l.c, 72 * SEC, NULL) & SESSION_ACT_DEAD,
	   SESSION_ACT_DEAD, "and it fires again 30 s later");
}

static int cmp_nonce(const void *a, const void *b)
{
	return memcmp(a, b, NOISE_KEY_LEN + 8);
}

static void test_reconnects(void)
{
	enum { N = 1000, PER = 3 };
	uint8_t(*used)[NOISE_KEY_LEN + 8] = calloc(2 * N * PER, sizeof(*used));
	size_t n = 0, i, dup = 0, bad = 0;
	uint8_t buf[64];
	struct session_iter it;
	size_t len;
	struct link l;
	int k;

	link_init(&l, NULL);
	for (i = 0; i < N; i++) {
		uint64_t now = i * SEC;

		if (link_handshake(&l, now)) {
			bad++;
			continue;
		}
		for (k = 0; k < PER; k++) {
			len = seal1(&l.c, buf, now, "c");
			memcpy(used[n], l.c.cur.send_key, NOISE_KEY_LEN);
			memcpy(used[n++] + NOISE_KEY_LEN, buf + 8, 8);
			if (session_open(&l.s, buf, len, now, &it))
				bad++;
			len = seal1(&l.s, buf, now, "s");
			memcpy(used[n], l.s.cur.send_key, NOISE_KEY_LEN);
			memcpy(used[n++] + NOISE_KEY_LEN, buf + 8, 8);
			if (session_open(&l.c, buf, len, now, &it))
				bad++;
		}
	}
	qsort(used, n, sizeof(*used), cmp_nonce);
	for (i = 1; i < n; i++)
		if (!memcmp(used[i - 1], used[i], sizeof(*used)))
			dup++;
	is(bad, 0, "1000 reconnects to one server session all work");
	is(n, 2 * N * PER, "%zu messages sent", n);
	is(dup, 0, "no (key, nonce) pair was used twice");
	free(used);
}

static void test_unknown_index_and_names(void)
{
	uint8_t buf[64];
	struct session_iter it;
	struct link l, m;
	uint32_t idx;
	size_t len;
	int e, named = 1;

	link_init(&l, NULL);
	link_init(&m, NULL);
	link_handshake(&l, 0);
	link_handshake(&m, 0);
	len = seal1(&l.c, buf, 0, "for l");
	is(session_msg_index(buf, len, &idx), SESSION_OK, "index is readable");
	is(idx, l.c.cur.remote_index, "it is the server's index");
	m.s.next.local_index = idx + 1;
	is(session_open(&m.s, buf, len, 0, &it), SESSION_ERR_INDEX,
	   "another session: unknown index");
	buf[0] = 1;
	is(session_msg_index(buf, len, &idx), SESSION_ERR_TYPE,
	   "a handshake type is not data");
	for (e = 0; e < SESSION_ERR__COUNT; e++)
		if (!strcmp(session_err_name(e), "?"))
			named = 0;
	ok(named, "every session_err has a name");
	is_str(session_err_name(SESSION_ERR__COUNT), "?", "out of range: ?");
	is(seal1(&(struct session){.initiator = true}, buf, 0, "x"), 0,
	   "a session without keys cannot seal");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_both_ways();
	test_bit_flips();
	test_random_tampering();
	test_replay_and_reorder();
	test_sizes();
	test_framing();
	test_gso_entries();
	test_rekey_by_time();
	test_lost_initiation();
	test_dead_rehandshake();
	test_rekey_by_count();
	test_keepalive_and_dead();
	test_reconnects();
	test_unknown_index_and_names();
	return tap_done();
}
