/* SPDX-License-Identifier: MIT */
/* tflood.c - handshake initiations from keys the server does not know
 *
 *   tflood [-n N] [-w MS] URL SERVER-PUBLIC-KEY
 *
 * The denial-of-service test's attacker: it sends N (default 10000) well
 * formed initiations to the server at URL (udp:// or ws://, one
 * connection), each from a fresh random static key, with a valid mac1 so
 * the server cannot drop them unread: each costs it its rate limiter and,
 * for those the limiter lets through, its Diffie-Hellman work. It sends as
 * fast as the transport takes them (64 per millisecond at most), then
 * waits MS milliseconds (default 2000) for anything that comes back, and
 * prints what it sent and got: "sent N, answers A, closed C".
 *
 * Exit status: 0 when all N went out and nothing came back (no answer is
 * right for unknown keys), 1 otherwise, 2 on usage errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "conf_value.h"
#include "ev.h"
#include "key.h"
#include "log.h"
#include "noise.h"
#include "transport.h"

#define MAX_MESSAGE 65536
#define PER_TICK    64

static struct ev_loop *loop;
static struct ev_timer *ticker, *done_timer;
static struct tconn *conn;
static uint8_t server_pub[NOISE_KEY_LEN];
static unsigned long total = 10000, sent, answers, closed;
static unsigned long wait_ms = 2000;
static uint8_t msg[NOISE_INITIATION_LEN];
static bool have_msg;

static void usage(void)
{
	fprintf(stderr, "usage: tflood [-n N] [-w MS] udp://HOST:PORT|"
			"ws://HOST:PORT/PATH SERVER-PUBLIC-KEY\n");
	exit(2);
}

/* The next initiation, from a key made for it alone */
static int make_initiation(void)
{
	uint8_t priv[NOISE_KEY_LEN], ts[NOISE_TIMESTAMP_LEN];
	struct noise_static me;
	struct noise_handshake hs;
	struct timespec now;
	enum noise_err err;

	randombytes_buf(priv, sizeof(priv));
	clock_gettime(CLOCK_REALTIME, &now);
	noise_timestamp(ts, &now);
	if (noise_static_init(&me, priv))
		return -1;
	err = noise_initiation_create(&hs, &me, server_pub,
				      randombytes_random() | 1, ts, msg);
	noise_handshake_clear(&hs);
	noise_static_clear(&me);
	sodium_memzero(priv, sizeof(priv));
	return err ? -1 : 0;
}

/* Send what the transport takes this millisecond */
static void on_tick(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	for (int i = 0; i < PER_TICK && sent < total && conn; i++) {
		if (!have_msg && make_initiation()) {
			fprintf(stderr, "tflood: cannot make an initiation\n");
			ev_loop_stop(loop);
			return;
		}
		have_msg = true;
		if (tconn_send(conn, msg, sizeof(msg)) < 0)
			return; /* full: the same message next tick */
		have_msg = false;
		sent++;
	}
	if (sent == total || !conn) {
		ev_timer_stop(ticker);
		ev_timer_start(done_timer, wait_ms, 0);
	}
}

static void on_done(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	ev_loop_stop(loop);
}

static void on_open(struct tconn *c, void *user)
{
	(void)user;
	conn = c;
	ev_timer_start(ticker, 1, 1);
}

static void on_message(struct tconn *c, uint8_t *m, size_t len, void *user)
{
	(void)c;
	(void)m;
	(void)len;
	(void)user;
	answers++;
}

static void on_closed(struct tconn *c, const char *why, void *user)
{
	(void)c;
	(void)user;
	fprintf(stderr, "tflood: connection closed (%s)\n", why);
	closed++;
	conn = NULL;
	if (!ev_timer_active(ticker))
		ev_loop_stop(loop); /* it never opened */
}

static const struct transport_handlers handlers = {
	.open = on_open,
	.message = on_message,
	.closed = on_closed,
};

int main(int argc, char **argv)
{
	struct transport_params tp = {
		.max_message = MAX_MESSAGE,
		.queue_bytes = 1 << 20,
		.handshake_timeout_s = 10,
	};
	struct conf_url url;
	struct transport *t;
	const char *why;
	int opt;

	while ((opt = getopt(argc, argv, "n:w:")) != -1) {
		if (opt == 'n')
			total = strtoul(optarg, NULL, 10);
		else if (opt == 'w')
			wait_ms = strtoul(optarg, NULL, 10);
		else
			usage();
	}
	if (argc - optind != 2)
		usage();
	if (sodium_init() < 0)
		return 2;
	log_set_level(LOG_LEVEL_WARN);
	if (conf_url_parse(argv[optind], &url, &why) ||
	    key_from_base64(server_pub, argv[optind + 1])) {
		fprintf(stderr, "tflood: bad URL or key\n");
		return 2;
	}
	tp.kind = url.scheme == URL_UDP ? TRANSPORT_UDP : TRANSPORT_WEBSOCKET;
	loop = ev_loop_new();
	if (!loop)
		return 1;
	ticker = ev_timer_new(loop, on_tick, NULL);
	done_timer = ev_timer_new(loop, on_done, NULL);
	t = transport_new(loop, &tp, &handlers, NULL);
	if (!ticker || !done_timer || !t ||
	    !transport_connect(t, &url, NULL, NULL))
		return 1;
	ev_loop_run(loop);
	printf("sent %lu, answers %lu, closed %lu\n", sent, answers, closed);
	transport_free(t);
	ev_timer_free(ticker);
	ev_timer_free(done_timer);
	ev_loop_free(loop);
	return sent == total && !answers ? 0 : 1;
}
