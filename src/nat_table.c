/* SPDX-License-Identifier: MIT */
/* nat_table.c - NAT table: sessions, mappings, flows, external ports, timers
 *
 * Theory of operation: a mapping ties (session, protocol, inner address,
 * inner port) to one external port, whatever the destination (endpoint-
 * independent mapping, RFC 4787 REQ-1).  A flow is one remote endpoint a
 * mapping has sent to; it holds the TCP state and the expiry time, and is
 * what address-dependent filtering checks.  A mapping lives while it has
 * flows: when its last flow expires the mapping goes and its port is held
 * unused for port_hold seconds (RFC 6888 REQ-8).
 *
 * Records sit in arrays sized once by nat_new() (calloc: pages are only
 * touched as the table fills) and refer to each other by uint32_t index.
 * Mappings are found from the inside by a chained hash on their key and
 * from the outside by a direct array per protocol indexed by external port.
 * Flows are found through an open-addressed index (linear probing, load at
 * most 3/4, backward-shift deletion) whose 16-byte slots hold the key, so
 * a lookup costs one cache miss on a big table.  The index hashes on
 * (mapping, remote address) only, so all ports of one remote address share
 * a probe sequence: address-dependent filtering is one walk, and
 * NAT_DST_PORTS bounds it.  Hash seeds and the port choice PRF key are
 * random unless the caller asks for reproducible runs.
 *
 * Ports are picked as in RFC 6056 algorithm 1: a PRF (SipHash) of a counter
 * and the mapping key gives a start in the range, then the next port that
 * is neither in use nor held.  Timers run on a one-second wheel (wheel.c);
 * nat_clock(), on every packet and from nat_expire(), takes due flows off
 * it, so expiry costs O(1) amortised per flow and never scans the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hash.h"
#include "nat_impl.h"

static uint32_t map_bucket(const struct nat *n, uint32_t session, int pidx,
			   uint32_t iaddr, uint16_t iport)
{
	return hash_mix3(n->hseed, session, iaddr,
			 (uint32_t)iport << 8 | (uint32_t)pidx) & n->map_mask;
}

/* Home slot of a flow: all ports of one remote address share it, so that
 * address-dependent filtering is one probe sequence. */
static uint32_t flow_home(const struct nat *n, uint32_t map, uint32_t raddr)
{
	return hash_mix3(~n->hseed, map, raddr, 0x5bd1e995) & n->fslot_mask;
}

static uint32_t sess_bucket(const struct nat *n, uint32_t id)
{
	return hash_mix3(n->hseed + 1, id, 0, 0) & n->sess_mask;
}

/* Whole seconds from the last clock reading to the end of @t seconds
 * from it, rounded up: a timer never fires early. */
static uint32_t deadline(const struct nat *n, uint32_t t)
{
	return n->now_s + t + (n->now_ms % 1000 != 0);
}

/* --- sessions ----------------------------------------------------------- */

/**
 * nat_sess_find() - look a session record up
 * @n:		the NAT
 * @id:		session id
 *
 * Return: the record's index, or NAT_NIL
 */
uint32_t nat_sess_find(const struct nat *n, uint32_t id)
{
	uint32_t i = n->sess_hash[sess_bucket(n, id)];

	while (i != NAT_NIL && n->sess[i].id != id)
		i = n->sess[i].hnext;
	return i;
}

/**
 * nat_sess_get() - find or make a session record
 * @n:		the NAT
 * @id:		session id
 *
 * Return: the record's index, or NAT_NIL when max_sessions exist
 */
