/* SPDX-License-Identifier: MIT */
/* status_test.c - the status endpoint on loopback, clients in-process
 *
 * Clients are non-blocking sockets watched on the same event loop: each
 * collects what the endpoint answers until it closes, then stops the loop,
 * so run_until() waits for a number of finished clients. Small bounds
 * (4 connections, 512-byte requests, 1.5 s) keep the abuse cases short.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "looptest.h"
#include "status.h"
#include "tap.h"

#define MAX_CONNS   4
#define MAX_REQUEST 512
#define TIMEOUT_MS  1500

struct client {
	int fd;
	struct ev_io *io;
	char buf[8192];
	size_t len;
	bool eof;
};

static int finished; /* clients that saw the endpoint close */
static int calls;    /* documents built */
static bool fail_doc;
static int port;
static struct client *last; /* get()'s */

static json_t *doc(void *arg)
{
	(void)arg;
	calls++;
	return fail_doc ? NULL
			: json_pack("{s:s, s:i}", "state", "up", "n", 42);
}

static void on_client(struct ev_io *io, int events, void *arg)
{
	struct client *c = arg;

	(void)events;
	for (;;) {
		size_t room = sizeof(c->buf) - 1 - c->len;
		ssize_t n = recv(c->fd, c->buf + c->len, room ? room : 1,
				 MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		if (room)
			c->len += (size_t)n;
	}
	c->buf[c->len] = '\0';
	c->eof = true;
	ev_io_stop(io);
	finished++;
	ev_loop_stop(loop);
}

/* Connect to the endpoint and send @req (NULL: nothing) */
static struct client *client_new(const char *req)
{
	struct client *c = calloc(1, sizeof(*c));
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)))
		perror("connect");
	if (req && send(c->fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		perror("send");
	c->io = ev_io_new(loop, c->fd, on_client, c);
	ev_io_start(c->io, EV_READ);
	return c;
}

static void client_free(struct client *c)
{
	ev_io_free(c->io);
	close(c->fd);
	free(c);
}

/* Send @req on a new connection; Return: the whole answer (freed by
 * the next call) */
static const char *get(const char *req)
{
	int want = finished + 1;

	if (last)
		client_free(last);
	last = client_new(req);
	if (!run_until(&finished, want))
		return "(no answer in time)";
	return last->buf;
}

static void test_answers(void)
{
	const char *a, *body, *len;
	json_t *j;

	a = get("GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	has_str(a, "HTTP/1.1 200 OK\r\n", "GET /status: 200");
	has_str(a, "Content-Type: application/json\r\n", "as JSON");
	has_str(a, "Connection: close\r\n", "and closes");
	body = strstr(a, "\r\n\r\n");
	j = body ? json_loads(body + 4, 0, NULL) : NULL;
	ok(j && json_integer_value(json_object_get(j, "n")) == 42,
	   "the body is the role's document");
	json_decref(j);
	len = strstr(a, "Content-Length: ");
	ok(body && len && (size_t)atoi(len + 16) == strlen(body + 4),
	   "with its exact length");
	is(calls, 1, "built once");

	a = get("GET / HTTP/1.0\r\n\r\n");
	has_str(a, "HTTP/1.1 200 OK\r\n", "GET / (HTTP/1.0, no Host): 200");
	a = get("HEAD /status?pretty HTTP/1.1\nHost: localhost:1\n\n");
	has_str(a, "HTTP/1.1 200 OK\r\n", "HEAD with a query string: 200");
	ok(strlen(strstr(a, "\r\n\r\n")) == 4, "HEAD has no body");

	a = get("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	has_str(a, "HTTP/1.1 404 Not Found\r\n", "another path: 404");
	a = get("POST /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	has_str(a, "HTTP/1.1 405 Method Not Allowed\r\n", "POST: 405");
	has_str(a, "Allow: GET, HEAD\r\n", "saying what is allowed");
	a = get("GET /status HTTP/1.1\r\nHost: evil.example\r\n\r\n");
	has_str(a, "HTTP/1.1 403 Forbidden\r\n",
		"a Host that a DNS rebinding could send: 403");
	a = get("GARBAGE\r\n\r\n");
	has_str(a, "HTTP/1.1 400 Bad Request\r\n",
		"malformed request line: 400");
	a = get("GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n folded\r\n\r\n");
	has_str(a, "HTTP/1.1 400 Bad Request\r\n", "folded header: 400");
	fail_doc = true;
	a = get("GET /status HTTP/1.0\r\n\r\n");
	has_str(a, "HTTP/1.1 500 Internal Server Error\r\n",
		"no document from the role: 500");
	fail_doc = false;
}

static void test_oversize(void)
{
	char req[MAX_REQUEST * 4];
	const char *a;

	/* a long header that never ends, bigger than the buffer */
	memset(req, 'a', sizeof(req) - 1);
	req[sizeof(req) - 1] = '\0';
	memcpy(req, "GET / HTTP/1.1\r\nX: ", 19);
	a = get(req);
	has_str(a, "HTTP/1.1 431 Request Header Fields Too Large\r\n",
		"a head past %d bytes: 431", MAX_REQUEST);
}

static void test_slowloris(void)
{
	struct client *c = client_new("GET /status HTTP/1.1\r\nHost: 1.2.3.4");
	struct client *idle = client_new(NULL);
	int want = finished + 2;

	ok(run_until(&finished, want),
	   "an unfinished and a silent request are closed");
	has_str(c->buf, "HTTP/1.1 408 Request Timeout\r\n",
		"the unfinished one with 408");
	has_str(idle->buf, "HTTP/1.1 408 Request Timeout\r\n",
		"so is the silent one");
	client_free(c);
	client_free(idle);
}

static void test_conn_limit(void)
{
	struct client *idle[MAX_CONNS], *extra;
	const char *a;
	int want;

	for (int i = 0; i < MAX_CONNS; i++)
		idle[i] = client_new(NULL);
	want = finished + 1;
	extra = client_new(NULL);
	ok(run_until(&finished, want) && extra->eof,
	   "one past %d connections is closed at once", MAX_CONNS);
	has_str(extra->buf, "HTTP/1.1 503 Service Unavailable\r\n", "with 503");
	for (int i = 0; i < MAX_CONNS; i++)
		ok(!idle[i]->eof, "idle connection %d is still open", i);
	client_free(extra);
	want = finished + 1;
	shutdown(idle[0]->fd, SHUT_WR);
	ok(run_until(&finished, want) && idle[0]->eof,
	   "a client that gives up is closed");
	client_free(idle[0]);
	a = get("GET /status HTTP/1.0\r\n\r\n");
	has_str(a, "HTTP/1.1 200 OK\r\n", "a freed slot serves again");
	want = finished + MAX_CONNS - 1;
	ok(run_until(&finished, want), "the idle ones time out");
	for (int i = 1; i < MAX_CONNS; i++)
		client_free(idle[i]);
}

/* Many connections at once, each sending garbage: all are closed, and
 * the endpoint still answers afterwards */
static void test_flood(void)
{
	enum { N = 48 };
	struct client *c[N];
	const char *a;
	int want = finished + N, answered = 0;

	for (int i = 0; i < N; i++)
		c[i] = client_new(i % 2 ? "\x16\x03\x01\x02\x00\x01\x00\x01"
					: "GET /status HTTP/1.1\r\nHost: x");
	ok(run_until(&finished, want), "%d flooding connections all closed", N);
	for (int i = 0; i < N; i++) {
		answered += !strncmp(c[i]->buf, "HTTP/1.1 ", 9);
		client_free(c[i]);
	}
	is(answered, N, "each got an answer (503, 400 or 408)");
	a = get("GET /status HTTP/1.0\r\n\r\n");
	has_str(a, "HTTP/1.1 200 OK\r\n",
		"a request after the flood is served");
}

int main(void)
{
	struct endpoint ep = {.addr.family = AF_INET};
	struct status_params p = {
		.listen = &ep,
		.max_conns = MAX_CONNS,
		.max_request = MAX_REQUEST,
		.timeout_ms = TIMEOUT_MS,
	};
	struct status *st;

	log_set_level(LOG_LEVEL_SILENT);
	looptest_init();
	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	st = status_new(loop, &p, doc, NULL);
	ok(st != NULL, "listens on 127.0.0.1, a port the kernel picks");
	if (!st)
		return tap_done();
	port = status_port(st);
	ok(port > 0, "the port is known: %d", port);

	test_answers();
	test_oversize();
	test_slowloris();
	test_conn_limit();
	test_flood();

	client_free(last);
	status_free(st);
	looptest_done();
	return tap_done();
}
