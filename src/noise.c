/* SPDX-License-Identifier: MIT */
/* noise.c - Noise IK handshake (25519, ChaChaPoly, BLAKE2b) with mac1
 *
 * Theory of operation. The client (initiator) knows the server's static
 * public key; the server (responder) knows the public keys of its clients.
 * One round trip of Noise_IK_25519_ChaChaPoly_BLAKE2b (Noise revision 34)
 * authenticates both and yields one ChaCha20-Poly1305 key per direction:
 *
 *   initiation  -> e, es, s, ss, {timestamp, sender index}, mac1
 *   response    <- e, ee, se, {sender index, assignment}, mac1
 *
 * Everything is built from libsodium primitives: X25519 (crypto_scalarmult),
 * the IETF ChaCha20-Poly1305 AEAD with Noise's nonce (4 zero bytes and a
 * 64-bit little-endian counter) and BLAKE2b-512, with HMAC (RFC 2104,
 * 128-byte blocks) and Noise's HKDF written on top of it here.
 *
 * The responder side allocates nothing and keeps nothing: the caller holds
 * struct noise_handshake on its stack, calls noise_initiation_consume(),
 * looks the now authenticated initiator key (hs.rs) and timestamp up in its
 * own tables, and only then calls noise_response_create(). mac1, a keyed
 * BLAKE2b over the message with a key derived from the receiver's public
 * key, is checked before any Diffie-Hellman so garbage costs one hash.
 * Consumers work on copies of the symmetric state and commit only on
 * success, so a forged message cannot disturb a handshake in progress.
 * Secrets are wiped with sodium_memzero() on every path.
 */
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "wire.h"

#define NOISE_PROTOCOL_NAME "Noise_IK_25519_ChaChaPoly_BLAKE2b"
#define NOISE_PROLOGUE	    "tether 1"
#define NOISE_BLOCK_LEN	    128
#define NOISE_TAG_LEN	    16
#define NOISE_MAC_LEN	    16
#define NOISE_MAC1_LABEL    "mac1----"

/* Plaintext payload sizes (doc/PROTOCOL.md 3.2, 3.4) */
#define INIT_PAYLOAD_LEN (NOISE_TIMESTAMP_LEN + 4)
#define ASSIGNMENT_LEN	 16
#define RESP_PAYLOAD_LEN (4 + ASSIGNMENT_LEN)

/* Offsets in the initiation */
#define INIT_E	     4
#define INIT_S	     (INIT_E + NOISE_KEY_LEN)
#define INIT_PAYLOAD (INIT_S + NOISE_KEY_LEN + NOISE_TAG_LEN)
#define INIT_MAC1    (INIT_PAYLOAD + INIT_PAYLOAD_LEN + NOISE_TAG_LEN)

/* Offsets in the response */
#define RESP_RECEIVER 4
#define RESP_E	      8
#define RESP_PAYLOAD  (RESP_E + NOISE_KEY_LEN)
#define RESP_MAC1     (RESP_PAYLOAD + RESP_PAYLOAD_LEN + NOISE_TAG_LEN)

_Static_assert(INIT_MAC1 + NOISE_MAC_LEN == NOISE_INITIATION_LEN,
	       "initiation layout");
_Static_assert(RESP_MAC1 + NOISE_MAC_LEN == NOISE_RESPONSE_LEN,
	       "response layout");
_Static_assert(sizeof(NOISE_PROTOCOL_NAME) - 1 <= NOISE_HASH_LEN,
	       "protocol name is padded, not hashed");

/* TAI64 label plus the TAI-UTC offset WireGuard uses */
#define TAI64_BASE 0x400000000000000aULL
/* nanoseconds are rounded down to this, not to leak a precise clock */
#define TIMESTAMP_NS_MASK (~((1U << 24) - 1))

