/* SPDX-License-Identifier: MIT */
/* ws_client.c - a dial-only WebSocket transport for ws:// on libuv TCP
 *
 * libwebsockets 4.1 parses what a client connection receives one byte at a
 * time (lws_ws_client_rx_sm), which made it most of the relay's CPU. This
 * transport reads into one buffer that holds at least a whole frame of the
 * largest message, parses whole frames there (ws_frame.c) and hands a
 * message in one frame to the role without a copy. Sending masks each
 * message into its own buffer with a fresh random key, and what queues up
 * while a write is under way goes out in one writev. wss:// stays with the
 * lws transport (websocket.c).
 *
 * A connection: resolve, connect, upgrade (ws_handshake.c) within
 * handshake_timeout_s, then open. It pings after ping_interval_s without
 * anything received and gives up after three intervals (time spent paused
 * does not count). It ends with a close frame from either side (ours is
 * followed by a wait for the peer's EOF, at most CLOSE_WAIT_MS), a protocol
 * error (answered with its close code), EOF or a socket error. Its three
 * libuv handles are then closed, and closed() is reported once they all
 * have gone: always from the loop, never from inside a call.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev_uv.h"
#include "log.h"
#include "transport_impl.h"
#include "ws_frame.h"
#include "ws_handshake.h"

#define MAX_FRAGS     256
#define READ_CHUNK    65536 /* a read gets at least this much room */
#define WRITE_BATCH   64    /* frames per writev */
#define CLOSE_WAIT_MS 2000
#define DESTROY_TURNS 1000
#define REQUEST_MAX   1024
#define MASK_POOL     4096 /* random bytes drawn at once for masking keys */
#define CONTROL_MAX   65536 /* pongs beyond this many bytes queued: skipped */

/* One queued frame: header and masked payload, ready to write */
struct wc_frame {
	struct wc_frame *next;
	size_t len;	/* bytes to write */
	size_t payload; /* a message's length; 0 for other frames */
	uint8_t buf[];
};

enum wc_state { WC_DIALLING, WC_UPGRADING, WC_OPEN };

struct wc_conn {
	struct tconn c; /* first: tconn_* see this */
	struct wc_transport *wt;
	enum wc_state state;
	uv_getaddrinfo_t gai;
	uv_connect_t creq;
	uv_write_t wreq;
	uv_shutdown_t sreq;
	uv_tcp_t tcp;
	uv_timer_t timer; /* the handshake, then pings, then the close wait */
	uv_idle_t idle;	  /* resumed with frames already buffered */
	int handles;	  /* of those three, still open */
	bool resolving;	  /* the getaddrinfo request is out */
	bool ending;	  /* the handles are being closed */
	bool closing;	  /* our close frame is queued: read only for EOF */
	bool paused, reading, over, shut;
	unsigned writing; /* frames in the write under way */
	char key[WS_KEY_LEN + 1];
	char why[160];
	uint8_t *rbuf; /* received bytes [rstart, rend) not parsed yet */
	size_t rstart, rend, rcap;
	struct ws_rx rx;
	struct wc_frame *qhead, *qtail;
	size_t qbytes;	  /* message bytes queued */
	size_t cbytes;	  /* bytes of other frames queued */
	uint64_t last_rx; /* loop time of the last read, or of the pause */
};

struct wc_transport {
	struct transport t; /* first */
	struct ev_loop *ev;
	uv_loop_t *loop;
	struct transport_params p;
	uint8_t pool[MASK_POOL]; /* random bytes, used from pool_used on */
	size_t pool_used;
};

static void flush(struct wc_conn *wc);

static void conn_free(struct wc_conn *wc)
{
	transport_unlink(&wc->c);
	while (wc->qhead) {
		struct wc_frame *f = wc->qhead;

		wc->qhead = f->next;
		free(f);
	}
	ws_rx_free(&wc->rx);
	free(wc->rbuf);
	free(wc);
}

