/* SPDX-License-Identifier: MIT */
/* transport_test.c - WebSocket and UDP transports on loopback, in one process
 *
 * Each case runs the event loop until its condition is met or a deadline
 * passes (so a broken transport fails a test instead of hanging it).
 * Raw TCP sockets play misbehaving peers: one that never finishes its
 * handshake, too many from one address, a message in 300 tiny fragments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "looptest.h"
#include "tap.h"
#include "tconn_seen.h"
#include "transport.h"

static struct seen srv, cli;

static bool h_admit(struct tconn *c, const char *origin, void *user)
{
	struct seen *s = user;

	(void)c;
	s->origin_seen = origin ? "set" : "absent";
	return !(s->refuse_origin && origin &&
		 !strcmp(origin, s->refuse_origin));
}

static const struct transport_handlers handlers = {
	.open = h_open,
	.message = h_message,
	.closed = h_closed,
	.drained = h_drained,
	.admit = h_admit,
};

static struct transport *ws_server(unsigned max_per_ip, size_t queue)
{
	struct endpoint ep = { .addr.family = AF_INET, .port = 0 };
	struct transport_params p = {
		.kind = TRANSPORT_WEBSOCKET,
		.listen = &ep,
		.path = "/websocket",
		.max_message = 256 * 1024,
		.queue_bytes = queue,
		.handshake_timeout_s = 2,
		.max_per_ip = max_per_ip,
	};

	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	return transport_new(loop, &p, &handlers, &srv);
}

static struct transport *ws_client(size_t max_message)
{
	struct transport_params p = {
		.kind = TRANSPORT_WEBSOCKET,
		.max_message = max_message,
		.queue_bytes = 1 << 20,
		.handshake_timeout_s = 5,
	};

	return transport_new(loop, &p, &handlers, &cli);
}

static struct conf_url url_for(int port, const char *path)
{
	static char host[] = "127.0.0.1";
	struct conf_url u = { .scheme = URL_WS, .host = host,
			      .port = (uint16_t)port, .path = (char *)path };

	return u;
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 31 + seed);
}

static void test_ws_echo(void)
{
	static const size_t sizes[] = { 1, 1400, 65536, 200000 };
	struct transport *s, *c;
	struct conf_url u;
	uint8_t *want;
	size_t total = 0, off = 0;

	reset(&srv);
	reset(&cli);
	srv.echo = true;
	s = ws_server(8, 1 << 20);
	c = ws_client(256 * 1024);
	ok(s && c, "ws: server and client transports");
	u = url_for(transport_port(s), "/websocket");
	ok(transport_connect(c, &u, NULL, NULL) != NULL, "ws: connect starts");
	ok(run_until(&cli.opened, 1), "ws: client open");
	is_str(srv.origin_seen, "absent", "ws: no Origin from the C side");
	for (size_t i = 0; i < 4; i++)
		total += sizes[i];
	want = malloc(total);
	for (size_t i = 0; i < 4; i++) {
		fill(want + off, sizes[i], (unsigned)i);
		is(tconn_send(cli.conn, want + off, sizes[i]), 0,
		   "ws: send %zu bytes", sizes[i]);
		off += sizes[i];
	}
	ok(run_until(&cli.messages, 4), "ws: 4 messages echoed");
	is(cli.len, total, "ws: echoed byte count");
	ok(cli.len == total && !memcmp(cli.buf, want, total),
	   "ws: echoed bytes identical (1 B .. 200 KB messages)");
	is(transport_counters(s)->msgs_in, 4, "ws: server counted 4 in");
	is(tconn_send(cli.conn, want, 256 * 1024 + 1), -EMSGSIZE,
	   "ws: oversized send refused locally");
	tconn_close(cli.conn);
	ok(run_until(&srv.closed, 1), "ws: server sees the close");
	ok(run_until(&cli.closed, 1), "ws: client sees its close");
	free(want);
	transport_free(c);
	transport_free(s);
}

static void test_ws_too_big(void)
{
	struct transport *s = ws_server(8, 1 << 20), *c = ws_client(1 << 20);
	struct conf_url u = url_for(transport_port(s), "/websocket");
	uint8_t *big = calloc(1, 300 * 1024);

	reset(&srv);
	reset(&cli);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.opened, 1), "too big: open");
	is(tconn_send(cli.conn, big, 300 * 1024), 0, "too big: client sends");
	ok(run_until(&cli.closed, 1), "too big: server closes the connection");
	is(srv.messages, 0, "too big: nothing delivered");
	is(transport_counters(s)->drop_too_big, 1, "too big: counted");
	free(big);
	transport_free(c);
	transport_free(s);
}

static void test_ws_refusals(void)
{
	struct transport *s = ws_server(8, 1 << 20), *c = ws_client(1 << 20);
	struct conf_url u = url_for(transport_port(s), "/websocket");
	struct conf_url bad = url_for(transport_port(s), "/other");

	reset(&srv);
	reset(&cli);
	srv.refuse_origin = "http://evil.example";
	transport_connect(c, &u, "http://evil.example", NULL);
	ok(run_until(&cli.closed, 1), "origin: refused connection closes");
	is(cli.opened, 0, "origin: never opened");
	is(srv.opened, 0, "origin: server never opened");
	transport_connect(c, &u, "http://169.254.134.89:6354", NULL);
	ok(run_until(&cli.opened, 1), "origin: the page's origin is admitted");
	is_str(srv.origin_seen, "set", "origin: the hook saw it");
	transport_connect(c, &bad, NULL, NULL);
	ok(run_until(&cli.closed, 2), "path: wrong path refused");
	is(cli.opened, 1, "path: never opened");
	ok(transport_counters(s)->refused >= 2, "refusals counted");
	transport_free(c);
	transport_free(s);
}

/* A raw TCP peer, watched for the server closing it */
struct raw {
	int fd;
	struct ev_io *io;
	int eof;
	uint8_t in[4096];
	size_t inlen;
};

