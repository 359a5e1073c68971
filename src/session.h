/* SPDX-License-Identifier: MIT */
/* session.h - transport keys, batched sealing and opening, rekey timers */
#ifndef TETHER_SESSION_H
#define TETHER_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noise.h"
#include "replay.h"
#include "wire.h"

#define SESSION_HEADER_LEN  16
#define SESSION_TAG_LEN	    16
#define SESSION_OVERHEAD    (SESSION_HEADER_LEN + SESSION_TAG_LEN)
#define SESSION_MAX_MESSAGE WIRE_MAX_MESSAGE
#define SESSION_MAX_BATCH   (SESSION_MAX_MESSAGE - SESSION_OVERHEAD)
#define SESSION_PAD	    16	  /* batches are padded to a multiple of this */
#define SESSION_PACKET_MAX  65535 /* u16 length prefix */
/* A GSO entry: this length word (no packet that long fits a batch), then
 * u16 segment size, u16 length, the packet (doc/PROTOCOL.md, section 4) */
#define SESSION_GSO_MARK 0xffff
#define SESSION_GSO_HDR	 6
/* The smallest segment size of a GSO entry: below it the headers repeated
 * in every segment would multiply what a message makes the receiver send
 * (RFC 879's default MSS; the sender splits such a packet itself) */
#define SESSION_GSO_MIN 536

/* Why a transport message was dropped (or not sent); session_err_name() */
enum session_err {
	SESSION_OK = 0,
	SESSION_ERR_SHORT,   /* shorter than header and tag */
	SESSION_ERR_TOO_BIG, /* longer than SESSION_MAX_MESSAGE */
	SESSION_ERR_TYPE,    /* not a data message, or reserved bytes set */
	SESSION_ERR_INDEX,   /* no key pair with this receiver index */
	SESSION_ERR_NO_KEY,  /* nothing to send with: handshake first */
	SESSION_ERR_EXPIRED, /* key pair past its time or message limit */
	SESSION_ERR_OLD,     /* counter older than the replay window */
	SESSION_ERR_REPLAY,  /* counter already received */
	SESSION_ERR_AUTH,    /* does not authenticate: forged or damaged */
	SESSION_ERR_FRAMING, /* batch framing or padding is malformed */
	SESSION_ERR__COUNT
};

/* WireGuard's limits and tether's keepalive policy; see doc/PROTOCOL.md 5 */
struct session_limits {
	uint64_t rekey_after_messages;
	uint64_t reject_after_messages;
	uint64_t rekey_after_ms;
	uint64_t reject_after_ms;
	uint64_t rekey_timeout_ms; /* retransmit an initiation after */
	uint64_t keepalive_ms;	   /* send something at least this often */
	uint64_t dead_after_ms;	   /* nothing received for this long */
};

struct session_keypair {
	uint8_t send_key[NOISE_KEY_LEN];
	uint8_t recv_key[NOISE_KEY_LEN];
	uint64_t send_counter; /* next counter to send */
	struct replay replay;
	uint64_t birth_ms;
	uint32_t local_index;
	uint32_t remote_index;
	bool initiator; /* we initiated its handshake */
	bool valid;
};

struct session_stats {
	uint64_t tx_messages, tx_packets, tx_bytes;
	uint64_t rx_messages, rx_packets, rx_bytes;
	uint64_t keepalives_sent, keepalives_received;
	uint64_t drops[SESSION_ERR__COUNT];
};

/* Actions session_tick() asks the caller to take */
enum session_action {
	SESSION_ACT_HANDSHAKE = 1 << 0, /* send a (new) initiation */
	SESSION_ACT_KEEPALIVE = 1 << 1, /* seal and send an empty batch */
	SESSION_ACT_DEAD = 1 << 2,	/* nothing heard for dead_after_ms */
};

/*
 * One peer's transport state. All times are milliseconds of a monotonic
 * clock the caller passes in. on_retire, if set, is told each local index
 * that stops being valid, so the caller can drop it from its index table.
 */
struct session {
	struct session_keypair cur;  /* sending key pair */
	struct session_keypair prev; /* still receiving after a rekey */
	struct session_keypair next; /* responder: until first received */
	struct session_limits lim;
	bool initiator; /* client: starts handshakes */
	bool handshake_pending;
	bool keepalive_now;
	bool dead; /* DEAD reported, nothing since */
	uint64_t last_sent_ms;
	uint64_t last_recv_ms;
	uint64_t handshake_sent_ms;
	struct session_stats stats;
	void (*on_retire)(void *arg, uint32_t local_index);
	void *retire_arg;
};

/* Packets being packed into one transport message, in the caller's buffer */
struct session_batch {
	uint8_t *buf; /* the whole message: header, batch, tag */
	size_t max;   /* largest batch that fits, a multiple of 16 */
	size_t len;   /* batch bytes so far */
	unsigned int packets;
};

/* Walks the packets of a batch session_open() validated */
struct session_iter {
	const uint8_t *p;
	size_t left;
	size_t gso; /* the last packet's segment size; 0: a plain packet */
};

void session_limits_default(struct session_limits *lim);
void session_init(struct session *s, const struct session_limits *lim,
		  bool initiator, uint64_t now);
void session_clear(struct session *s);
void session_install(struct session *s, const struct noise_keypair *kp,
		     uint64_t now);
void session_handshake_sent(struct session *s, uint64_t now);
unsigned int session_tick(struct session *s, uint64_t now, uint64_t *next);

void session_batch_init(struct session_batch *b, uint8_t *buf, size_t cap);
int session_batch_add(struct session_batch *b, const void *pkt, size_t len);
int session_batch_add_gso(struct session_batch *b, const void *pkt, size_t len,
			  size_t gso);
size_t session_batch_max_gso(size_t cap);
uint8_t *session_batch_tail(struct session_batch *b, size_t *room);
int session_batch_commit(struct session_batch *b, size_t len);
enum session_err session_seal(struct session *s, struct session_batch *b,
			      uint64_t now, size_t *wire_len);

enum session_err session_msg_index(const uint8_t *msg, size_t len,
				   uint32_t *index);
enum session_err session_open(struct session *s, uint8_t *msg, size_t len,
			      uint64_t now, struct session_iter *it);
enum session_err session_batch_check(const uint8_t *p, size_t len);
bool session_iter_next(struct session_iter *it, const uint8_t **pkt,
		       size_t *len);
const char *session_err_name(enum session_err err);

#endif
