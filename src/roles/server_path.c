/* SPDX-License-Identifier: MIT */
/* server_path.c - the server role's packet path
 *
 * A client's packet, handed over by the tunnel tagged with the client's
 * id, goes through, in order: the source check (a client sends from the
 * address it was given), its bandwidth limit, the egress policy, the
 * router's TTL and the egress MTU; then the userspace NAT (nat.h) and out
 * with the raw socket, or out whole on the egress link when it is a TCP
 * packet of many segments (egress_gso.c); or, in kernel-NAT mode, into
 * the server's TUN (knat.h). Replies come back from the capture (or the
 * TUN), through the NAT and the client's limit, into its batch. Refusals
 * are answered with ICMP as a router would (see server.c).
 */
#include <string.h>

#include "capture.h"
#include "egress_gso.h"
#include "knat.h"
#include "log.h"
#include "nat.h"
#include "pkt.h"
#include "policy.h"
#include "rawsock.h"
#include "server_impl.h"
#include "tokenbucket.h"

/* Replies for a client without a path: dropped for this long (a phone's
 * page reloading), then answered with ICMP host unreachable */
#define OFFLINE_GRACE_MS TUNNEL_HOLD_MS

/* The inner address a client is given: its own, or the common one */
static const struct prefix *client_address(const struct server *s, uint32_t id)
{
	const struct conf_peer *p = clientset_get(&s->clients.set, id);

	return p && p->address.addr.family ? &p->address
					   : &s->cf->tunnel_address;
}

static int on_assign(uint32_t id, bool resumed, struct noise_assignment *as,
		     void *user)
{
	struct server *s = user;
	const struct prefix *a = client_address(s, id);

	(void)resumed;
	as->addr = a->addr.v4;
	as->prefix = a->len;
	as->mtu = (uint16_t)s->cf->tunnel_mtu;
	as->dns.s_addr = s->cf->tunnel_dns.family ? s->cf->tunnel_dns.v4.s_addr
						  : INADDR_ANY;
	return 0;
}

/* Answer a client's packet with an ICMP error, through the tunnel */
static void icmp_to_client(struct server *s, uint32_t id, struct pkt *p,
			   uint8_t type, uint8_t code, uint32_t info)
{
	int len = pkt_icmp_error(s->buf, sizeof(s->buf), p, s->ext_addr, type,
				 code, info);

	if (len > 0)
		tunnel_server_send(s->tunnel, id, s->buf, (size_t)len);
}

/* Larger than the egress device (@len: the packet's, or its segments'):
 * the kernel does not fragment raw sends, so a DF packet gets
 * "fragmentation needed" (PMTU discovery) and any other is dropped.
 * Return: true if the packet went no further. */
static bool too_big(struct server *s, uint32_t id, struct pkt *p, size_t len)
{
	int mtu = s->raw ? rawsock_mtu(s->raw, p->daddr) : (int)s->egress_mtu;

	if (mtu <= 0 || len <= (size_t)mtu)
		return false;
	s->drops[SERVER_DROP_SIZE]++;
	if (p->flags & PKT_F_DF)
		icmp_to_client(s, id, p, PKT_ICMP_UNREACH,
			       PKT_ICMP_UNREACH_NEEDFRAG, (uint32_t)mtu);
	return true;
}

/* Kernel-NAT mode: a checked packet from client @id into the kernel */
static void to_kernel(struct server *s, uint32_t id, struct pkt *p, size_t gso)
{
	switch (knat_outbound(s->knat, id, p, gso)) {
	case KNAT_SENT:
		s->forwarded++;
		break;
	case KNAT_REFUSE:
		icmp_to_client(s, id, p, PKT_ICMP_UNREACH,
			       PKT_ICMP_UNREACH_ADMIN, 0);
		/* fall through */
	case KNAT_DROP:
		s->drops[SERVER_DROP_NAT]++;
		break;
	}
}

/* Where the segments of a NATed TCP packet of many segments go */
struct segments {
	struct server *s;
	uint32_t hairpin; /* to this client's session if not ~0 */
};

static void segment_out(uint8_t *pkt, size_t len, void *arg)
{
	const struct segments *sg = arg;

	if (sg->hairpin != ~0u)
		tunnel_server_send(sg->s->tunnel, sg->hairpin, pkt, len);
	else if (rawsock_send(sg->s->raw, pkt, len))
		sg->s->drops[SERVER_DROP_SEND]++;
	else
		sg->s->forwarded++;
}

/* Split a NATed TCP packet into segments of @gso bytes of payload, their
 * checksums computed, to the internet or (@hairpin) to another client */