/* Report the end and free, once nothing of libuv's refers to @wc */
static void maybe_free(struct wc_conn *wc)
{
	struct wc_transport *wt = wc->wt;

	if (wc->handles || wc->resolving)
		return;
	if (wt->t.h->closed)
		wt->t.h->closed(&wc->c, wc->why, wt->t.user);
	conn_free(wc);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct wc_conn *wc = h->data;

	wc->handles--;
	maybe_free(wc);
}

/* The connection is over: close its handles; closed() follows. A reason
 * given earlier (by close_with()) is kept. */
static void end(struct wc_conn *wc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void end(struct wc_conn *wc, const char *fmt, ...)
{
	va_list ap;

	if (wc->ending)
		return;
	wc->ending = true;
	if (!wc->closing) {
		va_start(ap, fmt);
		vsnprintf(wc->why, sizeof(wc->why), fmt, ap);
		va_end(ap);
	}
	if (wc->resolving)
		uv_cancel((uv_req_t *)&wc->gai); /* else it finishes later */
	uv_close((uv_handle_t *)&wc->tcp, on_handle_closed);
	uv_close((uv_handle_t *)&wc->timer, on_handle_closed);
	uv_close((uv_handle_t *)&wc->idle, on_handle_closed);
}

/* A fresh masking key (RFC 6455 5.3), from a pool of random bytes: one
 * getrandom() per 1024 frames instead of one per frame */
static const uint8_t *mask_key(struct wc_transport *wt)
{
	const uint8_t *k;

	if (wt->pool_used + 4 > sizeof(wt->pool)) {
		randombytes_buf(wt->pool, sizeof(wt->pool));
		wt->pool_used = 0;
	}
	k = wt->pool + wt->pool_used;
	wt->pool_used += 4;
	return k;
}

/* A frame with a fresh masking key; counted against the queue's bound
 * when it carries a message */
static struct wc_frame *frame_new(struct wc_transport *wt, enum ws_opcode op,
				  const uint8_t *data, size_t len)
{
	struct wc_frame *f = malloc(sizeof(*f) + WS_HEADER_MAX + len);
	const uint8_t *mask;
	size_t h;

	if (!f)
		return NULL;
	mask = mask_key(wt);
	h = ws_frame_header(f->buf, op, len, mask);
	ws_mask(f->buf + h, data, len, mask);
	f->next = NULL;
	f->len = h + len;
	f->payload = op == WS_OP_BINARY ? len : 0;
	return f;
}

static void enqueue(struct wc_conn *wc, struct wc_frame *f)
{
	if (wc->qtail)
		wc->qtail->next = f;
	else
		wc->qhead = f;
	wc->qtail = f;
	wc->qbytes += f->payload;
	wc->cbytes += f->payload ? 0 : f->len;
	flush(wc);
}

/* Queue a control frame; false if out of memory */
static bool control(struct wc_conn *wc, enum ws_opcode op, const uint8_t *data,
		    size_t len)
{
	struct wc_frame *f = frame_new(wc->wt, op, data, len);

	if (!f)
		return false;
	enqueue(wc, f);
	return true;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

/* Read while upgrading, while open and not paused, and while closing */
static void update_reading(struct wc_conn *wc)
{
	bool want = !wc->ending && wc->state >= WC_UPGRADING &&
		    (wc->closing || wc->state == WC_UPGRADING || !wc->paused);

	if (want == wc->reading)
		return;
	wc->reading = want;
	if (want)
		uv_read_start((uv_stream_t *)&wc->tcp, on_alloc, on_read);
	else
		uv_read_stop((uv_stream_t *)&wc->tcp);
}

static void on_close_wait(uv_timer_t *t)
{
	end(t->data, "closed");
}

/* Send our close frame; then only the peer's EOF is awaited, a while */
static void close_with(struct wc_conn *wc, uint16_t code, const char *why)
{
	uint8_t p[2] = {(uint8_t)(code >> 8), (uint8_t)code};

	if (wc->closing || wc->ending)
		return;
	if (wc->state != WC_OPEN) {
		end(wc, "%s", why);
		return;
	}
	snprintf(wc->why, sizeof(wc->why), "%s", why);
	wc->closing = true;
	uv_idle_stop(&wc->idle);
	uv_timer_start(&wc->timer, on_close_wait, CLOSE_WAIT_MS, 0);
	if (!control(wc, WS_OP_CLOSE, p, code == WS_CLOSE_NO_STATUS ? 0 : 2))
		end(wc, "%s", why);
	update_reading(wc);
}

/* Our FIN is out; the peer's EOF (or the close wait) ends it */
static void on_shutdown(uv_shutdown_t *req, int status)
{
	(void)req;
	(void)status;
}

static void on_write(uv_write_t *req, int status)
{
	struct wc_conn *wc = req->data;
	struct wc_transport *wt = wc->wt;
	size_t bound = wt->p.queue_bytes;

	if (status == UV_ECANCELED || wc->ending)
		return; /* the queue goes with the connection */
	for (; wc->writing; wc->writing--) {
		struct wc_frame *f = wc->qhead;

		wc->qhead = f->next;
		if (!wc->qhead)
			wc->qtail = NULL;
		if (f->payload) {
			wt->t.counters.msgs_out++;
			wt->t.counters.bytes_out += f->payload;
			wc->qbytes -= f->payload;
		} else {
			wc->cbytes -= f->len;
		}
		free(f);
	}
	if (status < 0) {
		end(wc, "write failed: %s", uv_strerror(status));
		return;
	}
	if (wc->over && wc->qbytes <= bound / 2 && !wc->closing) {
		wc->over = false;
		if (wt->t.h->drained)
			wt->t.h->drained(&wc->c, wt->t.user);
	}
	flush(wc);
	if (wc->closing && !wc->qhead && !wc->ending && !wc->shut &&
	    !uv_shutdown(&wc->sreq, (uv_stream_t *)&wc->tcp, on_shutdown))
		wc->shut = true;
}

/* Write what is queued, WRITE_BATCH frames at a time, one write at once */
static void flush(struct wc_conn *wc)
{
	uv_buf_t bufs[WRITE_BATCH];
	unsigned n = 0;
	int err;

	if (wc->writing || wc->ending || wc->state == WC_DIALLING)
		return;
	for (struct wc_frame *f = wc->qhead; f && n < WRITE_BATCH;
	     f = f->next, n++)
		bufs[n] = uv_buf_init((char *)f->buf, (unsigned)f->len);
	if (!n)
		return;
	err = uv_write(&wc->wreq, (uv_stream_t *)&wc->tcp, bufs, n, on_write);
	if (err) {
		end(wc, "write failed: %s", uv_strerror(err));
		return;
	}
	wc->writing = n;
}

/* Room for the next read: at least READ_CHUNK after what is buffered,
 * which is at most one partial frame (moved to the front when needed) */
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct wc_conn *wc = h->data;

	(void)hint;
	if (wc->rstart == wc->rend) {
		wc->rstart = wc->rend = 0;
	} else if (wc->rcap - wc->rend < READ_CHUNK) {
		memmove(wc->rbuf, wc->rbuf + wc->rstart, wc->rend - wc->rstart);
		wc->rend -= wc->rstart;
		wc->rstart = 0;
	}
	*buf = uv_buf_init((char *)wc->rbuf + wc->rend,
			   (unsigned)(wc->rcap - wc->rend));
}

static void deliver(struct wc_conn *wc, uint8_t *msg, size_t len)
{
	struct wc_transport *wt = wc->wt;

	wt->t.counters.msgs_in++;
	wt->t.counters.bytes_in += len;
	wt->t.h->message(&wc->c, msg, len, wt->t.user);
}

/* What one frame amounted to */
static void on_event(struct wc_conn *wc, const struct ws_event *ev)
{
	char why[64];

	switch (ev->kind) {
	case WS_EV_MESSAGE:
		deliver(wc, ev->data, ev->len);
		break;
	case WS_EV_PING:
		/* a peer that pings but does not read gets no more pongs
		 * than CONTROL_MAX bytes of them (RFC 6455 5.5.3 allows
		 * answering only the latest ping) */
		if (wc->cbytes < CONTROL_MAX &&
		    !control(wc, WS_OP_PONG, ev->data, ev->len))
			end(wc, "out of memory");
		break;
	case WS_EV_CLOSE:
		snprintf(why, sizeof(why), "closed by the peer (%u)", ev->code);
		close_with(wc, ev->code, why);
		break;
	default:
		break;
	}
}

/* A frame the server should not have sent: close with its code */
static void refuse(struct wc_conn *wc, long code)
{
	struct wc_transport *wt = wc->wt;
	const char *why = "protocol error";

	if (code == WS_CLOSE_TOO_BIG) {
		wt->t.counters.drop_too_big++;
		why = "message too big or too fragmented";
	} else if (code == WS_CLOSE_UNSUPPORTED) {
		why = "text message (the tunnel is binary)";
	}
	log_debug("websocket: %s: %s", wc->c.name, why);
	close_with(wc, (uint16_t)code, why);
}

/* Parse and hand over the frames buffered, while the role reads */
static void process(struct wc_conn *wc)
{
	while (wc->state == WC_OPEN && !wc->paused && !wc->closing &&
	       !wc->ending) {
		struct ws_event ev;
		long n = ws_rx_next(&wc->rx, wc->rbuf + wc->rstart,
				    wc->rend - wc->rstart, &ev);

		if (!n)
			return;
		if (n < 0) {
			refuse(wc, -n);
			return;
		}
		wc->rstart += (size_t)n;
		on_event(wc, &ev);
	}
}

static void on_ping_timer(uv_timer_t *t);

/* The upgrade's answer, once its head is complete */
static void upgrade(struct wc_conn *wc)
{
	struct wc_transport *wt = wc->wt;
	const char *why = NULL;
	uint64_t ping = (uint64_t)wt->p.ping_interval_s * 1000;
	long n = ws_handshake_response((const char *)wc->rbuf, wc->rend,
				       wc->key, &why);

	if (!n)
		return;
	if (n < 0) {
		end(wc, "upgrade refused: %s", why);
		return;
	}
	wc->rstart = (size_t)n;
	wc->state = WC_OPEN;
	wc->last_rx = uv_now(wt->loop);
	uv_timer_stop(&wc->timer);
	if (ping)
		uv_timer_start(&wc->timer, on_ping_timer, ping, ping);
	wt->t.counters.conns++;
	if (wt->t.h->open)
		wt->t.h->open(&wc->c, wt->t.user);
	update_reading(wc);
	process(wc);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct wc_conn *wc = s->data;

	(void)buf;
	if (n == UV_EOF) {
		end(wc, "closed");
		return;
	}
	if (n < 0) {
		end(wc, "read failed: %s", uv_strerror((int)n));
		return;
	}
	wc->rend += (size_t)n;
	wc->last_rx = uv_now(wc->wt->loop);
	if (wc->closing)
		wc->rstart = wc->rend; /* only the EOF matters now */
	else if (wc->state == WC_UPGRADING)
		upgrade(wc);
	else
		process(wc);
}

/* Resumed with frames already buffered: hand them over from the loop */
static void on_idle(uv_idle_t *i)
{
	struct wc_conn *wc = i->data;

	uv_idle_stop(i);
	process(wc);
}

static void on_ping_timer(uv_timer_t *t)
{
	struct wc_conn *wc = t->data;
	uint64_t now = uv_now(wc->wt->loop);
	uint64_t iv = (uint64_t)wc->wt->p.ping_interval_s * 1000;

	if (wc->paused || wc->closing) {
		wc->last_rx = now; /* not reading: silence proves nothing */
		return;
	}
	if (now - wc->last_rx >= 3 * iv)
		end(wc, "no answer to pings");
	else if (now - wc->last_rx >= iv && !control(wc, WS_OP_PING, NULL, 0))
		end(wc, "out of memory");
}

static void on_handshake_timeout(uv_timer_t *t)
{
	struct wc_conn *wc = t->data;

	end(wc, wc->state == WC_DIALLING ? "connect failed: timed out"
					 : "upgrade timed out");
}

static void on_connect(uv_connect_t *req, int status)
{
	struct wc_conn *wc = req->data;

	if (status == UV_ECANCELED)
		return;
	if (status < 0) {
		end(wc, "connect failed: %s", uv_strerror(status));
		return;
	}
	uv_tcp_nodelay(&wc->tcp, 1);
	wc->state = WC_UPGRADING;
	update_reading(wc);
	flush(wc); /* the upgrade request */
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct wc_conn *wc = req->data;
	struct sockaddr_storage ss;
	int err;

	wc->resolving = false;
	if (wc->ending) {
		uv_freeaddrinfo(res);
		maybe_free(wc);
		return;
	}
	if (status < 0) {
		end(wc, "connect failed: cannot resolve: %s",
		    uv_strerror(status));
		return;
	}
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, res->ai_addr, res->ai_addrlen);
	endpoint_from_sockaddr(&ss, &wc->c.peer);
	err = uv_tcp_connect(&wc->creq, &wc->tcp, res->ai_addr, on_connect);
	uv_freeaddrinfo(res);
	if (err)
		end(wc, "connect failed: %s", uv_strerror(err));
}

