/* SPDX-License-Identifier: MIT */
/* noise_test.c - the IK handshake: success, wrong keys, tampering, replay */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "noise_pair.h"
#include "session.h"
#include "tap.h"

#define INIT_MAC1 (NOISE_INITIATION_LEN - 16)
#define RESP_MAC1 (NOISE_RESPONSE_LEN - 16)

/*
 * What a server role does with an initiation, reduced to the checks this
 * module makes possible: known client, newer timestamp. Returns 1 and a
 * response when it answers; 0 and the reason when it stays silent.
 */
struct fake_server {
	struct noise_static st;
	uint8_t clients[4][NOISE_KEY_LEN];
	uint8_t last_ts[4][NOISE_TIMESTAMP_LEN];
	int nclients;
	const char *why;
	int drops;
};

static int fake_server_handle(struct fake_server *fs, const uint8_t *msg,
			      size_t len, uint8_t resp[NOISE_RESPONSE_LEN],
			      struct noise_keypair *kp)
{
	struct noise_assignment as;
	struct noise_handshake hs;
	enum noise_err err;
	int i, who = -1;

	err = noise_initiation_consume(&hs, &fs->st, msg, len);
	if (err) {
		fs->why = noise_err_name(err);
		goto drop;
	}
	for (i = 0; i < fs->nclients; i++)
		if (!sodium_memcmp(hs.rs, fs->clients[i], NOISE_KEY_LEN))
			who = i;
	if (who < 0) {
		fs->why = "unknown client";
		goto drop;
	}
	if (!noise_timestamp_newer(hs.timestamp, fs->last_ts[who])) {
		fs->why = "replayed timestamp";
		goto drop;
	}
	memcpy(fs->last_ts[who], hs.timestamp, NOISE_TIMESTAMP_LEN);
	pair_assignment(&as);
	err = noise_response_create(&hs, 1000 + (uint32_t)who, &as, resp, kp);
	if (err) {
		fs->why = noise_err_name(err);
		goto drop;
	}
	fs->why = "answered";
	return 1;
drop:
	noise_handshake_clear(&hs);
	fs->drops++;
	return 0;
}

static void recompute_mac1(uint8_t *msg, size_t mac_off,
			   const uint8_t pub[NOISE_KEY_LEN])
{
	uint8_t in[8 + NOISE_KEY_LEN], key[32];

	memcpy(in, "mac1----", 8);
	memcpy(in + 8, pub, NOISE_KEY_LEN);
	crypto_generichash_blake2b(key, sizeof(key), in, sizeof(in), NULL, 0);
	crypto_generichash_blake2b(msg + mac_off, 16, msg, mac_off, key,
				   sizeof(key));
}

static void test_success(void)
{
	uint8_t init[NOISE_INITIATION_LEN], resp[NOISE_RESPONSE_LEN];
	uint8_t ts[NOISE_TIMESTAMP_LEN];
	struct noise_handshake chs, shs;
	struct noise_keypair ckp, skp;
	struct noise_assignment got;
	struct pair p;

	pair_init(&p);
	pair_timestamp(&p, ts);
	is(noise_initiation_create(&chs, &p.client, p.server.pub, 0x11223344,
				   ts, init),
	   NOISE_OK, "client creates an initiation");
	is(init[0], 1, "initiation has type 1");
	is(chs.state, NOISE_HS_INITIATION_SENT, "client awaits the response");
	is(noise_initiation_consume(&shs, &p.server, init, sizeof(init)),
	   NOISE_OK, "server consumes the initiation");
	ok(!memcmp(shs.rs, p.client.pub, NOISE_KEY_LEN),
	   "server learns the client's static key");
	ok(!memcmp(shs.timestamp, ts, sizeof(ts)), "and its timestamp");
	is(shs.remote_index, 0x11223344, "and its index");
	ok(memmem(init, sizeof(init), p.client.pub, NOISE_KEY_LEN) == NULL,
	   "the client's static key is not in the clear");
	is(noise_response_create(&shs, 0x55667788, &p.as, resp, &skp), NOISE_OK,
	   "server creates the response");
	is(shs.state, NOISE_HS_EMPTY, "server handshake state is wiped");
	ok(sodium_is_zero((uint8_t *)&shs, sizeof(shs)),
	   "every byte of it is zero");
	is(resp[0], 2, "response has type 2");
	is(noise_response_consume(&chs, &p.client, resp, sizeof(resp), &got,
				  &ckp),
	   NOISE_OK, "client consumes the response");
	ok(sodium_is_zero((uint8_t *)&chs, sizeof(chs)),
	   "client handshake state is wiped");
	ok(!memcmp(ckp.send_key, skp.recv_key, NOISE_KEY_LEN),
	   "client's send key is server's receive key");
	ok(!memcmp(ckp.recv_key, skp.send_key, NOISE_KEY_LEN),
	   "client's receive key is server's send key");
	ok(memcmp(ckp.send_key, ckp.recv_key, NOISE_KEY_LEN),
	   "the two directions use different keys");
	ok(ckp.initiator && !skp.initiator, "initiator flags");
	is(ckp.local_index, 0x11223344, "client's local index");
	is(ckp.remote_index, 0x55667788, "client learns server's index");
	is(skp.local_index, 0x55667788, "server's local index");
	is(skp.remote_index, 0x11223344, "server's remote index");
	is(got.addr.s_addr, p.as.addr.s_addr, "assignment: address");
	is(got.prefix, 24, "assignment: prefix");
	is(got.mtu, 1400, "assignment: MTU");
	is(got.dns.s_addr, p.as.dns.s_addr, "assignment: DNS");
	is(noise_response_consume(&chs, &p.client, resp, sizeof(resp), &got,
				  &ckp),
	   NOISE_ERR_STATE, "a second response for the same handshake fails");
}