uint32_t nat_sess_get(struct nat *n, uint32_t id)
{
	uint32_t i = nat_sess_find(n, id), b;
	struct nat_sess *s;

	if (i != NAT_NIL)
		return i;
	if (n->sess_free != NAT_NIL) {
		i = n->sess_free;
		n->sess_free = n->sess[i].hnext;
	} else if (n->sess_top < n->p.max_sessions) {
		i = n->sess_top++;
	} else {
		return NAT_NIL;
	}
	s = &n->sess[i];
	b = sess_bucket(n, id);
	*s = (struct nat_sess){
		.id = id,
		.hnext = n->sess_hash[b],
		.quota = n->p.session_quota,
		.maps = NAT_NIL,
	};
	n->sess_hash[b] = i;
	n->nsess++;
	return i;
}

/**
 * nat_sess_put() - free a session record if nothing keeps it
 * @n:		the NAT
 * @i:		record index
 * @force:	free it even if it has a quota of its own
 *
 * Return: nothing; a record with mappings always stays
 */
void nat_sess_put(struct nat *n, uint32_t i, bool force)
{
	struct nat_sess *s = &n->sess[i];
	uint32_t *pp = &n->sess_hash[sess_bucket(n, s->id)];

	if (s->nmaps || (s->custom && !force))
		return;
	while (*pp != i)
		pp = &n->sess[*pp].hnext;
	*pp = s->hnext;
	s->hnext = n->sess_free;
	n->sess_free = i;
	n->nsess--;
}

/* --- ports -------------------------------------------------------------- */

/**
 * nat_port_free() - may a port slot be given out?
 * @n:		the NAT
 * @v:		the slot's value
 *
 * Return: true if unused, or its hold is over
 */
bool nat_port_free(const struct nat *n, uint32_t v)
{
	return v == 0 ||
	       (v & NAT_PORT_HOLD && (v & ~NAT_PORT_HOLD) <= n->now_s);
}

static int port_pick(struct nat *n, int pidx, uint32_t session,
		     uint32_t iaddr, uint16_t iport, uint16_t *port)
{
	const uint32_t *tab = n->ports[pidx];
	uint32_t in[5], i, off;
	uint64_t h;

	if (n->ports_used[pidx] >= n->range)
		return -1;
	in[0] = (uint32_t)n->pctr;
	in[1] = (uint32_t)(n->pctr++ >> 32);
	in[2] = session;
	in[3] = iaddr;
	in[4] = (uint32_t)iport << 8 | (uint32_t)pidx;
	crypto_shorthash((unsigned char *)&h, (const unsigned char *)in,
			 sizeof(in), n->pkey);
	off = (uint32_t)(h % n->range);
	for (i = 0; i < n->range; i++, off++) {
		if (off == n->range)
			off = 0;
		if (nat_port_free(n, tab[n->p.port_lo + off])) {
			*port = (uint16_t)(n->p.port_lo + off);
			return 0;
		}
	}
	return -1;
}

/* --- mappings ----------------------------------------------------------- */

/**
 * nat_map_find() - look a mapping up by its inside key
 * @n:		the NAT
 * @session:	session id
 * @pidx:	enum nat_pidx
 * @iaddr:	inner address, network byte order
 * @iport:	inner port or echo id
 *
 * Return: the mapping's index, or NAT_NIL
 */
uint32_t nat_map_find(const struct nat *n, uint32_t session, int pidx,
		      uint32_t iaddr, uint16_t iport)
{
	uint32_t i = n->map_hash[map_bucket(n, session, pidx, iaddr, iport)];

	for (; i != NAT_NIL; i = n->maps[i].hnext) {
		const struct nat_map *m = &n->maps[i];

		if (m->session == session && m->iaddr == iaddr &&
		    m->iport == iport && m->pidx == pidx)
			return i;
	}
	return NAT_NIL;
}

/**
 * nat_map_by_port() - look a mapping up by its external port
 * @n:		the NAT
 * @pidx:	enum nat_pidx
 * @eport:	external port or echo id
 *
 * Return: the mapping's index, or NAT_NIL
 */
uint32_t nat_map_by_port(const struct nat *n, int pidx, uint16_t eport)
{
	uint32_t v = n->ports[pidx][eport];

	return v == 0 || v & NAT_PORT_HOLD ? NAT_NIL : v - 1;
}

