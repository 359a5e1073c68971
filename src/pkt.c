/* SPDX-License-Identifier: MIT */
/* pkt.c - IPv4/TCP/UDP/ICMP parsing, checksums and in-place rewrites
 *
 * Theory of operation: pkt_parse() reads every header field it uses only
 * after comparing the bytes present with the lengths the headers claim,
 * and copies fields out with memcpy (no casts to header structs: packet
 * buffers carry no alignment promise).  Once a struct pkt says an offset is
 * valid, the rewrite helpers below rely on it without checking again.
 *
 * Checksums are handled as the Linux kernel does: 16-bit words are read in
 * memory order, summed in a wide accumulator and folded; the one's
 * complement sum does not care about byte order as long as the checksum
 * field is stored the same way.  Rewrites update checksums incrementally
 * (RFC 1624 eqn. 3), which also works for the first fragment of a datagram
 * whose checksum covers bytes we never see.
 */
#include <arpa/inet.h>
#include <string.h>

#include "pkt.h"

#define IP_DF	   0x4000
#define IP_MF	   0x2000
#define IP_OFFMASK 0x1fff

/* Offsets of the L4 checksum fields */
#define TCP_CSUM  16
#define UDP_CSUM  6
#define ICMP_CSUM 2
#define ICMP_ID	  4

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2

static const char *const pkt_drop_names[PKT_DROP_MAX] = {
	[PKT_OK] = "ok",
	[PKT_DROP_TRUNCATED] = "truncated",
	[PKT_DROP_VERSION] = "bad ip version",
	[PKT_DROP_IPV6] = "ipv6",
	[PKT_DROP_IHL] = "bad ihl",
	[PKT_DROP_TOTAL_LEN] = "bad total length",
	[PKT_DROP_IP_CSUM] = "bad ip checksum",
	[PKT_DROP_FRAG] = "bad fragment",
	[PKT_DROP_TCP_HDR] = "bad tcp header",
	[PKT_DROP_UDP_HDR] = "bad udp header",
	[PKT_DROP_ICMP_HDR] = "bad icmp header",
	[PKT_DROP_ICMP_CSUM] = "bad icmp checksum",
	[PKT_DROP_ICMP_INNER] = "bad icmp embedded packet",
};

