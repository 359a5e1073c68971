/* SPDX-License-Identifier: MIT */
/* session.c - transport keys, batched sealing and opening, rekey timers
 *
 * Theory of operation. A completed handshake (noise.c) hands over a key
 * pair: one ChaCha20-Poly1305 key each way and the two indices. A session
 * holds up to three of them. The initiator (client) makes a new one its
 * current sending pair at once and keeps the old one as previous, so
 * messages already in flight under the old keys still open. The responder
 * (server) parks a new pair as next and keeps sending with current until
 * the first message under next authenticates, which proves the client has
 * the new keys; then next becomes current. Each key pair sends with a
 * 64-bit counter that starts at 0 and only goes up, and since every
 * handshake derives new keys from new ephemeral keys, no (key, nonce) pair
 * is ever used twice.
 *
 * A transport message is a 16-byte header (type, receiver index, counter),
 * authenticated as associated data, then one AEAD over a batch of
 * length-prefixed IP packets padded to 16 bytes. Senders pack packets
 * straight into the message buffer (session_batch_*) and seal in place;
 * receivers open in place, and session_open() checks, in this order:
 * length, header, index, key limits, replay window, authenticity, and the
 * framing of the whole batch, before the caller sees any packet.
 *
 * Timers follow WireGuard's constants but are decisions, not callbacks:
 * session_tick() looks at the clock it is given and returns what to do
 * (handshake, keepalive, path dead) and when to call it again. That keeps
 * this file free of I/O and lets tests drive it with a fake clock.
 */
#include <string.h>

#include <sodium.h>

#include "session.h"

/* While an action is due, session_tick() asks to be called again this soon */
#define SESSION_TICK_MIN_MS 100

static const char *const session_err_names[SESSION_ERR__COUNT] = {
	[SESSION_OK] = "ok",
	[SESSION_ERR_SHORT] = "short",
	[SESSION_ERR_TOO_BIG] = "too big",
	[SESSION_ERR_TYPE] = "bad type",
	[SESSION_ERR_INDEX] = "unknown index",
	[SESSION_ERR_NO_KEY] = "no key",
	[SESSION_ERR_EXPIRED] = "expired",
	[SESSION_ERR_OLD] = "too old",
	[SESSION_ERR_REPLAY] = "replay",
	[SESSION_ERR_AUTH] = "bad auth",
	[SESSION_ERR_FRAMING] = "bad framing",
};

static uint64_t elapsed(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul3(uint64_t a)
{
	return a > UINT64_MAX / 3 ? UINT64_MAX : 3 * a;
}

static void nonce_put(uint8_t n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES],
		      uint64_t counter)
{
	memset(n, 0, 4);
	wire_put_u64(n + 4, counter);
}

static void keypair_destroy(struct session *s, struct session_keypair *kp)
{
	bool was_valid = kp->valid;
	uint32_t index = kp->local_index;

	sodium_memzero(kp, sizeof(*kp));
	if (was_valid && s->on_retire)
		s->on_retire(s->retire_arg, index);
}

/* Move a key pair from one slot to another, destroying what was there */
static void keypair_move(struct session *s, struct session_keypair *to,
			 struct session_keypair *from)
{
	keypair_destroy(s, to);
	memcpy(to, from, sizeof(*to));
	sodium_memzero(from, sizeof(*from));
}

static bool keypair_usable(const struct session *s,
			   const struct session_keypair *kp, uint64_t now)
{
	return kp->valid &&
	       elapsed(now, kp->birth_ms) < s->lim.reject_after_ms &&
	       kp->send_counter < s->lim.reject_after_messages;
}

/**
 * session_limits_default() - WireGuard's limits and a 10 s / 30 s liveness
 * @lim:	filled with the defaults of doc/PROTOCOL.md section 5
 */
