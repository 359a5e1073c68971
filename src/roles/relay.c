/* SPDX-License-Identifier: MIT */
/* relay.c - the relay role: what the phone's page does, as a binary
 *
 * Two WebSocket connections, one to the client (laptop) and one to the
 * server, and every message from one is sent unchanged on the other. The
 * messages are ciphertext; the relay never parses them. Each side
 * reconnects on its own with exponential backoff and jitter. ws:// sides
 * are dialled with tether's own WebSocket client (ws_client.c: lws parses
 * what a client receives a byte at a time), wss:// sides with lws.
 *
 * Back-pressure instead of loss: when a side's send queue passes its bound,
 * the relay stops reading the other side until the queue drains, so TCP
 * flow control reaches the sender. A side that is up while the other is
 * not (dialling, or reconnecting) is not read either: the client's first
 * handshake would otherwise be lost when the laptop answers before the
 * server, and it is retried only 5 s later.
 *
 * For tests the path can be impaired (relay.impair): each direction then
 * goes through a FIFO whose head is released when its delay has passed and
 * the rate limiter has tokens for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ev.h"
#include "log.h"
#include "pemfile.h"
#include "roles.h"
#include "transport.h"

#define MAX_MESSAGE    (256 * 1024)
#define QUEUE_BYTES    (1 << 20)
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 30000
#define FIFO_MAX_BYTES (8 << 20)

/* One message held by the impairment FIFO */
struct held {
	struct held *next;
	uint64_t due;
	size_t len;
	uint8_t data[];
};

struct relay;

struct side {
	struct relay *r;
	const char *name;
	const struct conf_url *url;
	struct tconn *c; /* NULL while down */
	bool up;
	bool paused; /* we stopped reading it */
	uint64_t backoff_ms;
	struct ev_timer *retry;
	/* messages travelling *towards* this side, when impaired */
	struct held *head, *tail;
	size_t held_bytes;
	uint64_t relayed, dropped;
};

struct relay {
	const struct conf_relay *cf;
	struct ev_loop *loop;
	/* for the ws:// and the wss:// sides, if any */
	struct transport *ws, *wss;
	struct side side[2];	  /* [0] client, [1] server */
	struct ev_timer *release; /* impairment FIFO */
	struct ev_timer *dropper; /* impair.drop_every_s */
	double tokens;		  /* rate limit, in bytes */
	uint64_t tokens_at;
	bool impaired;
	bool stopping;
};

static struct side *other(struct relay *r, struct side *s)
{
	return s == &r->side[0] ? &r->side[1] : &r->side[0];
}

/* Next backoff: double up to the cap, with ±25 % jitter */
static uint64_t next_backoff(struct side *s)
{
	uint64_t b = s->backoff_ms, j = b / 4;

	s->backoff_ms = b * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b * 2;
	return b - j + randombytes_uniform((uint32_t)(2 * j + 1));
}

static void dial(struct relay *r, struct side *s)
{
	s->c = transport_connect(s->url->scheme == URL_WSS ? r->wss : r->ws,
				 s->url, NULL, s);
	if (!s->c)
		ev_timer_start(s->retry, next_backoff(s), 0);
}

static void on_retry(struct ev_timer *tm, void *arg)
{
	struct side *s = arg;

	(void)tm;
	dial(s->r, s);
}

/* Send @msg on @to; pause @from when @to's queue is past its bound */
static void forward(struct side *from, struct side *to, const uint8_t *msg,
		    size_t len)
{
	int ret;

	if (!to->up) {
		to->dropped++;
		return;
	}
	ret = tconn_send(to->c, msg, len);
	if (ret < 0) {
		to->dropped++;
		return;
	}
	to->relayed++;
	if (ret == 1 && from->up && !from->paused) {
		from->paused = true;
		tconn_pause(from->c, true);
	}
}

static void refill(struct relay *r, uint64_t now)
{
	double rate = (double)r->cf->rate_kbit * 1000 / 8 / 1000; /* B/ms */
	double burst = rate * 50 + MAX_MESSAGE;

	r->tokens += (double)(now - r->tokens_at) * rate;
	if (r->tokens > burst)
		r->tokens = burst;
	r->tokens_at = now;
}

