/* SPDX-License-Identifier: MIT */
/* handshake_fuzz.c - libFuzzer harness: handshake messages at both ends
 *
 * The server and client keys are fixed, so the seeds in
 * fuzz/corpus/handshake (real initiations from that client to that
 * server) stay valid. The first input byte holds flags:
 *   bit 0: recompute mac1 over the message, as an attacker who knows the
 *          receiver's public key can, so mutations reach the DH and AEAD
 *          code instead of stopping at mac1;
 *   bit 1: feed the message to a client awaiting a response instead of
 *          to the server; nothing may be accepted there;
 *   bit 2: use the rest as a mask XORed over the known client's pending
 *          initiation (made once per process); if the server accepts the
 *          result it must be that initiation unchanged, and the client
 *          must accept the server's response with the same keys.
 * An initiation the server accepts must name the known client.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fuzz.h"
#include "noise.h"
#include "wire.h"

static struct noise_static server, client;
static struct noise_handshake pending; /* the client's, made once */
static uint8_t pending_msg[NOISE_INITIATION_LEN];
static uint8_t msg[512];

static void fix_mac1(uint8_t *m, size_t len, const uint8_t pub[32])
{
	uint8_t in[8 + 32], key[32];

	if (len < 16)
		return;
	memcpy(in, "mac1----", 8);
	memcpy(in + 8, pub, 32);
	crypto_generichash_blake2b(key, sizeof(key), in, sizeof(in), NULL, 0);
	crypto_generichash_blake2b(m + len - 16, 16, m, len - 16, key, 32);
}

static void setup(void)
{
	uint8_t k[32], ts[NOISE_TIMESTAMP_LEN] = {0x40};

	if (sodium_init() < 0)
		abort();
	memset(k, 0x01, sizeof(k));
	noise_static_init(&server, k);
	memset(k, 0x02, sizeof(k));
	noise_static_init(&client, k);
	CHECK(noise_initiation_create(&pending, &client, server.pub, 7, ts,
				      pending_msg) == NOISE_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct noise_assignment as, got;
	struct noise_handshake hs, chs;
	struct noise_keypair skp, ckp;
	uint8_t resp[NOISE_RESPONSE_LEN];
	enum noise_err err;
	uint32_t idx;
	bool masked;
	size_t i;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (size < 1 || size - 1 > sizeof(msg))
		return 0;
	masked = data[0] & 4;
	if (masked) {
		memcpy(msg, pending_msg, sizeof(pending_msg));
		for (i = 0; i + 1 < size && i < sizeof(pending_msg); i++)
			msg[i] ^= data[1 + i];
		size = sizeof(pending_msg);
	} else {
		memcpy(msg, data + 1, size - 1);
		size--;
	}

	if ((data[0] & 2) && !masked) {
		if (data[0] & 1)
			fix_mac1(msg, size, client.pub);
		chs = pending;
		err = noise_response_consume(&chs, &client, msg, size, &got,
					     &ckp);
		/* only the holder of the server key could make one */
		CHECK(err != NOISE_OK);
		CHECK(chs.state == NOISE_HS_INITIATION_SENT);
		return 0;
	}

	if (data[0] & 1)
		fix_mac1(msg, size, server.pub);
	err = noise_initiation_consume(&hs, &server, msg, size);
	if (err) {
		CHECK(hs.state == NOISE_HS_EMPTY);
		return 0;
	}
	/* accepted: it must be from the one client that has a key */
	CHECK(!memcmp(hs.rs, client.pub, 32));
	memset(&as, 0, sizeof(as));
	as.addr.s_addr = htonl(0x0a000002);
	as.prefix = 24;
	as.mtu = 1400;
	idx = hs.remote_index;
	CHECK(noise_response_create(&hs, 9, &as, resp, &skp) == NOISE_OK);
	CHECK(hs.state == NOISE_HS_EMPTY);
	if (masked) {
		CHECK(idx == 7 && !memcmp(msg + 4, pending.e_pub, 32));
		chs = pending;
		CHECK(noise_response_consume(&chs, &client, resp, sizeof(resp),
					     &got, &ckp) == NOISE_OK);
		CHECK(!memcmp(ckp.send_key, skp.recv_key, 32));
		CHECK(!memcmp(ckp.recv_key, skp.send_key, 32));
	}
	return 0;
}