static uint32_t map_new(struct nat *n, uint32_t si, int pidx, uint32_t iaddr,
			uint16_t iport, uint16_t eport)
{
	struct nat_sess *s = &n->sess[si];
	uint32_t i, b = map_bucket(n, s->id, pidx, iaddr, iport);
	struct nat_map *m;

	if (n->map_free != NAT_NIL) {
		i = n->map_free;
		n->map_free = n->maps[i].hnext;
	} else {
		i = n->map_top++;
	}
	m = &n->maps[i];
	*m = (struct nat_map){
		.session = s->id,
		.iaddr = iaddr,
		.iport = iport,
		.eport = eport,
		.pidx = (uint8_t)pidx,
		.hnext = n->map_hash[b],
		.sess = si,
		.snext = s->maps,
		.sprev = NAT_NIL,
		.flows = NAT_NIL,
	};
	n->map_hash[b] = i;
	if (s->maps != NAT_NIL)
		n->maps[s->maps].sprev = i;
	s->maps = i;
	s->nmaps++;
	n->nmaps++;
	n->ports[pidx][eport] = i + 1;
	n->ports_used[pidx]++;
	n->st.mappings_created++;
	return i;
}

/**
 * nat_map_free() - free a mapping that has no flows; hold its port
 * @n:		the NAT
 * @i:		mapping index
 * @keep_sess:	leave the session record even if it is now empty
 *
 * Return: nothing
 */
void nat_map_free(struct nat *n, uint32_t i, bool keep_sess)
{
	struct nat_map *m = &n->maps[i];
	struct nat_sess *s = &n->sess[m->sess];
	uint32_t *pp = &n->map_hash[map_bucket(n, m->session, m->pidx,
					       m->iaddr, m->iport)];

	while (*pp != i)
		pp = &n->maps[*pp].hnext;
	*pp = m->hnext;
	if (m->sprev != NAT_NIL)
		n->maps[m->sprev].snext = m->snext;
	else
		s->maps = m->snext;
	if (m->snext != NAT_NIL)
		n->maps[m->snext].sprev = m->sprev;
	n->ports[m->pidx][m->eport] =
		NAT_PORT_HOLD | deadline(n, n->p.port_hold);
	n->ports_used[m->pidx]--;
	m->pidx = 0xff;
	m->hnext = n->map_free;
	n->map_free = i;
	n->nmaps--;
	s->nmaps--;
	if (!keep_sess)
		nat_sess_put(n, m->sess, false);
}

/* --- flows -------------------------------------------------------------- */

static uint32_t flow_timeout(const struct nat *n, const struct nat_flow *f)
{
	uint8_t st = f->tcp;

	switch (n->maps[f->map].pidx) {
	case NAT_P_UDP:
		return n->p.udp_timeout;
	case NAT_P_ICMP:
		return n->p.icmp_timeout;
	default:
		break;
	}
	if (st & NAT_TCP_RST)
		return n->p.tcp_trans_timeout;
	if ((st & NAT_TCP_FIN_OUT) && (st & NAT_TCP_FIN_IN))
		return n->p.tcp_trans_timeout;
	if ((st & NAT_TCP_SYN_OUT) && (st & NAT_TCP_SYN_IN))
		return n->p.tcp_est_timeout;
	return n->p.tcp_trans_timeout;
}

/**
 * nat_flow_find() - look a flow of mapping @map up by remote endpoint
 * @n:		the NAT
 * @map:	mapping index
 * @raddr:	remote address, network byte order
 * @rport:	remote port (0 for ICMP echo)
 * @any_port:	match any port of @raddr if no flow has @rport
 *
 * Return: the flow's index, or NAT_NIL
 */