/* Host-order field reads, for values we interpret */
static inline uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Raw (network order) reads and writes, for addresses and checksums */
static inline uint16_t raw16(const uint8_t *b)
{
	uint16_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

static inline uint32_t raw32(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

static inline void put_raw16(uint8_t *b, uint16_t v)
{
	memcpy(b, &v, sizeof(v));
}

/*
 * An updated checksum of 0 goes on the wire as 0xffff for UDP, where 0
 * means "no checksum" (RFC 768), and for ICMP: without a pseudo-header its
 * data can be all zero, and then only 0xffff verifies while RFC 1624 eqn. 3
 * gives 0 (its section 3).  0xffff verifies for any other data as well.
 * TCP (and IP) data is never all zero, so eqn. 3 is exact there.
 */
static inline uint16_t csum_wire(uint8_t proto, uint16_t csum)
{
	return csum || proto == PKT_PROTO_TCP ? csum : 0xffff;
}

const char *pkt_drop_name(enum pkt_drop drop)
{
	if ((unsigned int)drop >= PKT_DROP_MAX)
		return "unknown";
	return pkt_drop_names[drop];
}

/* Where the packet's own L4 checksum lives, or NULL if none to update */
static uint8_t *l4_csum_field(const struct pkt *p)
{
	if (!(p->flags & PKT_F_L4))
		return NULL;
	switch (p->proto) {
	case PKT_PROTO_TCP:
		return p->data + p->l4off + TCP_CSUM;
	case PKT_PROTO_UDP:
		if (p->flags & PKT_F_UDP_CSUM0)
			return NULL;
		return p->data + p->l4off + UDP_CSUM;
	case PKT_PROTO_ICMP:
		return p->data + p->l4off + ICMP_CSUM;
	default:
		return NULL;
	}
}

static enum pkt_drop parse_tcp(struct pkt *p)
{
	const uint8_t *t = p->data + p->l4off;
	size_t l4len = p->len - p->l4off;
	size_t doff;

	if (l4len < PKT_TCP_HLEN)
		return PKT_DROP_TCP_HDR;
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < PKT_TCP_HLEN || doff > l4len)
		return PKT_DROP_TCP_HDR;

	p->sport = get16(t);
	p->dport = get16(t + 2);
	p->tcp_flags = t[13];
	p->l4hlen = (uint16_t)doff;
	p->flags |= PKT_F_L4 | PKT_F_PORTS;
	return PKT_OK;
}

static enum pkt_drop parse_udp(struct pkt *p)
{
	const uint8_t *u = p->data + p->l4off;
	size_t l4len = p->len - p->l4off;
	size_t ulen;

	if (l4len < PKT_UDP_HLEN)
		return PKT_DROP_UDP_HDR;
	ulen = get16(u + 4);
	if (ulen < PKT_UDP_HLEN)
		return PKT_DROP_UDP_HDR;
	/* a first fragment holds only part of what the length covers */
	if (ulen > l4len && !(p->flags & PKT_F_FRAG))
		return PKT_DROP_UDP_HDR;

	p->sport = get16(u);
	p->dport = get16(u + 2);
	p->l4hlen = PKT_UDP_HLEN;
	p->flags |= PKT_F_L4 | PKT_F_PORTS;
	if (!raw16(u + UDP_CSUM))
		p->flags |= PKT_F_UDP_CSUM0;
	return PKT_OK;
}

static int icmp_is_error(uint8_t type)
{
	switch (type) {
	case PKT_ICMP_UNREACH:
	case PKT_ICMP_SOURCEQUENCH:
	case PKT_ICMP_REDIRECT:
	case PKT_ICMP_TIMXCEED:
	case PKT_ICMP_PARAMPROB:
		return 1;
	default:
		return 0;
	}
}

static int icmp_is_echo(uint8_t type)
{
	return type == PKT_ICMP_ECHO || type == PKT_ICMP_ECHOREPLY;
}

/* The packet quoted by an ICMP error: IPv4 header plus 8 bytes of it */
static enum pkt_drop parse_inner(struct pkt *p)
{
	struct pkt_inner *in = &p->inner;
	size_t off = (size_t)p->l4off + PKT_ICMP_HLEN;
	size_t avail = p->len - off;
	const uint8_t *ip = p->data + off;
	size_t ihl, frag;

	if (avail < PKT_IPV4_HLEN || ip[0] >> 4 != 4)
		return PKT_DROP_ICMP_INNER;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < PKT_IPV4_HLEN || ihl + 8 > avail || get16(ip + 2) < ihl)
		return PKT_DROP_ICMP_INNER;

	frag = get16(ip + 6);
	in->l3off = (uint16_t)off;
	in->l4off = (uint16_t)(off + ihl);
	in->frag_off = (uint16_t)((frag & IP_OFFMASK) * 8);
	in->ip_id = get16(ip + 4);
	in->proto = ip[9];
	in->saddr = raw32(ip + 12);
	in->daddr = raw32(ip + 16);
	in->sport = 0;
	in->dport = 0;
	in->icmp_type = 0;
	in->flags = 0;
	if (frag & IP_DF)
		in->flags |= PKT_F_DF;
	if (frag & IP_MF)
		in->flags |= PKT_F_MF | PKT_F_FRAG;
	if (in->frag_off) {
		in->flags |= PKT_F_FRAG;
		return PKT_OK;
	}

	ip += ihl;
	switch (in->proto) {
	case PKT_PROTO_TCP:
	case PKT_PROTO_UDP:
		in->sport = get16(ip);
		in->dport = get16(ip + 2);
		in->flags |= PKT_F_L4 | PKT_F_PORTS;
		break;
	case PKT_PROTO_ICMP:
		in->icmp_type = ip[0];
		in->flags |= PKT_F_L4;
		if (icmp_is_echo(ip[0])) {
			in->sport = in->dport = get16(ip + ICMP_ID);
			in->flags |= PKT_F_PORTS | PKT_F_ICMP_ECHO;
		} else if (icmp_is_error(ip[0])) {
			in->flags |= PKT_F_ICMP_ERR;
		}
		break;
	default:
		break;
	}
	return PKT_OK;
}

static enum pkt_drop parse_icmp(struct pkt *p)
{
	const uint8_t *ic = p->data + p->l4off;
	size_t l4len = p->len - p->l4off;

