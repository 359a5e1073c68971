/* SPDX-License-Identifier: MIT */
/* tunnel_test.c - both tunnel ends over real transports on loopback
 *
 * A tunnel_server behind a WebSocket or UDP listener and a tunnel_client
 * that dials it, in one process: handshake and assignment, IP packets both
 * ways, resumption after the connection drops, packets held while there
 * is no connection, the refusals (wrong server key, unknown client key,
 * tampered and replayed messages), and a new handshake after a server
 * restart behind a UDP path.
 */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "key.h"
#include "log.h"
#include "looptest.h"
#include "tap.h"
#include "transport.h"
#include "tunnel.h"



static uint8_t server_priv[32], server_pub[32];
static uint8_t client_priv[32], client_pub[32];
static uint8_t other_priv[32], other_pub[32];
static uint8_t stranger_priv[32], stranger_pub[32];

/* what the server side saw */
static struct {
	int assigned, resumed, packets, gone;
	uint32_t last_id;
	size_t bytes;
	size_t lens[64]; /* of the first packets, in order */
	struct tconn *conn;
} S;

/* what the client side saw */
static struct {
	int up, packets, opened, closed;
	struct noise_assignment as;
	size_t bytes;
	uint8_t last[2048];
	size_t last_len;
	struct tconn *conn;
} C;

static struct tunnel_server *ts;
static struct tunnel_client *tc;
static size_t hold_bytes; /* the client's hold; 0: defaults */
static uint64_t hold_ms;
static const struct session_limits *limits; /* both ends'; NULL: defaults */

/* --- server side ---------------------------------------------------- */

static int s_assign(uint32_t id, bool resumed, struct noise_assignment *as,
		    void *user)
{
	(void)user;
	S.assigned++;
	S.resumed += resumed;
	S.last_id = id;
	inet_pton(AF_INET, "10.77.0.2", &as->addr);
	inet_pton(AF_INET, "10.77.0.1", &as->dns);
	as->prefix = 24;
	as->mtu = 1380;
	return 0;
}

static void s_packet(uint32_t id, uint8_t *pkt, size_t len, void *user)
{
	(void)user;
	if (S.packets < 64)
		S.lens[S.packets] = len;
	S.packets++;
	S.bytes += len;
	/* echo it back, as a NAT reply would come */
	tunnel_server_send(ts, id, pkt, len);
	tunnel_server_flush(ts);
	ev_loop_stop(loop);
}

static void s_gone(uint32_t id, void *user)
{
	(void)id;
	(void)user;
	S.gone++;
}

static const struct tunnel_server_handlers sh = {
	.assign = s_assign, .packet = s_packet, .gone = s_gone,
};

static void st_message(struct tconn *c, uint8_t *msg, size_t len, void *u)
{
	(void)u;
	S.conn = c;
	tunnel_server_receive(ts, c, msg, len);
}

static void st_closed(struct tconn *c, const char *why, void *u)
{
	(void)why;
	(void)u;
	tunnel_server_closed(ts, c);
}

static const struct transport_handlers sth = {
	.message = st_message, .closed = st_closed,
};

/* --- client side ---------------------------------------------------- */

static void c_up(const struct noise_assignment *as, void *user)
{
	(void)user;
	C.up++;
	C.as = *as;
	ev_loop_stop(loop);
}

static void c_packet(const uint8_t *pkt, size_t len, void *user)
{
	(void)user;
	C.packets++;
	C.bytes += len;
	C.last_len = len < sizeof(C.last) ? len : sizeof(C.last);
	memcpy(C.last, pkt, C.last_len);
	ev_loop_stop(loop);
}

static const struct tunnel_client_handlers ch = {
	.up = c_up, .packet = c_packet,
};

static void ct_open(struct tconn *c, void *u)
{
	(void)u;
	C.opened++;
	C.conn = c;
	tunnel_client_attach(tc, c);
}

static void ct_message(struct tconn *c, uint8_t *msg, size_t len, void *u)
{
	(void)c;
	(void)u;
	tunnel_client_receive(tc, msg, len);
}

static void ct_closed(struct tconn *c, const char *why, void *u)
{
	(void)why;
	(void)u;
	C.closed++;
	if (C.conn == c)
		C.conn = NULL;
	tunnel_client_detach(tc, c);
	ev_loop_stop(loop);
}