static void split_out(struct server *s, uint8_t *pkt, size_t len, size_t gso,
		      uint32_t hairpin)
{
	struct segments sg = {s, hairpin};
	struct pkt p;

	if (pkt_parse(&p, pkt, len) != PKT_OK ||
	    pkt_tcp_segment(&p, gso, s->seg, sizeof(s->seg), segment_out,
			    &sg) < 0)
		s->drops[SERVER_DROP_PARSE]++;
}

/* A NATed TCP packet of many segments to the internet: whole if it can
 * be (egress_gso.c), else split for the raw socket */
static void send_gso(struct server *s, uint8_t *pkt, size_t len, size_t gso)
{
	if (s->gso_out &&
	    !egress_gso_send(s->gso_out, pkt, len, gso, ev_now(s->loop))) {
		s->gso_whole++;
		s->forwarded++;
		return;
	}
	s->gso_split++;
	split_out(s, pkt, len, gso, ~0u);
}

/* A packet from client @id, on its way to the internet; maybe a TCP
 * packet of many segments of @gso bytes of payload (checked as one
 * packet, its segments against the MTU, NATed once), which the kernel
 * splits or which is split after the NAT */
static void forward(struct server *s, uint32_t id, uint8_t *pkt, size_t len,
		    size_t gso)
{
	struct nat_result res;
	size_t seglen;
	struct pkt p;

	if (pkt_parse(&p, pkt, len) != PKT_OK) {
		s->drops[SERVER_DROP_PARSE]++;
		return;
	}
	if (p.saddr != client_address(s, id)->addr.v4.s_addr) {
		s->drops[SERVER_DROP_SOURCE]++;
		return;
	}
	if (!tokenbucket_take(&s->rate[2 * id], p.len, ev_now(s->loop))) {
		s->drops[SERVER_DROP_RATE_UP]++;
		return;
	}
	if (!policy_allows(s->policy, p.daddr)) {
		s->drops[SERVER_DROP_POLICY]++;
		icmp_to_client(s, id, &p, PKT_ICMP_UNREACH,
			       PKT_ICMP_UNREACH_ADMIN, 0);
		return;
	}
	/* the kernel decrements it itself when it forwards */
	if (s->knat ? p.ttl <= 1 : pkt_dec_ttl(&p)) {
		s->drops[SERVER_DROP_TTL]++;
		icmp_to_client(s, id, &p, PKT_ICMP_TIMXCEED, 0, 0);
		return;
	}
	seglen = gso ? (size_t)p.l4off + p.l4hlen + gso : p.len;
	if (seglen > s->egress_mtu && too_big(s, id, &p, seglen))
		return;
	if (s->knat) {
		to_kernel(s, id, &p, gso);
		return;
	}
	switch (nat_outbound(s->nat, id, pkt, p.len, ev_now(s->loop), &res)) {
	case NAT_FORWARD:
		if (gso)
			send_gso(s, pkt, p.len, gso);
		else if (rawsock_send(s->raw, pkt, p.len))
			s->drops[SERVER_DROP_SEND]++;
		else
			s->forwarded++;
		break;
	case NAT_HAIRPIN:
		if (gso)
			split_out(s, pkt, p.len, gso, res.session);
		else
			tunnel_server_send(s->tunnel, res.session, pkt, p.len);
		break;
	case NAT_REFUSE:
		s->drops[SERVER_DROP_QUOTA]++;
		/* the NAT left the packet as it came, so it can be quoted */
		if (pkt_parse(&p, pkt, p.len) == PKT_OK)
			icmp_to_client(s, id, &p, PKT_ICMP_UNREACH,
				       PKT_ICMP_UNREACH_ADMIN, 0);
		break;
	case NAT_HELD:
		break;
	case NAT_DROP:
		s->drops[SERVER_DROP_NAT]++;
		break;
	}
}

static void on_packet(uint32_t id, uint8_t *pkt, size_t len, void *user)
{
	forward(user, id, pkt, len, 0);
}

/* A TCP packet of many segments from client @id (a GSO entry): its
 * checksum is not carried, every segment's is computed. It is checked
 * and NATed as one packet; the kernel splits it (kernel-NAT mode, or
 * egress_gso.c), or it is split after the NAT. */
static void on_gso_packet(uint32_t id, uint8_t *pkt, size_t len, size_t gso,
			  void *user)
{
	struct server *s = user;
	struct pkt p;

	if (pkt_parse(&p, pkt, len) != PKT_OK || p.proto != PKT_PROTO_TCP ||
	    !(p.flags & PKT_F_L4) || (p.flags & PKT_F_FRAG)) {
		s->drops[SERVER_DROP_PARSE]++;
		return;
	}
	forward(s, id, pkt, p.len, pkt_tcp_one_segment(&p, gso) ? 0 : gso);
}