static int raw_eofs;

static void raw_readable(struct ev_io *io, int events, void *arg)
{
	struct raw *r = arg;
	ssize_t n;

	(void)io;
	(void)events;
	n = recv(r->fd, r->in + r->inlen, sizeof(r->in) - r->inlen,
		 MSG_DONTWAIT);
	if (n > 0) {
		r->inlen += (size_t)n;
		if (r->inlen < sizeof(r->in))
			return;
	}
	if (n < 0 && errno == EAGAIN)
		return;
	r->eof = 1;
	raw_eofs++;
	ev_io_stop(r->io);
	ev_loop_stop(loop);
}

static int raw_open(struct raw *r, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port) };

	memset(r, 0, sizeof(*r));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (r->fd < 0 || connect(r->fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	r->io = ev_io_new(loop, r->fd, raw_readable, r);
	return r->io ? ev_io_start(r->io, EV_READ) : -1;
}

static void raw_close(struct raw *r)
{
	ev_io_free(r->io);
	close(r->fd);
}

static void test_ws_handshake_timeout(void)
{
	struct transport *s = ws_server(8, 1 << 20);
	struct raw r;

	raw_eofs = 0;
	ok(!raw_open(&r, transport_port(s)), "timeout: raw connect");
	ok(run_until(&raw_eofs, 1), "timeout: silent peer closed by server");
	raw_close(&r);
	transport_free(s);
}

static void test_ws_per_ip(void)
{
	struct transport *s = ws_server(4, 1 << 20);
	struct raw r[5];
	int eofs = 0;

	raw_eofs = 0;
	for (int i = 0; i < 4; i++)
		raw_open(&r[i], transport_port(s));
	/* let the server accept the four */
	run_for(300);
	ok(!raw_open(&r[4], transport_port(s)), "per-ip: fifth connects");
	ok(run_until(&raw_eofs, 1), "per-ip: one is closed");
	for (int i = 0; i < 4; i++)
		eofs += r[i].eof;
	is(eofs, 0, "per-ip: the first four stay open");
	ok(r[4].eof, "per-ip: the fifth is the one closed");
	ok(transport_counters(s)->refused >= 1, "per-ip: counted");
	for (int i = 0; i < 5; i++)
		raw_close(&r[i]);
	transport_free(s);
}

/* A masked client frame: opcode, FIN flag, one payload byte */
static size_t frame(uint8_t *p, uint8_t opcode, bool fin, uint8_t byte)
{
	p[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	p[1] = 0x80 | 1;
	memset(p + 2, 0x5a, 4);
	p[6] = byte ^ 0x5a;
	return 7;
}

static void test_ws_fragments(void)
{
	struct transport *s = ws_server(8, 1 << 20);
	char req[512];
	uint8_t frames[300 * 7];
	size_t n = 0;
	struct raw r;
	bool close_1009 = false;

	reset(&srv);
	raw_eofs = 0;
	raw_open(&r, transport_port(s));
	snprintf(req, sizeof(req),
		 "GET /websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		 "Sec-WebSocket-Version: 13\r\n\r\n");
	ok(send(r.fd, req, strlen(req), 0) == (ssize_t)strlen(req),
	   "fragments: upgrade sent");
	ok(run_until(&srv.opened, 1), "fragments: upgraded");
	for (int i = 0; i < 300; i++)
		n += frame(frames + n, i ? 0x0 : 0x2, false, 'x');
	ok(send(r.fd, frames, n, 0) == (ssize_t)n, "fragments: 300 sent");
	ok(run_until(&raw_eofs, 1), "fragments: server closes");
	for (size_t i = 0; i + 3 < r.inlen; i++)
		if (r.in[i] == 0x88 && r.in[i + 2] == 0x03 &&
		    r.in[i + 3] == 0xf1)
			close_1009 = true;
	ok(close_1009, "fragments: close code 1009");
	if (!close_1009)
		for (size_t i = 0; i < r.inlen; i++)
			printf("%s%02x", i % 32 ? " " : "\n# ", r.in[i]);
	is(srv.messages, 0, "fragments: nothing delivered");
	raw_close(&r);
	transport_free(s);
}

static void test_ws_backpressure(void)
{
	struct transport *s = ws_server(8, 64 * 1024), *c = ws_client(1 << 20);
	struct conf_url u = url_for(transport_port(s), "/websocket");
	uint8_t *m = calloc(1, 32 * 1024);
	int ret = 0, sent = 0, i;

	reset(&srv);
	reset(&cli);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&srv.opened, 1) && run_until(&cli.opened, 1),
	   "backpressure: open");
	tconn_pause(cli.conn, true);
	/* each message numbered: the first ones are written at once (the
	 * socket has room), the rest queue; all must arrive in order */
	while (sent < 100 && (memcpy(m, &sent, sizeof(sent)),
			      ret = tconn_send(srv.conn, m, 32 * 1024)) == 0)
		sent++;
	is(ret, 1, "backpressure: send says the queue passed its bound");
	sent++;
	while (sent < 100 && (memcpy(m, &sent, sizeof(sent)),
			      ret = tconn_send(srv.conn, m, 32 * 1024)) >= 0)
		sent++;
	is(ret, -ENOBUFS, "backpressure: refused at twice the bound");
	ok(sent < 100, "backpressure: memory bounded (%d messages queued)",
	   sent);
	tconn_pause(cli.conn, false);
	ok(run_until(&srv.drained, 1), "backpressure: drained() after resume");
	ok(run_until(&cli.messages, sent), "backpressure: all %d arrive", sent);
	for (i = 0; i < cli.messages && cli.len >= (size_t)sent * 32 * 1024;
	     i++)
		if (memcmp(cli.buf + (size_t)i * 32 * 1024, &i, sizeof(i)))
			break;
	is(i, sent, "backpressure: in the order sent");
	free(m);
	transport_free(c);
	transport_free(s);
}

/* A client transport that trusts the PEM file @ca for wss:// */
static struct transport *wss_client(const char *ca)
{
	struct transport_params p = {
		.kind = TRANSPORT_WEBSOCKET,
		.max_message = 65536,
		.queue_bytes = 1 << 20,
		.handshake_timeout_s = 5,
		.tls_ca = ca,
	};

	return transport_new(loop, &p, &handlers, &cli);
}

/* wss:// with a self-signed certificate made by openssl(1): verified
 * against tls_ca, refused without it, refused for another name */
static void test_wss(void)
{
	char dir[] = "/tmp/tether-wss-XXXXXX", cmd[512], cert[64], key[64];
	struct endpoint ep = { .addr.family = AF_INET, .port = 0 };
	struct transport_params p = {
		.kind = TRANSPORT_WEBSOCKET, .listen = &ep,
		.path = "/websocket", .max_message = 65536,
		.queue_bytes = 1 << 20, .handshake_timeout_s = 5,
		.tls_cert = cert, .tls_key = key,
	};
	struct transport *s, *c;
	struct conf_url u;
	uint8_t msg[3000];

	reset(&srv);
	reset(&cli);
	srv.echo = true;
	if (getenv("WSS_DEBUG"))
		log_set_level(LOG_LEVEL_DEBUG);
	ok(mkdtemp(dir) != NULL, "wss: temp dir");
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
		 "-subj /CN=tether-test -addext subjectAltName=IP:127.0.0.1 "
		 "-keyout %s -out %s 2>/dev/null",
		 key, cert);
	is(system(cmd), 0, "wss: self-signed certificate made");
	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	s = transport_new(loop, &p, &handlers, &srv);
	ok(s != NULL, "wss: TLS listener");
	u = url_for(transport_port(s), "/websocket");
	u.scheme = URL_WSS;

	c = ws_client(65536);
	ok(transport_connect(c, &u, NULL, NULL) != NULL,
	   "wss: dial without trusting the certificate");
	ok(run_until(&cli.closed, 1), "wss: ... refused");
	has_str(cli.last_why, "certificate is not trusted: self-signed",
		"wss: ... saying why");
	is(cli.opened, 0, "wss: ... and never opened");
	transport_free(c);

	reset(&cli);
	c = wss_client(cert);
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.opened, 1), "wss: open with tls_ca = the certificate");
	fill(msg, sizeof(msg), 7);
	tconn_send(cli.conn, msg, sizeof(msg));
	ok(run_until(&cli.messages, 1), "wss: echo over TLS");
	ok(cli.len == sizeof(msg) && !memcmp(cli.buf, msg, sizeof(msg)),
	   "wss: bytes intact");
	/* the certificate names 127.0.0.1, not localhost */
	u.host = (char *)"localhost";
	transport_connect(c, &u, NULL, NULL);
	ok(run_until(&cli.closed, 1), "wss: another name than the "
	   "certificate's is refused");
	is(cli.opened, 1, "wss: ... and never opened");
	has_str(cli.last_why, "mismatch", "wss: ... saying why");
	/* a plain ws:// client on the TLS port gets nowhere */
	u = url_for(transport_port(s), "/websocket");
	ok(transport_connect(c, &u, NULL, NULL) != NULL, "wss: plain dial");
	ok(run_until(&cli.closed, 2), "wss: plain ws:// is refused");
	is(cli.opened, 1, "wss: ... and never opened");
	transport_free(c);
	transport_free(s);
	unlink(cert);
	unlink(key);
	rmdir(dir);
}

