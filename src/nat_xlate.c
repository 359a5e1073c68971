/* SPDX-License-Identifier: MIT */
/* nat_xlate.c - NAT packet translation: TCP, UDP, ICMP echo and errors,
 * fragments, hairpinning
 *
 * Theory of operation: every packet goes through pkt_parse() first; this
 * file never reads packet bytes itself.  Outbound, the flow for (inner
 * endpoint, remote endpoint) is found or made in the table (nat.c), the
 * source becomes the external address and port, and for a datagram that
 * may be fragmented (DF clear) the IP id is replaced so that two clients'
 * fragments never meet in one reassembly queue (frag.c).  Inbound, the
 * external port picks the mapping by direct index, filtering decides, and
 * the destination becomes the inner endpoint.  ICMP errors are matched on
 * the packet they quote, which is rewritten too (RFC 5508); they never
 * touch a flow's timer or state (RFC 4787 REQ-12).  UDP and ICMP echo flows
 * are refreshed by outbound packets only (RFC 4787 REQ-6: inbound MAY
 * refresh; not doing so keeps a remote host from holding a port open); TCP
 * by both directions, as its state machine sees both.
 */
#include <stdbool.h>

#include "nat_impl.h"

static enum nat_action verdict(struct nat *n, struct nat_result *res,
			       enum nat_action action, enum nat_drop why)
{
	res->action = action;
	res->drop = why;
	n->st.drops[why]++;
	return action;
}

static enum nat_action drop(struct nat *n, struct nat_result *res,
			    enum nat_drop why)
{
	return verdict(n, res, NAT_DROP, why);
}

static enum nat_action parse_drop(struct nat *n, struct nat_result *res,
				  enum pkt_drop pd)
{
	res->pkt_drop = pd;
	n->st.pkt_drops[pd]++;
	return drop(n, res, pd == PKT_DROP_ICMP_CSUM ? NAT_DROP_ICMP_CSUM :
						       NAT_DROP_PARSE);
}

static enum nat_action forward(struct nat_result *res,
			       enum nat_action action, uint32_t session)
{
	res->action = action;
	res->session = session;
	return action;
}

