/* SPDX-License-Identifier: MIT */
/* nat.c - NAT setup, parameters, sessions and status
 *
 * The public face of the table in nat_table.c: parameters checked against
 * the RFC bounds, memory reserved once for the configured maxima, whole
 * sessions counted, listed and removed, counters read.  Packets go through
 * nat_xlate.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "nat_impl.h"

/**
 * nat_expire() - end the flows and fragment state whose time has come
 * @n:		the NAT
 * @now_ms:	monotonic milliseconds
 *
 * Packets do this as they pass; call it from a timer (every second or so)
 * so that an idle NAT frees its ports too.
 *
 * Return: nothing
 */
void nat_expire(struct nat *n, uint64_t now_ms)
{
	nat_clock(n, now_ms);
}

/* --- sessions, public --------------------------------------------------- */

/**
 * nat_session_set_quota() - give one session its own mapping quota
 * @n:		the NAT
 * @session:	session id
 * @quota:	mappings it may hold; lowering it below what it holds refuses
 *		new ones but evicts nothing
 *
 * Return: 0, or -ENOSPC if max_sessions sessions exist already
 */
int nat_session_set_quota(struct nat *n, uint32_t session, uint32_t quota)
{
	uint32_t si = nat_sess_get(n, session);

	if (si == NAT_NIL)
		return -ENOSPC;
	n->sess[si].quota = quota;
	n->sess[si].custom = true;
	return 0;
}

/**
 * nat_session_count() - how many mappings a session holds
 * @n:		the NAT
 * @session:	session id
 *
 * Return: the number of mappings (0 for an unknown session)
 */
uint32_t nat_session_count(const struct nat *n, uint32_t session)
{
	uint32_t si = nat_sess_find(n, session);

	return si == NAT_NIL ? 0 : n->sess[si].nmaps;
}

/**
 * nat_session_foreach() - call @fn for each mapping of a session
 * @n:		the NAT
 * @session:	session id
 * @fn:		called with each mapping; non-zero stops the walk
 * @arg:	passed to @fn
 *
 * @fn must not change the NAT.
 *
 * Return: 0, or the first non-zero value @fn returned
 */
int nat_session_foreach(const struct nat *n, uint32_t session,
			int (*fn)(const struct nat_mapping_info *, void *),
			void *arg)
{
	static const uint8_t protos[NAT_PROTOS] = {
		PKT_PROTO_TCP, PKT_PROTO_UDP, PKT_PROTO_ICMP
	};
	uint32_t si = nat_sess_find(n, session), i;
	int r;

	if (si == NAT_NIL)
		return 0;
	for (i = n->sess[si].maps; i != NAT_NIL; i = n->maps[i].snext) {
		const struct nat_map *m = &n->maps[i];
		struct nat_mapping_info mi = {
			.proto = protos[m->pidx],
			.inner_addr = m->iaddr,
			.inner_port = m->iport,
			.ext_port = m->eport,
			.flows = m->nflows,
		};

		r = fn(&mi, arg);
		if (r)
			return r;
	}
	return 0;
}

/**
 * nat_session_remove() - forget a session: all its mappings and flows
 * @n:		the NAT
 * @session:	session id; unknown ids are fine
 * @now_ms:	monotonic milliseconds (the ports' hold starts now)
 *
 * Its ports enter the reuse hold; its fragment state goes too.
 *
 * Return: nothing
 */
void nat_session_remove(struct nat *n, uint32_t session, uint64_t now_ms)
{
	uint32_t si, mi;

	nat_clock(n, now_ms);
	frag_session_remove(n->frag, session);
	si = nat_sess_find(n, session);
	if (si == NAT_NIL)
		return;
	while ((mi = n->sess[si].maps) != NAT_NIL) {
		while (n->maps[mi].flows != NAT_NIL)
			nat_flow_free(n, n->maps[mi].flows, true);
		nat_map_free(n, mi, true);
	}
	nat_sess_put(n, si, true);
}