	if (l4len < PKT_ICMP_HLEN)
		return PKT_DROP_ICMP_HDR;
	/* a fragment's checksum covers bytes that are not here */
	if (!(p->flags & PKT_F_FRAG) && csum_fold(csum_partial(ic, l4len, 0)))
		return PKT_DROP_ICMP_CSUM;

	p->icmp_type = ic[0];
	p->icmp_code = ic[1];
	p->l4hlen = PKT_ICMP_HLEN;
	p->flags |= PKT_F_L4;
	if (icmp_is_echo(ic[0])) {
		p->sport = p->dport = get16(ic + ICMP_ID);
		p->flags |= PKT_F_PORTS | PKT_F_ICMP_ECHO;
	} else if (icmp_is_error(ic[0])) {
		p->flags |= PKT_F_ICMP_ERR;
		return parse_inner(p);
	}
	return PKT_OK;
}

enum pkt_drop pkt_parse(struct pkt *p, uint8_t *buf, size_t len)
{
	size_t ihl, tot, plen;
	uint16_t frag;

	p->data = buf;
	p->len = 0;
	p->flags = 0;
	if (len < 1)
		return PKT_DROP_TRUNCATED;
	switch (buf[0] >> 4) {
	case 4:
		break;
	case 6:
		return PKT_DROP_IPV6;
	default:
		return PKT_DROP_VERSION;
	}
	if (len < PKT_IPV4_HLEN)
		return PKT_DROP_TRUNCATED;
	ihl = (size_t)(buf[0] & 0xf) * 4;
	if (ihl < PKT_IPV4_HLEN)
		return PKT_DROP_IHL;
	if (ihl > len)
		return PKT_DROP_TRUNCATED;
	tot = get16(buf + 2);
	if (tot < ihl)
		return PKT_DROP_TOTAL_LEN;
	if (tot > len)
		return PKT_DROP_TRUNCATED;
	if (csum_fold(csum_partial(buf, ihl, 0)))
		return PKT_DROP_IP_CSUM;

	frag = get16(buf + 6);
	p->len = (uint16_t)tot;
	p->l4off = (uint16_t)ihl;
	p->l4hlen = 0;
	p->saddr = raw32(buf + 12);
	p->daddr = raw32(buf + 16);
	p->sport = 0;
	p->dport = 0;
	p->ip_id = get16(buf + 4);
	p->frag_off = (uint16_t)((frag & IP_OFFMASK) * 8);
	p->proto = buf[9];
	p->ttl = buf[8];
	p->tcp_flags = 0;
	p->icmp_type = 0;
	p->icmp_code = 0;
	if (frag & IP_DF)
		p->flags |= PKT_F_DF;
	if (frag & IP_MF)
		p->flags |= PKT_F_MF | PKT_F_FRAG;
	if (p->frag_off)
		p->flags |= PKT_F_FRAG;

	if (p->flags & PKT_F_FRAG) {
		plen = tot - ihl;
		if (!plen || p->frag_off + plen > 65535 ||
		    ((p->flags & PKT_F_MF) && plen % 8))
			return PKT_DROP_FRAG;
		/* RFC 1858: only an attacker rewrites TCP ports this way */
		if (p->proto == PKT_PROTO_TCP && p->frag_off == 8)
			return PKT_DROP_FRAG;
		if (p->frag_off)
			return PKT_OK; /* no L4 header in here */
	}

	switch (p->proto) {
	case PKT_PROTO_TCP:
		return parse_tcp(p);
	case PKT_PROTO_UDP:
		return parse_udp(p);
	case PKT_PROTO_ICMP:
		return parse_icmp(p);
	default:
		return PKT_OK;
	}
}

/* Store an updated L4 checksum: 0 is not always 0, see csum_wire() */
static inline void put_l4_csum(const struct pkt *p, uint8_t *field,
			       uint16_t csum)
{
	put_raw16(field, csum_wire(p->proto, csum));
}

static void set_addr(struct pkt *p, size_t field, uint32_t addr)
{
	uint8_t *b = p->data;
	uint32_t old = raw32(b + field);
	uint8_t *c;

	put_raw16(b + 10, csum_update32(raw16(b + 10), old, addr));
	memcpy(b + field, &addr, sizeof(addr));

	/* TCP and UDP checksums cover a pseudo-header with the addresses */
	if (p->proto != PKT_PROTO_TCP && p->proto != PKT_PROTO_UDP)
		return;
	c = l4_csum_field(p);
	if (c)
		put_l4_csum(p, c, csum_update32(raw16(c), old, addr));
}

