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
 * both ends do), and after dead_after of silence reports a dead path and
 * handshakes again until the server answers (a restarted server lost the
 * session: over UDP nothing else would tell).
 *
 * While there is no path or no keys, packets are held in a bounded queue
 * instead of dropped: hold_bytes at most, none older than hold_ms (a
 * retransmission or a DNS query from long ago only gets in the way). They
 * go out, in order and ahead of anything newer, as soon as a path and keys
 * are there again: on attach under the current keys, with a keepalive if
 * nothing was held, so the server re-binds the session to the new path at
 * once even if the initiation is lost (a relay drops it when its link to
 * the server is not up yet, and nothing retries it while the keys are
 * good); without keys, when the handshake's response arrives.
 *
 * Past hold_ms of not being able to send, the outage is no longer a blip:
 * packets are refused at once (TUNNEL_UNREACHABLE) for the caller to
 * answer with ICMP host unreachable. A TCP sender takes that as the sign of
 * a connectivity disruption and undoes its retransmission backoff (RFC
 * 6069), so it keeps retrying at its usual timeout and carries on as soon
 * as the path is back rather than tens of seconds later.
 *
 * A TCP packet of many segments (read from an offloading TUN) goes whole,
 * as one GSO entry, when the server takes them (NOISE_AS_GSO in its
 * assignment) and one message on the path holds it (WebSocket); else it
 * is split here (pkt_tcp_segment()) and its segments go as any packet.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <time.h>

#include "log.h"
#include "pkt.h"
#include "pktq.h"
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
	struct pktq hold;
	uint64_t hold_ms;
	uint64_t unready_since; /* first packet that could not go; 0: none */
	struct tunnel_stats st;
	uint64_t init_sent_us; /* the last initiation, for the round trip */
	uint8_t seg[SESSION_PACKET_MAX]; /* one segment of a split packet */
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
	tc->hold_ms = p->hold_ms ? p->hold_ms : TUNNEL_HOLD_MS;
	tc->timer = ev_timer_new(l, on_timer, tc);
	if (!tc->timer || tunnel_out_init(&tc->out, p->max_message) ||
	    pktq_init(&tc->hold,
		      p->hold_bytes ? p->hold_bytes : TUNNEL_HOLD_BYTES))
		goto err;
	return tc;
err:
	tunnel_client_free(tc);
	return NULL;
}

/* Packets can go out: a path and keys */
static bool ready(const struct tunnel_client *tc)
{
	return tc->path && tc->s.cur.valid;
}

/* Drop held packets older than hold_ms, counted */
static void hold_expire(struct tunnel_client *tc, uint64_t now)
{
	const uint8_t *pkt;
	uint64_t when;
	size_t len;

	while (pktq_peek(&tc->hold, &pkt, &len, &when) &&
	       now - when > tc->hold_ms) {
		pktq_pop(&tc->hold);
		tc->st.drops[TUNNEL_DROP_HOLD_AGED]++;
	}
}

static int hold(struct tunnel_client *tc, const uint8_t *pkt, size_t len,
		uint64_t now)
{
	hold_expire(tc, now);
	if (pktq_push(&tc->hold, pkt, len, now)) {
		tc->st.drops[TUNNEL_DROP_HOLD_FULL]++;
		return -1;
	}
	tc->st.held++;
	return 0;
}

/* Send what was held, oldest first, through the usual batching; with
 * @keepalive, an empty message if nothing was */
static void release(struct tunnel_client *tc, uint64_t now, bool keepalive)
{
	const uint8_t *pkt;
	uint64_t when;
	size_t len, n = 0;

	hold_expire(tc, now);
	while (pktq_peek(&tc->hold, &pkt, &len, &when)) {
		tunnel_out_add(&tc->out, &tc->s, tc->path, pkt, len, now,
			       &tc->st);
		pktq_pop(&tc->hold);
		n++;
	}
	tunnel_out_flush(&tc->out, &tc->s, tc->path, now, &tc->st, keepalive);
	if (!n)
		return;
	tc->st.released += n;
	log_info("tunnel: sent %zu packet%s held while reconnecting", n,
		 n == 1 ? "" : "s");
}