/* --- setup -------------------------------------------------------------- */

/**
 * nat_params_default() - fill @p with the RFC-recommended defaults
 * @p:		parameters; ext_addr is left 0 and must be set
 *
 * Ports default to 61000-65535, outside Linux's ephemeral range, so that
 * they do not collide with the server's own sockets.
 *
 * Return: nothing
 */
void nat_params_default(struct nat_params *p)
{
	*p = (struct nat_params){
		.port_lo = 61000,
		.port_hi = 65535,
		.filter = NAT_FILTER_ADDR,
		.session_quota = 1024,
		.session_flows = 16384,
		.max_mappings = 65536,
		.max_flows = 1u << 20,
		.max_sessions = 65536,
		.udp_timeout = 300,
		.tcp_est_timeout = 7440,
		.tcp_trans_timeout = 240,
		.icmp_timeout = 60,
		.port_hold = 120,
		.frag_timeout = 30,
		.frag_max = 256,
		.frag_hold_bytes = 256 * 1024,
		.frag_hold_pkts = 256,
	};
}

#define MAX_TIMEOUT	(30u * 24 * 3600)

static int check_range(const char *name, uint64_t v, uint64_t lo,
		       uint64_t hi, char *why, size_t size)
{
	if (v >= lo && v <= hi)
		return 0;
	snprintf(why, size, "nat: \"%s\" must be %llu..%llu, got %llu", name,
		 (unsigned long long)lo, (unsigned long long)hi,
		 (unsigned long long)v);
	return -EINVAL;
}

/**
 * nat_params_check() - validate parameters against the RFC bounds
 * @p:		parameters
 * @why:	set to a message naming the field and its value on error
 * @size:	size of @why
 *
 * Return: 0, or -EINVAL
 */
int nat_params_check(const struct nat_params *p, char *why, size_t size)
{
	const struct {
		const char *name;
		uint64_t v, lo, hi;
	} r[] = {
		{ "port_lo", p->port_lo, 1, 65535 },
		{ "port_hi", p->port_hi, p->port_lo, 65535 },
		{ "filter", p->filter, NAT_FILTER_ADDR, NAT_FILTER_ENDPOINT },
		{ "max_mappings", p->max_mappings, 1, 1u << 24 },
		{ "max_flows", p->max_flows, 1, 1u << 26 },
		{ "max_sessions", p->max_sessions, 1, 1u << 24 },
		{ "session_quota", p->session_quota, 1, p->max_mappings },
		{ "session_flows", p->session_flows, 1, p->max_flows },
		{ "udp_timeout", p->udp_timeout, 120, MAX_TIMEOUT },
		{ "tcp_est_timeout", p->tcp_est_timeout, 7440, MAX_TIMEOUT },
		{ "tcp_trans_timeout", p->tcp_trans_timeout, 240, MAX_TIMEOUT },
		{ "icmp_timeout", p->icmp_timeout, 60, MAX_TIMEOUT },
		{ "port_hold", p->port_hold, 120, 3600 },
		{ "frag_timeout", p->frag_timeout, 1, 120 },
		{ "frag_max", p->frag_max, 1, 65536 },
		{ "frag_hold_bytes", p->frag_hold_bytes, 0, 64u << 20 },
		{ "frag_hold_pkts", p->frag_hold_pkts, 0, 65536 },
	};
	size_t i;

	if (p->ext_addr == 0) {
		snprintf(why, size,
			 "nat: \"ext_addr\" must be set, got 0.0.0.0");
		return -EINVAL;
	}
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (check_range(r[i].name, r[i].v, r[i].lo, r[i].hi, why,
				size))
			return -EINVAL;
	return 0;
}

static void *table(struct nat *n, size_t count, size_t size)
{
	n->mem += count * size;
	return calloc(count, size);
}

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

static uint32_t *heads(struct nat *n, uint32_t count)
{
	uint32_t *h = table(n, count, sizeof(*h));

	if (h)
		memset(h, 0xff, count * sizeof(*h));
	return h;
}