static const char *const noise_err_names[NOISE_ERR__COUNT] = {
	[NOISE_OK] = "ok",
	[NOISE_ERR_LENGTH] = "bad length",
	[NOISE_ERR_TYPE] = "bad type",
	[NOISE_ERR_MAC1] = "bad mac1",
	[NOISE_ERR_DH] = "bad DH",
	[NOISE_ERR_STATIC] = "bad static",
	[NOISE_ERR_PAYLOAD] = "bad payload",
	[NOISE_ERR_INDEX] = "bad index",
	[NOISE_ERR_ASSIGNMENT] = "bad assignment",
	[NOISE_ERR_STATE] = "bad state",
};

/* The symmetric state of Noise, copied in and out of noise_handshake */
struct symstate {
	uint8_t ck[NOISE_HASH_LEN];
	uint8_t h[NOISE_HASH_LEN];
	uint8_t k[NOISE_KEY_LEN];
};

static void hash_init(crypto_generichash_blake2b_state *st)
{
	crypto_generichash_blake2b_init(st, NULL, 0, NOISE_HASH_LEN);
}

/* HMAC-BLAKE2b (RFC 2104) of d1 || d2, with a key of at most one block */
static void hmac(uint8_t out[NOISE_HASH_LEN], const uint8_t *key, size_t keylen,
		 const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2)
{
	crypto_generichash_blake2b_state st;
	uint8_t pad[NOISE_BLOCK_LEN];
	uint8_t inner[NOISE_HASH_LEN];
	size_t i;

	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, keylen);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	hash_init(&st);
	crypto_generichash_blake2b_update(&st, pad, sizeof(pad));
	crypto_generichash_blake2b_update(&st, d1, l1);
	if (l2)
		crypto_generichash_blake2b_update(&st, d2, l2);
	crypto_generichash_blake2b_final(&st, inner, sizeof(inner));

	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	hash_init(&st);
	crypto_generichash_blake2b_update(&st, pad, sizeof(pad));
	crypto_generichash_blake2b_update(&st, inner, sizeof(inner));
	crypto_generichash_blake2b_final(&st, out, NOISE_HASH_LEN);

	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
	sodium_memzero(&st, sizeof(st));
}

/*
 * Noise's HKDF with two outputs: out1 = HMAC(t, 0x01),
 * out2 = HMAC(t, out1 || 0x02), where t = HMAC(ck, ikm).
 */
static void hkdf2(uint8_t out1[NOISE_HASH_LEN], uint8_t out2[NOISE_HASH_LEN],
		  const uint8_t ck[NOISE_HASH_LEN], const uint8_t *ikm,
		  size_t ikmlen)
{
	static const uint8_t one = 1, two = 2;
	uint8_t t[NOISE_HASH_LEN];

	hmac(t, ck, NOISE_HASH_LEN, ikm, ikmlen, NULL, 0);
	hmac(out1, t, sizeof(t), &one, 1, NULL, 0);
	hmac(out2, t, sizeof(t), out1, NOISE_HASH_LEN, &two, 1);
	sodium_memzero(t, sizeof(t));
}

static void mix_hash(struct symstate *ss, const uint8_t *data, size_t len)
{
	crypto_generichash_blake2b_state st;

	hash_init(&st);
	crypto_generichash_blake2b_update(&st, ss->h, sizeof(ss->h));
	crypto_generichash_blake2b_update(&st, data, len);
	crypto_generichash_blake2b_final(&st, ss->h, sizeof(ss->h));
}

static void mix_key(struct symstate *ss, const uint8_t *ikm, size_t len)
{
	uint8_t ck[NOISE_HASH_LEN], k[NOISE_HASH_LEN];

	hkdf2(ck, k, ss->ck, ikm, len);
	memcpy(ss->ck, ck, sizeof(ck));
	memcpy(ss->k, k, NOISE_KEY_LEN); /* HASHLEN 64: truncate */
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
}

/* MixKey(DH(priv, pub)); -1 if pub is a low-order point */
static int mix_dh(struct symstate *ss, const uint8_t priv[NOISE_KEY_LEN],
		  const uint8_t pub[NOISE_KEY_LEN])
{
	uint8_t dh[NOISE_KEY_LEN];
	int ret = -1;

	if (crypto_scalarmult(dh, priv, pub) == 0) {
		mix_key(ss, dh, sizeof(dh));
		ret = 0;
	}
	sodium_memzero(dh, sizeof(dh));
	return ret;
}

