/* SPDX-License-Identifier: MIT */
/* tunnel.h - the two ends of the encrypted tunnel, over any transport
 *
 * tunnel_client is the laptop's end: one server, one session, whatever
 * transport connection currently leads there (the phone's WebSocket or a
 * UDP socket). tunnel_server is the public end: many known clients, each
 * with its session, found by static key on handshake and by index on
 * data. Both turn IP packets into batched, sealed transport messages and
 * back, and run the session timers (rekey, keepalive, dead path) on the
 * event loop. Neither touches a TUN device or the NAT: the roles do.
 */
#ifndef TETHER_TUNNEL_H
#define TETHER_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev.h"
#include "noise.h"
#include "session.h"
#include "transport.h"

/* Why the tunnel (not the session) dropped something */
enum tunnel_drop {
	TUNNEL_DROP_NO_SESSION,	   /* packet to send, no keys yet */
	TUNNEL_DROP_NO_PATH,	   /* packet to send, no connection */
	TUNNEL_DROP_QUEUE_FULL,	   /* the transport refused it */
	TUNNEL_DROP_TOO_BIG,	   /* packet larger than a message */
	TUNNEL_DROP_BAD_TYPE,	   /* message of an unknown type */
	TUNNEL_DROP_HANDSHAKE,	   /* a handshake message failed */
	TUNNEL_DROP_UNKNOWN_KEY,   /* initiation from a key not listed */
	TUNNEL_DROP_STALE,	   /* initiation timestamp not newer */
	TUNNEL_DROP_RATELIMIT,	   /* too many initiations from there */
	TUNNEL_DROP_UNKNOWN_INDEX, /* data for no live session */
	TUNNEL_DROP_HOLD_FULL,	   /* held for a path or keys: no room */
	TUNNEL_DROP_HOLD_AGED,	   /* held for a path or keys: too long */
	TUNNEL_DROP_GSO,	   /* GSO packet that cannot be split */
	TUNNEL_DROP__COUNT
};

struct tunnel_stats {
	uint64_t drops[TUNNEL_DROP__COUNT];
	uint64_t noise_drops[NOISE_ERR__COUNT];
	uint64_t handshakes; /* completed */
	uint64_t held;	     /* client: packets held for a path or keys */
	uint64_t released;   /* client: held packets sent at last */
	uint64_t gso_sent;   /* client: GSO packets sent whole */
	uint64_t gso_split;  /* client: GSO packets split before sending */
	uint64_t joined_runs;	  /* server: runs of TCP segments joined */
	uint64_t joined_segments; /* server: segments in those runs */
};

const char *tunnel_drop_name(enum tunnel_drop d);

/* --- client ------------------------------------------------------------ */

struct tunnel_client;

struct tunnel_client_handlers {
	/* a handshake completed; @as is the server's assignment */
	void (*up)(const struct noise_assignment *as, void *user);
	/* an IP packet from the server */
	void (*packet)(const uint8_t *pkt, size_t len, void *user);
	/* nothing heard from the server for the dead-path time */
	void (*dead)(void *user);
	/* every completed handshake (rekeys too), after up(); @rtt_us is
	 * from the initiation sent to its response (may be NULL) */
	void (*handshake)(const struct noise_assignment *as, uint64_t rtt_us,
			  void *user);
	/* a data message (or keepalive) authenticated (may be NULL) */
	void (*heard)(void *user);
};

/* Defaults for what the client holds while it cannot send */
#define TUNNEL_HOLD_BYTES (256 * 1024)
#define TUNNEL_HOLD_MS	  1000

/* tunnel_client_send(): refused, answer with ICMP host unreachable */
#define TUNNEL_UNREACHABLE (-2)

struct tunnel_client_params {
	const uint8_t *private_key;	     /* 32 bytes */
	const uint8_t *server_key;	     /* 32 bytes */
	size_t max_message;		     /* transport's message size */
	const struct session_limits *limits; /* NULL: defaults */
	size_t hold_bytes;		     /* 0: TUNNEL_HOLD_BYTES */
	uint64_t hold_ms;		     /* 0: TUNNEL_HOLD_MS */
};

