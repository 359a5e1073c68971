/* SPDX-License-Identifier: MIT */
/* msg_fuzz.c - libFuzzer harness: transport messages and batch framing
 *
 * The first input byte picks what the rest is:
 *   0: a transport message off the wire, opened by a session that holds
 *      the keys the seeds were sealed with; whatever it accepts must
 *      yield packets that lie inside the message;
 *   1: a batch plaintext, sealed by hand with the peer's key so that
 *      session_open() reaches the framing checks; its verdict must equal
 *      session_batch_check()'s, and every packet must lie inside it;
 *   2: a packet list (a length byte, then that many bytes, repeated),
 *      packed with session_batch_add_gso() (an odd length makes a GSO
 *      entry) until one does not fit, sealed, opened: the packets must
 *      come back unchanged, GSO entries with their segment size.
 * Sessions are rebuilt for every input so runs are reproducible.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "session.h"

static uint8_t buf[SESSION_MAX_MESSAGE + 64];

/* A session whose keys are all @send and all @recv bytes */
static void session_end(struct session *s, uint8_t send, uint8_t recv,
			uint32_t local, uint32_t remote)
{
	struct noise_keypair kp = {.initiator = true};

	memset(kp.send_key, send, NOISE_KEY_LEN);
	memset(kp.recv_key, recv, NOISE_KEY_LEN);
	kp.local_index = local;
	kp.remote_index = remote;
	session_init(s, NULL, true, 0);
	session_install(s, &kp, 0);
}

/* Two sessions holding the two ends of one fixed key pair */
static void sessions(struct session *a, struct session *b)
{
	session_end(a, 0xa1, 0xb2, 0x0a, 0x0b);
	session_end(b, 0xb2, 0xa1, 0x0b, 0x0a);
}

static void raw_message(struct session *b, const uint8_t *data, size_t size)
{
	struct session_iter it;
	const uint8_t *p;
	size_t len;

	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	if (session_open(b, buf, size, 1, &it) != SESSION_OK) {
		CHECK(!session_iter_next(&it, &p, &len));
		return;
	}
	while (session_iter_next(&it, &p, &len))
		CHECK(len > 0 && p >= buf + 18 && p + len <= buf + size - 16);
}

static void plaintext(struct session *b, const uint8_t *data, size_t size)
{
	uint8_t nonce[12] = {0};
	struct session_iter it;
	enum session_err err;
	const uint8_t *p;
	size_t len, total = 0;

	if (size > SESSION_MAX_BATCH)
		size = SESSION_MAX_BATCH;
	wire_put_header(buf, WIRE_DATA);
	wire_put_u32(buf + 4, 0x0b);
	wire_put_u64(buf + 8, 0);
	crypto_aead_chacha20poly1305_ietf_encrypt(buf + 16, NULL, data, size,
						  buf, 16, NULL, nonce,
						  b->cur.recv_key);
	err = session_open(b, buf, size + SESSION_OVERHEAD, 1, &it);
	CHECK(err == session_batch_check(data, size));
	CHECK(err == SESSION_OK || err == SESSION_ERR_FRAMING);
	while (session_iter_next(&it, &p, &len)) {
		CHECK(len > 0 && p >= buf + 16 && p + len <= buf + 16 + size);
		total += 2 + len;
	}
	CHECK(total <= size);
}

/* The segment size roundtrip() gives a packet of @n bytes: odd, a GSO
 * entry */
static size_t gso_of(size_t n)
{
	return n & 1 ? SESSION_GSO_MIN + n : 0;
}

static void roundtrip(struct session *a, struct session *b, const uint8_t *data,
		      size_t size)
{
	struct session_batch batch;
	struct session_iter it;
	const uint8_t *p, *q = data, *end = data + size;
	size_t len, wire;
	unsigned int added = 0;

	session_batch_init(&batch, buf, sizeof(buf));
	while (q < end) {
		size_t n = *q++, room = batch.max - batch.len;

		if (n > (size_t)(end - q))
			n = (size_t)(end - q);
		if (session_batch_add_gso(&batch, q, n, gso_of(n)) == 0) {
			added++;
		} else {
			CHECK(n == 0 || n + SESSION_GSO_HDR > room);
			if (n) {
				end = q - 1; /* full: the rest is not sent */
				break;
			}
		}
		q += n;
	}
	CHECK(session_seal(a, &batch, 1, &wire) == SESSION_OK);
	CHECK(wire % 16 == 0 && wire <= SESSION_MAX_MESSAGE);
	CHECK(session_open(b, buf, wire, 1, &it) == SESSION_OK);
	for (q = data; q < end;) {
		size_t n = *q++;

		if (n > (size_t)(end - q))
			n = (size_t)(end - q);
		if (n) {
			CHECK(session_iter_next(&it, &p, &len));
			CHECK(len == n && !memcmp(p, q, n));
			CHECK(it.gso == gso_of(n));
			added--;
		}
		q += n;
	}
	CHECK(added == 0 && !session_iter_next(&it, &p, &len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct session a, b;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	sessions(&a, &b);
	switch (data[0] % 3) {
	case 0:
		raw_message(&b, data + 1, size - 1);
		break;
	case 1:
		plaintext(&b, data + 1, size - 1);
		break;
	default:
		roundtrip(&a, &b, data + 1, size - 1);
		break;
	}
	session_clear(&a);
	session_clear(&b);
	return 0;
}
