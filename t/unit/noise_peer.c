/* SPDX-License-Identifier: MIT */
/* noise_peer.c - one end of a handshake and data exchange, over stdin/stdout
 *
 * t/noise_interop.py runs this program against an independent Noise
 * implementation (dissononce). Each line is a word and hex bytes:
 *
 *   noise_peer initiator CLIENT_PRIV SERVER_PUB     (keys in hex)
 *     > init HEX          the initiation
 *     < resp HEX          the response
 *     > keys SEND RECV    transport keys, or "error REASON"
 *     > assign ADDR/PREFIX MTU DNS
 *     > data HEX          a batch of two packets
 *   noise_peer responder SERVER_PRIV CLIENT_PUB
 *     < init HEX
 *     > resp HEX          (after checking the client key), or "error ..."
 *     > keys SEND RECV
 *   then both, until end of input:
 *     < data HEX          a transport message from the other side
 *     > packets HEX...    its packets, or "error REASON"
 *     > data HEX          (responder, after its first message) a reply
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "session.h"

#define LINE_MAX_LEN (2 * SESSION_MAX_MESSAGE + 64)

static char line[LINE_MAX_LEN];
static uint8_t msg[SESSION_MAX_MESSAGE + 1];

static void put_hex(const char *word, const uint8_t *p, size_t len)
{
	static char hex[2 * SESSION_MAX_MESSAGE + 1];

	sodium_bin2hex(hex, sizeof(hex), p, len);
	printf("%s %s\n", word, hex);
	fflush(stdout);
}

/* Read "WORD HEX"; return the byte count, or -1 at EOF or on bad input */
static long get_hex(const char *word, uint8_t *out, size_t cap)
{
	size_t wl = strlen(word), n = 0;
	char *end;

	if (!fgets(line, sizeof(line), stdin))
		return -1;
	end = strchr(line, '\n');
	if (end)
		*end = 0;
	if (strncmp(line, word, wl) || line[wl] != ' ')
		return -1;
	if (sodium_hex2bin(out, cap, line + wl + 1, strlen(line + wl + 1), NULL,
			   &n, NULL))
		return -1;
	return (long)n;
}

static int key_arg(uint8_t key[NOISE_KEY_LEN], const char *hex)
{
	size_t n = 0;

	return sodium_hex2bin(key, NOISE_KEY_LEN, hex, strlen(hex), NULL, &n,
			      NULL) ||
			       n != NOISE_KEY_LEN
		       ? -1
		       : 0;
}

static void put_keys(const struct noise_keypair *kp)
{
	char s[2 * NOISE_KEY_LEN + 1], r[2 * NOISE_KEY_LEN + 1];

	sodium_bin2hex(s, sizeof(s), kp->send_key, NOISE_KEY_LEN);
	sodium_bin2hex(r, sizeof(r), kp->recv_key, NOISE_KEY_LEN);
	printf("keys %s %s\n", s, r);
	fflush(stdout);
}

static void send_data(struct session *s, const char *const *pkts, int n)
{
	struct session_batch b;
	size_t len;
	int i;

	session_batch_init(&b, msg, sizeof(msg));
	for (i = 0; i < n; i++)
		session_batch_add(&b, pkts[i], strlen(pkts[i]));
	if (session_seal(s, &b, 0, &len)) {
		printf("error cannot seal\n");
		fflush(stdout);
		return;
	}
	put_hex("data", msg, len);
}

/* Open every "data" line; the responder answers its first one */
static int data_loop(struct session *s, bool reply)
{
	static const char *const pong[] = {"pong from C"};
	static char hex[2 * SESSION_MAX_MESSAGE + 1];
	struct session_iter it;
	enum session_err err;
	const uint8_t *p;
	size_t plen;
	long n;

	while ((n = get_hex("data", msg, sizeof(msg))) >= 0) {
		err = session_open(s, msg, (size_t)n, 0, &it);
		if (err) {
			printf("error %s\n", session_err_name(err));
		} else {
			printf("packets");
			while (session_iter_next(&it, &p, &plen)) {
				sodium_bin2hex(hex, sizeof(hex), p, plen);
				printf(" %s", hex);
			}
			printf("\n");
		}
		fflush(stdout);
		if (!err && reply) {
			send_data(s, pong, 1);
			reply = false;
		}
	}
	return 0;
}