void session_limits_default(struct session_limits *lim)
{
	lim->rekey_after_messages = 1ULL << 60;
	lim->reject_after_messages = UINT64_MAX - (1ULL << 13);
	lim->rekey_after_ms = 120 * 1000;
	lim->reject_after_ms = 180 * 1000;
	lim->rekey_timeout_ms = 5 * 1000;
	lim->keepalive_ms = 10 * 1000;
	lim->dead_after_ms = 30 * 1000;
}

/**
 * session_init() - start a session with no keys
 * @s:		the session
 * @lim:	limits to copy, or NULL for session_limits_default()
 * @initiator:	true on the client, which starts every handshake
 * @now:	current time, ms
 *
 * The caller may set @s->on_retire and @s->retire_arg afterwards.
 */
void session_init(struct session *s, const struct session_limits *lim,
		  bool initiator, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	if (lim)
		s->lim = *lim;
	else
		session_limits_default(&s->lim);
	s->initiator = initiator;
	s->last_sent_ms = now;
	s->last_recv_ms = now;
	replay_init(&s->cur.replay);
	replay_init(&s->prev.replay);
	replay_init(&s->next.replay);
}

/**
 * session_clear() - erase every key of a session
 * @s:		the session; on_retire hears about each index it held
 */
void session_clear(struct session *s)
{
	keypair_destroy(s, &s->cur);
	keypair_destroy(s, &s->prev);
	keypair_destroy(s, &s->next);
	s->handshake_pending = false;
	s->keepalive_now = false;
}

/**
 * session_install() - take the keys of a completed handshake
 * @s:		the session
 * @kp:		keys from noise_response_create() (responder) or
 *		noise_response_consume() (initiator); the caller wipes it
 * @now:	current time, ms
 *
 * The initiator sends with the new keys at once and should send a
 * keepalive if it has nothing else (session_tick() asks for one); the
 * responder waits for the first message under them.
 */
void session_install(struct session *s, const struct noise_keypair *kp,
		     uint64_t now)
{
	struct session_keypair *slot = kp->initiator ? &s->cur : &s->next;

	if (kp->initiator)
		keypair_move(s, &s->prev, &s->cur);
	else
		keypair_destroy(s, &s->next);
	memcpy(slot->send_key, kp->send_key, NOISE_KEY_LEN);
	memcpy(slot->recv_key, kp->recv_key, NOISE_KEY_LEN);
	slot->send_counter = 0;
	replay_init(&slot->replay);
	slot->birth_ms = now;
	slot->local_index = kp->local_index;
	slot->remote_index = kp->remote_index;
	slot->initiator = kp->initiator;
	slot->valid = true;

	s->handshake_pending = false;
	s->keepalive_now = kp->initiator;
	s->last_recv_ms = now; /* a handshake message just arrived */
	s->dead = false;
}

/**
 * session_handshake_sent() - note that an initiation went out
 * @s:		the session
 * @now:	current time, ms
 *
 * session_tick() then waits rekey_timeout_ms for the response before it
 * asks for another initiation.
 */
void session_handshake_sent(struct session *s, uint64_t now)
{
	s->handshake_pending = true;
	s->handshake_sent_ms = now;
}

/* Has @period passed since @since? If not, keep the earliest such time */
static bool due(uint64_t now, uint64_t since, uint64_t period, uint64_t *when)
{
	uint64_t at = sat_add(since, period);

	if (now >= at)
		return true;
	if (at < *when)
		*when = at;
	return false;
}

/**
 * session_tick() - decide what the session needs now, and when to ask again
 * @s:		the session
 * @now:	current time, ms
 * @next:	if not NULL, receives the time to call again; 100 ms
 *		after @now when an action is due, in case it is not taken
 *
 * Also erases key pairs older than three times reject_after_ms. Actions
 * stay due until the caller takes them (by sending, which session_seal()
 * and session_handshake_sent() record), except SESSION_ACT_DEAD, which is
 * reported once until something authenticated arrives again.
 *
 * Return: a mask of enum session_action, 0 if nothing is due.
 */