static void test_data_both_ways(void)
{
	uint8_t buf[256], pkt[] = "an IP packet, more or less";
	struct session cs, ss;
	struct session_batch b;
	struct session_iter it;
	const uint8_t *got;
	size_t len, glen;
	struct pair p;

	pair_init(&p);
	is(pair_handshake(&p, 1, 2), 0, "handshake for data");
	session_init(&cs, NULL, true, 0);
	session_init(&ss, NULL, false, 0);
	session_install(&cs, &p.ckp, 0);
	session_install(&ss, &p.skp, 0);

	session_batch_init(&b, buf, sizeof(buf));
	session_batch_add(&b, pkt, sizeof(pkt));
	is(session_seal(&cs, &b, 1, &len), SESSION_OK, "client seals");
	is(session_open(&ss, buf, len, 1, &it), SESSION_OK, "server opens");
	ok(session_iter_next(&it, &got, &glen) && glen == sizeof(pkt) &&
		   !memcmp(got, pkt, glen),
	   "server reads the client's packet");

	session_batch_init(&b, buf, sizeof(buf));
	session_batch_add(&b, "reply", 5);
	is(session_seal(&ss, &b, 2, &len), SESSION_OK, "server seals");
	is(session_open(&cs, buf, len, 2, &it), SESSION_OK, "client opens");
	ok(session_iter_next(&it, &got, &glen) && glen == 5 &&
		   !memcmp(got, "reply", 5),
	   "client reads the server's packet");
	session_clear(&cs);
	session_clear(&ss);
}

static void test_wrong_server_key(void)
{
	uint8_t init[NOISE_INITIATION_LEN], ts[NOISE_TIMESTAMP_LEN];
	uint8_t k[KEY_LEN];
	struct noise_static other;
	struct noise_handshake chs, shs;
	struct pair p;

	pair_init(&p);
	key_generate(k);
	noise_static_init(&other, k);
	pair_timestamp(&p, ts);
	noise_initiation_create(&chs, &p.client, other.pub, 7, ts, init);
	is(noise_initiation_consume(&shs, &p.server, init, sizeof(init)),
	   NOISE_ERR_MAC1, "initiation for another server: bad mac1, no DH");
	ok(sodium_is_zero((uint8_t *)&shs, sizeof(shs)),
	   "nothing of it is kept");

	/* someone who knows our public key but encrypted to another one */
	recompute_mac1(init, INIT_MAC1, p.server.pub);
	is(noise_initiation_consume(&shs, &p.server, init, sizeof(init)),
	   NOISE_ERR_STATIC, "with a valid mac1 it fails to decrypt");
	noise_static_clear(&other);
}