uint32_t nat_flow_find(const struct nat *n, uint32_t map, uint32_t raddr,
		       uint16_t rport, bool any_port)
{
	uint32_t i = flow_home(n, map, raddr), any = NAT_NIL;
	const struct nat_fslot *s;

	for (; (s = &n->fslot[i])->flow; i = (i + 1) & n->fslot_mask) {
		if (s->map != map || s->raddr != raddr)
			continue;
		if (s->rport == rport)
			return s->flow - 1;
		any = s->flow - 1;
	}
	return any_port ? any : NAT_NIL;
}

/* Take flow @flow's slot out, shifting later entries of its probe
 * sequence back so that no lookup meets a hole (no tombstones). */
static void fslot_del(struct nat *n, const struct nat_flow *f, uint32_t flow)
{
	uint32_t mask = n->fslot_mask, i = flow_home(n, f->map, f->raddr);
	uint32_t k, h;

	while (n->fslot[i].flow != flow + 1)
		i = (i + 1) & mask;
	for (k = i;;) {
		k = (k + 1) & mask;
		if (!n->fslot[k].flow)
			break;
		h = flow_home(n, n->fslot[k].map, n->fslot[k].raddr);
		/* the entry at k may fill the hole at i unless its home
		 * lies cyclically in (i, k] */
		if (((k - h) & mask) < ((k - i) & mask))
			continue;
		n->fslot[i] = n->fslot[k];
		i = k;
	}
	n->fslot[i].flow = 0;
}

static uint32_t flow_new(struct nat *n, uint32_t mi, uint32_t raddr,
			 uint16_t rport)
{
	struct nat_map *m = &n->maps[mi];
	uint32_t i, b = flow_home(n, mi, raddr);
	struct nat_flow *f;

	if (n->flow_free != NAT_NIL) {
		i = n->flow_free;
		n->flow_free = n->flows[i].mnext;
	} else {
		i = n->flow_top++;
	}
	f = &n->flows[i];
	*f = (struct nat_flow){
		.map = mi,
		.raddr = raddr,
		.rport = rport,
		.mnext = m->flows,
		.mprev = NAT_NIL,
		.tw = { .next = WHEEL_NIL, .prev = WHEEL_NIL },
	};
	/* never full: there are more slots than max_flows */
	while (n->fslot[b].flow)
		b = (b + 1) & n->fslot_mask;
	n->fslot[b] = (struct nat_fslot){
		.map = mi, .raddr = raddr, .rport = rport, .flow = i + 1,
	};
	if (m->flows != NAT_NIL)
		n->flows[m->flows].mprev = i;
	m->flows = i;
	m->nflows++;
	n->sess[m->sess].nflows++;
	n->nflows++;
	n->st.flows_created++;
	f->tw.expire = deadline(n, flow_timeout(n, f));
	wheel_add(&n->wheel, i);
	return i;
}

/**
 * nat_flow_free() - free a flow, and its mapping if it was the last
 * @n:		the NAT
 * @i:		flow index
 * @keep_map:	leave the mapping even if it has no flows left
 *
 * Return: nothing
 */
void nat_flow_free(struct nat *n, uint32_t i, bool keep_map)
{
	struct nat_flow *f = &n->flows[i];
	struct nat_map *m = &n->maps[f->map];
	uint32_t mi = f->map;

	wheel_del(&n->wheel, i);
	fslot_del(n, f, i);
	if (f->mprev != NAT_NIL)
		n->flows[f->mprev].mnext = f->mnext;
	else
		m->flows = f->mnext;
	if (f->mnext != NAT_NIL)
		n->flows[f->mnext].mprev = f->mprev;
	m->nflows--;
	n->sess[m->sess].nflows--;
	n->nflows--;
	f->map = NAT_NIL;
	f->mnext = n->flow_free;
	n->flow_free = i;
	if (!m->nflows && !keep_map)
		nat_map_free(n, mi, false);
}

/**
 * nat_flow_refresh() - restart a flow's idle timer
 * @n:		the NAT
 * @flow:	flow index
 *
 * Return: nothing
 */