unsigned int session_tick(struct session *s, uint64_t now, uint64_t *next)
{
	const struct session_limits *lim = &s->lim;
	struct session_keypair *kps[] = {&s->cur, &s->prev, &s->next};
	uint64_t when = UINT64_MAX;
	unsigned int act = 0;
	bool usable, rekey;
	size_t i;

	for (i = 0; i < sizeof(kps) / sizeof(kps[0]); i++)
		if (kps[i]->valid && due(now, kps[i]->birth_ms,
					 sat_mul3(lim->reject_after_ms), &when))
			keypair_destroy(s, kps[i]);

	usable = keypair_usable(s, &s->cur, now);
	if (usable) /* just to wake up when it stops being usable */
		due(now, s->cur.birth_ms, lim->reject_after_ms, &when);

	if (!s->dead && due(now, s->last_recv_ms, lim->dead_after_ms, &when)) {
		act |= SESSION_ACT_DEAD;
		s->dead = true;
	}

	if (s->initiator) {
		/* an initiation that got no answer is sent again even while
		 * the keys are good: it may have been lost on a new path; and
		 * a peer silent for dead_after may have lost the session (a
		 * restarted server drops what comes under keys it never
		 * had), so the initiator handshakes until it hears again */
		rekey = !usable || s->handshake_pending || s->dead ||
			(s->cur.initiator &&
			 (due(now, s->cur.birth_ms, lim->rekey_after_ms,
			      &when) ||
			  s->cur.send_counter >= lim->rekey_after_messages));
		if (rekey && (!s->handshake_pending ||
			      due(now, s->handshake_sent_ms,
				  lim->rekey_timeout_ms, &when)))
			act |= SESSION_ACT_HANDSHAKE;
	}

	if (usable && (s->keepalive_now ||
		       due(now, s->last_sent_ms, lim->keepalive_ms, &when)))
		act |= SESSION_ACT_KEEPALIVE;

	if (next) {
		if (act || when <= now)
			when = sat_add(now, SESSION_TICK_MIN_MS);
		*next = when;
	}
	return act;
}

/**
 * session_batch_init() - start packing packets into a message buffer
 * @b:		the batch
 * @buf:	buffer for the whole message; keep it until sent
 * @cap:	its size; at most SESSION_MAX_MESSAGE of it is used, at least
 *		SESSION_OVERHEAD is needed for anything (a keepalive)
 */
void session_batch_init(struct session_batch *b, uint8_t *buf, size_t cap)
{
	if (cap > SESSION_MAX_MESSAGE)
		cap = SESSION_MAX_MESSAGE;
	b->buf = cap < SESSION_OVERHEAD ? NULL : buf;
	b->max = cap < SESSION_OVERHEAD
			 ? 0
			 : (cap - SESSION_OVERHEAD) / SESSION_PAD * SESSION_PAD;
	b->len = 0;
	b->packets = 0;
}

/**
 * session_batch_tail() - where the next packet can be written in place
 * @b:		the batch
 * @room:	receives how many bytes of packet fit there (0: full)
 *
 * Read a packet straight into the returned pointer, then call
 * session_batch_commit() with its length.
 *
 * Return: pointer into the message buffer; NULL (and no room) if the
 * buffer is under SESSION_OVERHEAD or the batch was already sealed.
 */
uint8_t *session_batch_tail(struct session_batch *b, size_t *room)
{
	size_t left = b->max - b->len;

	*room = left > 2 ? left - 2 : 0;
	if (*room > SESSION_PACKET_MAX)
		*room = SESSION_PACKET_MAX;
	if (!b->buf) /* too small, or already sealed */
		return NULL;
	return b->buf + SESSION_HEADER_LEN + b->len + 2;
}

/**
 * session_batch_commit() - add the packet written at session_batch_tail()
 * @b:		the batch
 * @len:	packet length, 1..the room session_batch_tail() gave
 *
 * Return: 0, or -1 if @len is 0 or does not fit (nothing is added).
 */
