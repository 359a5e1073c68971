/* SPDX-License-Identifier: MIT */
/* tunnel_client.c - the laptop's end of the tunnel
 *
 * Theory of operation. The client has one server and one session, and at
 * any moment zero or one transport connection (a "path") that leads to the
 * server: the phone's WebSocket, which comes and goes as the phone moves,
 * or a UDP socket. Every time a path appears the client sends a fresh
 * handshake initiation: if the server still holds the session, the
 * handshake re-binds it to the new path with the same inner address and
 * NAT state (resumption); if not, it starts a new one. Meanwhile data keeps
 * flowing under the current keys, which the server accepts from any path.
 *
 * A timer follows session_tick(): it re-sends the initiation when no
 * response came within rekey_timeout, rekeys before the key limits, sends
 * keepalives when idle (the phone's page cannot keep time when hidden, so
 * both ends do), and reports a dead path after dead_after of silence.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>

#include "log.h"
#include "tunnel.h"
#include "tunnel_out.h"

struct tunnel_client {
	struct ev_loop *loop;
	const struct tunnel_client_handlers *h;
	void *user;
	struct noise_static me;
	uint8_t server_key[NOISE_KEY_LEN];
	struct session s;
	struct noise_handshake hs; /* our pending initiation */
	uint8_t last_ts[NOISE_TIMESTAMP_LEN];
	struct tconn *path;
	struct tunnel_out out;
	struct ev_timer *timer;
	struct noise_assignment as;
	bool up;
	struct tunnel_stats st;
	uint64_t init_sent_us; /* the last initiation, for the round trip */
};

/* The monotonic clock in microseconds: a handshake's round trip on a
 * LAN is shorter than the loop's cached milliseconds can tell */
static uint64_t mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/* A TAI64N timestamp that only goes up, even if the wall clock does not */
static void next_timestamp(struct tunnel_client *tc,
			   uint8_t ts[NOISE_TIMESTAMP_LEN])
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	noise_timestamp(ts, &now);
	if (!noise_timestamp_newer(ts, tc->last_ts)) {
		memcpy(ts, tc->last_ts, NOISE_TIMESTAMP_LEN);
		/* bump the nanosecond field (big-endian, last 4 bytes) */
		for (int i = NOISE_TIMESTAMP_LEN - 1; i >= 0 && !++ts[i]; i--)
			;
	}
	memcpy(tc->last_ts, ts, NOISE_TIMESTAMP_LEN);
}

static void send_initiation(struct tunnel_client *tc, uint64_t now)
{
	uint8_t msg[NOISE_INITIATION_LEN], ts[NOISE_TIMESTAMP_LEN];
	enum noise_err err;

	if (!tc->path)
		return;
	next_timestamp(tc, ts);
	noise_handshake_clear(&tc->hs);
	err = noise_initiation_create(&tc->hs, &tc->me, tc->server_key,
				      randombytes_random() | 1, ts, msg);
	if (err) {
		log_warnx("tunnel: cannot create an initiation: %s",
			  noise_err_name(err));
		return;
	}
	if (tconn_send(tc->path, msg, sizeof(msg)) < 0)
		tc->st.drops[TUNNEL_DROP_QUEUE_FULL]++;
	tc->init_sent_us = mono_us();
	session_handshake_sent(&tc->s, now);
	log_debug("tunnel: initiation sent via %s", tconn_name(tc->path));
}

/* Do what the session asks, then sleep until it next needs us */
static void tick(struct tunnel_client *tc)
{
	uint64_t now = ev_now(tc->loop), next;
	unsigned int act = session_tick(&tc->s, now, &next);

	if (act & SESSION_ACT_HANDSHAKE)
		send_initiation(tc, now);
	if (act & SESSION_ACT_KEEPALIVE && tc->path)
		tunnel_out_flush(&tc->out, &tc->s, tc->path, now, &tc->st,
				 true);
	if (act & SESSION_ACT_DEAD) {
		log_info("tunnel: nothing from the server for %llu s",
			 (unsigned long long)tc->s.lim.dead_after_ms / 1000);
		if (tc->h->dead)
			tc->h->dead(tc->user);
	}
	/* re-read the clock-based plan after what we just sent */
	session_tick(&tc->s, now, &next);
	ev_timer_start(tc->timer, next > now ? next - now : 1, 0);
}

static void on_timer(struct ev_timer *t, void *arg)
{
	(void)t;
	tick(arg);
}

/**
 * tunnel_client_new() - the laptop's end of the tunnel
 * @l:		event loop
 * @p:		keys, message size and limits
 * @h:		handlers; must outlive the tunnel
 * @user:	passed to the handlers
 *
 * Return: the tunnel, or NULL (logged) on failure
 */