/*
 * EncryptAndHash / DecryptAndHash. Every key of this handshake encrypts
 * exactly one thing (MixKey always precedes), so the nonce is always 0.
 */
static void encrypt_and_hash(struct symstate *ss, uint8_t *out,
			     const uint8_t *in, size_t len)
{
	static const uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	crypto_aead_chacha20poly1305_ietf_encrypt(
		out, NULL, in, len, ss->h, sizeof(ss->h), NULL, nonce, ss->k);
	mix_hash(ss, out, len + NOISE_TAG_LEN);
}

static int decrypt_and_hash(struct symstate *ss, uint8_t *out,
			    const uint8_t *in, size_t len)
{
	static const uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	if (crypto_aead_chacha20poly1305_ietf_decrypt(
		    out, NULL, NULL, in, len + NOISE_TAG_LEN, ss->h,
		    sizeof(ss->h), nonce, ss->k))
		return -1;
	mix_hash(ss, in, len + NOISE_TAG_LEN);
	return 0;
}

/* InitializeSymmetric, the prologue and the pre-message "<- s" */
static void symstate_start(struct symstate *ss,
			   const uint8_t responder_pub[NOISE_KEY_LEN])
{
	memset(ss, 0, sizeof(*ss));
	memcpy(ss->h, NOISE_PROTOCOL_NAME, sizeof(NOISE_PROTOCOL_NAME) - 1);
	memcpy(ss->ck, ss->h, sizeof(ss->ck));
	mix_hash(ss, (const uint8_t *)NOISE_PROLOGUE,
		 sizeof(NOISE_PROLOGUE) - 1);
	mix_hash(ss, responder_pub, NOISE_KEY_LEN);
}

/* Split(): the initiator sends with the first key, receives with the second */
static void symstate_split(const struct symstate *ss, bool initiator,
			   struct noise_keypair *kp)
{
	uint8_t k1[NOISE_HASH_LEN], k2[NOISE_HASH_LEN];

	hkdf2(k1, k2, ss->ck, NULL, 0);
	memcpy(kp->send_key, initiator ? k1 : k2, NOISE_KEY_LEN);
	memcpy(kp->recv_key, initiator ? k2 : k1, NOISE_KEY_LEN);
	kp->initiator = initiator;
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
}

static void mac1_key(uint8_t key[NOISE_KEY_LEN],
		     const uint8_t pub[NOISE_KEY_LEN])
{
	crypto_generichash_blake2b_state st;

	crypto_generichash_blake2b_init(&st, NULL, 0, NOISE_KEY_LEN);
	crypto_generichash_blake2b_update(&st,
					  (const uint8_t *)NOISE_MAC1_LABEL,
					  sizeof(NOISE_MAC1_LABEL) - 1);
	crypto_generichash_blake2b_update(&st, pub, NOISE_KEY_LEN);
	crypto_generichash_blake2b_final(&st, key, NOISE_KEY_LEN);
}

static void mac1(uint8_t out[NOISE_MAC_LEN], const uint8_t key[NOISE_KEY_LEN],
		 const uint8_t *msg, size_t len)
{
	crypto_generichash_blake2b(out, NOISE_MAC_LEN, msg, len, key,
				   NOISE_KEY_LEN);
}

static bool mac1_ok(const uint8_t key[NOISE_KEY_LEN], const uint8_t *msg,
		    size_t len)
{
	uint8_t want[NOISE_MAC_LEN];

	mac1(want, key, msg, len);
	return sodium_memcmp(want, msg + len, NOISE_MAC_LEN) == 0;
}

/* Addresses a client must never be given: 0/8, 127/8, 224/3 (D and E) */
static bool ipv4_bad_host(struct in_addr a)
{
	uint32_t x = ntohl(a.s_addr);

	return (x >> 24) == 0 || (x >> 24) == 127 || (x >> 29) == 7;
}