static const struct transport_handlers cth = {
	.open = ct_open, .message = ct_message, .closed = ct_closed,
};

/* --- fixtures -------------------------------------------------------- */

struct pair {
	struct transport *st, *ct;
	struct conf_url url;
	char host[16];
};

/* The server's tunnel end, knowing the laptop and one other client */
static struct tunnel_server *server_new(void)
{
	struct tunnel_peer peers[] = { { "laptop", client_pub },
				       { "other", other_pub } };
	struct tunnel_server_params tsp = {
		.private_key = server_priv, .peers = peers, .npeers = 2,
		.max_message = 65536, .linger_ms = 2000, .limits = limits,
	};

	return tunnel_server_new(loop, &tsp, &sh, NULL);
}

static void setup(struct pair *p, enum transport_kind kind,
		  const uint8_t *skey, const uint8_t *ckey)
{
	struct endpoint ep = { .addr.family = AF_INET };
	struct transport_params sp = {
		.kind = kind, .listen = &ep, .path = "/websocket/",
		.max_message = 65536, .queue_bytes = 1 << 20,
		.handshake_timeout_s = 5,
	};
	struct transport_params cp = sp;
	struct tunnel_client_params tcp = {
		.private_key = ckey, .server_key = skey,
		.max_message = kind == TRANSPORT_UDP ? 1472 : 65536,
		.limits = limits,
		.hold_bytes = hold_bytes, .hold_ms = hold_ms,
	};

	memset(&S, 0, sizeof(S));
	memset(&C, 0, sizeof(C));
	ep.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	cp.listen = NULL;
	p->st = transport_new(loop, &sp, &sth, NULL);
	p->ct = transport_new(loop, &cp, &cth, NULL);
	ts = server_new();
	tc = tunnel_client_new(loop, &tcp, &ch, NULL);
	strcpy(p->host, "127.0.0.1");
	p->url = (struct conf_url){
		.scheme = kind == TRANSPORT_UDP ? URL_UDP : URL_WS,
		.host = p->host, .port = (uint16_t)transport_port(p->st),
		.path = (char *)(kind == TRANSPORT_UDP ? "" : "/websocket/"),
	};
	transport_connect(p->ct, &p->url, NULL, NULL);
}

static void teardown(struct pair *p)
{
	transport_free(p->ct);
	transport_free(p->st);
	tunnel_client_free(tc);
	tunnel_server_free(ts);
}

/* An IPv4-looking packet of @len bytes; the tunnel does not parse it */
static void packet(uint8_t *b, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 13);
	b[0] = 0x45;
}

static void test_transport(enum transport_kind kind, const char *name)
{
	struct pair p;
	uint8_t pkt[1400];
	char addr[INET_ADDRSTRLEN];
	int before;

	setup(&p, kind, server_pub, client_priv);
	ok(run_until(&C.up, 1), "%s: handshake completes", name);
	is(S.assigned, 1, "%s: server assigned once", name);
	is(S.resumed, 0, "%s: a new session", name);
	is(S.last_id, 0, "%s: client 0 is the laptop", name);
	is_str(inet_ntop(AF_INET, &C.as.addr, addr, sizeof(addr)), "10.77.0.2",
	       "%s: inner address arrives", name);
	is(C.as.mtu, 1380, "%s: MTU arrives", name);
	is(C.as.prefix, 24, "%s: prefix arrives", name);

	/* one packet, echoed back */
	packet(pkt, 1400, 1);
	is(tunnel_client_send(tc, pkt, 1400), 0, "%s: packet batched", name);
	is(tunnel_client_flush(tc), 0, "%s: batch sent", name);
	ok(run_until(&C.packets, 1), "%s: echo comes back", name);
	ok(C.last_len == 1400 && !memcmp(C.last, pkt, 1400),
	   "%s: packet unchanged through both tunnel ends", name);

	/* a batch: many packets, one message (WebSocket) or several (UDP) */
	before = C.packets;
	for (unsigned i = 0; i < 40; i++) {
		packet(pkt, 60 + i, i);
		tunnel_client_send(tc, pkt, 60 + i);
	}
	tunnel_client_flush(tc);
	ok(run_until(&C.packets, before + 40), "%s: 40 packets come back",
	   name);
	is(tunnel_server_session_stats(ts, 0)->rx_packets, 41,
	   "%s: server opened 41 packets", name);
	ok(tunnel_server_session_stats(ts, 0)->rx_messages <
		   (kind == TRANSPORT_UDP ? 41 : 5),
	   "%s: packets were batched (%llu messages)", name,
	   (unsigned long long)tunnel_server_session_stats(ts, 0)->rx_messages);

	/* resumption: the connection drops, a new one comes */
	tconn_close(C.conn);
	run_until(&C.closed, 1);
	transport_connect(p.ct, &p.url, NULL, NULL);
	ok(run_until(&S.assigned, 2), "%s: new connection handshakes", name);
	is(S.resumed, 1, "%s: the server resumed the same session", name);
	before = C.packets;
	packet(pkt, 500, 9);
	tunnel_client_send(tc, pkt, 500);
	tunnel_client_flush(tc);
	ok(run_until(&C.packets, before + 1),
	   "%s: traffic continues after resumption", name);
	is(S.gone, 0, "%s: no session was lost", name);
	teardown(&p);
}