/* Release what the impairments allow; rearm for the next head */
static void release_held(struct relay *r)
{
	uint64_t now = ev_now(r->loop), wake = UINT64_MAX;

	if (r->cf->rate_kbit)
		refill(r, now);
	for (int i = 0; i < 2; i++) {
		struct side *to = &r->side[i], *from = other(r, to);
		struct held *h;

		while ((h = to->head) && h->due <= now) {
			if (r->cf->rate_kbit && r->tokens < (double)h->len) {
				double rate = (double)r->cf->rate_kbit / 8;
				uint64_t need = (uint64_t)(((double)h->len -
							    r->tokens) /
							   rate) +
						1;

				if (now + need < wake)
					wake = now + need;
				break;
			}
			if (r->cf->rate_kbit)
				r->tokens -= (double)h->len;
			to->head = h->next;
			if (!to->head)
				to->tail = NULL;
			to->held_bytes -= h->len;
			forward(from, to, h->data, h->len);
			free(h);
		}
		if (h && h->due > now && h->due < wake)
			wake = h->due;
		if (from->paused && to->held_bytes < FIFO_MAX_BYTES / 2 &&
		    from->up && to->up) {
			from->paused = false;
			tconn_pause(from->c, false);
		}
	}
	if (wake != UINT64_MAX)
		ev_timer_start(r->release, wake - now, 0);
}

static void on_release(struct ev_timer *tm, void *arg)
{
	(void)tm;
	release_held(arg);
}

static void hold(struct relay *r, struct side *from, struct side *to,
		 const uint8_t *msg, size_t len)
{
	struct held *h;

	if (to->held_bytes + len > FIFO_MAX_BYTES) {
		to->dropped++;
		return;
	}
	h = malloc(sizeof(*h) + len);
	if (!h) {
		to->dropped++;
		return;
	}
	h->next = NULL;
	h->due = ev_now(r->loop) + (uint64_t)r->cf->delay_ms;
	h->len = len;
	memcpy(h->data, msg, len);
	if (to->tail)
		to->tail->next = h;
	else
		to->head = h;
	to->tail = h;
	to->held_bytes += len;
	if (to->held_bytes > FIFO_MAX_BYTES / 2 && !from->paused) {
		from->paused = true;
		tconn_pause(from->c, true);
	}
	release_held(r);
}

/* Read @s only while the other side can take what it sends */
static void wait_for_other(struct side *s, bool wait)
{
	if (s->up && s->paused != wait) {
		s->paused = wait;
		tconn_pause(s->c, wait);
	}
}

static void on_open(struct tconn *c, void *user)
{
	struct relay *r = user;
	struct side *s = tconn_data(c), *o = other(r, s);

	s->up = true;
	s->backoff_ms = BACKOFF_MIN_MS;
	log_info("relay: %s link up (%s)", s->name, tconn_name(c));
	wait_for_other(s, !o->up);
	wait_for_other(o, false);
}

static void on_message(struct tconn *c, uint8_t *msg, size_t len, void *user)
{
	struct relay *r = user;
	struct side *from = tconn_data(c), *to = other(r, from);

	if (r->impaired)
		hold(r, from, to, msg, len);
	else
		forward(from, to, msg, len);
}

static void on_closed(struct tconn *c, const char *why, void *user)
{
	struct relay *r = user;
	struct side *s = tconn_data(c);
	struct side *o = other(r, s);
	uint64_t wait;

	s->c = NULL;
	s->up = false;
	s->paused = false;
	wait_for_other(o, true);
	if (r->stopping)
		return;
	wait = next_backoff(s);
	log_info("relay: %s link down (%s); retrying in %.1f s", s->name, why,
		 (double)wait / 1000);
	ev_timer_start(s->retry, wait, 0);
}

static void on_drained(struct tconn *c, void *user)
{
	struct relay *r = user;
	struct side *to = tconn_data(c), *from = other(r, to);

	if (from->paused && from->up && !to->held_bytes) {
		from->paused = false;
		tconn_pause(from->c, false);
	}
}