/* Answer a reply (already translated) for client @id, which is offline,
 * with ICMP host unreachable: built as if the client's own router sent
 * it, then through the NAT like any ICMP error from a client */
static void unreachable(struct server *s, uint32_t id, uint8_t *pkt,
			size_t len)
{
	struct nat_result res;
	struct pkt p;
	int n;

	s->drops[SERVER_DROP_OFFLINE]++;
	if (pkt_parse(&p, pkt, len) != PKT_OK ||
	    !ratelimit_allow(&s->icmp_limit, &p.saddr, sizeof(p.saddr),
			     ev_now(s->loop)))
		return;
	n = pkt_icmp_error(s->buf, sizeof(s->buf), &p, p.daddr,
			   PKT_ICMP_UNREACH, PKT_ICMP_UNREACH_HOST, 0);
	if (n <= 0)
		return;
	if (s->knat) {
		if (pkt_parse(&p, s->buf, (size_t)n) == PKT_OK)
			knat_outbound(s->knat, id, &p, 0);
	} else if (nat_outbound(s->nat, id, s->buf, (size_t)n, ev_now(s->loop),
				&res) == NAT_FORWARD &&
		   rawsock_send(s->raw, s->buf, (size_t)n)) {
		s->drops[SERVER_DROP_SEND]++;
	}
}

/* A reply for client @id from either NAT: offline, over its rate, or
 * into the tunnel */
static void to_client(struct server *s, uint32_t id, uint8_t *pkt, size_t len)
{
	if (tunnel_server_offline_ms(s->tunnel, id) > OFFLINE_GRACE_MS)
		unreachable(s, id, pkt, len);
	else if (!tokenbucket_take(&s->rate[2 * id + 1], len, ev_now(s->loop)))
		s->drops[SERVER_DROP_RATE_DN]++;
	else if (tunnel_server_send(s->tunnel, id, pkt, len) >= 0)
		s->returned++;
}

/* One packet from the internet through the NAT to its client */
static void inbound_one(uint8_t *pkt, size_t len, void *arg)
{
	struct server *s = arg;
	struct nat_result res;
	uint32_t id;
	size_t n;

	if (nat_inbound(s->nat, pkt, len, ev_now(s->loop), &res) ==
	    NAT_FORWARD)
		to_client(s, res.session, pkt, len);
	/* fragments that waited for their first one */
	while (nat_release_next(s->nat, s->buf, sizeof(s->buf), &n, &id) > 0)
		tunnel_server_send(s->tunnel, id, s->buf, n);
}

/* A reply from the internet, picked off the egress interface */
void server_on_capture(uint8_t *pkt, size_t len, void *arg)
{
	struct server *s = arg;
	size_t mss = (size_t)s->cf->tunnel_mtu;
	struct pkt p;

	/* a reply merged by GRO, or that came over a virtual device, has a
	 * partial checksum; complete it, or drop a wrong one here rather
	 * than let the NAT's incremental update make it look right */
	if (pkt_parse(&p, pkt, len) != PKT_OK || pkt_l4_csum_complete(&p)) {
		s->drops[SERVER_DROP_IN_CSUM]++;
		return;
	}
	if (p.len <= mss || p.proto != PKT_PROTO_TCP ||
	    (p.flags & PKT_F_FRAG)) {
		inbound_one(pkt, p.len, s);
		return;
	}
	/* merged TCP: split it to what the client's TUN takes */
	mss -= (size_t)p.l4off + p.l4hlen;
	if (pkt_tcp_segment(&p, mss, s->seg, sizeof(s->seg), inbound_one, s) <
	    0)
		s->drops[SERVER_DROP_IN_CSUM]++;
}

/* Kernel-NAT mode: a reply from the kernel to client @id */
void server_from_kernel(uint32_t id, uint8_t *pkt, size_t len, void *arg)
{
	to_client(arg, id, pkt, len);
}

static void on_gone(uint32_t id, void *user)
{
	struct server *s = user;

	if (s->knat) {
		knat_session_gone(s->knat, id);
	} else {
		nat_session_remove(s->nat, id, ev_now(s->loop));
		server_clients_quota(&s->clients, id);
	}
}

const struct tunnel_server_handlers server_tunnel_handlers = {
	.assign = on_assign,
	.packet = on_packet,
	.gso_packet = on_gso_packet,
	.gone = on_gone,
};