/* The upgrade request, queued as the first thing to write */
static int queue_request(struct wc_conn *wc, const struct conf_url *url,
			 const char *origin)
{
	char host[300], req[REQUEST_MAX];
	struct wc_frame *f;
	int n;

	if (strchr(url->host, ':'))
		snprintf(host, sizeof(host), "[%s]:%u", url->host, url->port);
	else
		snprintf(host, sizeof(host), "%s:%u", url->host, url->port);
	ws_handshake_key(wc->key);
	n = ws_handshake_request(req, sizeof(req), host, url->path, origin,
				 wc->key);
	if (n < 0)
		return -1;
	f = malloc(sizeof(*f) + (size_t)n);
	if (!f)
		return -1;
	memcpy(f->buf, req, (size_t)n);
	f->next = NULL;
	f->len = (size_t)n;
	f->payload = 0;
	enqueue(wc, f);
	return 0;
}

static struct wc_conn *conn_new(struct wc_transport *wt, void *data)
{
	struct wc_conn *wc = calloc(1, sizeof(*wc));
	size_t frame = wt->p.max_message + WS_HEADER_MAX;

	if (!wc)
		return NULL;
	/* two of the largest frames, so that a partial one is moved to
	 * the front at most once per frame's worth of reads */
	wc->rcap = 2 * frame + READ_CHUNK;
	if (wc->rcap < WS_RESPONSE_MAX + READ_CHUNK)
		wc->rcap = WS_RESPONSE_MAX + READ_CHUNK;
	wc->rbuf = malloc(wc->rcap);
	if (!wc->rbuf) {
		free(wc);
		return NULL;
	}
	ws_rx_init(&wc->rx, wt->p.max_message, MAX_FRAGS);
	wc->wt = wt;
	wc->c.t = &wt->t;
	wc->c.data = data;
	uv_tcp_init(wt->loop, &wc->tcp);
	uv_timer_init(wt->loop, &wc->timer);
	uv_idle_init(wt->loop, &wc->idle);
	wc->handles = 3;
	wc->tcp.data = wc->timer.data = wc->idle.data = wc;
	wc->gai.data = wc->creq.data = wc->wreq.data = wc;
	transport_link(&wc->c);
	return wc;
}