/**
 * nat_new() - make a NAT
 * @p:		parameters (copied); invalid ones are logged with the
 *		field name and value
 *
 * Reserves the tables for the configured maxima; the kernel backs the
 * memory as it is used.
 *
 * Return: the NAT, or NULL with errno set (EINVAL, ENOMEM)
 */
struct nat *nat_new(const struct nat_params *p)
{
	struct frag_params fp;
	unsigned char seed[randombytes_SEEDBYTES] = { 0 };
	unsigned char keys[sizeof(uint64_t) + 16];
	struct nat *n;
	char why[128];
	int i;

	if (nat_params_check(p, why, sizeof(why))) {
		log_warnx("%s", why);
		errno = EINVAL;
		return NULL;
	}
	if (sodium_init() < 0 || !(n = calloc(1, sizeof(*n)))) {
		errno = ENOMEM;
		return NULL;
	}
	n->p = *p;
	n->range = (uint32_t)p->port_hi - p->port_lo + 1;
	if (p->seed) {
		memcpy(seed, &p->seed, sizeof(p->seed));
		randombytes_buf_deterministic(keys, sizeof(keys), seed);
	} else {
		randombytes_buf(keys, sizeof(keys));
	}
	memcpy(&n->hseed, keys, sizeof(n->hseed));
	memcpy(n->pkey, keys + sizeof(n->hseed), sizeof(n->pkey));
	n->sess_mask = pow2_at_least(p->max_sessions) - 1;
	n->map_mask = pow2_at_least(p->max_mappings) - 1;
	/* load factor at most 3/4 keeps probe sequences short */
	n->fslot_mask = pow2_at_least(p->max_flows + p->max_flows / 3 + 1) - 1;
	n->sess_free = n->map_free = n->flow_free = NAT_NIL;
	n->sess = table(n, p->max_sessions, sizeof(*n->sess));
	n->maps = table(n, p->max_mappings, sizeof(*n->maps));
	n->flows = table(n, p->max_flows, sizeof(*n->flows));
	n->sess_hash = heads(n, n->sess_mask + 1);
	n->map_hash = heads(n, n->map_mask + 1);
	n->fslot = table(n, n->fslot_mask + 1, sizeof(*n->fslot));
	for (i = 0; i < NAT_PROTOS; i++)
		n->ports[i] = table(n, 65536, sizeof(uint32_t));
	fp = (struct frag_params){
		.max = p->frag_max,
		.hold_bytes = p->frag_hold_bytes,
		.hold_pkts = p->frag_hold_pkts,
		.timeout_ms = (uint64_t)p->frag_timeout * 1000,
		.seed = n->hseed,
	};
	n->frag = frag_new(&fp);
	if (!n->sess || !n->maps || !n->flows || !n->sess_hash ||
	    !n->map_hash || !n->fslot || !n->ports[0] || !n->ports[1] ||
	    !n->ports[2] || !n->frag)
		goto err;
	if (wheel_init(&n->wheel, NAT_WHEEL_ORDER, n->flows,
		       sizeof(*n->flows), offsetof(struct nat_flow, tw)))
		goto err;
	n->mem += ((size_t)1 << NAT_WHEEL_ORDER) * sizeof(uint32_t) +
		  sizeof(*n);
	return n;

err:
	nat_free(n);
	errno = ENOMEM;
	return NULL;
}

/**
 * nat_free() - free a NAT and everything it holds
 * @n:		the NAT, or NULL
 *
 * Return: nothing
 */
void nat_free(struct nat *n)
{
	int i;

	if (!n)
		return;
	wheel_free(&n->wheel);
	frag_free(n->frag);
	for (i = 0; i < NAT_PROTOS; i++)
		free(n->ports[i]);
	free(n->fslot);
	free(n->map_hash);
	free(n->sess_hash);
	free(n->flows);
	free(n->maps);
	free(n->sess);
	free(n);
}

/* --- status ------------------------------------------------------------- */

