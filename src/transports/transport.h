/* SPDX-License-Identifier: MIT */
/* transport.h - how roles send and receive tunnel messages, whatever carries
 * them
 *
 * A transport carries whole binary messages (tether's protocol messages,
 * already encrypted) between two ends: over WebSocket (through the phone's
 * page or the relay) or over UDP (client straight to server). Roles see
 * only this interface; libwebsockets and socket types stay in the
 * transport's own file.
 *
 * A struct tconn is one connection: an accepted or dialled WebSocket, or a
 * UDP peer address. Sending queues the message. Like a stream's write(),
 * tconn_send() says when the queue has passed its bound (queue_bytes): the
 * caller then pauses its source (tconn_pause() on the other side, or stops
 * reading the TUN) until the drained() handler says there is room again. A
 * caller that ignores this is refused at twice the bound and drops (IP
 * tolerates loss); memory stays bounded either way.
 *
 * UDP has no connections, and a datagram from an unknown address must cost
 * the server nothing: its message() handler gets a temporary tconn that is
 * valid only during the call. The role calls tconn_keep() on it once the
 * message proves to be from a real peer (an authenticated handshake), and
 * gets a lasting tconn in return.
 */
#ifndef TETHER_TRANSPORT_H
#define TETHER_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conf.h"
#include "ev.h"

struct transport;
struct tconn;

enum transport_kind {
	TRANSPORT_WEBSOCKET,
	TRANSPORT_UDP,
	TRANSPORT_WS_CLIENT, /* dial ws:// only, without lws (the relay) */
};

struct transport_handlers {
	/* the connection is ready to carry messages */
	void (*open)(struct tconn *c, void *user);
	/* one whole message arrived; the handler may change its bytes in
	 * place (decrypt), they are the transport's until it returns */
	void (*message)(struct tconn *c, uint8_t *msg, size_t len, void *user);
	/* the connection is gone (by either side); @c is freed afterwards */
	void (*closed)(struct tconn *c, const char *why, void *user);
	/* the send queue, once full, has room again (may be NULL) */
	void (*drained)(struct tconn *c, void *user);
	/* listener: accept this new connection? @origin is the HTTP Origin
	 * header or NULL when absent (may be NULL: accept all) */
	bool (*admit)(struct tconn *c, const char *origin, void *user);
};

struct transport_params {
	enum transport_kind kind;
	const struct endpoint *listen; /* NULL: dial out only */
	const char *path;	       /* WebSocket path, e.g. "/websocket" */
	const char *static_dir;	       /* WebSocket: files served at / */
	const char *info_path;	       /* WebSocket: a JSON document at */
	const char *info_json;	       /* this path (both or neither) */
	const char *tls_cert;	       /* WebSocket: PEM files for wss:// */
	const char *tls_key;
	const char *tls_ca; /* dialling wss://: PEM CAs trusted besides the
			     * system's (a self-signed certificate is its
			     * own CA) */
	size_t max_message;	      /* larger messages are refused */
	size_t queue_bytes;	      /* send queue bound per connection */
	unsigned handshake_timeout_s; /* WebSocket upgrade must finish */
	unsigned max_per_ip;	      /* listener: connections per address */
	unsigned ping_interval_s;     /* WebSocket ping when idle; 0: off */
	int fwmark;		      /* SO_MARK on sockets; 0: none */
};

struct transport_counters {
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	uint64_t drop_queue_full; /* tconn_send() refused */
	uint64_t drop_too_big;	  /* oversized or too fragmented */
	uint64_t refused;	  /* admit() said no, or limits */
	uint64_t conns;		  /* connections opened */
};

struct transport *transport_new(struct ev_loop *l,
				const struct transport_params *p,
				const struct transport_handlers *h, void *user);
struct tconn *transport_connect(struct transport *t, const struct conf_url *url,
				const char *origin, void *data);
const struct transport_counters *transport_counters(const struct transport *t);
int transport_port(const struct transport *t);
void transport_free(struct transport *t);

int tconn_send(struct tconn *c, const uint8_t *msg, size_t len);
void tconn_pause(struct tconn *c, bool paused);
void tconn_close(struct tconn *c);
struct tconn *tconn_keep(struct tconn *c);
void tconn_set_data(struct tconn *c, void *data);
void *tconn_data(const struct tconn *c);
const char *tconn_name(const struct tconn *c);
const struct endpoint *tconn_peer(const struct tconn *c);
size_t tconn_mtu(const struct tconn *c);

#endif