static void set_port(struct pkt *p, size_t field, uint16_t port)
{
	uint8_t *f = p->data + p->l4off + field;
	uint16_t old = raw16(f), new = htons(port);
	uint8_t *c = l4_csum_field(p);

	if (c)
		put_l4_csum(p, c, csum_update16(raw16(c), old, new));
	put_raw16(f, new);
}

void pkt_set_src(struct pkt *p, uint32_t addr, uint16_t port)
{
	set_addr(p, 12, addr);
	p->saddr = addr;
	if (!(p->flags & PKT_F_PORTS))
		return;
	if (p->proto == PKT_PROTO_ICMP) {
		set_port(p, ICMP_ID, port);
		p->dport = port;
	} else {
		set_port(p, 0, port);
	}
	p->sport = port;
}

void pkt_set_dst(struct pkt *p, uint32_t addr, uint16_t port)
{
	set_addr(p, 16, addr);
	p->daddr = addr;
	if (!(p->flags & PKT_F_PORTS))
		return;
	if (p->proto == PKT_PROTO_ICMP) {
		set_port(p, ICMP_ID, port);
		p->sport = port;
	} else {
		set_port(p, 2, port);
	}
	p->dport = port;
}

void pkt_set_ip_id(struct pkt *p, uint16_t id)
{
	uint8_t *b = p->data;
	uint16_t new = htons(id);

	put_raw16(b + 10, csum_update16(raw16(b + 10), raw16(b + 4), new));
	put_raw16(b + 4, new);
	p->ip_id = id;
}

int pkt_dec_ttl(struct pkt *p)
{
	uint8_t *b = p->data;
	uint16_t old = raw16(b + 8), new;

	if (b[8] <= 1)
		return -1;
	b[8]--;
	new = raw16(b + 8);
	put_raw16(b + 10, csum_update16(raw16(b + 10), old, new));
	p->ttl = b[8];
	return 0;
}

/*
 * Store a 16-bit word inside an ICMP error's payload and fix the outer ICMP
 * checksum for it.  Every field we touch in the quoted packet sits at an
 * even offset from the ICMP header (8 + IHL * 4 + even), so words line up.
 */
static void icmp_err_put16(struct pkt *p, uint8_t *field, uint16_t new)
{
	uint8_t *c = p->data + p->l4off + ICMP_CSUM;

	put_raw16(c, csum_update16(raw16(c), raw16(field), new));
	put_raw16(field, new);
}

/* The quoted packet's L4 checksum field, if it was quoted and is in use */
static uint8_t *inner_csum_field(const struct pkt *p)
{
	const struct pkt_inner *in = &p->inner;
	uint8_t *l4 = p->data + in->l4off;
	size_t quoted = p->len - in->l4off;
	size_t orig = get16(p->data + in->l3off + 2); /* >= IHL: parsed */

	if (!(in->flags & PKT_F_L4))
		return NULL;
	orig -= in->l4off - in->l3off; /* its L4 length */
	switch (in->proto) {
	case PKT_PROTO_TCP:
		if (quoted < TCP_CSUM + 2 || orig < TCP_CSUM + 2)
			return NULL;
		return l4 + TCP_CSUM;
	case PKT_PROTO_UDP:
		return raw16(l4 + UDP_CSUM) ? l4 + UDP_CSUM : NULL;
	case PKT_PROTO_ICMP:
		return l4 + ICMP_CSUM;
	default:
		return NULL;
	}
}