/* Start the name lookup. libuv's threadpool threads, created by the first
 * lookup, inherit the signal mask: with every signal blocked there, a
 * stop signal always reaches the loop's thread, which blocks the second
 * one of a pair (ev.c); a worker would otherwise take it, and kill the
 * process once the loop's handlers are gone. */
static int resolve(struct wc_conn *wc, const char *host, const char *port,
		   const struct addrinfo *hints)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = uv_getaddrinfo(wc->wt->loop, &wc->gai, on_resolved, host, port,
			     hints);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

static struct tconn *wc_connect(struct transport *t, const struct conf_url *url,
				const char *origin, void *data)
{
	struct wc_transport *wt = (struct wc_transport *)t;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	unsigned hs =
		wt->p.handshake_timeout_s ? wt->p.handshake_timeout_s : 10;
	struct wc_conn *wc;
	char port[8];
	int err;

	if (url->scheme != URL_WS) {
		log_warnx("websocket: %s://%s: this client dials ws:// only",
			  conf_url_scheme(url), url->host);
		return NULL;
	}
	wc = conn_new(wt, data);
	if (!wc)
		return NULL;
	snprintf(wc->c.name, sizeof(wc->c.name), "%.40s:%u", url->host,
		 url->port);
	uv_timer_start(&wc->timer, on_handshake_timeout, (uint64_t)hs * 1000,
		       0);
	if (queue_request(wc, url, origin)) {
		end(wc, "connect failed: bad URL or out of memory");
		return &wc->c;
	}
	snprintf(port, sizeof(port), "%u", url->port);
	err = resolve(wc, url->host, port, &hints);
	if (err)
		end(wc, "connect failed: cannot resolve: %s", uv_strerror(err));
	else
		wc->resolving = true;
	return &wc->c;
}

