/* SPDX-License-Identifier: MIT */
/* nat.h - userspace NAT for many client sessions behind one IPv4 address
 *
 * The caller hands whole IPv4 packets in and out: nat_outbound() for a
 * packet a client session sent, nat_inbound() for one captured from the
 * internet.  Each translates the packet in place and says what to do with
 * it.  Inbound fragments that arrive before their first fragment are held;
 * once released they come out of nat_release_next().  Nothing here does
 * I/O or reads a clock: every call takes the time in milliseconds from a
 * monotonic clock, so tests drive it with a fake one.
 */
#ifndef TETHER_NAT_H
#define TETHER_NAT_H

#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

struct nat;

/**
 * enum nat_filter - which inbound packets a mapping lets in (RFC 4787 5)
 * @NAT_FILTER_ADDR:	from any port of an address the mapping has sent to
 *			(address-dependent filtering; the default)
 * @NAT_FILTER_ADDR_PORT: only from an address and port it has sent to
 * @NAT_FILTER_ENDPOINT: from anywhere (endpoint-independent filtering)
 */
enum nat_filter {
	NAT_FILTER_ADDR,
	NAT_FILTER_ADDR_PORT,
	NAT_FILTER_ENDPOINT,
};

/**
 * struct nat_params - configuration; fill with nat_params_default() first
 * @ext_addr:	the one external IPv4 address, network byte order
 * @port_lo:	first external port (and ICMP echo id), 1..65535
 * @port_hi:	last external port, >= @port_lo
 * @filter:	inbound filtering
 * @session_quota: mappings per session unless nat_session_set_quota()
 * @session_flows: flows (mapping, remote endpoint) per session
 * @max_mappings: mappings in all; memory for them is reserved up front
 * @max_flows:	flows in all; memory for them is reserved up front
 * @max_sessions: sessions holding mappings or a quota of their own
 * @udp_timeout: seconds a UDP flow lives after its last outbound packet
 *		(RFC 4787 REQ-5: >= 120)
 * @tcp_est_timeout: idle seconds for an established TCP flow (RFC 5382
 *		REQ-5: >= 7440)
 * @tcp_trans_timeout: idle seconds for a TCP flow in a transitory state:
 *		SYN in one direction only, FIN both ways, after RST (>= 240)
 * @icmp_timeout: seconds an ICMP echo flow lives after its last request
 *		(RFC 5508 REQ-1: >= 60)
 * @port_hold:	seconds a freed port stays unused (RFC 6888 REQ-8: >= 120)
 * @frag_timeout: seconds fragment state and held fragments live (1..120)
 * @frag_max:	fragmented datagrams tracked at once
 * @frag_hold_bytes: bytes of inbound fragments held before their first
 * @frag_hold_pkts: inbound fragments held at once
 * @seed:	0 for unpredictable ports and hashes; anything else makes
 *		them reproducible (tests, fuzzing)
 */
struct nat_params {
	uint32_t ext_addr;
	uint16_t port_lo;
	uint16_t port_hi;
	enum nat_filter filter;
	uint32_t session_quota;
	uint32_t session_flows;
	uint32_t max_mappings;
	uint32_t max_flows;
	uint32_t max_sessions;
	uint32_t udp_timeout;
	uint32_t tcp_est_timeout;
	uint32_t tcp_trans_timeout;
	uint32_t icmp_timeout;
	uint32_t port_hold;
	uint32_t frag_timeout;
	uint32_t frag_max;
	uint32_t frag_hold_bytes;
	uint32_t frag_hold_pkts;
	uint64_t seed;
};

/**
 * enum nat_action - what the caller does with the packet
 * @NAT_DROP:	discard it; struct nat_result.drop says why
 * @NAT_FORWARD: outbound: send it to the internet; inbound: send it to
 *		client session struct nat_result.session
 * @NAT_HAIRPIN: outbound only: it was for another client behind this
 *		NAT; send it to session struct nat_result.session
 * @NAT_REFUSE:	a quota or the table is full: discard it and answer the
 *		client with ICMP 3/13 (administratively prohibited)
 * @NAT_HELD:	inbound fragment kept until its first fragment arrives;
 *		the caller must not touch the buffer's contents again
 */
enum nat_action {
	NAT_DROP,
	NAT_FORWARD,
	NAT_HAIRPIN,
	NAT_REFUSE,
	NAT_HELD,
};

/**
 * enum nat_drop - why a packet was dropped or refused, one counter each
 */
enum nat_drop {
	NAT_DROP_NONE,
	NAT_DROP_PARSE,		/* pkt_parse() refused it */
	NAT_DROP_ICMP_CSUM,	/* ICMP checksum wrong (RFC 5508 REQ-?) */
	NAT_DROP_PROTO,		/* not TCP, UDP or ICMP */
	NAT_DROP_ICMP_TYPE,	/* ICMP neither echo (this way) nor error */
	NAT_DROP_BAD_DST,	/* outbound to 0/8, 127/8, multicast, 240/4 */
	NAT_DROP_NOT_OURS,	/* inbound not to the external address */
	NAT_DROP_BAD_SRC,	/* inbound from our own address (only a
				 * hairpin may be), 0/8, 127/8, 224/3 */
	NAT_DROP_NO_MAPPING,	/* inbound to a port with no mapping */
	NAT_DROP_FILTERED,	/* mapping exists, filtering said no */
	NAT_DROP_ICMP_NO_MATCH,	/* ICMP error about no flow of ours */
	NAT_DROP_ICMP_FRAG,	/* fragmented ICMP error: cannot verify */
	NAT_DROP_HAIRPIN,	/* to our own address: no such mapping, or a
				 * fragment or ICMP error (not hairpinned) */
	NAT_DROP_FRAG_EVICTED,	/* held fragment pushed out, too big */
	NAT_DROP_FRAG_TIMEOUT,	/* held fragment: first never came */
	NAT_DROP_FRAG_DENIED,	/* fragment of a datagram whose first was
				 * dropped */
	NAT_DROP_FRAG_TOOBIG,	/* released fragment larger than the
				 * caller's buffer */
	NAT_DROP_QUOTA,		/* refused: session's mapping quota */
	NAT_DROP_SESSION_FLOWS,	/* refused: session at its flow quota */
	NAT_DROP_DST_PORTS,	/* refused: too many ports of one remote
				 * address on one mapping */
	NAT_DROP_TABLE_FULL,	/* refused: mapping/flow/session cap */
	NAT_DROP_NO_PORT,	/* refused: no external port free */
	NAT_DROP_MAX,
};