static bool assignment_valid(const struct noise_assignment *as)
{
	uint32_t dns = ntohl(as->dns.s_addr);

	return !ipv4_bad_host(as->addr) && as->prefix >= 1 &&
	       as->prefix <= 32 && as->mtu >= 576 && as->mtu <= 9000 &&
	       (dns == 0 || (dns >> 29) != 7);
}

static void assignment_put(uint8_t p[ASSIGNMENT_LEN],
			   const struct noise_assignment *as)
{
	memset(p, 0, ASSIGNMENT_LEN);
	memcpy(p, &as->addr.s_addr, 4);
	p[4] = as->prefix;
	p[5] = as->flags;
	wire_put_u16(p + 6, as->mtu);
	memcpy(p + 8, &as->dns.s_addr, 4);
}

static void assignment_get(struct noise_assignment *as,
			   const uint8_t p[ASSIGNMENT_LEN])
{
	memset(as, 0, sizeof(*as));
	memcpy(&as->addr.s_addr, p, 4);
	as->prefix = p[4];
	as->flags = p[5] & NOISE_AS_GSO; /* the others are not defined */
	as->mtu = wire_get_u16(p + 6);
	memcpy(&as->dns.s_addr, p + 8, 4);
}

/* A fresh ephemeral key pair for every message that sends "e" */
static void ephemeral_generate(struct noise_handshake *hs)
{
	do {
		randombytes_buf(hs->e_priv, NOISE_KEY_LEN);
	} while (crypto_scalarmult_base(hs->e_pub, hs->e_priv));
}

static void wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

/**
 * noise_static_init() - load our static key pair
 * @st:		filled with the private key, its public key and mac1 key
 * @priv:	X25519 private key
 *
 * Return: 0, or -1 if @priv yields the all-zero public key.
 */
int noise_static_init(struct noise_static *st,
		      const uint8_t priv[NOISE_KEY_LEN])
{
	memcpy(st->priv, priv, NOISE_KEY_LEN);
	if (crypto_scalarmult_base(st->pub, st->priv) ||
	    sodium_is_zero(st->pub, NOISE_KEY_LEN)) {
		noise_static_clear(st);
		return -1;
	}
	mac1_key(st->mac1_key, st->pub);
	return 0;
}

/**
 * noise_static_clear() - wipe a static key pair
 * @st:		the key pair
 */
void noise_static_clear(struct noise_static *st)
{
	wipe(st, sizeof(*st));
}

/**
 * noise_timestamp() - encode a wall-clock time as TAI64N for an initiation
 * @ts:		receives 12 bytes: big-endian seconds (2^62 + 10 + Unix
 *		time), then big-endian nanoseconds rounded down to 2^24
 * @t:		the time (CLOCK_REALTIME), or NULL for now
 */