/**
 * tunnel_client_attach() - a connection towards the server is open
 * @tc:	tunnel
 * @c:	the connection; replaces any previous one
 *
 * Sends an initiation at once: a new session, or the resumption of the
 * one the server still holds. With keys, sends what was held (or a
 * keepalive) at once too: see the top of this file.
 */
void tunnel_client_attach(struct tunnel_client *tc, struct tconn *c)
{
	uint64_t now = ev_now(tc->loop);

	tc->path = c;
	/* data first: it also confirms keys the server has not used yet,
	 * which the initiation's new ones would otherwise replace */
	if (ready(tc))
		release(tc, now, true);
	send_initiation(tc, now);
	tick(tc);
}

/* The connection @c is gone; keep the session, hold packets, wait */
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
	release(tc, now, false);
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
 * Without a path or usable keys the packet is held (see the top of this
 * file) and sent when the session is usable again, or, once that has
 * lasted hold_ms, refused.
 *
 * Return: 0; 1 if the transport is past its bound (stop reading the
 * source until it drains); -1 if the packet was dropped (counted);
 * TUNNEL_UNREACHABLE if it was refused (counted): answer it with ICMP.
 */
int tunnel_client_send(struct tunnel_client *tc, const uint8_t *pkt, size_t len)
{
	uint64_t now = ev_now(tc->loop);

	if (!ready(tc)) {
		if (!tc->unready_since)
			tc->unready_since = now;
		if (now - tc->unready_since <= tc->hold_ms)
			return hold(tc, pkt, len, now);
		tc->st.drops[TUNNEL_DROP_NO_PATH]++;
		return TUNNEL_UNREACHABLE;
	}
	tc->unready_since = 0;
	return tunnel_out_add(&tc->out, &tc->s, tc->path, pkt, len, now,
			      &tc->st);
}

/* What the segments of a split GSO packet came to */
struct split {
	struct tunnel_client *tc;
	int ret;
};

static void send_segment(uint8_t *pkt, size_t len, void *arg)
{
	struct split *sp = arg;
	int r = tunnel_client_send(sp->tc, pkt, len);

	/* pausing the source matters most, then the ICMP answer */
	if (r == 1 || (r == TUNNEL_UNREACHABLE && sp->ret != 1))
		sp->ret = r;
}

/**
 * tunnel_client_send_gso() - batch a TCP packet of many segments
 * @tc:		tunnel
 * @pkt:	packet; its checksum need not be complete (it is computed
 *		in each segment, here or by the server)
 * @len:	length
 * @gso:	TCP payload bytes per segment; 0: a plain packet
 *
 * Return: as tunnel_client_send()
 */
int tunnel_client_send_gso(struct tunnel_client *tc, uint8_t *pkt, size_t len,
			   size_t gso)
{
	struct split sp = {.tc = tc};
	struct pkt p;

	if (!gso)
		return tunnel_client_send(tc, pkt, len);
	if (ready(tc) && (tc->as.flags & NOISE_AS_GSO) &&
	    gso >= SESSION_GSO_MIN &&
	    len <= tunnel_out_max_gso(&tc->out, tc->path)) {
		tc->unready_since = 0;
		tc->st.gso_sent++;
		return tunnel_out_add_gso(&tc->out, &tc->s, tc->path, pkt, len,
					  gso, ev_now(tc->loop), &tc->st);
	}
	if (pkt_parse(&p, pkt, len) != PKT_OK) {
		tc->st.drops[TUNNEL_DROP_GSO]++;
		return -1;
	}
	tc->st.gso_split++;
	if (pkt_tcp_one_segment(&p, gso))
		return tunnel_client_send(tc, pkt, p.len);
	if (pkt_tcp_segment(&p, gso, tc->seg, sizeof(tc->seg), send_segment,
			    &sp) < 0) {
		tc->st.drops[TUNNEL_DROP_GSO]++;
		return -1;
	}
	return sp.ret;
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
	pktq_free(&tc->hold);
	session_clear(&tc->s);
	noise_handshake_clear(&tc->hs);
	noise_static_clear(&tc->me);
	free(tc);
}