/**
 * struct nat_result - what nat_outbound()/nat_inbound() decided
 * @action:	see enum nat_action
 * @drop:	reason for NAT_DROP and NAT_REFUSE, else NAT_DROP_NONE
 * @session:	destination session for inbound NAT_FORWARD and NAT_HAIRPIN
 * @pkt_drop:	pkt_parse()'s reason when @drop is NAT_DROP_PARSE
 */
struct nat_result {
	enum nat_action action;
	enum nat_drop drop;
	uint32_t session;
	enum pkt_drop pkt_drop;
};

#define NAT_PROTOS	3	/* TCP, UDP, ICMP echo: index of per-protocol
				 * figures in struct nat_stats */
/* Mappings one external address can hold: every port of every protocol */
#define NAT_MAPPINGS_MAX (NAT_PROTOS * 65536)

/**
 * struct nat_stats - counters and table figures for a status endpoint
 * @out_pkts:	outbound packets translated (hairpinned ones included)
 * @in_pkts:	inbound packets (and released fragments) translated
 * @hairpin_pkts: packets hairpinned from one client to another
 * @icmp_err_pkts: ICMP errors translated, either direction
 * @drops:	drops and refusals by enum nat_drop
 * @pkt_drops:	parse failures by enum pkt_drop
 * @mappings_created: mappings ever made
 * @flows_created: flows ever made
 * @flows_expired: flows ended by their timer
 * @sessions:	sessions with mappings or a quota of their own now
 * @mappings:	mappings now
 * @flows:	flows now
 * @max_mappings: the configured cap
 * @max_flows:	the configured cap
 * @ports:	external ports per protocol (the size of the range)
 * @ports_used:	ports per protocol held by a mapping (TCP, UDP, ICMP)
 * @ports_held:	ports per protocol waiting out the reuse hold
 * @frag_entries: fragmented datagrams tracked
 * @frag_held:	inbound fragments held or waiting to be released
 * @frag_held_bytes: their size
 * @mem_bytes:	bytes allocated for the tables
 */
struct nat_stats {
	uint64_t out_pkts;
	uint64_t in_pkts;
	uint64_t hairpin_pkts;
	uint64_t icmp_err_pkts;
	uint64_t drops[NAT_DROP_MAX];
	uint64_t pkt_drops[PKT_DROP_MAX];
	uint64_t mappings_created;
	uint64_t flows_created;
	uint64_t flows_expired;
	uint32_t sessions;
	uint32_t mappings;
	uint32_t flows;
	uint32_t max_mappings;
	uint32_t max_flows;
	uint32_t ports;
	uint32_t ports_used[NAT_PROTOS];
	uint32_t ports_held[NAT_PROTOS];
	uint32_t frag_entries;
	uint32_t frag_held;
	uint32_t frag_held_bytes;
	uint64_t mem_bytes;
};

/**
 * struct nat_mapping_info - one mapping, as nat_session_foreach() sees it
 * @proto:	PKT_PROTO_TCP, PKT_PROTO_UDP or PKT_PROTO_ICMP
 * @inner_addr:	the client's address, network byte order
 * @inner_port:	the client's port or echo id
 * @ext_port:	the external port or echo id
 * @flows:	remote endpoints it has
 */
struct nat_mapping_info {
	uint8_t proto;
	uint32_t inner_addr;
	uint16_t inner_port;
	uint16_t ext_port;
	uint32_t flows;
};

void nat_params_default(struct nat_params *p);
int nat_params_check(const struct nat_params *p, char *why, size_t size);
struct nat *nat_new(const struct nat_params *p);
void nat_free(struct nat *n);

enum nat_action nat_outbound(struct nat *n, uint32_t session, uint8_t *buf,
			     size_t len, uint64_t now_ms,
			     struct nat_result *res);
enum nat_action nat_inbound(struct nat *n, uint8_t *buf, size_t len,
			    uint64_t now_ms, struct nat_result *res);
int nat_release_next(struct nat *n, uint8_t *buf, size_t cap, size_t *len,
		     uint32_t *session);
void nat_expire(struct nat *n, uint64_t now_ms);

int nat_session_set_quota(struct nat *n, uint32_t session, uint32_t quota);
uint32_t nat_session_count(const struct nat *n, uint32_t session);
int nat_session_foreach(const struct nat *n, uint32_t session,
			int (*fn)(const struct nat_mapping_info *, void *),
			void *arg);
void nat_session_remove(struct nat *n, uint32_t session, uint64_t now_ms);

void nat_stats_get(const struct nat *n, struct nat_stats *st);
const char *nat_drop_name(enum nat_drop drop);
const char *nat_action_name(enum nat_action action);

#endif
