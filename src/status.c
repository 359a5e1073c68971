/* SPDX-License-Identifier: MIT */
/* status.c - a local HTTP endpoint that answers GET /status with JSON
 *
 * A listening socket on the event loop; each accepted connection gets a
 * fixed buffer for its request head (max_request bytes), one io watcher
 * and one timer. It reads until the head is complete (http_req.c), sends
 * one answer, half-closes, and reads and discards what the client still
 * sends until it closes too (so the answer is not lost to a reset), then
 * closes. The timer bounds the whole exchange: a client that trickles its
 * request gets 408 when it fires, one that does not read its answer is
 * closed. Past max_conns, a new connection gets 503 at once and is
 * closed, so memory stays max_conns * (max_request + one answer) however
 * many connect. No call blocks: sockets are non-blocking, and accepts are
 * bounded per wakeup so a flood does not starve the tunnel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_req.h"
#include "log.h"
#include "status.h"

#define ACCEPTS_PER_WAKEUP 16
#define DRAIN_MAX	   (64 * 1024) /* discarded after the answer */
#define ACCEPT_PAUSE_MS	   1000	       /* out of descriptors: wait */

enum phase { READING, WRITING, DRAINING };

struct conn {
	struct status *st;
	struct conn *prev, *next;
	int fd;
	struct ev_io *io;
	struct ev_timer *timer;
	enum phase phase;
	size_t in_len;
	size_t drained;
	char *out;
	size_t out_len, out_off;
	char in[]; /* st->max_request bytes */
};

struct status {
	struct ev_loop *loop;
	int fd;
	struct ev_io *io;
	struct ev_timer *resume; /* accepting again after EMFILE */
	status_json_fn fn;
	void *arg;
	unsigned max_conns;
	size_t max_request;
	unsigned timeout_ms;
	unsigned nconns;
	struct conn *conns;
};

static const char *reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

/* Status line and headers of an answer with @len bytes of body */
static int head(char *buf, size_t size, int code, const char *type, size_t len)
{
	return snprintf(buf, size,
			"HTTP/1.1 %d %s\r\n"
			"Content-Type: %s\r\n"
			"Content-Length: %zu\r\n"
			"Cache-Control: no-store\r\n"
			"X-Content-Type-Options: nosniff\r\n"
			"%s"
			"Connection: close\r\n\r\n",
			code, reason(code), type, len,
			code == 405 ? "Allow: GET, HEAD\r\n" : "");
}

/*
 * An error answer straight to the socket, for a connection we will not
 * keep: best effort (whatever fits the socket buffer), then half-close and
 * discard what already arrived, so the close does not reset it.
 */
static void answer_now(int fd, int code)
{
	char buf[512], body[64];
	int blen = snprintf(body, sizeof(body), "%d %s\n", code, reason(code));
	int hlen = head(buf, sizeof(buf), code, "text/plain", (size_t)blen);

	memcpy(buf + hlen, body, (size_t)blen + 1);
	if (send(fd, buf, (size_t)(hlen + blen), MSG_NOSIGNAL | MSG_DONTWAIT) <
	    0)
		return;
	shutdown(fd, SHUT_WR);
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void conn_close(struct conn *c)
{
	struct status *st = c->st;

	if (c->prev)
		c->prev->next = c->next;
	else
		st->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	st->nconns--;
	ev_io_free(c->io);
	ev_timer_free(c->timer);
	close(c->fd);
	free(c->out);
	free(c);
}

/* Send what is left of the answer; once it is out, drain until EOF */
static void send_answer(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(c->io, EV_WRITE);
			return;
		}
		if (n < 0) {
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	shutdown(c->fd, SHUT_WR);
	c->phase = DRAINING;
	ev_io_start(c->io, EV_READ);
}

/* Queue the answer @code with @body (not sent for HEAD), and send it */
static void answer(struct conn *c, int code, const char *type, const char *body,
		   size_t len, bool head_only)
{
	char h[512];
	int hlen = head(h, sizeof(h), code, type, len);

	if (head_only)
		len = 0;
	c->out = malloc((size_t)hlen + len);
	if (!c->out) {
		conn_close(c);
		return;
	}
	memcpy(c->out, h, (size_t)hlen);
	if (len)
		memcpy(c->out + hlen, body, len);
	c->out_len = (size_t)hlen + len;
	c->out_off = 0;
	c->phase = WRITING;
	if (code != 200)
		log_debug("status: %d %s", code, reason(code));
	send_answer(c);
}

static void answer_error(struct conn *c, int code)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason(code));

	answer(c, code, "text/plain", body, (size_t)n, false);
}