int session_batch_commit(struct session_batch *b, size_t len)
{
	size_t room;

	session_batch_tail(b, &room);
	if (len == 0 || len > room)
		return -1;
	wire_put_u16(b->buf + SESSION_HEADER_LEN + b->len, (uint16_t)len);
	b->len += 2 + len;
	b->packets++;
	return 0;
}

/**
 * session_batch_add() - copy a packet into the batch
 * @b:		the batch
 * @pkt:	the packet
 * @len:	its length, 1..65535
 *
 * Return: 0, or -1 if it is empty or does not fit: seal and start anew.
 */
int session_batch_add(struct session_batch *b, const void *pkt, size_t len)
{
	size_t room;
	uint8_t *p = session_batch_tail(b, &room);

	if (len == 0 || len > room)
		return -1;
	memcpy(p, pkt, len);
	return session_batch_commit(b, len);
}

/**
 * session_batch_add_gso() - copy a TCP packet of many segments into the batch
 * @b:		the batch
 * @pkt:	the packet, for the receiver to split into segments
 * @len:	its length, 1..65535
 * @gso:	payload bytes per segment, SESSION_GSO_MIN..65535; 0: a
 *		plain packet
 *
 * Only for a peer that takes GSO entries (NOISE_AS_GSO).
 *
 * Return: 0, or -1 if it is empty or does not fit: seal and start anew.
 */
int session_batch_add_gso(struct session_batch *b, const void *pkt, size_t len,
			  size_t gso)
{
	uint8_t *p;

	if (!gso)
		return session_batch_add(b, pkt, len);
	if (!b->buf || !len || gso < SESSION_GSO_MIN || gso > UINT16_MAX ||
	    len + SESSION_GSO_HDR > b->max - b->len)
		return -1;
	p = b->buf + SESSION_HEADER_LEN + b->len;
	wire_put_u16(p, SESSION_GSO_MARK);
	wire_put_u16(p + 2, (uint16_t)gso);
	wire_put_u16(p + 4, (uint16_t)len);
	memcpy(p + SESSION_GSO_HDR, pkt, len);
	b->len += SESSION_GSO_HDR + len;
	b->packets++;
	return 0;
}

/**
 * session_batch_max_gso() - the longest GSO entry a message can carry
 * @cap:	the message buffer's size (the transport's message size)
 *
 * Return: the longest packet session_batch_add_gso() takes into an empty
 * batch of @cap bytes, 0 if none
 */
size_t session_batch_max_gso(size_t cap)
{
	size_t max;

	if (cap > SESSION_MAX_MESSAGE)
		cap = SESSION_MAX_MESSAGE;
	if (cap < SESSION_OVERHEAD)
		return 0;
	max = (cap - SESSION_OVERHEAD) / SESSION_PAD * SESSION_PAD;
	return max > SESSION_GSO_HDR ? max - SESSION_GSO_HDR : 0;
}

/**
 * session_seal() - encrypt a batch in place into a transport message
 * @s:		the session; its current key pair is used
 * @b:		the batch, empty for a keepalive; spent afterwards
 * @now:	current time, ms
 * @wire_len:	receives the message length; the message is @b->buf
 *
 * Return: SESSION_OK; SESSION_ERR_NO_KEY if there is no current key pair
 * (handshake first), SESSION_ERR_EXPIRED if it is past its limits,
 * SESSION_ERR_SHORT if the buffer was smaller than SESSION_OVERHEAD or
 * the batch was already sealed.
 */