static void test_udp(void)
{
	struct endpoint ep = { .addr.family = AF_INET, .port = 0 };
	struct transport_params ps = { .kind = TRANSPORT_UDP, .listen = &ep,
				       .max_message = 2000 };
	struct transport_params pc = { .kind = TRANSPORT_UDP,
				       .max_message = 2000 };
	struct transport *s, *c;
	struct conf_url u;
	struct tconn *kept;
	uint8_t big[2001] = { 0 };

	reset(&srv);
	reset(&cli);
	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	s = transport_new(loop, &ps, &handlers, &srv);
	c = transport_new(loop, &pc, &handlers, &cli);
	ok(s && c && transport_port(s) > 0, "udp: transports");
	u = url_for(transport_port(s), "");
	u.scheme = URL_UDP;
	ok(transport_connect(c, &u, NULL, NULL) != NULL, "udp: connect");
	ok(run_until(&cli.opened, 1), "udp: open reported from the loop");
	is(tconn_send(cli.conn, (const uint8_t *)"hello", 5), 0, "udp: send");
	ok(run_until(&srv.messages, 1), "udp: server got it");
	ok(srv.len == 5 && !memcmp(srv.buf, "hello", 5), "udp: bytes intact");
	/* srv.conn is not set by a datagram: it was temporary */
	ok(srv.conn == NULL, "udp: no lasting peer before tconn_keep");
	is(transport_counters(s)->conns, 0, "udp: unknown sender allocated nothing");
	tconn_send(cli.conn, (const uint8_t *)"again", 5);
	srv.echo = false;
	ok(run_until(&srv.messages, 2), "udp: second datagram");
	/* sent in one turn: gathered, sent as one run (UDP GSO) */
	for (int i = 0; i < 30; i++)
		tconn_send(cli.conn, big, 1000);
	ok(run_until(&srv.messages, 32), "udp: 30 sent in one turn arrive");
	is(srv.len, 30010, "udp: ... 30010 bytes in all");
	is(transport_counters(c)->msgs_out, 32, "udp: 32 counted out");
	is(transport_counters(c)->bytes_out, 30010, "udp: 30010 bytes out");
	(void)kept;
	is(tconn_send(cli.conn, big, sizeof(big)), -EMSGSIZE,
	   "udp: oversized send refused");
	transport_free(c);
	transport_free(s);
}