/* Not a unicast host out there: 0/8, 127/8, 224/4, 240/4, broadcast. */
static bool martian(uint32_t addr)
{
	const uint8_t *a = (const uint8_t *)&addr;

	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

static bool first_frag(const struct pkt *p)
{
	return (p->flags & PKT_F_FRAG) && !p->frag_off;
}

/* A datagram that may be fragmented on the way gets an id unique under the
 * external address; atomic ones (DF set, RFC 6864) keep theirs. */
static void out_ip_id(struct nat *n, uint32_t session, uint32_t inner,
		      struct pkt *p)
{
	uint16_t id;

	if (p->flags & PKT_F_FRAG)
		frag_out_id(n->frag, session, inner, p->daddr, p->proto,
			    p->ip_id, n->now_ms, &id);
	else if (!(p->flags & PKT_F_DF))
		id = frag_new_id(n->frag, p->daddr, p->proto);
	else
		return;
	pkt_set_ip_id(p, id);
}

/* An outbound fragment after the first: only the address and the id. */
static enum nat_action out_frag(struct nat *n, uint32_t session,
				struct pkt *p, struct nat_result *res)
{
	uint32_t inner = p->saddr;

	if (nat_pidx(p->proto) < 0)
		return drop(n, res, NAT_DROP_PROTO);
	if (p->daddr == n->p.ext_addr)
		return drop(n, res, NAT_DROP_HAIRPIN);
	pkt_set_src(p, n->p.ext_addr, 0);
	out_ip_id(n, session, inner, p);
	n->st.out_pkts++;
	return forward(res, NAT_FORWARD, 0);
}

/* An ICMP error a client sends about a packet it got from outside. */
static enum nat_action out_icmp_err(struct nat *n, uint32_t session,
				    struct pkt *p, struct nat_result *res)
{
	const struct pkt_inner *in = &p->inner;
	int pidx = nat_pidx(in->proto);
	uint32_t mi, fi, inner = p->saddr;

	if (p->flags & PKT_F_FRAG)
		return drop(n, res, NAT_DROP_ICMP_FRAG);
	if (pidx < 0 || !(in->flags & PKT_F_PORTS) || p->daddr != in->saddr)
		return drop(n, res, NAT_DROP_ICMP_NO_MATCH);
	if (in->saddr == n->p.ext_addr)
		return drop(n, res, NAT_DROP_HAIRPIN);
	mi = nat_map_find(n, session, pidx, in->daddr, in->dport);
	if (mi == NAT_NIL ||
	    !nat_filter_ok(n, mi, in->saddr,
			   pidx == NAT_P_ICMP ? 0 : in->sport, &fi))
		return drop(n, res, NAT_DROP_ICMP_NO_MATCH);
	pkt_set_src(p, n->p.ext_addr, 0);
	pkt_set_inner_dst(p, n->p.ext_addr, n->maps[mi].eport);
	out_ip_id(n, session, inner, p);
	n->st.out_pkts++;
	n->st.icmp_err_pkts++;
	return forward(res, NAT_FORWARD, 0);
}

/* A client's packet to another client's external endpoint (RFC 4787
 * REQ-9): it arrives as if from the sender's external endpoint. */
static enum nat_action hairpin(struct nat *n, struct pkt *p, int pidx,
			       uint16_t src_eport, struct nat_result *res)
{
	uint32_t mi = nat_map_by_port(n, pidx, p->dport), fi;
	const struct nat_map *m;

	if (mi == NAT_NIL)
		return drop(n, res, NAT_DROP_HAIRPIN);
	if (!nat_filter_ok(n, mi, n->p.ext_addr, src_eport, &fi))
		return drop(n, res, NAT_DROP_FILTERED);
	if (fi != NAT_NIL && pidx == NAT_P_TCP)
		nat_flow_tcp(n, fi, p->tcp_flags, true, false);
	m = &n->maps[mi];
	pkt_set_src(p, n->p.ext_addr, src_eport);
	pkt_set_dst(p, m->iaddr, m->iport);
	n->st.out_pkts++;
	n->st.hairpin_pkts++;
	return forward(res, NAT_HAIRPIN, m->session);
}

/**
 * nat_outbound() - translate a packet a client sent
 * @n:		the NAT
 * @session:	the client's session id
 * @buf:	the IPv4 packet; rewritten in place on NAT_FORWARD and
 *		NAT_HAIRPIN (same length: send pkt total length bytes)
 * @len:	bytes at @buf
 * @now_ms:	monotonic milliseconds
 * @res:	filled with the decision
 *
 * Makes the mapping and flow for a new TCP, UDP or ICMP echo flow.  On
 * NAT_REFUSE the packet is untouched, so the caller can quote it in its
 * ICMP 3/13.  The caller decrements the TTL, clamps the MSS and answers
 * ICMP as a router would; this only translates.
 *
 * Return: the action, also in @res->action
 */
enum nat_action nat_outbound(struct nat *n, uint32_t session, uint8_t *buf,
			     size_t len, uint64_t now_ms,
			     struct nat_result *res)
{
	uint32_t fi, mi, inner;
	enum nat_drop why;
	enum pkt_drop pd;
	struct pkt p;
	bool created;
	uint16_t eport;
	int pidx;

	*res = (struct nat_result){ .action = NAT_DROP };
	nat_clock(n, now_ms);
	pd = pkt_parse(&p, buf, len);
	if (pd != PKT_OK)
		return parse_drop(n, res, pd);
	if (martian(p.daddr))
		return drop(n, res, NAT_DROP_BAD_DST);
	if ((p.flags & PKT_F_FRAG) && p.frag_off)
		return out_frag(n, session, &p, res);
	if (p.flags & PKT_F_ICMP_ERR)
		return out_icmp_err(n, session, &p, res);
	pidx = nat_pidx(p.proto);
	if (pidx < 0 || !(p.flags & PKT_F_PORTS))
		return drop(n, res, pidx == NAT_P_ICMP ? NAT_DROP_ICMP_TYPE :
							 NAT_DROP_PROTO);
	if (pidx == NAT_P_ICMP && p.icmp_type != PKT_ICMP_ECHO)
		return drop(n, res, NAT_DROP_ICMP_TYPE);
	if (p.daddr == n->p.ext_addr &&
	    (pidx == NAT_P_ICMP || (p.flags & PKT_F_FRAG)))
		return drop(n, res, NAT_DROP_HAIRPIN);
	why = nat_flow_out(n, session, pidx, p.saddr, p.sport, p.daddr,
			   pidx == NAT_P_ICMP ? 0 : p.dport, &fi, &mi,
			   &created);
	if (why != NAT_DROP_NONE)
		return verdict(n, res, NAT_REFUSE, why);
	if (pidx == NAT_P_TCP)
		nat_flow_tcp(n, fi, p.tcp_flags, false, created);
	else
		nat_flow_touch(n, fi, pidx);
	eport = n->maps[mi].eport;
	if (p.daddr == n->p.ext_addr)
		return hairpin(n, &p, pidx, eport, res);
	inner = p.saddr;
	pkt_set_src(&p, n->p.ext_addr, eport);
	out_ip_id(n, session, inner, &p);
	n->st.out_pkts++;
	return forward(res, NAT_FORWARD, 0);
}

/* An inbound fragment after the first: the first decides (frag.c). */
static enum nat_action in_frag(struct nat *n, struct pkt *p,
			       struct nat_result *res)
{
	uint32_t session, inner;

	if (nat_pidx(p->proto) < 0)
		return drop(n, res, NAT_DROP_PROTO);
	switch (frag_in(n->frag, p->saddr, p->proto, p->ip_id, p->data,
			p->len, n->now_ms, &session, &inner)) {
	case FRAG_PASS:
		pkt_set_dst(p, inner, 0);
		n->st.in_pkts++;
		return forward(res, NAT_FORWARD, session);
	case FRAG_DENY:
		return drop(n, res, NAT_DROP_FRAG_DENIED);
	case FRAG_HELD:
		res->action = NAT_HELD;
		return NAT_HELD;
	default:
		return drop(n, res, NAT_DROP_FRAG_EVICTED);
	}
}

/* An ICMP error from outside about a packet a client sent (RFC 5508). */
static enum nat_action in_icmp_err(struct nat *n, struct pkt *p,
				   struct nat_result *res)
{
	const struct pkt_inner *in = &p->inner;
	int pidx = nat_pidx(in->proto);
	const struct nat_map *m;
	uint32_t mi;

	if (p->flags & PKT_F_FRAG)
		return drop(n, res, NAT_DROP_ICMP_FRAG);
	if (pidx < 0 || !(in->flags & PKT_F_PORTS) ||
	    in->saddr != n->p.ext_addr ||
	    (pidx == NAT_P_ICMP && in->icmp_type != PKT_ICMP_ECHO))
		return drop(n, res, NAT_DROP_ICMP_NO_MATCH);
	mi = nat_map_by_port(n, pidx, in->sport);
	if (mi == NAT_NIL ||
	    nat_flow_find(n, mi, in->daddr,
			  pidx == NAT_P_ICMP ? 0 : in->dport,
			  false) == NAT_NIL)
		return drop(n, res, NAT_DROP_ICMP_NO_MATCH);
	m = &n->maps[mi];
	pkt_set_dst(p, m->iaddr, 0);
	pkt_set_inner_src(p, m->iaddr, m->iport);
	n->st.in_pkts++;
	n->st.icmp_err_pkts++;
	return forward(res, NAT_FORWARD, m->session);
}

/**
 * nat_inbound() - translate a packet captured from the internet
 * @n:		the NAT
 * @buf:	the IPv4 packet; rewritten in place on NAT_FORWARD, copied
 *		on NAT_HELD
 * @len:	bytes at @buf
 * @now_ms:	monotonic milliseconds
 * @res:	filled with the decision; @res->session is the client
 *
 * Inbound packets refresh TCP flows, never UDP or ICMP echo ones.  After a
 * first fragment, call nat_release_next() for fragments it released.
 *
 * Return: the action, also in @res->action
 */
enum nat_action nat_inbound(struct nat *n, uint8_t *buf, size_t len,
			    uint64_t now_ms, struct nat_result *res)
{
	const struct nat_map *m;
	enum pkt_drop pd;
	uint32_t mi, fi;
	struct pkt p;
	int pidx;

	*res = (struct nat_result){ .action = NAT_DROP };
	nat_clock(n, now_ms);
	pd = pkt_parse(&p, buf, len);
	if (pd != PKT_OK)
		return parse_drop(n, res, pd);
	if (p.daddr != n->p.ext_addr)
		return drop(n, res, NAT_DROP_NOT_OURS);
	if (p.saddr == n->p.ext_addr || martian(p.saddr))
		return drop(n, res, NAT_DROP_BAD_SRC);
	if ((p.flags & PKT_F_FRAG) && p.frag_off)
		return in_frag(n, &p, res);
	if (p.flags & PKT_F_ICMP_ERR)
		return in_icmp_err(n, &p, res);
	pidx = nat_pidx(p.proto);
	if (pidx < 0 || !(p.flags & PKT_F_PORTS))
		return drop(n, res, pidx == NAT_P_ICMP ? NAT_DROP_ICMP_TYPE :
							 NAT_DROP_PROTO);
	if (pidx == NAT_P_ICMP && p.icmp_type != PKT_ICMP_ECHOREPLY)
		return drop(n, res, NAT_DROP_ICMP_TYPE);
	mi = nat_map_by_port(n, pidx, p.dport);
	if (mi == NAT_NIL || !nat_filter_ok(n, mi, p.saddr,
					    pidx == NAT_P_ICMP ? 0 : p.sport,
					    &fi)) {
		if (first_frag(&p))
			frag_in_first(n->frag, p.saddr, p.proto, p.ip_id,
				      n->now_ms, 0, 0, 0);
		return drop(n, res, mi == NAT_NIL ? NAT_DROP_NO_MAPPING :
						    NAT_DROP_FILTERED);
	}
	if (fi != NAT_NIL && pidx == NAT_P_TCP)
		nat_flow_tcp(n, fi, p.tcp_flags, true, false);
	m = &n->maps[mi];
	pkt_set_dst(&p, m->iaddr, m->iport);
	if (first_frag(&p))
		frag_in_first(n->frag, p.saddr, p.proto, p.ip_id, n->now_ms, 1,
			      m->session, m->iaddr);
	n->st.in_pkts++;
	return forward(res, NAT_FORWARD, m->session);
}

/**
 * nat_release_next() - take an inbound fragment released by its first
 * @n:		the NAT
 * @buf:	where to write the translated fragment
 * @cap:	size of @buf (65535 always suffices)
 * @len:	set to its length
 * @session:	set to the client session to send it to
 *
 * Call after nat_inbound() until it returns 0.
 *
 * Return: 1 if a fragment was written, 0 if none is waiting
 */
int nat_release_next(struct nat *n, uint8_t *buf, size_t cap, size_t *len,
		     uint32_t *session)
{
	uint32_t inner;
	struct pkt p;
	int r;

	for (;;) {
		r = frag_release(n->frag, buf, cap, len, session, &inner);
		if (!r)
			return 0;
		if (r < 0) {
			n->st.drops[NAT_DROP_FRAG_TOOBIG]++;
			continue;
		}
		if (pkt_parse(&p, buf, *len) != PKT_OK) {
			n->st.drops[NAT_DROP_PARSE]++;
			continue;
		}
		pkt_set_dst(&p, inner, 0);
		n->st.in_pkts++;
		return 1;
	}
}