struct tunnel_client *tunnel_client_new(struct ev_loop *l,
					const struct tunnel_client_params *p,
					const struct tunnel_client_handlers *h,
					void *user);
void tunnel_client_attach(struct tunnel_client *tc, struct tconn *c);
void tunnel_client_detach(struct tunnel_client *tc, struct tconn *c);
void tunnel_client_receive(struct tunnel_client *tc, uint8_t *msg, size_t len);
int tunnel_client_send(struct tunnel_client *tc, const uint8_t *pkt,
		       size_t len);
int tunnel_client_send_gso(struct tunnel_client *tc, uint8_t *pkt, size_t len,
			   size_t gso);
int tunnel_client_flush(struct tunnel_client *tc);
bool tunnel_client_up(const struct tunnel_client *tc);
const struct session_stats *
tunnel_client_session_stats(const struct tunnel_client *tc);
const struct tunnel_stats *tunnel_client_stats(const struct tunnel_client *tc);
void tunnel_client_free(struct tunnel_client *tc);

/* --- server ------------------------------------------------------------ */

struct tunnel_server;

struct tunnel_peer {
	const char *name;
	const uint8_t *public_key; /* 32 bytes */
};

struct tunnel_server_handlers {
	/* client @id completed a handshake: fill in its assignment (the
	 * same on every handshake of a lasting session); return -1 to
	 * refuse it */
	int (*assign)(uint32_t id, bool resumed, struct noise_assignment *as,
		      void *user);
	/* an IP packet from client @id */
	void (*packet)(uint32_t id, uint8_t *pkt, size_t len, void *user);
	/* a TCP packet from client @id for the server to split into
	 * segments of @gso payload bytes; NULL: the server does not take
	 * GSO entries (and tells its clients so in the handshake) */
	void (*gso_packet)(uint32_t id, uint8_t *pkt, size_t len, size_t gso,
			   void *user);
	/* client @id's session ended (linger expired): free its state */
	void (*gone)(uint32_t id, void *user);
};

/* A client's session, as tunnel_server_peer() reports it */
struct tunnel_peer_info {
	bool connected;	       /* has a path, not lingering */
	const char *path;      /* the path's name, or NULL */
	uint64_t since_ms;     /* the session's first handshake */
	uint64_t handshake_ms; /* its latest */
	uint64_t handshakes;
	struct noise_assignment as; /* what it was given */
	const struct session_stats *stats;
};

struct tunnel_server_params {
	const uint8_t *private_key; /* 32 bytes */
	const struct tunnel_peer *peers;
	size_t npeers;
	size_t max_message;
	uint64_t linger_ms;		     /* keep a session without a path */
	const struct session_limits *limits; /* NULL: defaults */
};

struct tunnel_server *tunnel_server_new(struct ev_loop *l,
					const struct tunnel_server_params *p,
					const struct tunnel_server_handlers *h,
					void *user);
int tunnel_server_add(struct tunnel_server *ts, uint32_t id,
		      const struct tunnel_peer *peer);
void tunnel_server_remove(struct tunnel_server *ts, uint32_t id);
int tunnel_server_rename(struct tunnel_server *ts, uint32_t id,
			 const char *name);
void tunnel_server_receive(struct tunnel_server *ts, struct tconn *c,
			   uint8_t *msg, size_t len);
void tunnel_server_closed(struct tunnel_server *ts, struct tconn *c);
int tunnel_server_send(struct tunnel_server *ts, uint32_t id,
		       const uint8_t *pkt, size_t len);
void tunnel_server_flush(struct tunnel_server *ts);
int tunnel_server_join_segments(struct tunnel_server *ts, bool on);
bool tunnel_server_connected(const struct tunnel_server *ts, uint32_t id);
uint64_t tunnel_server_offline_ms(const struct tunnel_server *ts, uint32_t id);
const struct session_stats *
tunnel_server_session_stats(const struct tunnel_server *ts, uint32_t id);
bool tunnel_server_peer(const struct tunnel_server *ts, uint32_t id,
			struct tunnel_peer_info *pi);
const struct tunnel_stats *tunnel_server_stats(const struct tunnel_server *ts);
void tunnel_server_free(struct tunnel_server *ts);

#endif