/* tconn_keep() from inside the message handler, then reply on it */
static struct tconn *kept_conn;

static void keep_message(struct tconn *c, uint8_t *msg, size_t len,
			 void *user)
{
	struct seen *s = user;

	(void)msg;
	(void)len;
	s->messages++;
	kept_conn = tconn_keep(c);
	if (kept_conn)
		tconn_send(kept_conn, (const uint8_t *)"pong", 4);
	ev_loop_stop(loop);
}

static void test_udp_keep(void)
{
	static const struct transport_handlers kh = {
		.open = h_open, .message = keep_message, .closed = h_closed,
	};
	struct endpoint ep = { .addr.family = AF_INET, .port = 0 };
	struct transport_params ps = { .kind = TRANSPORT_UDP, .listen = &ep,
				       .max_message = 2000 };
	struct transport_params pc = { .kind = TRANSPORT_UDP,
				       .max_message = 2000 };
	struct transport *s, *c;
	struct conf_url u;

	reset(&srv);
	reset(&cli);
	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	s = transport_new(loop, &ps, &kh, &srv);
	c = transport_new(loop, &pc, &handlers, &cli);
	u = url_for(transport_port(s), "");
	u.scheme = URL_UDP;
	transport_connect(c, &u, NULL, NULL);
	run_until(&cli.opened, 1);
	tconn_send(cli.conn, (const uint8_t *)"ping", 4);
	ok(run_until(&cli.messages, 1), "keep: reply arrives on the kept peer");
	ok(cli.len == 4 && !memcmp(cli.buf, "pong", 4), "keep: reply intact");
	is(transport_counters(s)->conns, 1, "keep: one lasting peer");
	ok(strstr(tconn_name(kept_conn), "127.0.0.1:") != NULL,
	   "keep: peer named %s", tconn_name(kept_conn));
	tconn_send(cli.conn, (const uint8_t *)"ping", 4);
	run_until(&srv.messages, 2);
	is(transport_counters(s)->conns, 1, "keep: same peer kept once");
	transport_free(c);
	transport_free(s);
}

int main(void)
{
	log_set_level(LOG_LEVEL_SILENT);
	looptest_init();
	test_ws_echo();
	test_ws_too_big();
	test_ws_refusals();
	test_ws_handshake_timeout();
	test_ws_per_ip();
	test_ws_fragments();
	test_ws_backpressure();
	test_wss();
	test_udp();
	test_udp_keep();
	looptest_done();
	reset(&srv);
	reset(&cli);
	return tap_done();
}