/* Drop the client's connection and wait until the client knows */
static void drop_path(void)
{
	int closed = C.closed;

	tconn_close(C.conn);
	run_until(&C.closed, closed + 1);
}

static void test_hold(void)
{
	const struct tunnel_stats *st;
	struct pair p;
	uint8_t pkt[1000];
	int order = 1, sent = 0;

	/* before the first handshake, and while detached: held, in order */
	hold_bytes = 0;
	hold_ms = 0;
	setup(&p, TRANSPORT_WEBSOCKET, server_pub, client_priv);
	packet(pkt, 99, 0);
	is(tunnel_client_send(tc, pkt, 99), 0, "hold: packet before keys held");
	ok(run_until(&S.packets, 1), "hold: sent once the session is up");
	drop_path();
	for (unsigned i = 0; i < 20; i++) {
		packet(pkt, 100 + i, i);
		sent += !tunnel_client_send(tc, pkt, 100 + i);
	}
	is(sent, 20, "hold: 20 packets held while detached");
	st = tunnel_client_stats(tc);
	is(st->held, 21, "hold: counted as held");
	transport_connect(p.ct, &p.url, NULL, NULL);
	ok(run_until(&S.packets, 21), "hold: all arrive after re-attach");
	for (int i = 0; i < 20; i++)
		order &= S.lens[i + 1] == 100 + (size_t)i;
	ok(order, "hold: in the order they were sent");
	is(st->released, 21, "hold: counted as released");
	ok(run_until(&S.assigned, 2) && S.resumed == 1,
	   "hold: the same session resumed");
	teardown(&p);

	/* the byte bound: 4 packets of 1000 bytes fit in 4096 with headers */
	hold_bytes = 4096;
	setup(&p, TRANSPORT_WEBSOCKET, server_pub, client_priv);
	ok(run_until(&C.up, 1), "hold bound: session up");
	drop_path();
	sent = 0;
	for (unsigned i = 0; i < 10; i++) {
		packet(pkt, sizeof(pkt), i);
		sent += !tunnel_client_send(tc, pkt, sizeof(pkt));
	}
	st = tunnel_client_stats(tc);
	is(sent, 4, "hold bound: 4 of 10 packets held");
	is(st->drops[TUNNEL_DROP_HOLD_FULL], 6,
	   "hold bound: 6 counted as hold full");
	transport_connect(p.ct, &p.url, NULL, NULL);
	ok(run_until(&S.packets, 4), "hold bound: the 4 arrive");
	run_for(200);
	is(S.packets, 4, "hold bound: and no more");
	teardown(&p);

	/* the age bound: what waited longer than hold_ms is dropped, and
	 * past hold_ms without a path packets are refused for ICMP */
	hold_bytes = 0;
	hold_ms = 200;
	setup(&p, TRANSPORT_WEBSOCKET, server_pub, client_priv);
	ok(run_until(&C.up, 1), "hold age: session up");
	drop_path();
	for (unsigned i = 0; i < 3; i++) {
		packet(pkt, 200 + i, i);
		tunnel_client_send(tc, pkt, 200 + i);
	}
	run_for(400);
	packet(pkt, 300, 7);
	is(tunnel_client_send(tc, pkt, 300), TUNNEL_UNREACHABLE,
	   "hold age: past hold_ms a new one is refused as unreachable");
	st = tunnel_client_stats(tc);
	is(st->drops[TUNNEL_DROP_NO_PATH], 1,
	   "hold age: counted as no path");
	transport_connect(p.ct, &p.url, NULL, NULL);
	ok(run_until(&S.assigned, 2), "hold age: the path is back");
	is(st->drops[TUNNEL_DROP_HOLD_AGED], 3,
	   "hold age: the 3 old ones counted as held too long");
	packet(pkt, 301, 8);
	is(tunnel_client_send(tc, pkt, 301), 0, "hold age: sent again");
	tunnel_client_flush(tc);
	ok(run_until(&S.packets, 1), "hold age: the new one arrives");
	run_for(200);
	ok(S.packets == 1 && S.lens[0] == 301, "hold age: and only it");
	drop_path();
	is(tunnel_client_send(tc, pkt, 301), 0,
	   "hold age: the next outage holds again at first");
	teardown(&p);
	hold_ms = 0;
}