static void inner_set(struct pkt *p, int dst, uint32_t addr, uint16_t port)
{
	struct pkt_inner *in = &p->inner;
	uint8_t a[sizeof(addr)], *ip, *l4, *af, *c;
	uint16_t csum, new;
	uint32_t old;
	size_t field;

	if (!(p->flags & PKT_F_ICMP_ERR))
		return; /* @in was never filled in */
	ip = p->data + in->l3off;
	l4 = p->data + in->l4off;
	af = ip + (dst ? 16 : 12);
	c = inner_csum_field(p);
	old = raw32(af);
	memcpy(a, &addr, sizeof(a));
	icmp_err_put16(p, ip + 10, csum_update32(raw16(ip + 10), old, addr));
	icmp_err_put16(p, af, raw16(a));
	icmp_err_put16(p, af + 2, raw16(a + 2));
	if (c && in->proto != PKT_PROTO_ICMP) {
		csum = csum_update32(raw16(c), old, addr);
		csum = csum_wire(in->proto, csum);
		icmp_err_put16(p, c, csum);
	}
	if (dst)
		in->daddr = addr;
	else
		in->saddr = addr;

	if (!(in->flags & PKT_F_PORTS))
		return;
	if (in->proto == PKT_PROTO_ICMP)
		field = ICMP_ID;
	else
		field = dst ? 2 : 0;
	new = htons(port);
	if (c) {
		csum = csum_update16(raw16(c), raw16(l4 + field), new);
		csum = csum_wire(in->proto, csum);
		icmp_err_put16(p, c, csum);
	}
	icmp_err_put16(p, l4 + field, new);
	if (in->proto == PKT_PROTO_ICMP || !dst)
		in->sport = port;
	if (in->proto == PKT_PROTO_ICMP || dst)
		in->dport = port;
}

void pkt_set_inner_src(struct pkt *p, uint32_t addr, uint16_t port)
{
	inner_set(p, 0, addr, port);
}

void pkt_set_inner_dst(struct pkt *p, uint32_t addr, uint16_t port)
{
	inner_set(p, 1, addr, port);
}