static int wc_send(struct tconn *c, const uint8_t *msg, size_t len)
{
	struct wc_conn *wc = (struct wc_conn *)c;
	struct wc_transport *wt = wc->wt;
	struct wc_frame *f;

	if (len > wt->p.max_message)
		return -EMSGSIZE;
	if (wc->state != WC_OPEN || wc->closing || wc->ending)
		return -ENOTCONN;
	if (wc->qbytes + len > 2 * wt->p.queue_bytes) {
		wt->t.counters.drop_queue_full++;
		return -ENOBUFS;
	}
	f = frame_new(wt, WS_OP_BINARY, msg, len);
	if (!f) {
		wt->t.counters.drop_queue_full++;
		return -ENOBUFS;
	}
	enqueue(wc, f);
	if (wc->qbytes > wt->p.queue_bytes) {
		wc->over = true;
		return 1;
	}
	return 0;
}

static void wc_pause(struct tconn *c, bool paused)
{
	struct wc_conn *wc = (struct wc_conn *)c;

	if (wc->paused == paused || wc->ending)
		return;
	wc->paused = paused;
	update_reading(wc);
	if (!paused && wc->state == WC_OPEN && wc->rend > wc->rstart)
		uv_idle_start(&wc->idle, on_idle);
}

static void wc_close(struct tconn *c)
{
	close_with((struct wc_conn *)c, WS_CLOSE_NORMAL, "closed");
}