static void test_unknown_client(void)
{
	uint8_t init[NOISE_INITIATION_LEN], resp[NOISE_RESPONSE_LEN];
	uint8_t ts[NOISE_TIMESTAMP_LEN];
	struct noise_handshake chs;
	struct noise_keypair kp;
	struct fake_server fs;
	size_t before, after;
	struct pair p, q;
	int i, answered = 0;

	pair_init(&p);
	pair_init(&q); /* q.client is a stranger to p.server */
	memset(&fs, 0, sizeof(fs));
	fs.st = p.server;
	memcpy(fs.clients[0], p.client.pub, NOISE_KEY_LEN);
	fs.nclients = 1;

	pair_timestamp(&q, ts);
	noise_initiation_create(&chs, &q.client, p.server.pub, 9, ts, init);
	memset(resp, 0, sizeof(resp));
	before = pair_heap_bytes();
	for (i = 0; i < 100; i++)
		answered +=
			fake_server_handle(&fs, init, sizeof(init), resp, &kp);
	after = pair_heap_bytes();
	is(answered, 0, "unknown client: 100 initiations, no answer");
	is_str(fs.why, "unknown client", "dropped as unknown client");
	ok(sodium_is_zero(resp, sizeof(resp)), "nothing was written back");
	is(after, before, "and no heap memory was allocated");

	pair_timestamp(&p, ts);
	noise_initiation_create(&chs, &p.client, p.server.pub, 9, ts, init);
	is(fake_server_handle(&fs, init, sizeof(init), resp, &kp), 1,
	   "known client is answered");
	is(fake_server_handle(&fs, init, sizeof(init), resp, &kp), 0,
	   "the same initiation again is not");
	is_str(fs.why, "replayed timestamp", "dropped as replayed timestamp");
	noise_handshake_clear(&chs);
}