/* The role's document, indented, with a final newline; 12 digits keep
 * milliseconds of a year's uptime and drop binary noise (0.41, not
 * 0.40999999999999998) */
static void answer_status(struct conn *c, bool head_only)
{
	json_t *doc = c->st->fn(c->st->arg);
	char *text =
		doc ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(12))
		    : NULL;
	size_t len;

	json_decref(doc);
	if (!text) {
		answer_error(c, 500);
		return;
	}
	len = strlen(text);
	text[len] = '\n'; /* over the NUL: json_dumps() left room for it */
	answer(c, 200, "application/json", text, len + 1, head_only);
	free(text);
}

static bool is_status_path(const struct http_req *r)
{
	return (r->path_len == 1) ||
	       (r->path_len == 7 && !memcmp(r->path, "/status", 7));
}

/* The head is complete: route it */
static void route(struct conn *c, size_t len)
{
	struct http_req r;

	if (http_req_parse(&r, c->in, len))
		answer_error(c, 400);
	else if (!r.host_local)
		answer_error(c, 403);
	else if (!is_status_path(&r))
		answer_error(c, 404);
	else if (r.method == HTTP_OTHER)
		answer_error(c, 405);
	else
		answer_status(c, r.method == HTTP_HEAD);
}

/* Read the head; answer once it is complete or too big */
static void read_request(struct conn *c)
{
	for (;;) {
		size_t room = c->st->max_request - c->in_len, end;
		ssize_t n;

		if (!room) {
			answer_error(c, 431);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c); /* the client gave up, or an error */
			return;
		}
		end = http_head_end(c->in, c->in_len, c->in_len + (size_t)n);
		c->in_len += (size_t)n;
		if (end) {
			route(c, end);
			return;
		}
	}
}

/* Discard what the client sends after the answer, until it closes */
static void drain(struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in, c->st->max_request, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		c->drained += n > 0 ? (size_t)n : 0;
		if (n <= 0 || c->drained > DRAIN_MAX) {
			conn_close(c);
			return;
		}
	}
}

static void on_conn(struct ev_io *io, int events, void *arg)
{
	struct conn *c = arg;

	(void)io;
	if (c->phase == READING && events & EV_READ)
		read_request(c);
	else if (c->phase == WRITING && events & EV_WRITE)
		send_answer(c);
	else if (c->phase == DRAINING && events & EV_READ)
		drain(c);
}

/* Out of time: a request still unread gets 408 */
static void on_timeout(struct ev_timer *t, void *arg)
{
	struct conn *c = arg;

	(void)t;
	if (c->phase == READING)
		answer_now(c->fd, 408);
	conn_close(c);
}

static void conn_new(struct status *st, int fd)
{
	struct conn *c = calloc(1, sizeof(*c) + st->max_request);

	if (!c) {
		close(fd);
		return;
	}
	c->st = st;
	c->fd = fd;
	c->io = ev_io_new(st->loop, fd, on_conn, c);
	c->timer = ev_timer_new(st->loop, on_timeout, c);
	c->next = st->conns;
	if (st->conns)
		st->conns->prev = c;
	st->conns = c;
	st->nconns++;
	if (!c->io || !c->timer || ev_io_start(c->io, EV_READ)) {
		conn_close(c);
		return;
	}
	ev_timer_start(c->timer, st->timeout_ms, 0);
}

static void on_resume(struct ev_timer *t, void *arg)
{
	struct status *st = arg;

	(void)t;
	ev_io_start(st->io, EV_READ);
}