void nat_flow_refresh(struct nat *n, uint32_t flow)
{
	struct nat_flow *f = &n->flows[flow];
	uint32_t e = deadline(n, flow_timeout(n, f));

	if (e >= f->tw.expire) {
		/* later: the wheel re-files it when its slot comes */
		f->tw.expire = e;
		return;
	}
	wheel_del(&n->wheel, flow);
	f->tw.expire = e;
	wheel_add(&n->wheel, flow);
}

/**
 * nat_flow_touch() - restart a UDP or ICMP echo flow's timer
 * @n:		the NAT
 * @flow:	flow index
 * @pidx:	NAT_P_UDP or NAT_P_ICMP
 *
 * Their timeout never changes and the clock never goes back, so the
 * expiry only grows: a blind store, without reading the flow (which
 * would cost a cache miss on a big table).
 *
 * Return: nothing
 */
void nat_flow_touch(struct nat *n, uint32_t flow, int pidx)
{
	n->flows[flow].tw.expire = deadline(n, pidx == NAT_P_UDP ?
					    n->p.udp_timeout :
					    n->p.icmp_timeout);
}

/**
 * nat_flow_tcp() - follow a TCP flow's state and restart its timer
 * @n:		the NAT
 * @flow:	flow index
 * @tcp_flags:	flags of the packet (PKT_TCP_*)
 * @inbound:	the packet came from the remote end
 * @created:	the flow was made for this (outbound) packet
 *
 * Established once SYNs went both ways; transitory with a SYN one way only,
 * after FINs both ways, or after a RST until a packet without one (RFC 7857
 * 2.2, RFC 6146 3.5.2.2).  A SYN-ACK that creates a flow answers a SYN that
 * was let in (endpoint-independent filtering), so both SYNs count as seen.
 *
 * Return: nothing
 */
void nat_flow_tcp(struct nat *n, uint32_t flow, uint8_t tcp_flags,
		  bool inbound, bool created)
{
	struct nat_flow *f = &n->flows[flow];
	uint8_t st = f->tcp;

	if (tcp_flags & PKT_TCP_RST) {
		st |= NAT_TCP_RST;
	} else {
		if (!inbound && (tcp_flags & PKT_TCP_SYN) &&
		    !(tcp_flags & PKT_TCP_ACK) &&
		    (st & (NAT_TCP_FIN_OUT | NAT_TCP_FIN_IN | NAT_TCP_RST)))
			st = 0; /* a new connection on the same 4-tuple */
		st &= (uint8_t)~NAT_TCP_RST;
		if (tcp_flags & PKT_TCP_SYN)
			st |= inbound ? NAT_TCP_SYN_IN : NAT_TCP_SYN_OUT;
		if (created && (tcp_flags & PKT_TCP_SYN) &&
		    (tcp_flags & PKT_TCP_ACK))
			st |= NAT_TCP_SYN_IN;
		if (tcp_flags & PKT_TCP_FIN)
			st |= inbound ? NAT_TCP_FIN_IN : NAT_TCP_FIN_OUT;
	}
	f->tcp = st;
	nat_flow_refresh(n, flow);
}

/**
 * nat_flow_out() - find or make the flow for an outbound packet
 * @n:		the NAT
 * @session:	the client session
 * @pidx:	enum nat_pidx
 * @iaddr:	inner (source) address, network byte order
 * @iport:	inner port or echo id
 * @raddr:	remote (destination) address, network byte order
 * @rport:	remote port (0 for ICMP echo)
 * @flow:	set to the flow's index
 * @map:	set to its mapping's index
 * @created:	set to whether the flow is new
 *
 * Makes the mapping too if it has none, within the session's quotas and the
 * global caps; never evicts anything.  The caller refreshes the timer.
 *
 * Return: NAT_DROP_NONE, or the refusal reason
 */
