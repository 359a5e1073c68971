/* SPDX-License-Identifier: MIT */
/* server_status.c - the server's status document
 *
 * What GET /status answers on the server: every client that has a
 * session (lingering ones too) with its address, path, age, handshakes,
 * traffic both ways, NAT mappings and flows; the NAT table's size and the
 * use of its port range; traffic and drop counters by reason of the role,
 * the tunnel, the handshakes, the NAT, its packet parser and the
 * transports. Clients without a session are only counted, so the
 * document grows with use, not with the configured list. man/tether.8
 * (STATUS) describes the fields.
 */
#include "server_status.h"
#include "status_json.h"

static const char *const proto_names[NAT_PROTOS] = {"tcp", "udp", "icmp"};

/* One client's mappings by protocol, and their flows */
struct mapping_count {
	uint64_t by_proto[NAT_PROTOS];
	uint64_t flows;
};

static int count_mapping(const struct nat_mapping_info *m, void *arg)
{
	struct mapping_count *mc = arg;
	int i = m->proto == PKT_PROTO_TCP   ? 0
		: m->proto == PKT_PROTO_UDP ? 1
					    : 2;

	mc->by_proto[i]++;
	mc->flows += m->flows;
	return 0;
}

static json_t *mappings(const struct nat *nat, uint32_t id, uint64_t *flows)
{
	struct mapping_count mc = {0};
	json_t *o;

	nat_session_foreach(nat, id, count_mapping, &mc);
	o = status_named(mc.by_proto, NAT_PROTOS, proto_names);
	status_set_u64(o, "total",
		       mc.by_proto[0] + mc.by_proto[1] + mc.by_proto[2]);
	*flows = mc.flows;
	return o;
}

static json_t *session(const struct server_status_view *v, uint32_t id,
		       const struct tunnel_peer_info *pi)
{
	struct prefix p = {.addr.family = AF_INET, .len = pi->as.prefix};
	char buf[ADDR_STRLEN];
	uint64_t flows;
	json_t *o = json_object();

	p.addr.v4 = pi->as.addr;
	json_object_set_new(o, "name", json_string(clientset_get(v->clients, id)->name));
	json_object_set_new(o, "address",
			    json_string(prefix_format(&p, buf, sizeof(buf))));
	json_object_set_new(o, "connected", json_boolean(pi->connected));
	json_object_set_new(o, "path",
			    pi->path ? json_string(pi->path) : json_null());
	json_object_set_new(o, "age_s",
			    status_seconds(v->now_ms - pi->since_ms));
	json_object_set_new(o, "last_handshake_s_ago",
			    status_seconds(v->now_ms - pi->handshake_ms));
	status_set_u64(o, "handshakes", pi->handshakes);
	json_object_update_new(o, status_traffic(pi->stats));
	json_object_set_new(o, "mappings", mappings(v->nat, id, &flows));
	status_set_u64(o, "flows", flows);
	json_object_set_new(o, "drops", status_session_drops(pi->stats));
	return o;
}

/* The sessions, and how many clients are configured, active, connected */
static void sessions(json_t *doc, const struct server_status_view *v)
{
	json_t *list = json_array(), *clients = json_object();
	uint64_t active = 0, connected = 0;
	struct tunnel_peer_info pi;

	for (uint32_t id = 0; id < v->clients->cap; id++) {
		if (!tunnel_server_peer(v->tunnel, id, &pi))
			continue;
		active++;
		connected += pi.connected;
		json_array_append_new(list, session(v, id, &pi));
	}
	status_set_u64(clients, "configured", v->clients->n);
	status_set_u64(clients, "sessions", active);
	status_set_u64(clients, "connected", connected);
	json_object_set_new(doc, "clients", clients);
	json_object_set_new(doc, "sessions", list);
}

static json_t *nat_table(const struct nat_stats *ns)
{
	json_t *o = json_object(), *frag = json_object();

	status_set_u64(o, "mappings", ns->mappings);
	status_set_u64(o, "max_mappings", ns->max_mappings);
	status_set_u64(o, "flows", ns->flows);
	status_set_u64(o, "max_flows", ns->max_flows);
	status_set_u64(o, "sessions", ns->sessions);
	status_set_u64(o, "mappings_created", ns->mappings_created);
	status_set_u64(o, "flows_created", ns->flows_created);
	status_set_u64(o, "flows_expired", ns->flows_expired);
	status_set_u64(o, "packets_out", ns->out_pkts);
	status_set_u64(o, "packets_in", ns->in_pkts);
	status_set_u64(o, "packets_hairpinned", ns->hairpin_pkts);
	status_set_u64(o, "icmp_errors", ns->icmp_err_pkts);
	status_set_u64(frag, "tracked", ns->frag_entries);
	status_set_u64(frag, "held", ns->frag_held);
	status_set_u64(frag, "held_bytes", ns->frag_held_bytes);
	json_object_set_new(o, "fragments", frag);
	status_set_u64(o, "memory_bytes", ns->mem_bytes);
	return o;
}