static void test_refusals(void)
{
	struct pair p;
	const struct tunnel_stats *st;
	uint8_t pkt[100];

	/* the client has the wrong server key: mac1 fails, no answer */
	setup(&p, TRANSPORT_WEBSOCKET, stranger_pub, client_priv);
	run_until(&C.opened, 1);
	run_for(300);
	st = tunnel_server_stats(ts);
	is(C.up, 0, "wrong server key: no session");
	ok(st->noise_drops[NOISE_ERR_MAC1] >= 1,
	   "wrong server key: dropped for mac1");
	is(S.assigned, 0, "wrong server key: nothing assigned");
	teardown(&p);

	/* a client key the server does not list */
	setup(&p, TRANSPORT_WEBSOCKET, server_pub, stranger_priv);
	run_until(&C.opened, 1);
	run_for(300);
	st = tunnel_server_stats(ts);
	is(C.up, 0, "unknown client key: no session");
	is(S.assigned, 0, "unknown client key: nothing assigned");
	ok(st->drops[TUNNEL_DROP_UNKNOWN_KEY] >= 1,
	   "unknown client key: counted");
	teardown(&p);

	/* garbage on a live session's connection changes nothing */
	setup(&p, TRANSPORT_WEBSOCKET, server_pub, client_priv);
	ok(run_until(&C.up, 1), "garbage: session up");
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 3;			/* a data message for no index */
	pkt[4] = 0x42;
	tconn_send(C.conn, pkt, sizeof(pkt));
	pkt[0] = 9;			/* no such type */
	tconn_send(C.conn, pkt, sizeof(pkt));
	pkt[0] = 1;			/* an initiation of the wrong length */
	tconn_send(C.conn, pkt, sizeof(pkt));
	packet(pkt, sizeof(pkt), 3);
	tunnel_client_send(tc, pkt, sizeof(pkt));
	tunnel_client_flush(tc);
	ok(run_until(&C.packets, 1), "garbage: the session still works");
	st = tunnel_server_stats(ts);
	is(st->drops[TUNNEL_DROP_UNKNOWN_INDEX], 1, "garbage: unknown index");
	is(st->drops[TUNNEL_DROP_BAD_TYPE], 1, "garbage: bad type");
	is(st->noise_drops[NOISE_ERR_LENGTH], 1, "garbage: bad length");
	teardown(&p);

	/* a client that goes away for good is forgotten after linger_ms */
	setup(&p, TRANSPORT_WEBSOCKET, server_pub, client_priv);
	ok(run_until(&C.up, 1), "linger: session up");
	tconn_close(C.conn);
	ok(run_until(&S.gone, 1), "linger: session ended after linger time");
	teardown(&p);
}