static struct tconn *wc_keep(struct tconn *c)
{
	return c;
}

static size_t wc_mtu(const struct tconn *c)
{
	return ((const struct wc_transport *)c->t)->p.max_message;
}

static int wc_port(const struct transport *t)
{
	(void)t;
	return -1;
}

static struct transport *wc_create(struct ev_loop *l,
				   const struct transport_params *p)
{
	struct wc_transport *wt;

	if (p->listen) {
		log_error(
			"websocket: the ws:// client transport cannot listen");
		return NULL;
	}
	wt = calloc(1, sizeof(*wt));
	if (!wt)
		return NULL;
	wt->p = *p;
	wt->ev = l;
	wt->loop = ev_uv_loop(l);
	wt->pool_used = sizeof(wt->pool); /* drawn at the first frame */
	return &wt->t;
}

/* End every connection and turn the loop until their handles (and any
 * name lookup under way) are done; their closed() handlers run */
static void wc_destroy(struct transport *t)
{
	struct wc_transport *wt = (struct wc_transport *)t;

	for (struct tconn *c = wt->t.conns; c; c = c->next)
		end((struct wc_conn *)c, "transport closed");
	for (int i = 0; wt->t.conns && i < DESTROY_TURNS; i++)
		uv_run(wt->loop, UV_RUN_NOWAIT);
	for (int i = 0; wt->t.conns && i < DESTROY_TURNS; i++)
		uv_run(wt->loop, UV_RUN_ONCE);
	if (wt->t.conns)
		log_warnx("websocket: connections still resolving at exit");
	else
		free(wt);
}

const struct transport_ops transport_ws_client_ops = {
	.create = wc_create,
	.connect = wc_connect,
	.destroy = wc_destroy,
	.send = wc_send,
	.pause = wc_pause,
	.close = wc_close,
	.keep = wc_keep,
	.port = wc_port,
	.mtu = wc_mtu,
};