/**
 * nat_stats_get() - read counters and table figures
 * @n:		the NAT
 * @st:		filled in
 *
 * Counting held ports walks the port arrays: call it for a status page,
 * not per packet.
 *
 * Return: nothing
 */
void nat_stats_get(const struct nat *n, struct nat_stats *st)
{
	const struct frag_counts *fc = frag_counts(n->frag);
	uint32_t i, port, v;
	uint64_t fmem;

	*st = n->st;
	st->drops[NAT_DROP_FRAG_EVICTED] += fc->evicted;
	st->drops[NAT_DROP_FRAG_TIMEOUT] += fc->timeout;
	st->drops[NAT_DROP_FRAG_DENIED] += fc->denied;
	st->sessions = n->nsess;
	st->mappings = n->nmaps;
	st->flows = n->nflows;
	st->max_mappings = n->p.max_mappings;
	st->max_flows = n->p.max_flows;
	st->ports = n->range;
	for (i = 0; i < NAT_PROTOS; i++) {
		st->ports_used[i] = n->ports_used[i];
		st->ports_held[i] = 0;
		for (port = n->p.port_lo; port <= n->p.port_hi; port++) {
			v = n->ports[i][port];
			if (v & NAT_PORT_HOLD && !nat_port_free(n, v))
				st->ports_held[i]++;
		}
	}
	frag_usage(n->frag, &st->frag_entries, &st->frag_held,
		   &st->frag_held_bytes, &fmem);
	st->mem_bytes = n->mem + fmem;
}

/**
 * nat_drop_name() - short name of a drop reason, for counters and logs
 * @drop:	the reason
 *
 * Return: a static string; "unknown" for values out of range
 */
const char *nat_drop_name(enum nat_drop drop)
{
	static const char *const names[NAT_DROP_MAX] = {
		[NAT_DROP_NONE] = "none",
		[NAT_DROP_PARSE] = "malformed",
		[NAT_DROP_ICMP_CSUM] = "bad icmp checksum",
		[NAT_DROP_PROTO] = "protocol not translated",
		[NAT_DROP_ICMP_TYPE] = "icmp type not translated",
		[NAT_DROP_BAD_DST] = "bad destination",
		[NAT_DROP_NOT_OURS] = "not to our address",
		[NAT_DROP_BAD_SRC] = "bad source",
		[NAT_DROP_NO_MAPPING] = "no mapping",
		[NAT_DROP_FILTERED] = "filtered",
		[NAT_DROP_ICMP_NO_MATCH] = "icmp error matches no flow",
		[NAT_DROP_ICMP_FRAG] = "fragmented icmp error",
		[NAT_DROP_HAIRPIN] = "hairpin not possible",
		[NAT_DROP_FRAG_EVICTED] = "held fragment evicted",
		[NAT_DROP_FRAG_TIMEOUT] = "held fragment timed out",
		[NAT_DROP_FRAG_DENIED] = "fragment of a dropped datagram",
		[NAT_DROP_FRAG_TOOBIG] = "released fragment too big",
		[NAT_DROP_QUOTA] = "session mapping quota",
		[NAT_DROP_SESSION_FLOWS] = "session flow quota",
		[NAT_DROP_DST_PORTS] = "too many ports of one address",
		[NAT_DROP_TABLE_FULL] = "table full",
		[NAT_DROP_NO_PORT] = "no port free",
	};

	if ((unsigned int)drop >= NAT_DROP_MAX)
		return "unknown";
	return names[drop];
}

/**
 * nat_action_name() - short name of an action, for logs and tests
 * @action:	the action
 *
 * Return: a static string; "unknown" for values out of range
 */
const char *nat_action_name(enum nat_action action)
{
	static const char *const names[] = {
		[NAT_DROP] = "drop",
		[NAT_FORWARD] = "forward",
		[NAT_HAIRPIN] = "hairpin",
		[NAT_REFUSE] = "refuse",
		[NAT_HELD] = "held",
	};

	if ((unsigned int)action >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[action];
}