int pkt_tcp_clamp_mss(struct pkt *p, uint16_t mss)
{
	uint8_t *t = p->data + p->l4off;
	size_t i = PKT_TCP_HLEN, end = p->l4hlen, olen, at = 0;
	uint16_t old, new;
	uint8_t *c;

	if (p->proto != PKT_PROTO_TCP || !(p->flags & PKT_F_L4) ||
	    !(p->tcp_flags & PKT_TCP_SYN))
		return 0;

	/* Walk all options first: change nothing unless all are sane */
	while (i < end && t[i] != TCPOPT_EOL) {
		if (t[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 2 > end)
			return -1;
		olen = t[i + 1];
		if (olen < 2 || olen > end - i)
			return -1;
		if (t[i] == TCPOPT_MSS) {
			if (olen != 4 || at)
				return -1;
			at = i + 2;
		}
		i += olen;
	}
	if (!at || get16(t + at) <= mss)
		return 0;

	old = raw16(t + at);
	new = htons(mss);
	put_raw16(t + at, new);
	/* an odd offset puts our bytes in the other halves of two words */
	if (at & 1) {
		old = (uint16_t)(old << 8 | old >> 8);
		new = (uint16_t)(new << 8 | new >> 8);
	}
	c = t + TCP_CSUM;
	put_raw16(c, csum_update16(raw16(c), old, new));
	return 1;
}

/* RFC 1812 4.3.2.7: no errors to a source that is not a single host */
static int addr_is_unicast(uint32_t addr)
{
	uint8_t a[sizeof(addr)];

	memcpy(a, &addr, sizeof(a));
	return a[0] != 0 && a[0] != 127 && a[0] < 224;
}

/* ... nor about datagrams sent to multicast or broadcast; a datagram to
 * loopback or reserved space from a client is answered (a policy refusal
 * says why it went nowhere) */
static int dst_may_be_answered(uint32_t addr)
{
	uint8_t a[sizeof(addr)];

	memcpy(a, &addr, sizeof(a));
	return (a[0] < 224 || a[0] > 239) && addr != 0xffffffffu;
}

int pkt_icmp_error(uint8_t *out, size_t size, const struct pkt *orig,
		   uint32_t saddr, uint8_t type, uint8_t code, uint32_t info)
{
	size_t hdr = PKT_IPV4_HLEN + PKT_ICMP_HLEN, quote, need, tot;
	uint16_t v;

	if (orig->frag_off || (orig->flags & PKT_F_ICMP_ERR))
		return -1;
	if (!addr_is_unicast(orig->saddr) ||
	    !dst_may_be_answered(orig->daddr))
		return -1;

	quote = orig->len;
	if (quote > PKT_ICMP_ERR_MAX - hdr)
		quote = PKT_ICMP_ERR_MAX - hdr;
	need = (size_t)orig->l4off + 8;
	if (need > orig->len)
		need = orig->len;
	if (size < hdr + need)
		return -1;
	if (quote > size - hdr)
		quote = size - hdr;
	tot = hdr + quote;

	/* quote first: @out may be the original's own buffer */
	memmove(out + hdr, orig->data, quote);

	out[0] = 0x45;
	out[1] = 0xc0; /* precedence: internetwork control */
	v = htons((uint16_t)tot);
	memcpy(out + 2, &v, sizeof(v));
	v = 0; /* atomic datagram (RFC 6864): DF, id 0 */
	memcpy(out + 4, &v, sizeof(v));
	v = htons(IP_DF);
	memcpy(out + 6, &v, sizeof(v));
	out[8] = 64;
	out[9] = PKT_PROTO_ICMP;
	memset(out + 10, 0, 2);
	memcpy(out + 12, &saddr, sizeof(saddr));
	memcpy(out + 16, &orig->saddr, sizeof(orig->saddr));
	v = csum_fold(csum_partial(out, PKT_IPV4_HLEN, 0));
	memcpy(out + 10, &v, sizeof(v));

	out += PKT_IPV4_HLEN;
	out[0] = type;
	out[1] = code;
	memset(out + 2, 0, 2);
	info = htonl(info);
	memcpy(out + 4, &info, sizeof(info));
	v = csum_fold(csum_partial(out, PKT_ICMP_HLEN + quote, 0));
	memcpy(out + 2, &v, sizeof(v));
	return (int)tot;
}

/*
 * Sum of the L4 bytes and pseudo-header: with the checksum field counted
 * (to verify), or without it (to compute).
 */
static int l4_sum(const struct pkt *p, int with_field, uint64_t *sum)
{
	const uint8_t *l4 = p->data + p->l4off;
	size_t n = p->len - p->l4off, at;

	if (!(p->flags & PKT_F_L4) || (p->flags & PKT_F_FRAG))
		return -1;
	switch (p->proto) {
	case PKT_PROTO_TCP:
		at = TCP_CSUM;
		*sum = csum_pseudo(p->saddr, p->daddr, p->proto, (uint16_t)n);
		break;
	case PKT_PROTO_UDP:
		n = get16(l4 + 4); /* parsed: 8 <= n <= bytes present */
		at = UDP_CSUM;
		*sum = csum_pseudo(p->saddr, p->daddr, p->proto, (uint16_t)n);
		break;
	case PKT_PROTO_ICMP:
		at = ICMP_CSUM;
		*sum = 0;
		break;
	default:
		return -1;
	}
	if (with_field) {
		*sum = csum_partial(l4, n, *sum);
	} else {
		*sum = csum_partial(l4, at, *sum);
		*sum = csum_partial(l4 + at + 2, n - at - 2, *sum);
	}
	return 0;
}

uint16_t pkt_l4_csum(const struct pkt *p)
{
	uint64_t sum;
	uint16_t csum;

	if (l4_sum(p, 0, &sum))
		return 0;
	csum = csum_fold(sum);
	return p->proto == PKT_PROTO_UDP && !csum ? 0xffff : csum;
}

int pkt_l4_csum_ok(const struct pkt *p)
{
	uint64_t sum;

	if ((p->flags & PKT_F_UDP_CSUM0) || l4_sum(p, 1, &sum))
		return 1;
	return !csum_fold(sum);
}

int pkt_l4_csum_complete(struct pkt *p)
{
	uint8_t *c = l4_csum_field(p);
	uint16_t partial, field;
	size_t n = p->len - p->l4off;

	if (pkt_l4_csum_ok(p))
		return 0;
	/* devices offload TCP and UDP checksums only; ICMP's is checked
	 * in full by pkt_parse() */
	if (p->proto != PKT_PROTO_TCP && p->proto != PKT_PROTO_UDP)
		return -1;
	memcpy(&field, c, sizeof(field));	/* ok() failing implies c */
	if (p->proto == PKT_PROTO_UDP)
		n = get16(c - UDP_CSUM + 4);
	partial = (uint16_t)~csum_fold(
		csum_pseudo(p->saddr, p->daddr, p->proto, (uint16_t)n));
	if (field != partial)
		return -1;
	put_raw16(c, pkt_l4_csum(p));
	return 0;
}

void pkt_csum_fix(struct pkt *p)
{
	uint8_t *b = p->data;
	uint8_t *c;

	memset(b + 10, 0, 2);
	put_raw16(b + 10, csum_fold(csum_partial(b, p->l4off, 0)));
	if (p->flags & PKT_F_FRAG)
		return;
	c = l4_csum_field(p);
	if (c)
		put_raw16(c, pkt_l4_csum(p));
}