static void test_tampered_initiation(void)
{
	uint8_t init[NOISE_INITIATION_LEN], t[NOISE_INITIATION_LEN];
	uint8_t ts[NOISE_TIMESTAMP_LEN];
	int reasons[NOISE_ERR__COUNT] = {0};
	struct noise_handshake chs, shs;
	size_t bit, accepted = 0, accepted2 = 0, mac1_only = 0;
	struct pair p;

	pair_init(&p);
	pair_timestamp(&p, ts);
	noise_initiation_create(&chs, &p.client, p.server.pub, 3, ts, init);
	for (bit = 0; bit < sizeof(init) * 8; bit++) {
		enum noise_err err;

		memcpy(t, init, sizeof(t));
		t[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		err = noise_initiation_consume(&shs, &p.server, t, sizeof(t));
		reasons[err]++;
		if (!err)
			accepted++;
		if (err == NOISE_ERR_MAC1)
			mac1_only++;

		/* an attacker who also fixes mac1 gets no further */
		if (bit / 8 >= INIT_MAC1)
			continue;
		recompute_mac1(t, INIT_MAC1, p.server.pub);
		if (!noise_initiation_consume(&shs, &p.server, t, sizeof(t)))
			accepted2++;
	}
	is(accepted, 0, "each of %zu single-bit flips is rejected",
	   sizeof(init) * 8);
	is(reasons[NOISE_ERR_TYPE], 32, "header bits: bad type");
	is(mac1_only, sizeof(init) * 8 - 32,
	   "every other flip fails mac1, before any DH");
	is(accepted2, 0, "flips with a recomputed mac1 are rejected too");
	is(noise_initiation_consume(&shs, &p.server, init, sizeof(init)),
	   NOISE_OK, "the untampered initiation is still accepted");
	noise_handshake_clear(&chs);
	noise_handshake_clear(&shs);
}

static void test_tampered_response(void)
{
	uint8_t init[NOISE_INITIATION_LEN], resp[NOISE_RESPONSE_LEN];
	uint8_t t[NOISE_RESPONSE_LEN], ts[NOISE_TIMESTAMP_LEN];
	struct noise_handshake chs, shs;
	struct noise_keypair ckp, skp;
	struct noise_assignment got;
	size_t bit, accepted = 0, accepted2 = 0;
	struct pair p;

	pair_init(&p);
	pair_timestamp(&p, ts);
	noise_initiation_create(&chs, &p.client, p.server.pub, 3, ts, init);
	noise_initiation_consume(&shs, &p.server, init, sizeof(init));
	noise_response_create(&shs, 4, &p.as, resp, &skp);
	for (bit = 0; bit < sizeof(resp) * 8; bit++) {
		memcpy(t, resp, sizeof(t));
		t[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		if (!noise_response_consume(&chs, &p.client, t, sizeof(t), &got,
					    &ckp))
			accepted++;
		if (bit / 8 >= RESP_MAC1)
			continue;
		recompute_mac1(t, RESP_MAC1, p.client.pub);
		if (!noise_response_consume(&chs, &p.client, t, sizeof(t), &got,
					    &ckp))
			accepted2++;
	}
	is(accepted, 0, "each of %zu single-bit flips of a response fails",
	   sizeof(resp) * 8);
	is(accepted2, 0, "also with a recomputed mac1");
	is(noise_response_consume(&chs, &p.client, resp, sizeof(resp), &got,
				  &ckp),
	   NOISE_OK, "forgeries did not disturb the pending handshake");
	ok(!memcmp(ckp.send_key, skp.recv_key, NOISE_KEY_LEN),
	   "and the keys agree");
}

static void test_lengths_and_types(void)
{
	uint8_t buf[NOISE_INITIATION_LEN + 64], ts[NOISE_TIMESTAMP_LEN];
	struct noise_handshake chs, shs;
	struct noise_assignment got;
	struct noise_keypair kp;
	size_t len, bad = 0;
	uint32_t idx;
	struct pair p;

	pair_init(&p);
	pair_timestamp(&p, ts);
	noise_initiation_create(&chs, &p.client, p.server.pub, 5, ts, buf);
	for (len = 0; len < sizeof(buf); len++)
		if (len != NOISE_INITIATION_LEN &&
		    noise_initiation_consume(&shs, &p.server, buf, len) ==
			    NOISE_ERR_LENGTH)
			bad++;
	is(bad, sizeof(buf) - 1, "initiation of any other length: bad length");
	bad = 0;
	for (len = 0; len < sizeof(buf); len++)
		if (len != NOISE_RESPONSE_LEN &&
		    noise_response_consume(&chs, &p.client, buf, len, &got,
					   &kp) == NOISE_ERR_LENGTH)
			bad++;
	is(bad, sizeof(buf) - 1, "response of any other length: bad length");
	is(noise_response_consume(&chs, &p.client, buf, NOISE_RESPONSE_LEN,
				  &got, &kp),
	   NOISE_ERR_TYPE, "an initiation is not a response");
	buf[0] = 2;
	wire_put_u32(buf + 4, 6);
	is(noise_response_consume(&chs, &p.client, buf, NOISE_RESPONSE_LEN,
				  &got, &kp),
	   NOISE_ERR_INDEX, "response for another handshake: bad index");
	is(noise_response_index(buf, NOISE_RESPONSE_LEN, &idx), 0,
	   "noise_response_index reads a response");
	is(idx, 6, "noise_response_index gives the receiver index");
	is(noise_response_index(buf, NOISE_RESPONSE_LEN - 1, &idx), -1,
	   "noise_response_index checks the length");
	memset(&shs, 0, sizeof(shs));
	is(noise_response_create(&shs, 1, &p.as, buf, &kp), NOISE_ERR_STATE,
	   "response without a consumed initiation: bad state");
	noise_handshake_clear(&chs);
}

static void test_low_order(void)
{
	uint8_t init[NOISE_INITIATION_LEN], ts[NOISE_TIMESTAMP_LEN];
	uint8_t zero[NOISE_KEY_LEN] = {0};
	struct noise_handshake chs, shs;
	struct noise_static z;
	struct pair p;

	pair_init(&p);
	pair_timestamp(&p, ts);
	is(noise_initiation_create(&chs, &p.client, zero, 1, ts, init),
	   NOISE_ERR_DH, "initiating to a low-order key fails");
	ok(sodium_is_zero(init, sizeof(init)), "and writes nothing");
	noise_initiation_create(&chs, &p.client, p.server.pub, 1, ts, init);
	memset(init + 4, 0, NOISE_KEY_LEN);
	recompute_mac1(init, INIT_MAC1, p.server.pub);
	is(noise_initiation_consume(&shs, &p.server, init, sizeof(init)),
	   NOISE_ERR_DH, "a low-order ephemeral key: bad DH");
	is(noise_static_init(&z, zero), 0,
	   "a zero private key still clamps to a usable key");
	noise_handshake_clear(&chs);
	noise_static_clear(&z);
}

static void test_assignment_limits(void)
{
	uint8_t init[NOISE_INITIATION_LEN], resp[NOISE_RESPONSE_LEN];
	uint8_t ts[NOISE_TIMESTAMP_LEN];
	struct noise_handshake chs, shs;
	struct noise_assignment as;
	struct noise_keypair kp;
	static const struct {
		const char *addr, *dns;
		int prefix, mtu, ok;
	} cases[] = {
		{"10.0.0.2", "0.0.0.0", 24, 1400, 1},
		{"100.64.0.9", "9.9.9.9", 32, 576, 1},
		{"192.168.1.5", "192.168.1.1", 1, 9000, 1},
		{"0.0.0.0", "0.0.0.0", 24, 1400, 0},
		{"127.0.0.2", "0.0.0.0", 24, 1400, 0},
		{"224.0.0.5", "0.0.0.0", 24, 1400, 0},
		{"255.255.255.255", "0.0.0.0", 24, 1400, 0},
		{"10.0.0.2", "0.0.0.0", 0, 1400, 0},
		{"10.0.0.2", "0.0.0.0", 33, 1400, 0},
		{"10.0.0.2", "0.0.0.0", 24, 575, 0},
		{"10.0.0.2", "0.0.0.0", 24, 9001, 0},
		{"10.0.0.2", "239.1.1.1", 24, 1400, 0},
	};
	struct pair p;
	size_t i;

	pair_init(&p);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&as, 0, sizeof(as));
		inet_pton(AF_INET, cases[i].addr, &as.addr);
		inet_pton(AF_INET, cases[i].dns, &as.dns);
		as.prefix = (uint8_t)cases[i].prefix;
		as.mtu = (uint16_t)cases[i].mtu;
		pair_timestamp(&p, ts);
		noise_initiation_create(&chs, &p.client, p.server.pub, 1, ts,
					init);
		noise_initiation_consume(&shs, &p.server, init, sizeof(init));
		is(noise_response_create(&shs, 2, &as, resp, &kp),
		   cases[i].ok ? NOISE_OK : NOISE_ERR_ASSIGNMENT,
		   "assignment %s/%d mtu %d dns %s %s", cases[i].addr,
		   cases[i].prefix, cases[i].mtu, cases[i].dns,
		   cases[i].ok ? "accepted" : "refused");
	}
	noise_handshake_clear(&chs);
}

