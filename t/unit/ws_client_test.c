/* SPDX-License-Identifier: MIT */
/* ws_client_test.c - the ws:// client transport (the relay's) on loopback
 *
 * Against tether's own WebSocket server (lws): messages of every length
 * encoding both ways, back-pressure, pause and resume, closes from either
 * side, a refused connection. Against a scripted server in a thread that
 * writes raw bytes: a wrong Sec-WebSocket-Accept, a message split across
 * many writes, a ping answered with a masked pong, a masked frame from the
 * server (answered with close 1002), an oversized frame (1009, before its
 * payload arrives), a close from the server (echoed), a flood of pings from
 * a server that does not read (pongs bounded, the connection kept).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "looptest.h"
#include "sha1.h"
#include "tap.h"
#include "tconn_seen.h"
#include "transport.h"

static struct seen srv, cli;

static const struct transport_handlers handlers = {
	.open = h_open,
	.message = h_message,
	.closed = h_closed,
	.drained = h_drained,
};

static struct transport *lws_server(void)
{
	struct endpoint ep = {.addr.family = AF_INET, .port = 0};
	struct transport_params p = {
		.kind = TRANSPORT_WEBSOCKET,
		.listen = &ep,
		.path = "/websocket",
		.max_message = 256 * 1024,
		.queue_bytes = 1 << 20,
		.handshake_timeout_s = 2,
	};

	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	return transport_new(loop, &p, &handlers, &srv);
}

static struct transport *client(size_t queue)
{
	struct transport_params p = {
		.kind = TRANSPORT_WS_CLIENT,
		.max_message = 256 * 1024,
		.queue_bytes = queue,
		.handshake_timeout_s = 5,
		.ping_interval_s = 10,
	};

	return transport_new(loop, &p, &handlers, &cli);
}

static struct conf_url url_for(int port)
{
	static char host[] = "127.0.0.1", path[] = "/websocket";
	struct conf_url u = {.scheme = URL_WS,
			     .host = host,
			     .port = (uint16_t)port,
			     .path = path};

	return u;
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 31 + seed);
}

static void test_echo(void)
{
	static const size_t sizes[] = {1,     125,    126,	 65535,
				       65536, 200000, 256 * 1024};
	const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	struct transport *s = lws_server(), *c = client(1 << 20);
	struct conf_url u = url_for(s ? transport_port(s) : 0);
	size_t total = 0, off = 0;
	uint8_t *want;

	reset(&srv);
	reset(&cli);
	srv.echo = true;
	ok(s && c, "echo: lws server and ws client");
	ok(transport_connect(c, &u, NULL, NULL) != NULL, "echo: dial starts");
	ok(run_until(&cli.opened, 1), "echo: open");
	for (size_t i = 0; i < nsizes; i++)
		total += sizes[i];
	want = malloc(total);
	for (size_t i = 0; i < nsizes; i++) {
		fill(want + off, sizes[i], (unsigned)i);
		is(tconn_send(cli.conn, want + off, sizes[i]), 0,
		   "echo: send %zu bytes", sizes[i]);
		off += sizes[i];
	}
	ok(run_until(&cli.messages, (int)nsizes), "echo: all echoed");
	ok(cli.len == total && !memcmp(cli.buf, want, total),
	   "echo: bytes identical, 1 B .. 256 KiB, every length encoding");
	is(transport_counters(c)->msgs_out, nsizes, "echo: counted out");
	is(transport_counters(c)->msgs_in, nsizes, "echo: counted in");
	is(tconn_send(cli.conn, want, 256 * 1024 + 1), -EMSGSIZE,
	   "echo: oversized send refused locally");

	/* pause: the server's messages wait until resumed */
	srv.echo = false;
	tconn_pause(cli.conn, true);
	for (int i = 0; i < 3; i++)
		tconn_send(srv.conn, want, 1000);
	run_for(300);
	is(cli.messages, (int)nsizes, "pause: nothing delivered while paused");
	tconn_pause(cli.conn, false);
	ok(run_until(&cli.messages, (int)nsizes + 3),
	   "pause: all three after resuming");

	tconn_close(cli.conn);
	ok(run_until(&srv.closed, 1), "close: the server sees ours");
	ok(run_until(&cli.closed, 1), "close: reported to the client's role");
	free(want);
	transport_free(c);
	transport_free(s);
}

