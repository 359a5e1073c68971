/* SPDX-License-Identifier: MIT */
/* status_json.c - pieces both roles' status documents are made of
 *
 * Counters are JSON integers (jansson's are 64-bit signed; a counter
 * never gets near 2^63), drop counters are objects keyed by the reason's
 * name, every reason present even at 0 so a monitor can rely on the
 * keys. Durations are seconds with a fraction; points in time are UTC
 * in RFC 3339. jansson builders return NULL on out of memory, and its
 * setters ignore a NULL value, so a document built under memory
 * pressure comes out incomplete, never broken.
 */
#include <stdio.h>
#include <time.h>

#include "status_json.h"

/* Set @key to the counter @v */
void status_set_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* { names[i]: v[i] } for each i < @n with a name */
json_t *status_named(const uint64_t *v, size_t n, const char *const *names)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		if (names[i])
			status_set_u64(o, names[i], v[i]);
	return o;
}

json_t *status_seconds(uint64_t ms)
{
	return json_real((double)ms / 1000);
}

/* The wall-clock time of the loop time @then_ms, when the loop says @now_ms */
json_t *status_wall_time(uint64_t then_ms, uint64_t now_ms)
{
	time_t t = time(NULL) - (time_t)((now_ms - then_ms) / 1000);
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

json_t *status_addr(const struct addr *a)
{
	char buf[ADDR_STRLEN];

	return json_string(addr_format(a, buf, sizeof(buf)));
}

/* { tx: {...}, rx: {...} } of a session: IP packets, messages, bytes */
json_t *status_traffic(const struct session_stats *s)
{
	json_t *tx = json_object(), *rx = json_object();

	status_set_u64(tx, "packets", s->tx_packets);
	status_set_u64(tx, "messages", s->tx_messages);
	status_set_u64(tx, "bytes", s->tx_bytes);
	status_set_u64(tx, "keepalives", s->keepalives_sent);
	status_set_u64(rx, "packets", s->rx_packets);
	status_set_u64(rx, "messages", s->rx_messages);
	status_set_u64(rx, "bytes", s->rx_bytes);
	status_set_u64(rx, "keepalives", s->keepalives_received);
	return json_pack("{s:o?, s:o?}", "tx", tx, "rx", rx);
}

json_t *status_session_drops(const struct session_stats *s)
{
	json_t *o = json_object();

	for (int i = 1; i < SESSION_ERR__COUNT; i++)
		status_set_u64(o, session_err_name((enum session_err)i),
			       s->drops[i]);
	return o;
}

json_t *status_tunnel_drops(const struct tunnel_stats *ts)
{
	json_t *o = json_object();

	for (int i = 0; i < TUNNEL_DROP__COUNT; i++)
		status_set_u64(o, tunnel_drop_name((enum tunnel_drop)i),
			       ts->drops[i]);
	return o;
}

/* Why handshake messages failed (part of the tunnel's "handshake") */
json_t *status_handshake_drops(const struct tunnel_stats *ts)
{
	json_t *o = json_object();

	for (int i = 1; i < NOISE_ERR__COUNT; i++)
		status_set_u64(o, noise_err_name((enum noise_err)i),
			       ts->noise_drops[i]);
	return o;
}

json_t *status_transport(const struct transport_counters *c)
{
	json_t *o = json_object();

	status_set_u64(o, "connections", c->conns);
	status_set_u64(o, "messages_in", c->msgs_in);
	status_set_u64(o, "messages_out", c->msgs_out);
	status_set_u64(o, "bytes_in", c->bytes_in);
	status_set_u64(o, "bytes_out", c->bytes_out);
	return o;
}

json_t *status_transport_drops(const struct transport_counters *c)
{
	json_t *o = json_object();

	status_set_u64(o, "queue full", c->drop_queue_full);
	status_set_u64(o, "too big", c->drop_too_big);
	status_set_u64(o, "refused", c->refused);
	return o;
}