static void on_accept(struct ev_io *io, int events, void *arg)
{
	struct status *st = arg;

	(void)events;
	for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
		int fd = accept4(st->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0 && (errno == EMFILE || errno == ENFILE ||
			       errno == ENOBUFS || errno == ENOMEM)) {
			log_warn("status: accept (pausing for %d ms)",
				 ACCEPT_PAUSE_MS);
			ev_io_stop(io);
			ev_timer_start(st->resume, ACCEPT_PAUSE_MS, 0);
			return;
		}
		if (fd < 0)
			return;
		if (st->nconns >= st->max_conns) {
			answer_now(fd, 503);
			close(fd);
			continue;
		}
		conn_new(st, fd);
	}
}

static bool loopback(const struct addr *a)
{
	if (a->family == AF_INET)
		return (ntohl(a->v4.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->v6);
}

static int listen_on(struct status *st, const struct endpoint *ep)
{
	struct sockaddr_storage ss;
	char name[ADDR_STRLEN];
	socklen_t len;
	int one = 1;

	endpoint_format(ep, name, sizeof(name));
	endpoint_to_sockaddr(ep, &ss, &len);
	st->fd = socket(ss.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (st->fd < 0 ||
	    setsockopt(st->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(st->fd, (struct sockaddr *)&ss, len) || listen(st->fd, 64)) {
		log_warn("status: cannot listen on %s", name);
		return -1;
	}
	if (!loopback(&ep->addr))
		log_warnx("status: %s is not a loopback address: whoever "
			  "reaches it can read the status",
			  name);
	return 0;
}

/**
 * status_new() - serve the status document on a local endpoint
 * @l:		event loop
 * @p:		where to listen, and the bounds
 * @fn:		builds the document for each GET
 * @arg:	its argument
 *
 * Return: the endpoint, or NULL (logged) if it cannot listen
 */
struct status *status_new(struct ev_loop *l, const struct status_params *p,
			  status_json_fn fn, void *arg)
{
	struct status *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->loop = l;
	st->fd = -1;
	st->fn = fn;
	st->arg = arg;
	st->max_conns = p->max_conns ? p->max_conns : STATUS_DEFAULT_MAX_CONNS;
	st->max_request =
		p->max_request ? p->max_request : STATUS_DEFAULT_MAX_REQUEST;
	st->timeout_ms =
		p->timeout_ms ? p->timeout_ms : STATUS_DEFAULT_TIMEOUT_MS;
	if (listen_on(st, p->listen))
		goto err;
	st->io = ev_io_new(l, st->fd, on_accept, st);
	st->resume = ev_timer_new(l, on_resume, st);
	if (!st->io || !st->resume || ev_io_start(st->io, EV_READ))
		goto err;
	return st;
err:
	status_free(st);
	return NULL;
}

/**
 * status_start() - a role's endpoint, as its config says, with the defaults
 * @l:		event loop
 * @listen:	where; family 0 for none
 * @fn:		builds the document for each GET
 * @arg:	its argument
 * @st:		receives the endpoint, or NULL
 *
 * Return: 0, or -1 (logged) if it cannot listen
 */
int status_start(struct ev_loop *l, const struct endpoint *listen,
		 status_json_fn fn, void *arg, struct status **st)
{
	struct status_params p = {.listen = listen};

	*st = NULL;
	if (!listen->addr.family)
		return 0;
	*st = status_new(l, &p, fn, arg);
	return *st ? 0 : -1;
}

/* The port it listens on (the one the kernel chose for port 0) */
int status_port(const struct status *st)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct endpoint ep;

	if (getsockname(st->fd, (struct sockaddr *)&ss, &len) ||
	    endpoint_from_sockaddr(&ss, &ep))
		return -1;
	return ep.port;
}

void status_free(struct status *st)
{
	if (!st)
		return;
	while (st->conns)
		conn_close(st->conns);
	ev_io_free(st->io);
	ev_timer_free(st->resume);
	if (st->fd >= 0)
		close(st->fd);
	free(st);
}