static void test_timestamps(void)
{
	uint8_t a[NOISE_TIMESTAMP_LEN], b[NOISE_TIMESTAMP_LEN];
	uint8_t zero[NOISE_TIMESTAMP_LEN] = {0};
	struct timespec t = {.tv_sec = 1700000000, .tv_nsec = 5};

	noise_timestamp(a, &t);
	t.tv_nsec = (1 << 24) - 1;
	noise_timestamp(b, &t);
	ok(!memcmp(a, b, sizeof(a)), "nanoseconds are rounded down to 2^24");
	t.tv_nsec = 1 << 24;
	noise_timestamp(b, &t);
	ok(noise_timestamp_newer(b, a), "the next 2^24 ns step is newer");
	ok(!noise_timestamp_newer(a, b), "and not the other way round");
	ok(!noise_timestamp_newer(a, a), "equal is not newer");
	t.tv_sec++;
	t.tv_nsec = 0;
	noise_timestamp(a, &t);
	ok(noise_timestamp_newer(a, b), "one second later is newer");
	ok(noise_timestamp_newer(a, zero), "anything is newer than zero");
	is(a[0], 0x40, "TAI64 label in the top byte");
	noise_timestamp(b, NULL);
	ok(noise_timestamp_newer(b, a), "now is after 2023");
}

static void test_names(void)
{
	int i, named = 1;

	for (i = 0; i < NOISE_ERR__COUNT; i++)
		if (!noise_err_name(i) || !strcmp(noise_err_name(i), "?"))
			named = 0;
	ok(named, "every noise_err has a name");
	is_str(noise_err_name(NOISE_ERR__COUNT), "?", "out of range: ?");
	is_str(noise_err_name(NOISE_ERR_MAC1), "bad mac1", "name of MAC1");
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, NOISE_KEY_LEN);
}

static void test_many_handshakes(void)
{
	enum { N = 1000 };
	uint8_t(*keys)[NOISE_KEY_LEN] = calloc(2 * N, NOISE_KEY_LEN);
	size_t i, dup = 0, fail = 0;
	struct pair p;

	pair_init(&p);
	for (i = 0; i < N; i++) {
		if (pair_handshake(&p, (uint32_t)i, (uint32_t)i) ||
		    memcmp(p.ckp.send_key, p.skp.recv_key, NOISE_KEY_LEN))
			fail++;
		memcpy(keys[2 * i], p.ckp.send_key, NOISE_KEY_LEN);
		memcpy(keys[2 * i + 1], p.ckp.recv_key, NOISE_KEY_LEN);
	}
	qsort(keys, 2 * N, NOISE_KEY_LEN, cmp_key);
	for (i = 1; i < 2 * N; i++)
		if (!memcmp(keys[i - 1], keys[i], NOISE_KEY_LEN))
			dup++;
	is(fail, 0, "1000 handshakes between the same static keys succeed");
	is(dup, 0, "their 2000 transport keys are all distinct");
	free(keys);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_success();
	test_data_both_ways();
	test_wrong_server_key();
	test_unknown_client();
	test_tampered_initiation();
	test_tampered_response();
	test_lengths_and_types();
	test_low_order();
	test_assignment_limits();
	test_timestamps();
	test_names();
	test_many_handshakes();
	return tap_done();
}