static void test_backpressure_and_server_close(void)
{
	struct transport *s = lws_server(), *c = client(64 * 1024);
	struct conf_url u = url_for(transport_port(s));
	uint8_t *m = calloc(1, 40000);
	int ret = 0, sent = 0;

	reset(&srv);
	reset(&cli);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.opened, 1), "bp: open");
	while (ret == 0 && sent < 10) {
		ret = tconn_send(cli.conn, m, 40000);
		sent++;
	}
	is(ret, 1, "bp: past the bound after %d messages", sent);
	ok(run_until(&cli.drained, 1), "bp: drained follows");
	ok(run_until(&srv.messages, sent), "bp: all arrived");
	tconn_close(srv.conn);
	ok(run_until(&cli.closed, 1), "server close: the client reports it");
	ok(run_until(&srv.closed, 1), "server close: done on both sides");
	free(m);
	transport_free(c);
	transport_free(s);
}

static void test_refused(void)
{
	struct transport *c = client(1 << 20);
	struct conf_url u = url_for(1); /* nothing listens on port 1 */
	char host[] = "host.invalid";

	reset(&cli);
	ok(transport_connect(c, &u, NULL, NULL) != NULL, "refused: starts");
	ok(run_until(&cli.closed, 1), "refused: closed reported");
	ok(strstr(cli.last_why, "connect failed"), "refused: why: %s",
	   cli.last_why);
	u.scheme = URL_WSS;
	ok(transport_connect(c, &u, NULL, NULL) == NULL,
	   "refused: wss:// is not this transport's");
	u.scheme = URL_WS;
	u.host = host;
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.closed, 2), "refused: unresolvable name reported");
	is(cli.opened, 0, "refused: never opened");
	transport_free(c);
}

/* --- the scripted server ------------------------------------------------ */

enum script { S_BAD_ACCEPT, S_FRAMES, S_TOO_BIG, S_CLOSE, S_PING_FLOOD };

#define FLOOD_PINGS 100000 /* 125-byte pings: 13 MB of pongs if unbounded,
			    * more than tcp_wmem lets a socket hold */

struct fake {
	int lfd, port;
	enum script script;
	pthread_t thread;
	/* what the thread saw */
	bool pong_ok;	    /* a masked pong echoing "hi" */
	int close_code;	    /* of the client's close frame, or -1 */
	bool unmasked_seen; /* a client frame without the mask bit */
	int pongs;	    /* pongs read back after a ping flood */
};

static void put(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p = (const uint8_t *)p + w;
		n -= (size_t)w;
	}
}