enum session_err session_seal(struct session *s, struct session_batch *b,
			      uint64_t now, size_t *wire_len)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	struct session_keypair *kp = &s->cur;
	uint8_t *body = b->buf + SESSION_HEADER_LEN;
	size_t padded;
	uint64_t counter;

	*wire_len = 0;
	if (!kp->valid)
		return SESSION_ERR_NO_KEY;
	if (!keypair_usable(s, kp, now))
		return SESSION_ERR_EXPIRED;
	if (!b->buf)
		return SESSION_ERR_SHORT;

	counter = kp->send_counter++;
	padded = (b->len + SESSION_PAD - 1) / SESSION_PAD * SESSION_PAD;
	memset(body + b->len, 0, padded - b->len);
	wire_put_header(b->buf, WIRE_DATA);
	wire_put_u32(b->buf + 4, kp->remote_index);
	wire_put_u64(b->buf + 8, counter);
	nonce_put(nonce, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, body, padded,
						  b->buf, SESSION_HEADER_LEN,
						  NULL, nonce, kp->send_key);
	*wire_len = SESSION_OVERHEAD + padded;

	s->last_sent_ms = now;
	s->keepalive_now = false;
	s->stats.tx_messages++;
	s->stats.tx_packets += b->packets;
	s->stats.tx_bytes += *wire_len;
	if (!b->packets)
		s->stats.keepalives_sent++;
	b->buf = NULL; /* spent: session_batch_init() it again */
	b->len = 0;
	b->packets = 0;
	b->max = 0;
	return SESSION_OK;
}

/**
 * session_msg_index() - check a transport message's size and header
 * @msg:	the message as it arrived
 * @len:	its length
 * @index:	receives the receiver index, to find the session
 *
 * Return: SESSION_OK, SESSION_ERR_SHORT, SESSION_ERR_TOO_BIG or
 * SESSION_ERR_TYPE.
 */
enum session_err session_msg_index(const uint8_t *msg, size_t len,
				   uint32_t *index)
{
	if (len < SESSION_OVERHEAD)
		return SESSION_ERR_SHORT;
	if (len > SESSION_MAX_MESSAGE)
		return SESSION_ERR_TOO_BIG;
	if (wire_type(msg, len) != WIRE_DATA)
		return SESSION_ERR_TYPE;
	*index = wire_get_u32(msg + 4);
	return SESSION_OK;
}

/* The entry at @p, @left bytes before the batch ends: its header length
 * and packet length (and segment size for a GSO entry, else 0). Return:
 * 0; 1 at a zero length (the padding); -1 if malformed */
static int entry(const uint8_t *p, size_t left, size_t *hdr, size_t *n,
		 size_t *gso)
{
	*n = wire_get_u16(p);
	*hdr = 2;
	*gso = 0;
	if (*n == 0)
		return 1;
	if (*n == SESSION_GSO_MARK) {
		if (left < SESSION_GSO_HDR)
			return -1;
		*hdr = SESSION_GSO_HDR;
		*gso = wire_get_u16(p + 2);
		*n = wire_get_u16(p + 4);
		if (*gso < SESSION_GSO_MIN || !*n)
			return -1;
	}
	return *n > left - *hdr ? -1 : 0;
}

/* Validate batch framing; count the packets. 0 or -1 */
static int batch_scan(const uint8_t *p, size_t len, unsigned int *packets)
{
	size_t off = 0, hdr, n, gso;
	int r;

	*packets = 0;
	while (len - off >= 2) {
		r = entry(p + off, len - off, &hdr, &n, &gso);
		if (r < 0)
			return -1;
		if (r)
			break;
		off += hdr + n;
		(*packets)++;
	}
	for (; off < len; off++)
		if (p[off])
			return -1;
	return 0;
}

/**
 * session_batch_check() - validate the framing of a decrypted batch
 * @p:		batch bytes
 * @len:	their number
 *
 * Return: SESSION_OK if @p is length-prefixed packets of 1..65535 bytes
 * (or GSO entries) that end exactly at a zero length or a lone byte,
 * after which every byte is zero; SESSION_ERR_FRAMING otherwise.
 */
enum session_err session_batch_check(const uint8_t *p, size_t len)
{
	unsigned int packets;

	return batch_scan(p, len, &packets) ? SESSION_ERR_FRAMING : SESSION_OK;
}

static struct session_keypair *keypair_find(struct session *s, uint32_t idx)
{
	if (s->cur.valid && s->cur.local_index == idx)
		return &s->cur;
	if (s->next.valid && s->next.local_index == idx)
		return &s->next;
	if (s->prev.valid && s->prev.local_index == idx)
		return &s->prev;
	return NULL;
}

