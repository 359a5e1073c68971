/* SPDX-License-Identifier: MIT */
/* tunnel_out.c - packing packets into sealed messages on one connection
 *
 * Both tunnel ends batch the same way: packets are appended to one message
 * buffer until it is full or the caller flushes (once per loop turn, after
 * draining its source), then the batch is sealed in place with one AEAD and
 * handed to the transport, which copies it. One buffer per peer, reused.
 */
#include <errno.h>
#include <stdlib.h>

#include "tunnel_out.h"

static const char *const drop_names[TUNNEL_DROP__COUNT] = {
	[TUNNEL_DROP_NO_SESSION] = "no session",
	[TUNNEL_DROP_NO_PATH] = "no path",
	[TUNNEL_DROP_QUEUE_FULL] = "queue full",
	[TUNNEL_DROP_TOO_BIG] = "too big",
	[TUNNEL_DROP_BAD_TYPE] = "bad type",
	[TUNNEL_DROP_HANDSHAKE] = "bad handshake",
	[TUNNEL_DROP_UNKNOWN_KEY] = "unknown key",
	[TUNNEL_DROP_STALE] = "stale initiation",
	[TUNNEL_DROP_RATELIMIT] = "rate limited",
	[TUNNEL_DROP_UNKNOWN_INDEX] = "unknown index",
	[TUNNEL_DROP_HOLD_FULL] = "hold full",
	[TUNNEL_DROP_HOLD_AGED] = "held too long",
	[TUNNEL_DROP_GSO] = "bad gso packet",
};

const char *tunnel_drop_name(enum tunnel_drop d)
{
	return d < TUNNEL_DROP__COUNT ? drop_names[d] : "?";
}

/**
 * tunnel_out_init() - allocate a peer's message buffer
 * @o:		state
 * @cap:	largest message the transport carries
 *
 * Return: 0, or -1 on out of memory
 */
int tunnel_out_init(struct tunnel_out *o, size_t cap)
{
	if (cap > SESSION_MAX_MESSAGE)
		cap = SESSION_MAX_MESSAGE;
	o->buf = malloc(cap);
	o->cap = cap;
	o->open = false;
	return o->buf ? 0 : -1;
}

void tunnel_out_free(struct tunnel_out *o)
{
	free(o->buf);
	o->buf = NULL;
}

bool tunnel_out_pending(const struct tunnel_out *o)
{
	return o->open && o->b.packets;
}

/* The largest message for @path */
static size_t path_cap(const struct tunnel_out *o, struct tconn *path)
{
	return path && tconn_mtu(path) < o->cap ? tconn_mtu(path) : o->cap;
}

/* Start a batch no larger than what the path sends at once */
static void batch_init(struct tunnel_out *o, struct tconn *path)
{
	session_batch_init(&o->b, o->buf, path_cap(o, path));
}

/**
 * tunnel_out_max_gso() - the longest GSO packet a message on @path carries
 * @o:		state
 * @path:	the connection
 *
 * Return: a length for tunnel_out_add_gso(), 0 if none fits
 */
size_t tunnel_out_max_gso(const struct tunnel_out *o, struct tconn *path)
{
	return session_batch_max_gso(path_cap(o, path));
}

/* Seal what is batched (or an empty keepalive) and send it */
static int seal_send(struct tunnel_out *o, struct session *s,
		     struct tconn *path, uint64_t now, struct tunnel_stats *st)
{
	unsigned int packets = o->b.packets;
	size_t wire_len;
	int ret;

	if (!o->open)
		batch_init(o, path);
	o->open = false;
	if (!path) {
		st->drops[TUNNEL_DROP_NO_PATH] += packets;
		return -1;
	}
	if (session_seal(s, &o->b, now, &wire_len) != SESSION_OK) {
		st->drops[TUNNEL_DROP_NO_SESSION] += packets;
		return -1;
	}
	ret = tconn_send(path, o->buf, wire_len);
	if (ret < 0) {
		st->drops[TUNNEL_DROP_QUEUE_FULL] += packets;
		return -1;
	}
	return ret;
}

/**
 * tunnel_out_flush() - send what is batched
 * @o:		state
 * @s:		the peer's session
 * @path:	the connection to send on, or NULL (the batch is dropped)
 * @now:	current time, ms
 * @st:		drop counters
 * @keepalive:	send an empty message even if nothing is batched
 *
 * Return: 0 if sent or nothing to send; 1 if sent and the transport is
 * past its bound (pause the source until drained); -1 if dropped.
 */
int tunnel_out_flush(struct tunnel_out *o, struct session *s,
		     struct tconn *path, uint64_t now, struct tunnel_stats *st,
		     bool keepalive)
{
	if (!tunnel_out_pending(o) && !keepalive)
		return 0;
	return seal_send(o, s, path, now, st);
}

/**
 * tunnel_out_add() - batch one packet, sending the batch first if full
 * @o:		state
 * @s:		the peer's session
 * @path:	the connection, or NULL
 * @pkt:	IP packet
 * @len:	its length
 * @now:	current time, ms
 * @st:		drop counters
 *
 * Return: as tunnel_out_flush() for the batch sent to make room, else 0;
 * -1 if the packet itself was dropped (counted).
 */
int tunnel_out_add(struct tunnel_out *o, struct session *s, struct tconn *path,
		   const uint8_t *pkt, size_t len, uint64_t now,
		   struct tunnel_stats *st)
{
	return tunnel_out_add_gso(o, s, path, pkt, len, 0, now, st);
}

/**
 * tunnel_out_add_gso() - batch one packet, maybe a GSO entry
 * @o:		state
 * @s:		the peer's session
 * @path:	the connection, or NULL
 * @pkt:	IP packet
 * @len:	its length
 * @gso:	segment size of a TCP packet for the peer to split (only if
 *		it takes GSO entries); 0: a plain packet
 * @now:	current time, ms
 * @st:		drop counters
 *
 * Return: as tunnel_out_add()
 */
int tunnel_out_add_gso(struct tunnel_out *o, struct session *s,
		       struct tconn *path, const uint8_t *pkt, size_t len,
		       size_t gso, uint64_t now, struct tunnel_stats *st)
{
	int ret = 0;

	if (!s->cur.valid) {
		st->drops[TUNNEL_DROP_NO_SESSION]++;
		return -1;
	}
	if (!path) {
		st->drops[TUNNEL_DROP_NO_PATH]++;
		return -1;
	}
	if (!o->open) {
		batch_init(o, path);
		o->open = true;
	}
	if (!session_batch_add_gso(&o->b, pkt, len, gso))
		return 0;
	if (o->b.packets) {
		ret = seal_send(o, s, path, now, st);
		batch_init(o, path);
		o->open = true;
		if (!session_batch_add_gso(&o->b, pkt, len, gso))
			return ret;
	}
	st->drops[TUNNEL_DROP_TOO_BIG]++;
	return -1;
}