static void on_drop_timer(struct ev_timer *tm, void *arg)
{
	struct relay *r = arg;

	(void)tm;
	log_info("relay: dropping both links (impair.drop_every_s)");
	for (int i = 0; i < 2; i++)
		if (r->side[i].c)
			tconn_close(r->side[i].c);
}

static const struct transport_handlers handlers = {
	.open = on_open,
	.message = on_message,
	.closed = on_closed,
	.drained = on_drained,
};

static void free_held(struct side *s)
{
	while (s->head) {
		struct held *h = s->head;

		s->head = h->next;
		free(h);
	}
}

/**
 * relay_run() - the relay role's main loop
 * @c:	relay config
 *
 * Return: 0 after SIGINT or SIGTERM, 1 if it could not start
 */
int relay_run(const struct conf *c)
{
	struct transport_params tp = {
		.kind = TRANSPORT_WS_CLIENT,
		.max_message = MAX_MESSAGE,
		.queue_bytes = QUEUE_BYTES,
		.handshake_timeout_s = 10,
		.ping_interval_s = 10,
		.tls_ca = c->relay.tls_ca,
	};
	struct relay r = {.cf = &c->relay};
	int ret = 1;

	if (c->relay.tls_ca &&
	    pemfile_check("relay: tls.ca", c->relay.tls_ca, PEM_CERTIFICATE))
		return 1;

	r.side[0] = (struct side){
		.r = &r, .name = "client", .url = &c->relay.client_url};
	r.side[1] = (struct side){
		.r = &r, .name = "server", .url = &c->relay.server_url};
	r.impaired = c->relay.delay_ms || c->relay.rate_kbit;
	r.loop = ev_loop_new();
	if (!r.loop)
		return 1;
	for (int i = 0; i < 2; i++) {
		bool tls = r.side[i].url->scheme == URL_WSS;
		struct transport **t = tls ? &r.wss : &r.ws;

		tp.kind = tls ? TRANSPORT_WEBSOCKET : TRANSPORT_WS_CLIENT;
		if (!*t && !(*t = transport_new(r.loop, &tp, &handlers, &r)))
			goto out;
	}
	r.release = ev_timer_new(r.loop, on_release, &r);
	r.dropper = ev_timer_new(r.loop, on_drop_timer, &r);
	if (!r.release || !r.dropper ||
	    ev_stop_on_signals(r.loop, "relay"))
		goto out;
	for (int i = 0; i < 2; i++) {
		r.side[i].backoff_ms = BACKOFF_MIN_MS;
		r.side[i].retry = ev_timer_new(r.loop, on_retry, &r.side[i]);
		if (!r.side[i].retry)
			goto out;
	}
	if (c->relay.drop_every_s)
		ev_timer_start(r.dropper,
			       (uint64_t)c->relay.drop_every_s * 1000,
			       (uint64_t)c->relay.drop_every_s * 1000);
	r.tokens_at = ev_now(r.loop);
	log_info("relay: piping %s://%s:%u%s <-> %s://%s:%u%s",
		 conf_url_scheme(&c->relay.client_url),
		 c->relay.client_url.host, c->relay.client_url.port,
		 c->relay.client_url.path,
		 conf_url_scheme(&c->relay.server_url),
		 c->relay.server_url.host, c->relay.server_url.port,
		 c->relay.server_url.path);
	dial(&r, &r.side[0]);
	dial(&r, &r.side[1]);
	ev_loop_run(r.loop);
	ret = 0;
	for (int i = 0; i < 2; i++)
		log_info("relay: to %s: %llu messages relayed, %llu dropped",
			 r.side[i].name, (unsigned long long)r.side[i].relayed,
			 (unsigned long long)r.side[i].dropped);
out:
	r.stopping = true;
	transport_free(r.ws);
	transport_free(r.wss);
	for (int i = 0; i < 2; i++) {
		ev_timer_free(r.side[i].retry);
		free_held(&r.side[i]);
	}
	ev_timer_free(r.release);
	ev_timer_free(r.dropper);
	ev_loop_free(r.loop);
	return ret;
}