/* The port range, and per protocol how much of it is in use or held */
static json_t *ports(const struct server_status_view *v,
		     const struct nat_stats *ns)
{
	uint64_t used[NAT_PROTOS], held[NAT_PROTOS];
	json_t *usage = json_object();

	for (int i = 0; i < NAT_PROTOS; i++) {
		used[i] = ns->ports_used[i];
		held[i] = ns->ports_held[i];
		json_object_set_new(
			usage, proto_names[i],
			json_real(ns->ports ? (double)(used[i] + held[i]) /
						      ns->ports
					    : 0));
	}
	return json_pack("{s:[i,i], s:I, s:o?, s:o?, s:o?}", "range",
			 v->cf->nat_ports.lo, v->cf->nat_ports.hi, "size",
			 (json_int_t)ns->ports, "used",
			 status_named(used, NAT_PROTOS, proto_names), "held",
			 status_named(held, NAT_PROTOS, proto_names), "usage",
			 usage);
}

static json_t *drops(const struct server_status_view *v,
		     const struct nat_stats *ns)
{
	const struct tunnel_stats *ts = tunnel_server_stats(v->tunnel);
	json_t *nat = json_object(), *pkt = json_object(), *tr;

	for (int i = NAT_DROP_NONE + 1; i < NAT_DROP_MAX; i++)
		status_set_u64(nat, nat_drop_name((enum nat_drop)i),
			       ns->drops[i]);
	for (int i = 1; i < PKT_DROP_MAX; i++)
		status_set_u64(pkt, pkt_drop_name((enum pkt_drop)i),
			       ns->pkt_drops[i]);
	tr = json_pack("{s:o?}", "websocket",
		       status_transport_drops(transport_counters(v->ws)));
	if (v->udp)
		json_object_set_new(
			tr, "udp",
			status_transport_drops(transport_counters(v->udp)));
	return json_pack("{s:o?, s:o?, s:o?, s:o?, s:o?, s:o?}", "server",
			 status_named(v->drops, v->ndrops, v->drop_names),
			 "tunnel", status_tunnel_drops(ts), "handshake",
			 status_handshake_drops(ts), "nat", nat, "packet", pkt,
			 "transport", tr);
}

/**
 * server_status_json() - the server's status document
 * @v:	what it is made of
 *
 * Return: a new JSON object, or NULL on out of memory
 */
json_t *server_status_json(const struct server_status_view *v)
{
	struct addr ext = {.family = AF_INET, .v4.s_addr = v->ext_addr};
	json_t *o = json_object(), *tr;
	struct nat_stats ns;

	nat_stats_get(v->nat, &ns);
	json_object_set_new(o, "role", json_string("server"));
	json_object_set_new(o, "since",
			    status_wall_time(v->started_ms, v->now_ms));
	json_object_set_new(o, "uptime_s",
			    status_seconds(v->now_ms - v->started_ms));
	json_object_set_new(o, "egress",
			    json_pack("{s:s, s:o?, s:{s:I, s:I, s:I}}",
				      "interface", v->egress_if, "address",
				      status_addr(&ext), "gso", "sent_whole",
				      (json_int_t)v->gso_whole, "split",
				      (json_int_t)v->gso_split, "lookups",
				      (json_int_t)v->gso_lookups));
	sessions(o, v);
	status_set_u64(o, "handshakes",
		       tunnel_server_stats(v->tunnel)->handshakes);
	json_object_set_new(
		o, "packets",
		json_pack("{s:I, s:I, s:{s:I, s:I}}", "forwarded",
			  (json_int_t)v->forwarded, "returned",
			  (json_int_t)v->returned, "joined", "runs",
			  (json_int_t)tunnel_server_stats(v->tunnel)->joined_runs,
			  "segments",
			  (json_int_t)tunnel_server_stats(v->tunnel)
				  ->joined_segments));
	json_object_set_new(o, "nat", nat_table(&ns));
	json_object_set_new(o, "ports", ports(v, &ns));
	tr = json_pack("{s:o?}", "websocket",
		       status_transport(transport_counters(v->ws)));
	if (v->udp)
		json_object_set_new(
			tr, "udp",
			status_transport(transport_counters(v->udp)));
	json_object_set_new(o, "transports", tr);
	json_object_set_new(o, "drops", drops(v, &ns));
	return o;
}