enum nat_drop nat_flow_out(struct nat *n, uint32_t session, int pidx,
			   uint32_t iaddr, uint16_t iport, uint32_t raddr,
			   uint16_t rport, uint32_t *flow, uint32_t *map,
			   bool *created)
{
	uint32_t mi = nat_map_find(n, session, pidx, iaddr, iport);
	uint32_t si, i, same = 0;
	struct nat_sess *s;
	uint16_t eport;

	*created = false;
	*map = mi;
	if (mi != NAT_NIL) {
		const struct nat_fslot *fs;

		i = flow_home(n, mi, raddr);
		for (; (fs = &n->fslot[i])->flow;
		     i = (i + 1) & n->fslot_mask) {
			if (fs->map != mi || fs->raddr != raddr)
				continue;
			if (fs->rport == rport) {
				*flow = fs->flow - 1;
				return NAT_DROP_NONE;
			}
			same++;
		}
		if (same >= NAT_DST_PORTS)
			return NAT_DROP_DST_PORTS;
		if (n->sess[n->maps[mi].sess].nflows >= n->p.session_flows)
			return NAT_DROP_SESSION_FLOWS;
		if (n->nflows >= n->p.max_flows)
			return NAT_DROP_TABLE_FULL;
		*flow = flow_new(n, mi, raddr, rport);
		*created = true;
		return NAT_DROP_NONE;
	}
	si = nat_sess_get(n, session);
	if (si == NAT_NIL)
		return NAT_DROP_TABLE_FULL;
	s = &n->sess[si];
	if (s->nmaps >= s->quota)
		goto refuse_quota;
	if (s->nflows >= n->p.session_flows) {
		nat_sess_put(n, si, false);
		return NAT_DROP_SESSION_FLOWS;
	}
	if (n->nmaps >= n->p.max_mappings || n->nflows >= n->p.max_flows) {
		nat_sess_put(n, si, false);
		return NAT_DROP_TABLE_FULL;
	}
	if (port_pick(n, pidx, session, iaddr, iport, &eport) < 0) {
		nat_sess_put(n, si, false);
		return NAT_DROP_NO_PORT;
	}
	mi = map_new(n, si, pidx, iaddr, iport, eport);
	*map = mi;
	*flow = flow_new(n, mi, raddr, rport);
	*created = true;
	return NAT_DROP_NONE;

refuse_quota:
	nat_sess_put(n, si, false);
	return NAT_DROP_QUOTA;
}

/**
 * nat_filter_ok() - may a packet from a remote endpoint enter a mapping?
 * @n:		the NAT
 * @map:	mapping index
 * @raddr:	remote address, network byte order
 * @rport:	remote port (0 for ICMP echo)
 * @flow:	set to the flow with exactly this remote endpoint, or NAT_NIL
 *
 * Return: true if the filtering mode lets it in
 */
bool nat_filter_ok(const struct nat *n, uint32_t map, uint32_t raddr,
		   uint16_t rport, uint32_t *flow)
{
	uint32_t i = nat_flow_find(n, map, raddr, rport, true);

	*flow = NAT_NIL;
	if (i != NAT_NIL && n->flows[i].rport == rport) {
		*flow = i;
		return true;
	}
	switch (n->p.filter) {
	case NAT_FILTER_ENDPOINT:
		return true;
	case NAT_FILTER_ADDR:
		return i != NAT_NIL;
	default:
		return false;
	}
}

/**
 * nat_clock() - advance the NAT's clock and end the flows that are due
 * @n:		the NAT
 * @now_ms:	monotonic milliseconds; earlier than the last call is ignored
 *
 * Return: nothing
 */
void nat_clock(struct nat *n, uint64_t now_ms)
{
	uint32_t i;

	if (now_ms > n->now_ms) {
		n->now_ms = now_ms;
		n->now_s = (uint32_t)(now_ms / 1000);
	}
	while ((i = wheel_next_due(&n->wheel, n->now_s)) != WHEEL_NIL) {
		n->st.flows_expired++;
		nat_flow_free(n, i, false);
	}
	frag_expire(n->frag, n->now_ms);
}
