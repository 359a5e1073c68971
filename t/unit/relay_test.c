/* SPDX-License-Identifier: MIT */
/* relay_test.c - the relay role between two in-process WebSocket servers
 *
 *   [laptop side: ws server] <-- tether --role=relay --> [server side: ws server]
 *
 * The relay runs as a child process ($TETHER); this process plays both
 * ends, checks that messages cross unchanged both ways, that the relay
 * reconnects a side that was cut, that an added delay holds messages back,
 * and that SIGTERM stops it cleanly.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "looptest.h"
#include "tap.h"
#include "transport.h"



struct end {
	const char *name;
	struct transport *t;
	struct tconn *conn;
	int opened, closed, messages;
	uint8_t last[256];
	size_t last_len;
	uint64_t last_at;
};

static struct end laptop = { .name = "laptop" }, server = { .name = "server" };

static void h_open(struct tconn *c, void *user)
{
	struct end *e = user;

	e->conn = c;
	e->opened++;
	ev_loop_stop(loop);
}

static void h_message(struct tconn *c, uint8_t *msg, size_t len,
		      void *user)
{
	struct end *e = user;

	(void)c;
	e->last_len = len < sizeof(e->last) ? len : sizeof(e->last);
	memcpy(e->last, msg, e->last_len);
	e->last_at = ev_now(loop);
	e->messages++;
	ev_loop_stop(loop);
}

static void h_closed(struct tconn *c, const char *why, void *user)
{
	struct end *e = user;

	(void)why;
	if (e->conn == c)
		e->conn = NULL;
	e->closed++;
	ev_loop_stop(loop);
}

static const struct transport_handlers handlers = {
	.open = h_open, .message = h_message, .closed = h_closed,
};

static void listen_end(struct end *e, const char *path)
{
	struct endpoint ep = { .addr.family = AF_INET, .port = 0 };
	struct transport_params p = {
		.kind = TRANSPORT_WEBSOCKET, .listen = &ep, .path = path,
		.max_message = 65536, .queue_bytes = 1 << 20,
		.handshake_timeout_s = 5,
	};

	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	e->t = transport_new(loop, &p, &handlers, e);
}

static pid_t start_relay(const char *extra)
{
	char path[] = "/tmp/relay-test-XXXXXX";
	int fd = mkstemp(path);
	pid_t pid;
	FILE *f;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fprintf(f, "{\"client_url\": \"ws://127.0.0.1:%d/websocket\","
		   " \"server_url\": \"ws://127.0.0.1:%d/websocket/\"%s}\n",
		transport_port(laptop.t), transport_port(server.t), extra);
	fclose(f);
	pid = fork();
	if (pid == 0) {
		execl(getenv("TETHER"), "tether", "--role=relay", "-c", path,
		      (char *)NULL);
		_exit(127);
	}
	/* the relay has read its config by the time both ends are open */
	return pid;
}

static int stop_relay(pid_t pid)
{
	int status = -1;

	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void test_pipe(void)
{
	pid_t pid = start_relay("");
	uint8_t up[300], down[100];

	ok(pid > 0, "relay started");
	ok(run_until(&laptop.opened, 1) && run_until(&server.opened, 1),
	   "relay connected to both ends");
	/* the relay's own view of its links can lag by a loop turn */
	run_for(200);
	for (size_t i = 0; i < sizeof(up); i++)
		up[i] = (uint8_t)(i * 7);
	memset(down, 0xa5, sizeof(down));
	tconn_send(laptop.conn, up, sizeof(up));
	ok(run_until(&server.messages, 1), "laptop -> server arrives");
	ok(server.last_len == sizeof(server.last) &&
		   !memcmp(server.last, up, sizeof(server.last)),
	   "laptop -> server unchanged");
	tconn_send(server.conn, down, sizeof(down));
	ok(run_until(&laptop.messages, 1), "server -> laptop arrives");
	ok(laptop.last_len == sizeof(down) &&
		   !memcmp(laptop.last, down, sizeof(down)),
	   "server -> laptop unchanged");

	/* cut the server side: the relay reconnects it by itself */
	tconn_close(server.conn);
	ok(run_until(&server.opened, 2), "relay reconnects a cut side");
	is(laptop.closed, 0, "the other side stayed up");
	/* the relay may see its new link a moment after the server does;
	 * until then it drops, as the phone would: retry a bounded number */
	for (int i = 0; i < 50 && server.messages < 2; i++) {
		tconn_send(laptop.conn, up, 10);
		run_for(100);
	}
	ok(server.messages >= 2, "traffic flows after reconnect");
	is(stop_relay(pid), 0, "SIGTERM: relay exits 0");
	ok(run_until(&laptop.closed, 1) && run_until(&server.closed, 2),
	   "SIGTERM: relay closed both connections");
}

static void test_delay(void)
{
	pid_t pid = start_relay(", \"impair\": {\"delay_ms\": 300}");
	uint64_t sent;
	int before = server.messages;

	run_until(&laptop.opened, 2);
	run_until(&server.opened, 3);
	run_for(200);
	sent = ev_now(loop);
	tconn_send(laptop.conn, (const uint8_t *)"late", 4);
	ok(run_until(&server.messages, before + 1), "delayed message arrives");
	/* a lower bound only: the relay cannot deliver it earlier */
	ok(server.last_at - sent >= 300, "held for at least 300 ms (%llu)",
	   (unsigned long long)(server.last_at - sent));
	is(stop_relay(pid), 0, "impaired relay exits 0");
}

static void test_rate(void)
{
	pid_t pid = start_relay(", \"impair\": {\"rate_kbit\": 8000}");
	static uint8_t chunk[32768];
	int before = server.messages;
	uint64_t sent;

	run_until(&laptop.opened, laptop.opened + 1);
	run_until(&server.opened, server.opened + 1);
	run_for(200);
	sent = ev_now(loop);
	for (int i = 0; i < 48; i++)
		tconn_send(laptop.conn, chunk, sizeof(chunk));
	ok(run_until(&server.messages, before + 48),
	   "rate: 1.5 MiB arrives through a 8 Mbit/s relay");
	/* a lower bound only: 1.5 MiB less the bucket's burst at 1 MB/s */
	ok(server.last_at - sent >= 1200, "rate: it took at least 1.2 s "
	   "(%llu ms)", (unsigned long long)(server.last_at - sent));
	is(stop_relay(pid), 0, "rate-limited relay exits 0");
}

static void test_drops(void)
{
	pid_t pid = start_relay(", \"impair\": {\"drop_every_s\": 1}");
	int opened = server.opened;

	ok(run_until(&server.opened, opened + 3),
	   "drop_every_s: the relay cut and redialled its links");
	is(stop_relay(pid), 0, "dropping relay exits 0");
}

int main(void)
{
	if (!getenv("TETHER")) {
		printf("1..0 # SKIP TETHER is not set\n");
		return 1;	/* run it through make check */
	}
	log_set_level(LOG_LEVEL_SILENT);
	looptest_init();
	listen_end(&laptop, "/websocket");
	listen_end(&server, "/websocket/");
	test_pipe();
	test_delay();
	test_rate();
	test_drops();
	transport_free(laptop.t);
	transport_free(server.t);
	looptest_done();
	return tap_done();
}