void noise_timestamp(uint8_t ts[NOISE_TIMESTAMP_LEN], const struct timespec *t)
{
	struct timespec now;
	uint64_t sec;
	uint32_t nsec;
	int i;

	if (!t) {
		clock_gettime(CLOCK_REALTIME, &now);
		t = &now;
	}
	sec = TAI64_BASE + (uint64_t)t->tv_sec;
	nsec = (uint32_t)t->tv_nsec & TIMESTAMP_NS_MASK;
	for (i = 0; i < 8; i++)
		ts[i] = (uint8_t)(sec >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		ts[8 + i] = (uint8_t)(nsec >> (24 - 8 * i));
}

/**
 * noise_timestamp_newer() - compare two initiation timestamps
 * @ts:		the timestamp of a new initiation
 * @than:	the greatest timestamp accepted so far (all zero: none)
 *
 * Return: true if @ts is strictly later than @than.
 */
bool noise_timestamp_newer(const uint8_t ts[NOISE_TIMESTAMP_LEN],
			   const uint8_t than[NOISE_TIMESTAMP_LEN])
{
	return memcmp(ts, than, NOISE_TIMESTAMP_LEN) > 0;
}

/**
 * noise_initiation_create() - start a handshake as the initiator (client)
 * @hs:		handshake state; overwritten, keep it until the response
 * @local:	our static key pair
 * @remote_pub:	the responder's static public key
 * @local_index: our index for the keys this handshake will make
 * @ts:		timestamp from noise_timestamp(), later than any before
 * @out:	receives the initiation message
 *
 * Every call makes a new ephemeral key; a retransmission is a new call.
 *
 * Return: NOISE_OK, or NOISE_ERR_DH if @remote_pub is a low-order point.
 */
enum noise_err noise_initiation_create(struct noise_handshake *hs,
				       const struct noise_static *local,
				       const uint8_t remote_pub[NOISE_KEY_LEN],
				       uint32_t local_index,
				       const uint8_t ts[NOISE_TIMESTAMP_LEN],
				       uint8_t out[NOISE_INITIATION_LEN])
{
	uint8_t payload[INIT_PAYLOAD_LEN], key[NOISE_KEY_LEN];
	struct symstate ss;
	enum noise_err err = NOISE_ERR_DH;

	noise_handshake_clear(hs);
	symstate_start(&ss, remote_pub);

	/* -> e */
	ephemeral_generate(hs);
	wire_put_header(out, WIRE_INITIATION);
	memcpy(out + INIT_E, hs->e_pub, NOISE_KEY_LEN);
	mix_hash(&ss, hs->e_pub, NOISE_KEY_LEN);
	/* es */
	if (mix_dh(&ss, hs->e_priv, remote_pub))
		goto err;
	/* s */
	encrypt_and_hash(&ss, out + INIT_S, local->pub, NOISE_KEY_LEN);
	/* ss */
	if (mix_dh(&ss, local->priv, remote_pub))
		goto err;
	/* payload */
	memcpy(payload, ts, NOISE_TIMESTAMP_LEN);
	wire_put_u32(payload + NOISE_TIMESTAMP_LEN, local_index);
	encrypt_and_hash(&ss, out + INIT_PAYLOAD, payload, sizeof(payload));

	mac1_key(key, remote_pub);
	mac1(out + INIT_MAC1, key, out, INIT_MAC1);

	memcpy(hs->ck, ss.ck, sizeof(ss.ck));
	memcpy(hs->h, ss.h, sizeof(ss.h));
	memcpy(hs->rs, remote_pub, NOISE_KEY_LEN);
	memcpy(hs->timestamp, ts, NOISE_TIMESTAMP_LEN);
	hs->local_index = local_index;
	hs->state = NOISE_HS_INITIATION_SENT;
	err = NOISE_OK;
err:
	if (err) {
		noise_handshake_clear(hs);
		memset(out, 0, NOISE_INITIATION_LEN);
	}
	wipe(&ss, sizeof(ss));
	wipe(payload, sizeof(payload));
	return err;
}

/**
 * noise_initiation_consume() - read an initiation as the responder (server)
 * @hs:		handshake state, normally on the caller's stack; overwritten
 * @local:	our static key pair
 * @msg:	the message as it arrived
 * @len:	its length
 *
 * On success the caller finds the initiator's static public key in
 * @hs->rs, its timestamp in @hs->timestamp and its index in
 * @hs->remote_index; it must check that the key is one of its clients and
 * that the timestamp is newer than the last one accepted from it before
 * calling noise_response_create(). On failure @hs is wiped.
 *
 * Return: NOISE_OK or the reason the message was dropped.
 */
enum noise_err noise_initiation_consume(struct noise_handshake *hs,
					const struct noise_static *local,
					const uint8_t *msg, size_t len)
{
	uint8_t payload[INIT_PAYLOAD_LEN];
	struct symstate ss;
	enum noise_err err;

	noise_handshake_clear(hs);
	if (len != NOISE_INITIATION_LEN)
		return NOISE_ERR_LENGTH;
	if (wire_type(msg, len) != WIRE_INITIATION)
		return NOISE_ERR_TYPE;
	if (!mac1_ok(local->mac1_key, msg, INIT_MAC1))
		return NOISE_ERR_MAC1;

	symstate_start(&ss, local->pub);
	/* e */
	memcpy(hs->re, msg + INIT_E, NOISE_KEY_LEN);
	mix_hash(&ss, hs->re, NOISE_KEY_LEN);
	/* es */
	err = NOISE_ERR_DH;
	if (mix_dh(&ss, local->priv, hs->re))
		goto err;
	/* s */
	err = NOISE_ERR_STATIC;
	if (decrypt_and_hash(&ss, hs->rs, msg + INIT_S, NOISE_KEY_LEN))
		goto err;
	/* ss */
	err = NOISE_ERR_DH;
	if (mix_dh(&ss, local->priv, hs->rs))
		goto err;
	/* payload */
	err = NOISE_ERR_PAYLOAD;
	if (decrypt_and_hash(&ss, payload, msg + INIT_PAYLOAD,
			     INIT_PAYLOAD_LEN))
		goto err;

	memcpy(hs->timestamp, payload, NOISE_TIMESTAMP_LEN);
	hs->remote_index = wire_get_u32(payload + NOISE_TIMESTAMP_LEN);
	memcpy(hs->ck, ss.ck, sizeof(ss.ck));
	memcpy(hs->h, ss.h, sizeof(ss.h));
	hs->state = NOISE_HS_INITIATION_READ;
	err = NOISE_OK;
err:
	if (err)
		noise_handshake_clear(hs);
	wipe(&ss, sizeof(ss));
	wipe(payload, sizeof(payload));
	return err;
}

/**
 * noise_response_create() - answer an accepted initiation (server)
 * @hs:		state from noise_initiation_consume(); wiped on return
 * @local_index: our index for the new keys, unique among our key pairs
 * @as:		the assignment for this client
 * @out:	receives the response message
 * @kp:		receives the transport keys and indices
 *
 * Return: NOISE_OK; NOISE_ERR_STATE if @hs holds no consumed initiation;
 * NOISE_ERR_ASSIGNMENT if @as is out of range; NOISE_ERR_DH if the
 * initiator's keys are low-order points.
 */
enum noise_err noise_response_create(struct noise_handshake *hs,
				     uint32_t local_index,
				     const struct noise_assignment *as,
				     uint8_t out[NOISE_RESPONSE_LEN],
				     struct noise_keypair *kp)
{
	uint8_t payload[RESP_PAYLOAD_LEN], key[NOISE_KEY_LEN];
	struct symstate ss;
	enum noise_err err;

	memset(kp, 0, sizeof(*kp));
	memset(&ss, 0, sizeof(ss));
	err = NOISE_ERR_STATE;
	if (hs->state != NOISE_HS_INITIATION_READ)
		goto err;
	err = NOISE_ERR_ASSIGNMENT;
	if (!assignment_valid(as))
		goto err;
	memcpy(ss.ck, hs->ck, sizeof(ss.ck));
	memcpy(ss.h, hs->h, sizeof(ss.h));

	/* <- e */
	ephemeral_generate(hs);
	wire_put_header(out, WIRE_RESPONSE);
	wire_put_u32(out + RESP_RECEIVER, hs->remote_index);
	memcpy(out + RESP_E, hs->e_pub, NOISE_KEY_LEN);
	mix_hash(&ss, hs->e_pub, NOISE_KEY_LEN);
	/* ee, se */
	err = NOISE_ERR_DH;
	if (mix_dh(&ss, hs->e_priv, hs->re) || mix_dh(&ss, hs->e_priv, hs->rs))
		goto err;
	/* payload */
	wire_put_u32(payload, local_index);
	assignment_put(payload + 4, as);
	encrypt_and_hash(&ss, out + RESP_PAYLOAD, payload, sizeof(payload));

	mac1_key(key, hs->rs);
	mac1(out + RESP_MAC1, key, out, RESP_MAC1);

	symstate_split(&ss, false, kp);
	kp->local_index = local_index;
	kp->remote_index = hs->remote_index;
	err = NOISE_OK;
err:
	if (err)
		memset(out, 0, NOISE_RESPONSE_LEN);
	noise_handshake_clear(hs);
	wipe(&ss, sizeof(ss));
	return err;
}

/**
 * noise_response_index() - read the receiver index of a response
 * @msg:	the message as it arrived
 * @len:	its length
 * @index:	receives the initiator's index the response answers
 *
 * Lets an initiator with several handshakes in flight find the right one.
 *
 * Return: 0, or -1 if @msg is not a response of the right length.
 */
int noise_response_index(const uint8_t *msg, size_t len, uint32_t *index)
{
	if (len != NOISE_RESPONSE_LEN || wire_type(msg, len) != WIRE_RESPONSE)
		return -1;
	*index = wire_get_u32(msg + RESP_RECEIVER);
	return 0;
}

/**
 * noise_response_consume() - finish a handshake as the initiator (client)
 * @hs:		state from noise_initiation_create(); wiped on success,
 *		untouched on failure (a forged response does not end it)
 * @local:	our static key pair
 * @msg:	the message as it arrived
 * @len:	its length
 * @as:		receives the server's assignment
 * @kp:		receives the transport keys and indices
 *
 * Return: NOISE_OK or the reason the message was dropped.
 */
enum noise_err noise_response_consume(struct noise_handshake *hs,
				      const struct noise_static *local,
				      const uint8_t *msg, size_t len,
				      struct noise_assignment *as,
				      struct noise_keypair *kp)
{
	uint8_t payload[RESP_PAYLOAD_LEN], re[NOISE_KEY_LEN];
	struct symstate ss;
	enum noise_err err;

	memset(kp, 0, sizeof(*kp));
	memset(as, 0, sizeof(*as));
	if (hs->state != NOISE_HS_INITIATION_SENT)
		return NOISE_ERR_STATE;
	if (len != NOISE_RESPONSE_LEN)
		return NOISE_ERR_LENGTH;
	if (wire_type(msg, len) != WIRE_RESPONSE)
		return NOISE_ERR_TYPE;
	if (wire_get_u32(msg + RESP_RECEIVER) != hs->local_index)
		return NOISE_ERR_INDEX;
	if (!mac1_ok(local->mac1_key, msg, RESP_MAC1))
		return NOISE_ERR_MAC1;

	memset(&ss, 0, sizeof(ss));
	memcpy(ss.ck, hs->ck, sizeof(ss.ck));
	memcpy(ss.h, hs->h, sizeof(ss.h));
	/* e */
	memcpy(re, msg + RESP_E, NOISE_KEY_LEN);
	mix_hash(&ss, re, NOISE_KEY_LEN);
	/* ee, se */
	err = NOISE_ERR_DH;
	if (mix_dh(&ss, hs->e_priv, re) || mix_dh(&ss, local->priv, re))
		goto err;
	/* payload */
	err = NOISE_ERR_PAYLOAD;
	if (decrypt_and_hash(&ss, payload, msg + RESP_PAYLOAD,
			     RESP_PAYLOAD_LEN))
		goto err;
	assignment_get(as, payload + 4);
	err = NOISE_ERR_ASSIGNMENT;
	if (!assignment_valid(as))
		goto err;

	symstate_split(&ss, true, kp);
	kp->local_index = hs->local_index;
	kp->remote_index = wire_get_u32(payload);
	noise_handshake_clear(hs);
	err = NOISE_OK;
err:
	if (err)
		memset(as, 0, sizeof(*as));
	wipe(&ss, sizeof(ss));
	wipe(payload, sizeof(payload));
	return err;
}

/**
 * noise_handshake_clear() - wipe a handshake state
 * @hs:		the state; its state becomes NOISE_HS_EMPTY
 */
void noise_handshake_clear(struct noise_handshake *hs)
{
	wipe(hs, sizeof(*hs));
}

/**
 * noise_keypair_clear() - wipe transport keys
 * @kp:		the key pair
 */
void noise_keypair_clear(struct noise_keypair *kp)
{
	wipe(kp, sizeof(*kp));
}

/**
 * noise_err_name() - name a reason for dropping a handshake message
 * @err:	the reason
 *
 * Return: a short constant string, "?" for a value out of range.
 */
const char *noise_err_name(enum noise_err err)
{
	if ((unsigned)err >= NOISE_ERR__COUNT)
		return "?";
	return noise_err_names[err];
}
