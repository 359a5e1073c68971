/* SPDX-License-Identifier: MIT */
/* noise.h - Noise IK handshake (25519, ChaChaPoly, BLAKE2b) with mac1 */
#ifndef TETHER_NOISE_H
#define TETHER_NOISE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NOISE_KEY_LEN	     32
#define NOISE_HASH_LEN	     64
#define NOISE_TIMESTAMP_LEN  12
#define NOISE_INITIATION_LEN 132
#define NOISE_RESPONSE_LEN   92

/* Why a handshake message was dropped; names by noise_err_name() */
enum noise_err {
	NOISE_OK = 0,
	NOISE_ERR_LENGTH,     /* not the exact length of its type */
	NOISE_ERR_TYPE,	      /* wrong type or nonzero reserved bytes */
	NOISE_ERR_MAC1,	      /* mac1 does not match: garbage, wrong key */
	NOISE_ERR_DH,	      /* a public key is a low-order point */
	NOISE_ERR_STATIC,     /* encrypted static key does not decrypt */
	NOISE_ERR_PAYLOAD,    /* encrypted payload does not decrypt */
	NOISE_ERR_INDEX,      /* response to a handshake we do not have */
	NOISE_ERR_ASSIGNMENT, /* address, prefix, MTU or DNS out of range */
	NOISE_ERR_STATE,      /* call out of order */
	NOISE_ERR__COUNT
};

/* Our own static key pair, with the mac1 key derived from its public half */
struct noise_static {
	uint8_t priv[NOISE_KEY_LEN];
	uint8_t pub[NOISE_KEY_LEN];
	uint8_t mac1_key[NOISE_KEY_LEN];
};

/* The server's assignment to the client, carried in the response */
struct noise_assignment {
	struct in_addr addr; /* client's inner IPv4 address */
	uint8_t prefix;	     /* 1..32 */
	uint8_t flags;	     /* NOISE_AS_* */
	uint16_t mtu;	     /* 576..9000 */
	struct in_addr dns;  /* INADDR_ANY: none */
};

/* noise_assignment.flags: the server takes GSO entries in batches */
#define NOISE_AS_GSO 0x01

/* The result of a handshake: one key each way and both indices */
struct noise_keypair {
	uint8_t send_key[NOISE_KEY_LEN];
	uint8_t recv_key[NOISE_KEY_LEN];
	uint32_t local_index;  /* ours: peers put it in what they send us */
	uint32_t remote_index; /* theirs: we put it in what we send */
	bool initiator;
};

enum noise_hs_state {
	NOISE_HS_EMPTY = 0,
	NOISE_HS_INITIATION_SENT, /* initiator, awaiting the response */
	NOISE_HS_INITIATION_READ, /* responder, may now respond */
};

/*
 * A handshake in progress. The responder keeps it on the stack between
 * noise_initiation_consume() and noise_response_create(); the initiator
 * keeps it until the response arrives. Read-only outside noise.c except
 * for the fields documented as results.
 */
struct noise_handshake {
	enum noise_hs_state state;
	uint8_t ck[NOISE_HASH_LEN];
	uint8_t h[NOISE_HASH_LEN];
	uint8_t e_priv[NOISE_KEY_LEN];
	uint8_t e_pub[NOISE_KEY_LEN];
	uint8_t re[NOISE_KEY_LEN];
	/* results for the responder after noise_initiation_consume(): */
	uint8_t rs[NOISE_KEY_LEN]; /* the initiator's static public key */
	uint8_t timestamp[NOISE_TIMESTAMP_LEN];
	uint32_t remote_index;
	uint32_t local_index;
};

int noise_static_init(struct noise_static *st,
		      const uint8_t priv[NOISE_KEY_LEN]);
void noise_static_clear(struct noise_static *st);

void noise_timestamp(uint8_t ts[NOISE_TIMESTAMP_LEN], const struct timespec *t);
bool noise_timestamp_newer(const uint8_t ts[NOISE_TIMESTAMP_LEN],
			   const uint8_t than[NOISE_TIMESTAMP_LEN]);

enum noise_err noise_initiation_create(struct noise_handshake *hs,
				       const struct noise_static *local,
				       const uint8_t remote_pub[NOISE_KEY_LEN],
				       uint32_t local_index,
				       const uint8_t ts[NOISE_TIMESTAMP_LEN],
				       uint8_t out[NOISE_INITIATION_LEN]);
enum noise_err noise_initiation_consume(struct noise_handshake *hs,
					const struct noise_static *local,
					const uint8_t *msg, size_t len);
enum noise_err noise_response_create(struct noise_handshake *hs,
				     uint32_t local_index,
				     const struct noise_assignment *as,
				     uint8_t out[NOISE_RESPONSE_LEN],
				     struct noise_keypair *kp);
enum noise_err noise_response_consume(struct noise_handshake *hs,
				      const struct noise_static *local,
				      const uint8_t *msg, size_t len,
				      struct noise_assignment *as,
				      struct noise_keypair *kp);
int noise_response_index(const uint8_t *msg, size_t len, uint32_t *index);
void noise_handshake_clear(struct noise_handshake *hs);
void noise_keypair_clear(struct noise_keypair *kp);
const char *noise_err_name(enum noise_err err);

#endif