static bool get(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* One client frame: opcode, unmasked payload (at most @cap) */
static int client_frame(struct fake *f, int fd, uint8_t *pl, size_t cap,
			size_t *len)
{
	uint8_t h[14];
	uint64_t n;
	size_t hl = 2;

	if (!get(fd, h, 2))
		return -1;
	n = h[1] & 0x7f;
	if (n == 126) {
		if (!get(fd, h + 2, 2))
			return -1;
		n = (uint64_t)h[2] << 8 | h[3];
		hl = 4;
	} else if (n == 127) {
		if (!get(fd, h + 2, 8))
			return -1;
		n = 0;
		for (int i = 2; i < 10; i++)
			n = n << 8 | h[i];
		hl = 10;
	}
	if (!(h[1] & 0x80))
		f->unmasked_seen = true;
	if (n > cap || !get(fd, h + hl, 4) || !get(fd, pl, (size_t)n))
		return -1;
	for (size_t i = 0; i < n; i++)
		pl[i] ^= h[hl + (i & 3)];
	*len = (size_t)n;
	return h[0] & 0x0f;
}

/* Read the upgrade request; answer it (with a wrong accept if asked) */
static bool answer_upgrade(int fd, bool wrong)
{
	char req[2048], cat[128], acc[32], resp[256], *k, *e;
	uint8_t d[SHA1_LEN];
	size_t n = 0;

	while (n < sizeof(req) - 1) {
		ssize_t r = recv(fd, req + n, sizeof(req) - 1 - n, 0);

		if (r <= 0)
			return false;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	k = strstr(req, "Sec-WebSocket-Key: ");
	if (!k)
		return false;
	k += 19;
	e = strstr(k, "\r\n");
	snprintf(cat, sizeof(cat), "%.*s258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
		 (int)(e - k), k);
	sha1(cat, strlen(cat), d);
	if (wrong)
		d[0] ^= 1;
	sodium_bin2base64(acc, sizeof(acc), d, sizeof(d),
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
		 acc);
	put(fd, resp, strlen(resp));
	return true;
}

/* Wait for the client's close frame (answering nothing else) */
static void await_close(struct fake *f, int fd)
{
	uint8_t pl[256];
	size_t n;
	int op;

	while ((op = client_frame(f, fd, pl, sizeof(pl), &n)) >= 0)
		if (op == 0x8) {
			f->close_code = n >= 2 ? pl[0] << 8 | pl[1] : 0;
			return;
		}
}

static void script_frames(struct fake *f, int fd)
{
	static uint8_t msg[10 + 70000];
	uint8_t pl[256];
	size_t n;

	/* a 70000-byte message in 7 writes, the header split too */
	msg[0] = 0x82;
	msg[1] = 127;
	memset(msg + 2, 0, 8);
	msg[7] = 0x01;
	msg[8] = 0x11;
	msg[9] = 0x70;
	fill(msg + 10, 70000, 7);
	for (size_t off = 0; off < sizeof(msg); off += 10003) {
		put(fd, msg + off,
		    off + 10003 > sizeof(msg) ? sizeof(msg) - off : 10003);
		usleep(20000);
	}
	put(fd, "\x89\x02hi", 4);
	while (client_frame(f, fd, pl, sizeof(pl), &n) >= 0)
		if (n == 2 && !memcmp(pl, "hi", 2)) {
			f->pong_ok = !f->unmasked_seen;
			break;
		}
	/* masked by the server: a protocol error */
	put(fd, "\x82\x81\x01\x02\x03\x04x", 7);
	await_close(f, fd);
}

/* FLOOD_PINGS pings without reading, then a close; then count the pongs
 * that were queued up to the close echo */
static void script_ping_flood(struct fake *f, int fd)
{
	static uint8_t ping[2 + 125] = {0x89, 125};
	uint8_t pl[256];
	size_t n;
	int op;

	for (int i = 0; i < FLOOD_PINGS; i++)
		put(fd, ping, sizeof(ping));
	put(fd, "\x88\x02\x03\xe8", 4); /* 1000 */
	while ((op = client_frame(f, fd, pl, sizeof(pl), &n)) >= 0) {
		if (op == 0xa)
			f->pongs++;
		if (op == 0x8) {
			f->close_code = n >= 2 ? pl[0] << 8 | pl[1] : 0;
			return;
		}
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct timeval tv = {.tv_sec = 10};
	int fd = accept(f->lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	/* a client that misbehaves fails the test, never hangs it */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!answer_upgrade(fd, f->script == S_BAD_ACCEPT))
		goto out;
	switch (f->script) {
	case S_BAD_ACCEPT:
		usleep(500000);
		break;
	case S_FRAMES:
		script_frames(f, fd);
		break;
	case S_TOO_BIG:
		/* 300 KiB announced, nothing more sent */
		put(fd, "\x82\x7f\x00\x00\x00\x00\x00\x04\xb0\x00", 10);
		await_close(f, fd);
		break;
	case S_CLOSE:
		put(fd, "\x88\x02\x03\xe9", 4); /* 1001 */
		await_close(f, fd);
		break;
	case S_PING_FLOOD:
		script_ping_flood(f, fd);
		break;
	}
out:
	close(fd);
	return NULL;
}

static int fake_start(struct fake *f, enum script s)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct timeval tv = {.tv_sec = 10};
	socklen_t sl = sizeof(sin);

	memset(f, 0, sizeof(*f));
	f->close_code = -1;
	f->script = s;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	/* a small receive buffer (inherited by the accepted socket), so a
	 * flood's pongs back up in the client rather than in the kernel */
	if (s == S_PING_FLOOD)
		setsockopt(f->lfd, SOL_SOCKET, SO_RCVBUF, &(int){4096},
			   sizeof(int));
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(f->lfd, 1) ||
	    getsockname(f->lfd, (struct sockaddr *)&sin, &sl))
		return -1;
	f->port = ntohs(sin.sin_port);
	setsockopt(f->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_join(struct fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->lfd);
}

static void test_scripted(void)
{
	struct transport *c = client(1 << 20);
	struct fake f;
	struct conf_url u;
	uint8_t want[70000];

	reset(&cli);
	ok(!fake_start(&f, S_BAD_ACCEPT), "bad accept: fake server");
	u = url_for(f.port);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.closed, 1), "bad accept: closed");
	is(cli.opened, 0, "bad accept: never opened");
	ok(strstr(cli.last_why, "Sec-WebSocket-Accept"), "bad accept: why: %s",
	   cli.last_why);
	fake_join(&f);

	reset(&cli);
	ok(!fake_start(&f, S_FRAMES), "frames: fake server");
	u = url_for(f.port);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.messages, 1), "frames: a message in 7 writes");
	fill(want, sizeof(want), 7);
	ok(cli.len == 70000 && !memcmp(cli.buf, want, 70000),
	   "frames: ... arrives whole and intact");
	ok(run_until(&cli.closed, 1), "frames: masked server frame: closed");
	fake_join(&f);
	ok(f.pong_ok, "frames: the ping got a masked pong with its payload");
	is(f.close_code, 1002, "frames: masked server frame: close 1002");
	ok(strstr(cli.last_why, "protocol error"), "frames: why: %s",
	   cli.last_why);
	is(cli.messages, 1, "frames: nothing else delivered");

	reset(&cli);
	ok(!fake_start(&f, S_TOO_BIG), "too big: fake server");
	u = url_for(f.port);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.closed, 1), "too big: closed from the header");
	fake_join(&f);
	is(f.close_code, 1009, "too big: close 1009");
	is(transport_counters(c)->drop_too_big, 1, "too big: counted");

	reset(&cli);
	ok(!fake_start(&f, S_CLOSE), "server close: fake server");
	u = url_for(f.port);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.closed, 1), "server close: closed");
	fake_join(&f);
	is(f.close_code, 1001, "server close: its code echoed");
	ok(strstr(cli.last_why, "1001"), "server close: why: %s", cli.last_why);

	reset(&cli);
	ok(!fake_start(&f, S_PING_FLOOD), "ping flood: fake server");
	u = url_for(f.port);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.closed, 1), "ping flood: closed by the server");
	fake_join(&f);
	is(f.close_code, 1000, "ping flood: the close echoed after the pongs");
	ok(f.pongs > 0 && f.pongs < FLOOD_PINGS / 2,
	   "ping flood: pongs bounded while the server did not read (%d of %d)",
	   f.pongs, FLOOD_PINGS);
	transport_free(c);
}

int main(void)
{
	log_set_level(LOG_LEVEL_SILENT);
	looptest_init();
	test_echo();
	test_backpressure_and_server_close();
	test_refused();
	test_scripted();
	looptest_done();
	reset(&srv);
	reset(&cli);
	return tap_done();
}