struct tunnel_client *tunnel_client_new(struct ev_loop *l,
					const struct tunnel_client_params *p,
					const struct tunnel_client_handlers *h,
					void *user)
{
	struct tunnel_client *tc = calloc(1, sizeof(*tc));

	if (!tc)
		return NULL;
	tc->loop = l;
	tc->h = h;
	tc->user = user;
	memcpy(tc->server_key, p->server_key, NOISE_KEY_LEN);
	if (noise_static_init(&tc->me, p->private_key)) {
		log_error("tunnel: the private key is not usable");
		goto err;
	}
	session_init(&tc->s, p->limits, true, ev_now(l));
	tc->timer = ev_timer_new(l, on_timer, tc);
	if (!tc->timer || tunnel_out_init(&tc->out, p->max_message))
		goto err;
	return tc;
err:
	tunnel_client_free(tc);
	return NULL;
}

/**
 * tunnel_client_attach() - a connection towards the server is open
 * @tc:	tunnel
 * @c:	the connection; replaces any previous one
 *
 * Sends an initiation at once: a new session, or the resumption of the
 * one the server still holds.
 */
void tunnel_client_attach(struct tunnel_client *tc, struct tconn *c)
{
	tc->path = c;
	send_initiation(tc, ev_now(tc->loop));
	tick(tc);
}

/* The connection @c is gone; keep the session and wait for another */
void tunnel_client_detach(struct tunnel_client *tc, struct tconn *c)
{
	if (tc->path == c)
		tc->path = NULL;
}

static void handle_response(struct tunnel_client *tc, uint8_t *msg, size_t len,
			    uint64_t now)
{
	uint64_t rtt_us = mono_us() - tc->init_sent_us;
	struct noise_assignment as;
	struct noise_keypair kp;
	enum noise_err err;
	bool changed;

	err = noise_response_consume(&tc->hs, &tc->me, msg, len, &as, &kp);
	if (err) {
		tc->st.noise_drops[err]++;
		tc->st.drops[TUNNEL_DROP_HANDSHAKE]++;
		log_debug("tunnel: response dropped: %s", noise_err_name(err));
		return;
	}
	session_install(&tc->s, &kp, now);
	noise_keypair_clear(&kp);
	tc->st.handshakes++;
	changed = !tc->up || memcmp(&as, &tc->as, sizeof(as));
	tc->as = as;
	tc->up = true;
	if (changed && tc->h->up)
		tc->h->up(&as, tc->user);
	if (tc->h->handshake)
		tc->h->handshake(&as, rtt_us, tc->user);
	/* confirm the new keys to the server at once */
	tick(tc);
}

static void handle_data(struct tunnel_client *tc, uint8_t *msg, size_t len,
			uint64_t now)
{
	struct session_iter it;
	const uint8_t *pkt;
	size_t plen;

	if (session_open(&tc->s, msg, len, now, &it) != SESSION_OK)
		return; /* counted by the session */
	if (tc->h->heard)
		tc->h->heard(tc->user);
	while (session_iter_next(&it, &pkt, &plen))
		tc->h->packet(pkt, plen, tc->user);
}

/**
 * tunnel_client_receive() - a message from the server
 * @tc:		tunnel
 * @msg:	message bytes, decrypted in place
 * @len:	length
 */
void tunnel_client_receive(struct tunnel_client *tc, uint8_t *msg, size_t len)
{
	uint64_t now = ev_now(tc->loop);

	switch (wire_type(msg, len)) {
	case WIRE_RESPONSE:
		handle_response(tc, msg, len, now);
		break;
	case WIRE_DATA:
		handle_data(tc, msg, len, now);
		break;
	default:
		tc->st.drops[TUNNEL_DROP_BAD_TYPE]++;
		break;
	}
}

/**
 * tunnel_client_send() - batch an IP packet for the server
 * @tc:		tunnel
 * @pkt:	packet
 * @len:	length
 *
 * Return: 0; 1 if the transport is past its bound (stop reading the
 * source until it drains); -1 if the packet was dropped (counted).
 */
int tunnel_client_send(struct tunnel_client *tc, const uint8_t *pkt, size_t len)
{
	return tunnel_out_add(&tc->out, &tc->s, tc->path, pkt, len,
			      ev_now(tc->loop), &tc->st);
}

/* Send what is batched; Return: as tunnel_client_send() */
int tunnel_client_flush(struct tunnel_client *tc)
{
	return tunnel_out_flush(&tc->out, &tc->s, tc->path, ev_now(tc->loop),
				&tc->st, false);
}

bool tunnel_client_up(const struct tunnel_client *tc)
{
	return tc->up && tc->s.cur.valid;
}

const struct session_stats *
tunnel_client_session_stats(const struct tunnel_client *tc)
{
	return &tc->s.stats;
}

const struct tunnel_stats *tunnel_client_stats(const struct tunnel_client *tc)
{
	return &tc->st;
}

void tunnel_client_free(struct tunnel_client *tc)
{
	if (!tc)
		return;
	ev_timer_free(tc->timer);
	tunnel_out_free(&tc->out);
	session_clear(&tc->s);
	noise_handshake_clear(&tc->hs);
	noise_static_clear(&tc->me);
	free(tc);
}
