/* SPDX-License-Identifier: MIT */
/* crypto_bench.c - loopback throughput of sealing/opening and handshakes
 *
 * Measures, in one thread with no I/O: sealing 1400-byte packets one per
 * message and batched into 64 KiB messages, opening them again, and full
 * handshakes per second. Numbers are IP payload bytes, not wire bytes.
 * Build with `make bench/crypto_bench` in a build without sanitizers.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "noise.h"
#include "session.h"

#define PKT   1400
#define TOTAL (256ULL << 20) /* payload bytes per measurement */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void keys(struct session *a, struct session *b)
{
	struct noise_keypair kp = {.initiator = true};
	uint8_t t[NOISE_KEY_LEN];

	randombytes_buf(kp.send_key, NOISE_KEY_LEN);
	randombytes_buf(kp.recv_key, NOISE_KEY_LEN);
	kp.local_index = 1;
	kp.remote_index = 2;
	session_init(a, NULL, true, 0);
	session_install(a, &kp, 0);
	memcpy(t, kp.send_key, NOISE_KEY_LEN);
	memcpy(kp.send_key, kp.recv_key, NOISE_KEY_LEN);
	memcpy(kp.recv_key, t, NOISE_KEY_LEN);
	kp.local_index = 2;
	kp.remote_index = 1;
	session_init(b, NULL, true, 0);
	session_install(b, &kp, 0);
}

/* Seal (and optionally open) TOTAL bytes of PKT-byte packets, per_msg each */
static double run(size_t per_msg, int open)
{
	static uint8_t buf[SESSION_MAX_MESSAGE], pkt[PKT];
	struct session a, b;
	struct session_batch batch;
	struct session_iter it;
	unsigned long long done = 0;
	size_t len, i;
	double t0;

	keys(&a, &b);
	memset(pkt, 0x45, sizeof(pkt));
	t0 = now_s();
	while (done < TOTAL) {
		session_batch_init(&batch, buf, sizeof(buf));
		for (i = 0; i < per_msg; i++)
			if (session_batch_add(&batch, pkt, PKT))
				break;
		done += (unsigned long long)i * PKT;
		if (session_seal(&a, &batch, 0, &len))
			return -1;
		if (open && session_open(&b, buf, len, 0, &it))
			return -1;
	}
	return (double)done / (now_s() - t0) / 1e6;
}

static double handshakes(int n)
{
	struct noise_static c, s;
	uint8_t k[NOISE_KEY_LEN], init[NOISE_INITIATION_LEN];
	uint8_t resp[NOISE_RESPONSE_LEN], ts[NOISE_TIMESTAMP_LEN] = {0x40};
	struct noise_handshake chs, shs;
	struct noise_keypair ckp, skp;
	struct noise_assignment as = {.prefix = 24, .mtu = 1400}, got;
	double t0;
	int i;

	randombytes_buf(k, sizeof(k));
	noise_static_init(&c, k);
	randombytes_buf(k, sizeof(k));
	noise_static_init(&s, k);
	as.addr.s_addr = htonl(0x0a000002);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		noise_initiation_create(&chs, &c, s.pub, 1, ts, init);
		if (noise_initiation_consume(&shs, &s, init, sizeof(init)) ||
		    noise_response_create(&shs, 2, &as, resp, &skp) ||
		    noise_response_consume(&chs, &c, resp, sizeof(resp), &got,
					   &ckp))
			return -1;
	}
	return n / (now_s() - t0);
}

int main(void)
{
	size_t batch = SESSION_MAX_BATCH / (PKT + 2);

	if (sodium_init() < 0)
		return 1;
	printf("seal, 1 x %d B per message:        %8.0f MB/s\n", PKT,
	       run(1, 0));
	printf("seal, %zu x %d B per 64 KiB message: %8.0f MB/s\n", batch, PKT,
	       run(batch, 0));
	printf("seal+open, 1 x %d B per message:   %8.0f MB/s\n", PKT,
	       run(1, 1));
	printf("seal+open, %zu x %d B per 64 KiB:   %8.0f MB/s\n", batch, PKT,
	       run(batch, 1));
	printf("full handshakes, both ends in one thread: %.0f/s\n",
	       handshakes(2000));
	return 0;
}