/* The list of clients changes while the server runs */
static void test_clients_change(void)
{
	struct tunnel_peer stranger = {"stranger", stranger_pub};
	struct tunnel_peer dup = {"dup", stranger_pub};
	uint8_t far_priv[32], far_pub[32], pkt[200];
	struct tunnel_peer far = {"far", far_pub};
	struct pair p;

	key_generate(far_priv);
	key_public(far_pub, far_priv);
	setup(&p, TRANSPORT_WEBSOCKET, server_pub, stranger_priv);
	run_until(&C.opened, 1);
	run_for(300);
	is(C.up, 0, "clients: not listed, no session");
	is(tunnel_server_add(ts, 5, &stranger), 0, "clients: added as id 5");
	is(tunnel_server_add(ts, 6, &dup), -1, "clients: the same key again "
					       "refused");
	is(tunnel_server_add(ts, 5, &far), -1, "clients: id 5 is in use");
	drop_path();
	transport_connect(p.ct, &p.url, NULL, NULL);
	ok(run_until(&C.up, 1), "clients: the added client handshakes");
	is(S.last_id, 5, "clients: as id 5");
	packet(pkt, sizeof(pkt), 4);
	tunnel_client_send(tc, pkt, sizeof(pkt));
	tunnel_client_flush(tc);
	ok(run_until(&C.packets, 1), "clients: its packets go both ways");
	is(tunnel_server_rename(ts, 5, "renamed"), 0, "clients: renamed");
	is(tunnel_server_rename(ts, 7, "nobody"), -1,
	   "clients: renaming a free id fails");
	is(tunnel_server_add(ts, 100, &far), 0,
	   "clients: an id past the table's end");
	ok(tunnel_server_session_stats(ts, 100) != NULL,
	   "clients: which is there");

	tunnel_server_remove(ts, 5);
	is(S.gone, 1, "clients: removed: its session ended at once");
	ok(run_until(&C.closed, 2), "clients: removed: its path closed");
	ok(!tunnel_server_connected(ts, 5) &&
		   !tunnel_server_session_stats(ts, 5),
	   "clients: removed: id 5 is free");
	is(tunnel_server_send(ts, 5, pkt, sizeof(pkt)), -1,
	   "clients: removed: nothing goes to it");
	tunnel_server_remove(ts, 5);
	tunnel_server_remove(ts, 1000);
	is(S.gone, 1, "clients: removing a free id does nothing");
	is(tunnel_server_add(ts, 5, &dup), 0,
	   "clients: its key and id can come back");
	teardown(&p);
}

/* A server restarted behind a UDP path (which sees no close): it drops
 * what comes under the old keys; the client, hearing nothing for
 * dead_after, handshakes again and traffic resumes in a new session */
static void test_server_restart(void)
{
	struct session_limits lim;
	uint8_t pkt[300];
	struct pair p;

	session_limits_default(&lim);
	lim.keepalive_ms = 100;
	lim.dead_after_ms = 300;
	lim.rekey_timeout_ms = 100;
	limits = &lim;
	setup(&p, TRANSPORT_UDP, server_pub, client_priv);
	ok(run_until(&C.up, 1), "restart: handshake completes");
	tunnel_server_free(ts);
	ts = server_new();
	S.assigned = S.resumed = 0;
	packet(pkt, sizeof(pkt), 5);
	tunnel_client_send(tc, pkt, sizeof(pkt));
	tunnel_client_flush(tc);
	run_for(50);
	is(C.packets, 0, "restart: the new server drops the old session's "
			 "packets");
	ok(tunnel_server_stats(ts)->drops[TUNNEL_DROP_UNKNOWN_INDEX] > 0,
	   "restart: counted as unknown index");
	ok(run_until(&S.assigned, 1), "restart: the client handshakes again");
	ok(S.assigned > S.resumed, "restart: in a new session (%d handshakes, "
	   "%d resumed)", S.assigned, S.resumed);
	tunnel_client_send(tc, pkt, sizeof(pkt));
	tunnel_client_flush(tc);
	ok(run_until(&C.packets, 1), "restart: traffic flows again");
	limits = NULL;
	teardown(&p);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	log_set_level(LOG_LEVEL_SILENT);
	key_generate(server_priv);
	key_public(server_pub, server_priv);
	key_generate(client_priv);
	key_public(client_pub, client_priv);
	key_generate(other_priv);
	key_public(other_pub, other_priv);
	key_generate(stranger_priv);
	key_public(stranger_pub, stranger_priv);
	looptest_init();
	test_transport(TRANSPORT_WEBSOCKET, "ws");
	test_transport(TRANSPORT_UDP, "udp");
	test_hold();
	test_refusals();
	test_clients_change();
	test_server_restart();
	looptest_done();
	return tap_done();
}