static enum session_err drop(struct session *s, enum session_err err)
{
	s->stats.drops[err]++;
	return err;
}

/**
 * session_open() - authenticate and decrypt a transport message in place
 * @s:		the session the receiver index belongs to
 * @msg:	the message; decrypted in place, garbage after a failure
 * @len:	its length
 * @now:	current time, ms
 * @it:		on success, set up to walk the packets with
 *		session_iter_next(); an empty batch is a keepalive
 *
 * Every failure is counted in @s->stats.drops by reason.
 *
 * Return: SESSION_OK or the reason the message was dropped.
 */
enum session_err session_open(struct session *s, uint8_t *msg, size_t len,
			      uint64_t now, struct session_iter *it)
{
	uint8_t nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
	struct session_keypair *kp;
	enum session_err err;
	unsigned int packets;
	uint64_t counter;
	uint32_t idx;
	size_t plen;
	int r;

	it->p = NULL;
	it->left = 0;
	it->gso = 0;
	err = session_msg_index(msg, len, &idx);
	if (err)
		return drop(s, err);
	kp = keypair_find(s, idx);
	if (!kp)
		return drop(s, SESSION_ERR_INDEX);
	counter = wire_get_u64(msg + 8);
	if (elapsed(now, kp->birth_ms) >= s->lim.reject_after_ms ||
	    counter >= s->lim.reject_after_messages)
		return drop(s, SESSION_ERR_EXPIRED);
	r = replay_check(&kp->replay, counter);
	if (r)
		return drop(s, r == -1 ? SESSION_ERR_OLD : SESSION_ERR_REPLAY);

	plen = len - SESSION_OVERHEAD;
	nonce_put(nonce, counter);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
		    msg + SESSION_HEADER_LEN, NULL, NULL,
		    msg + SESSION_HEADER_LEN, plen + SESSION_TAG_LEN, msg,
		    SESSION_HEADER_LEN, nonce, kp->recv_key))
		return drop(s, SESSION_ERR_AUTH);

	/* Authentic from here: the peer is alive and holds these keys. */
	replay_update(&kp->replay, counter);
	s->last_recv_ms = now;
	s->dead = false;
	if (kp == &s->next) {
		keypair_move(s, &s->prev, &s->cur);
		memcpy(&s->cur, &s->next, sizeof(s->cur));
		sodium_memzero(&s->next, sizeof(s->next));
		kp = &s->cur;
	}

	if (batch_scan(msg + SESSION_HEADER_LEN, plen, &packets))
		return drop(s, SESSION_ERR_FRAMING);
	it->p = msg + SESSION_HEADER_LEN;
	it->left = plen;
	s->stats.rx_messages++;
	s->stats.rx_packets += packets;
	s->stats.rx_bytes += len;
	if (!packets)
		s->stats.keepalives_received++;
	return SESSION_OK;
}

/**
 * session_iter_next() - the next packet of an opened batch
 * @it:		iterator from session_open(); @it->gso tells the segment
 *		size of a GSO entry, 0 for a plain packet
 * @pkt:	receives a pointer to the packet, inside the message buffer
 * @len:	receives its length
 *
 * Return: true with a packet, false at the end.
 */
bool session_iter_next(struct session_iter *it, const uint8_t **pkt,
		       size_t *len)
{
	size_t hdr, n;

	/* checked by session_open(), but never trust */
	if (it->left < 2 || entry(it->p, it->left, &hdr, &n, &it->gso)) {
		it->left = 0;
		it->gso = 0;
		return false;
	}
	*pkt = it->p + hdr;
	*len = n;
	it->p += hdr + n;
	it->left -= hdr + n;
	return true;
}

/**
 * session_err_name() - name a reason for dropping a transport message
 * @err:	the reason
 *
 * Return: a short constant string, "?" for a value out of range.
 */
const char *session_err_name(enum session_err err)
{
	if ((unsigned int)err >= SESSION_ERR__COUNT)
		return "?";
	return session_err_names[err];
}