static int initiator(const uint8_t priv[NOISE_KEY_LEN],
		     const uint8_t server_pub[NOISE_KEY_LEN])
{
	static const char *const ping[] = {"ping from C", "second packet"};
	uint8_t init[NOISE_INITIATION_LEN], ts[NOISE_TIMESTAMP_LEN];
	char addr[INET_ADDRSTRLEN], dns[INET_ADDRSTRLEN];
	struct noise_assignment as;
	struct noise_handshake hs;
	struct noise_static st;
	struct noise_keypair kp;
	struct session s;
	enum noise_err err;
	long n;

	noise_static_init(&st, priv);
	noise_timestamp(ts, NULL);
	noise_initiation_create(&hs, &st, server_pub, 0x01020304, ts, init);
	put_hex("init", init, sizeof(init));
	n = get_hex("resp", msg, sizeof(msg));
	if (n < 0)
		return 1;
	err = noise_response_consume(&hs, &st, msg, (size_t)n, &as, &kp);
	if (err) {
		printf("error %s\n", noise_err_name(err));
		return 0;
	}
	put_keys(&kp);
	inet_ntop(AF_INET, &as.addr, addr, sizeof(addr));
	inet_ntop(AF_INET, &as.dns, dns, sizeof(dns));
	printf("assign %s/%u %u %s\n", addr, as.prefix, as.mtu, dns);
	session_init(&s, NULL, true, 0);
	session_install(&s, &kp, 0);
	send_data(&s, ping, 2);
	data_loop(&s, false);
	session_clear(&s);
	noise_static_clear(&st);
	return 0;
}

static int responder(const uint8_t priv[NOISE_KEY_LEN],
		     const uint8_t client_pub[NOISE_KEY_LEN])
{
	uint8_t resp[NOISE_RESPONSE_LEN];
	struct noise_assignment as;
	struct noise_handshake hs;
	struct noise_static st;
	struct noise_keypair kp;
	struct session s;
	enum noise_err err;
	long n;

	noise_static_init(&st, priv);
	n = get_hex("init", msg, sizeof(msg));
	if (n < 0)
		return 1;
	err = noise_initiation_consume(&hs, &st, msg, (size_t)n);
	if (!err && sodium_memcmp(hs.rs, client_pub, NOISE_KEY_LEN)) {
		printf("error unknown client\n");
		return 0;
	}
	if (err) {
		printf("error %s\n", noise_err_name(err));
		return 0;
	}
	memset(&as, 0, sizeof(as));
	inet_pton(AF_INET, "10.9.0.2", &as.addr);
	as.prefix = 24;
	as.mtu = 1380;
	inet_pton(AF_INET, "10.9.0.1", &as.dns);
	err = noise_response_create(&hs, 0x0a0b0c0d, &as, resp, &kp);
	if (err) {
		printf("error %s\n", noise_err_name(err));
		return 0;
	}
	put_hex("resp", resp, sizeof(resp));
	put_keys(&kp);
	session_init(&s, NULL, false, 0);
	session_install(&s, &kp, 0);
	data_loop(&s, true);
	session_clear(&s);
	noise_static_clear(&st);
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t a[NOISE_KEY_LEN], b[NOISE_KEY_LEN];

	if (sodium_init() < 0)
		return 1;
	if (argc != 4 || key_arg(a, argv[2]) || key_arg(b, argv[3])) {
		fprintf(stderr, "usage: noise_peer initiator|responder "
				"OUR_PRIV_HEX THEIR_PUB_HEX\n");
		return 2;
	}
	if (!strcmp(argv[1], "initiator"))
		return initiator(a, b);
	if (!strcmp(argv[1], "responder"))
		return responder(a, b);
	fprintf(stderr, "noise_peer: unknown role '%s'\n", argv[1]);
	return 2;
}
