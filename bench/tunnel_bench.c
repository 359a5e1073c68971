/* SPDX-License-Identifier: MIT */
/* tunnel_bench.c - loopback throughput of the tunnel over each transport
 *
 * One process, one loop: a tunnel_client pushes 1,400-byte packets through
 * a transport to a tunnel_server for a fixed time, and the server counts
 * what it opens. For each transport it also runs the same transport
 * without the tunnel (plain 64 KiB or 1,472-byte messages) as the
 * reference, and prints the ratio, so a noisy machine still gives a
 * comparable figure.
 *
 *	usage: tunnel_bench [seconds per run, default 3]
 */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ev.h"
#include "key.h"
#include "log.h"
#include "transport.h"
#include "tunnel.h"

#define PKT 1400
#define PER_TURN 48

static struct ev_loop *loop;
static struct tunnel_server *ts;
static struct tunnel_client *tc;
static struct tconn *cconn;
static bool use_tunnel, up, blocked, done;
static uint64_t rx_bytes;
static uint8_t pkt[PKT], msg[65536];
static size_t msg_len;
static struct ev_turn *pump;
static struct ev_timer *stop;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int s_assign(uint32_t id, bool resumed, struct noise_assignment *as,
		    void *user)
{
	(void)id;
	(void)resumed;
	(void)user;
	inet_pton(AF_INET, "10.77.0.2", &as->addr);
	as->prefix = 24;
	as->mtu = 1380;
	return 0;
}

static void s_packet(uint32_t id, uint8_t *p, size_t len, void *user)
{
	(void)id;
	(void)p;
	(void)user;
	rx_bytes += len;
}

static void s_gone(uint32_t id, void *user)
{
	(void)id;
	(void)user;
}

static const struct tunnel_server_handlers sh = {
	.assign = s_assign, .packet = s_packet, .gone = s_gone,
};

static void st_message(struct tconn *c, uint8_t *m, size_t len, void *u)
{
	(void)u;
	if (use_tunnel)
		tunnel_server_receive(ts, c, m, len);
	else
		rx_bytes += len;
}

static void c_up(const struct noise_assignment *as, void *user)
{
	(void)as;
	(void)user;
	up = true;
	ev_loop_stop(loop);
}

static void c_packet(const uint8_t *p, size_t len, void *user)
{
	(void)p;
	(void)len;
	(void)user;
}

static const struct tunnel_client_handlers ch = {
	.up = c_up, .packet = c_packet,
};

static void ct_open(struct tconn *c, void *u)
{
	(void)u;
	cconn = c;
	if (use_tunnel)
		tunnel_client_attach(tc, c);
	else
		ev_loop_stop(loop);
}

static void ct_message(struct tconn *c, uint8_t *m, size_t len, void *u)
{
	(void)c;
	(void)u;
	if (use_tunnel)
		tunnel_client_receive(tc, m, len);
}

static void ct_drained(struct tconn *c, void *u)
{
	(void)c;
	(void)u;
	blocked = false;
}

static const struct transport_handlers sth = { .message = st_message };
static const struct transport_handlers cth = {
	.open = ct_open, .message = ct_message, .drained = ct_drained,
};

/* Each loop turn: one burst of packets (or messages), unless blocked */
static void on_pump(struct ev_turn *t, void *arg)
{
	int ret = 0;

	(void)arg;
	if (done || blocked)
		return;
	if (use_tunnel) {
		for (int i = 0; i < PER_TURN && ret != 1; i++)
			ret = tunnel_client_send(tc, pkt, PKT);
		if (ret != 1)
			ret = tunnel_client_flush(tc);
	} else {
		for (int i = 0; i < PER_TURN * PKT / (int)msg_len + 1 &&
				ret != 1;
		     i++)
			ret = tconn_send(cconn, msg, msg_len);
	}
	(void)t;
	if (ret == 1)
		blocked = true;
}

static void on_stop(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	done = true;
	ev_loop_stop(loop);
}

static double run(enum transport_kind kind, bool tunnel, double secs)
{
	static uint8_t spriv[32], spub[32], cpriv[32], cpub[32];
	struct endpoint ep = { .addr.family = AF_INET };
	struct tunnel_peer peer = { "bench", cpub };
	size_t max = kind == TRANSPORT_UDP ? 1472 : 65536;
	struct transport_params sp = {
		.kind = kind, .listen = &ep, .path = "/websocket/",
		.max_message = 65536, .queue_bytes = 1 << 20,
		.handshake_timeout_s = 5,
	}, cp = sp;
	struct tunnel_server_params tsp = {
		.private_key = spriv, .peers = &peer, .npeers = 1,
		.max_message = max, .linger_ms = 1000,
	};
	struct tunnel_client_params tcp = {
		.private_key = cpriv, .server_key = spub, .max_message = max,
	};
	struct transport *st, *ct;
	struct conf_url url;
	char host[] = "127.0.0.1";
	double t0;

	key_generate(spriv);
	key_public(spub, spriv);
	key_generate(cpriv);
	key_public(cpub, cpriv);
	use_tunnel = tunnel;
	up = blocked = done = false;
	rx_bytes = 0;
	msg_len = kind == TRANSPORT_UDP ? 1472 : 65536;
	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	cp.listen = NULL;
	st = transport_new(loop, &sp, &sth, NULL);
	ct = transport_new(loop, &cp, &cth, NULL);
	ts = tunnel_server_new(loop, &tsp, &sh, NULL);
	tc = tunnel_client_new(loop, &tcp, &ch, NULL);
	url = (struct conf_url){
		.scheme = kind == TRANSPORT_UDP ? URL_UDP : URL_WS, .host = host,
		.port = (uint16_t)transport_port(st),
		.path = (char *)(kind == TRANSPORT_UDP ? "" : "/websocket/"),
	};
	transport_connect(ct, &url, NULL, NULL);
	ev_loop_run(loop);	/* until open (raw) or up (tunnel) */
	if (tunnel && !up)
		ev_loop_run(loop);
	rx_bytes = 0;
	t0 = now_s();
	ev_timer_start(stop, (uint64_t)(secs * 1000), 0);
	ev_turn_start(pump, true);
	ev_loop_run(loop);
	t0 = now_s() - t0;
	ev_turn_stop(pump);
	transport_free(ct);
	transport_free(st);
	tunnel_client_free(tc);
	tunnel_server_free(ts);
	return (double)rx_bytes * 8 / t0 / 1e6;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3;
	static const struct {
		enum transport_kind kind;
		const char *name;
	} kinds[] = { { TRANSPORT_WEBSOCKET, "websocket" },
		      { TRANSPORT_UDP, "udp" } };

	if (sodium_init() < 0 || secs <= 0)
		return 1;
	log_set_level(LOG_LEVEL_WARN);
	loop = ev_loop_new();
	pump = ev_turn_new(loop, on_pump, NULL);
	stop = ev_timer_new(loop, on_stop, NULL);
	randombytes_buf(pkt, sizeof(pkt));
	randombytes_buf(msg, sizeof(msg));
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("| transport | plain messages Mbit/s | tunnel (1,400 B packets) Mbit/s | ratio |\n");
	printf("|---|---|---|---|\n");
	for (size_t i = 0; i < 2; i++) {
		double plain = run(kinds[i].kind, false, secs);
		double tun = run(kinds[i].kind, true, secs);

		printf("| %s | %.0f | %.0f | %.2f |\n", kinds[i].name, plain,
		       tun, plain > 0 ? tun / plain : 0);
	}
	ev_turn_free(pump);
	ev_timer_free(stop);
	ev_loop_free(loop);
	return 0;
}
