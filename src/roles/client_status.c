/* SPDX-License-Identifier: MIT */
/* client_status.c - the client's status document
 *
 * What GET /status answers on the client: the state (client_state.c)
 * and since when, the phone, the session (age, handshakes, the last
 * handshake's round trip to the server), the TUN device and the server's
 * assignment, traffic both ways, and every drop counter by reason: the
 * role's own, the tunnel's, the handshake's, the session's and the
 * transport's. man/tether.8 (STATUS) describes the fields.
 */
#include <stdio.h>

#include "client_status.h"
#include "status_json.h"

/* A duration since @then, or null if it never happened */
static json_t *ago(bool happened, uint64_t then, uint64_t now)
{
	return happened ? status_seconds(now - then) : json_null();
}

static json_t *assignment(const struct client_state *cs)
{
	const struct noise_assignment *as = &cs->as;
	struct prefix p = {.addr.family = AF_INET, .len = as->prefix};
	struct addr dns = {.family = AF_INET, .v4 = as->dns};
	char buf[ADDR_STRLEN];

	if (!cs->ever_up)
		return json_null();
	p.addr.v4 = as->addr;
	return json_pack("{s:s, s:i, s:o}", "address",
			 prefix_format(&p, buf, sizeof(buf)), "mtu", as->mtu,
			 "dns",
			 as->dns.s_addr ? status_addr(&dns) : json_null());
}

static json_t *session(const struct client_status_view *v)
{
	const struct client_state *cs = v->state;
	json_t *o = json_object();

	json_object_set_new(o, "established", json_boolean(cs->ever_up));
	json_object_set_new(o, "age_s",
			    ago(cs->ever_up, cs->first_up_ms, v->now_ms));
	status_set_u64(o, "handshakes",
		       tunnel_client_stats(v->tunnel)->handshakes);
	json_object_set_new(o, "last_handshake_s_ago",
			    ago(cs->ever_up, cs->last_handshake_ms, v->now_ms));
	return o;
}

static json_t *drops(const struct client_status_view *v)
{
	const struct tunnel_stats *ts = tunnel_client_stats(v->tunnel);

	return json_pack(
		"{s:o?, s:o?, s:o?, s:o?, s:o?}", "client",
		status_named(v->drops, v->ndrops, v->drop_names), "tunnel",
		status_tunnel_drops(ts), "handshake",
		status_handshake_drops(ts), "session",
		status_session_drops(tunnel_client_session_stats(v->tunnel)),
		"transport",
		status_transport_drops(transport_counters(v->transport)));
}

/* The TUN's counters; of the packets read, the TCP GSO ones (many
 * segments at once) and how many of those went whole or split */
static json_t *tun(const struct client_status_view *v)
{
	const struct tunnel_stats *ts = tunnel_client_stats(v->tunnel);

	return json_pack(
		"{s:s, s:I, s:I, s:I, s:{s:I, s:I, s:I}}", "name", v->tun_name,
		"packets_read", (json_int_t)v->tun_read, "packets_written",
		(json_int_t)v->tun_written, "host_unreachable_sent",
		(json_int_t)v->tun_unreachables, "gso", "read",
		(json_int_t)v->tun_read_gso, "sent_whole",
		(json_int_t)ts->gso_sent, "split", (json_int_t)ts->gso_split);
}

/**
 * client_status_json() - the client's status document
 * @v:	what it is made of
 *
 * Return: a new JSON object, or NULL on out of memory
 */
json_t *client_status_json(const struct client_status_view *v)
{
	const struct client_state *cs = v->state;
	const struct conf_url *u = &v->cf->server_url;
	bool phone = u->scheme != URL_UDP;
	char url[320];
	json_t *o = json_object();

	snprintf(url, sizeof(url), "%s://%s:%u%s", conf_url_scheme(u), u->host,
		 u->port, u->path);
	json_object_set_new(o, "role", json_string("client"));
	json_object_set_new(o, "state", json_string(client_state_name(cs->id)));
	json_object_set_new(o, "since",
			    status_wall_time(cs->since_ms, v->now_ms));
	json_object_set_new(o, "state_age_s",
			    status_seconds(v->now_ms - cs->since_ms));
	status_set_u64(o, "state_changes", cs->changes);
	json_object_set_new(o, "server_url", json_string(url));
	json_object_set_new(o, "phone",
			    phone && cs->path ? json_string(cs->peer)
					      : json_null());
	json_object_set_new(o, "path",
			    cs->path ? json_string(cs->peer) : json_null());
	json_object_set_new(o, "session", session(v));
	json_object_set_new(o, "rtt_ms",
			    cs->ever_up ? json_real((double)cs->rtt_us / 1000)
					: json_null());
	json_object_set_new(o, "tun", tun(v));
	json_object_set_new(o, "assignment", assignment(cs));
	json_object_update_new(
		o, status_traffic(tunnel_client_session_stats(v->tunnel)));
	json_object_set_new(o, "transport",
			    status_transport(transport_counters(v->transport)));
	json_object_set_new(o, "drops", drops(v));
	return o;
}
