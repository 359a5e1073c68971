/* SPDX-License-Identifier: MIT */
/* pkt.h - the one bounds-checked way into IPv4/TCP/UDP/ICMP packet bytes
 *
 * pkt_parse() validates a packet completely and fills a struct pkt whose
 * offsets and fields callers may trust without further length checks.  The
 * rewrite helpers change addresses, ports, ICMP echo ids and IP ids in place
 * and keep every checksum right by incremental update (csum.h), so the
 * per-packet cost does not depend on the payload size.
 *
 * Byte order, everywhere in this header:
 *   - IPv4 addresses are uint32_t in network byte order (as in_addr.s_addr);
 *   - ports, ICMP ids, IP ids, lengths and offsets are in host byte order;
 *   - checksum values are uint16_t exactly as stored in the packet (network
 *     byte order), like the Linux kernel's __sum16.
 */
#ifndef TETHER_PKT_H
#define TETHER_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csum.h"

#define PKT_IPV4_HLEN	 20 /* IPv4 header without options */
#define PKT_TCP_HLEN	 20 /* TCP header without options */
#define PKT_UDP_HLEN	 8
#define PKT_ICMP_HLEN	 8
#define PKT_ICMP_ERR_MAX 576 /* RFC 1812 4.3.2.3: size of an error */

#define PKT_PROTO_ICMP 1
#define PKT_PROTO_TCP  6
#define PKT_PROTO_UDP  17

#define PKT_ICMP_ECHOREPLY    0
#define PKT_ICMP_UNREACH      3
#define PKT_ICMP_SOURCEQUENCH 4
#define PKT_ICMP_REDIRECT     5
#define PKT_ICMP_ECHO	      8
#define PKT_ICMP_TIMXCEED     11
#define PKT_ICMP_PARAMPROB    12

#define PKT_ICMP_UNREACH_HOST	  1
#define PKT_ICMP_UNREACH_PORT	  3
#define PKT_ICMP_UNREACH_NEEDFRAG 4
#define PKT_ICMP_UNREACH_ADMIN	  13

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

/**
 * enum pkt_drop - why pkt_parse() refused a packet
 * @PKT_OK:		not a drop: the packet parsed
 * @PKT_DROP_TRUNCATED:	fewer bytes than an IPv4 header, or than the IHL or
 *			the total length field says arrived (for example a
 *			capture snap length that is too small)
 * @PKT_DROP_VERSION:	IP version neither 4 nor 6
 * @PKT_DROP_IPV6:	IP version 6: recognised, not supported
 * @PKT_DROP_IHL:	IHL below 5
 * @PKT_DROP_TOTAL_LEN:	total length field smaller than the header itself
 * @PKT_DROP_IP_CSUM:	IPv4 header checksum does not verify
 * @PKT_DROP_FRAG:	impossible fragment: past 65535 bytes, empty, a
 *			non-last fragment not a multiple of 8 bytes, or a
 *			TCP fragment at offset 8 (RFC 1858 overlap attack)
 * @PKT_DROP_TCP_HDR:	TCP header shorter than 20 bytes, data offset
 *			below 5 or past the end of the packet
 * @PKT_DROP_UDP_HDR:	UDP header shorter than 8 bytes, or its length
 *			field below 8 or past the end of the packet
 * @PKT_DROP_ICMP_HDR:	ICMP message shorter than its 8-byte header
 * @PKT_DROP_ICMP_CSUM:	ICMP checksum does not verify
 * @PKT_DROP_ICMP_INNER: ICMP error whose embedded packet is not an IPv4
 *			header plus 8 bytes, or is otherwise malformed
 * @PKT_DROP_MAX:	number of values, for arrays
 *
 * Protocols other than TCP, UDP and ICMP (GRE, SCTP, ESP, ...) are not
 * drops: they parse with only the IP fields and PKT_F_L4 clear, and the
 * caller decides by @proto.  Likewise ICMP types other than echo and the
 * errors parse with neither PKT_F_ICMP_ECHO nor PKT_F_ICMP_ERR set.
 */
enum pkt_drop {
	PKT_OK = 0,
	PKT_DROP_TRUNCATED,
	PKT_DROP_VERSION,
	PKT_DROP_IPV6,
	PKT_DROP_IHL,
	PKT_DROP_TOTAL_LEN,
	PKT_DROP_IP_CSUM,
	PKT_DROP_FRAG,
	PKT_DROP_TCP_HDR,
	PKT_DROP_UDP_HDR,
	PKT_DROP_ICMP_HDR,
	PKT_DROP_ICMP_CSUM,
	PKT_DROP_ICMP_INNER,
	PKT_DROP_MAX,
};

/**
 * struct pkt_counters - drops by reason; the caller counts, pkt.c never does
 * @drop:	one counter per enum pkt_drop value (index 0 stays unused)
 */
struct pkt_counters {
	uint64_t drop[PKT_DROP_MAX];
};

/* Flags in struct pkt and struct pkt_inner */
#define PKT_F_DF	0x0001 /* IPv4 don't-fragment bit */
#define PKT_F_MF	0x0002 /* IPv4 more-fragments bit */
#define PKT_F_FRAG	0x0004 /* a fragment: MF set or an offset */
#define PKT_F_L4	0x0008 /* TCP/UDP/ICMP header present and validated */
#define PKT_F_PORTS	0x0010 /* sport/dport valid (TCP, UDP, ICMP echo) */
#define PKT_F_ICMP_ECHO 0x0020 /* ICMP echo request or reply */
#define PKT_F_ICMP_ERR	0x0040 /* ICMP error; struct pkt.inner is valid */
#define PKT_F_UDP_CSUM0 0x0080 /* UDP without checksum (field is zero) */

/**
 * struct pkt_inner - the packet embedded in an ICMP error
 * @saddr:	its source address, network byte order
 * @daddr:	its destination address, network byte order
 * @sport:	its source port (ICMP echo: the id), valid if PKT_F_PORTS
 * @dport:	its destination port (ICMP echo: the id again)
 * @l3off:	offset of its IPv4 header from struct pkt.data
 * @l4off:	offset of its L4 header (IHL * 4 after @l3off); the 8 bytes
 *		there are always present, an L4 header only with PKT_F_L4
 * @frag_off:	its fragment offset in bytes
 * @ip_id:	its IP id
 * @proto:	its protocol
 * @icmp_type:	its ICMP type, when @proto is ICMP and an L4 header is present
 * @flags:	PKT_F_* describing it: PKT_F_L4 means the first 8 bytes of
 *		its L4 header are here (RFC 792 promises no more), and
 *		PKT_F_ICMP_ERR that it is an ICMP error itself (its own
 *		quote is not parsed)
 *
 * This is the packet the ICMP error is about, so its source is the host
 * that sent the offending packet, usually the receiver of the error.
 */
struct pkt_inner {
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint16_t l3off;
	uint16_t l4off;
	uint16_t frag_off;
	uint16_t ip_id;
	uint8_t proto;
	uint8_t icmp_type;
	uint16_t flags;
};

/**
 * struct pkt - a validated IPv4 packet; every field is set by pkt_parse()
 * @data:	the packet bytes (IPv4 header first); rewrites change them
 * @len:	bytes of the packet: the IPv4 total length (bytes received
 *		beyond it were trimmed off, send only @len bytes)
 * @l4off:	offset of the L4 header (IHL * 4); also where a non-first
 *		fragment's data starts
 * @l4hlen:	L4 header length (TCP data offset * 4, UDP and ICMP 8), 0 if
 *		no validated L4 header (!PKT_F_L4); payload at @l4off + @l4hlen
 * @saddr:	source address, network byte order
 * @daddr:	destination address, network byte order
 * @sport:	TCP/UDP source port; ICMP echo id (valid if PKT_F_PORTS)
 * @dport:	TCP/UDP destination port; ICMP echo id again, so a flow key
 *		built from (proto, addresses, ports) works for echo too
 * @ip_id:	IP identification
 * @frag_off:	fragment offset in bytes (the header field times 8)
 * @proto:	IP protocol number
 * @ttl:	time to live
 * @tcp_flags:	TCP flags byte (PKT_TCP_*), 0 unless TCP with PKT_F_L4
 * @icmp_type:	ICMP type, when ICMP with PKT_F_L4
 * @icmp_code:	ICMP code, when ICMP with PKT_F_L4
 * @flags:	PKT_F_*
 * @inner:	the embedded packet, only if PKT_F_ICMP_ERR (else not set)
 *
 * A non-first fragment (@frag_off != 0) carries no L4 header: PKT_F_L4 and
 * PKT_F_PORTS are clear and @sport, @dport are 0.  A first fragment (MF set,
 * offset 0) has its L4 header validated as usual.
 */
struct pkt {
	uint8_t *data;
	uint16_t len;
	uint16_t l4off;
	uint16_t l4hlen;
	uint16_t flags;
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint16_t ip_id;
	uint16_t frag_off;
	uint8_t proto;
	uint8_t ttl;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
	struct pkt_inner inner;
};

/**
 * pkt_parse() - validate an IPv4 packet and describe it
 * @p:		filled in on success; on a drop from PKT_DROP_FRAG on, the
 *		IP fields (addresses, proto, ...) are set, for debug logs
 * @buf:	the packet, starting at its IP header; kept in @p->data
 * @len:	bytes available at @buf
 *
 * Checks version, IHL, total length, header checksum and fragment fields,
 * then the TCP, UDP or ICMP header (ICMP checksum too, unless fragmented),
 * and for ICMP errors the embedded IPv4 header and its first 8 L4 bytes.
 * TCP and UDP checksums are not verified here (that is a full pass over the
 * payload; the receiving host checks them): see pkt_l4_csum_ok().
 *
 * Return: PKT_OK (0), or the reason to drop the packet
 */
enum pkt_drop pkt_parse(struct pkt *p, uint8_t *buf, size_t len);

/**
 * pkt_drop_name() - short name of a drop reason, for counters and logs
 * @drop:	the reason
 *
 * Return: a static string such as "bad ip checksum"; "ok" for PKT_OK,
 * "unknown" for values out of range
 */
const char *pkt_drop_name(enum pkt_drop drop);

/**
 * pkt_set_src() - rewrite the source address and port (or ICMP echo id)
 * @p:		a parsed packet
 * @addr:	new source address, network byte order
 * @port:	new source port or echo id, host order; ignored unless
 *		PKT_F_PORTS (so only the address changes for non-first
 *		fragments, ICMP errors and other protocols)
 *
 * Updates the IP header checksum and the L4 checksum (its pseudo-header
 * included) incrementally, also in a first fragment, where the checksum
 * covers the whole datagram.  A zero UDP checksum stays zero; an updated
 * UDP or ICMP checksum that comes out 0 is stored as 0xffff.
 *
 * Return: nothing; @p->saddr and @p->sport follow the change
 */
void pkt_set_src(struct pkt *p, uint32_t addr, uint16_t port);

/**
 * pkt_set_dst() - rewrite the destination address and port (or echo id)
 * @p:		a parsed packet
 * @addr:	new destination address, network byte order
 * @port:	new destination port or echo id, host order; ignored unless
 *		PKT_F_PORTS
 *
 * Like pkt_set_src().  For an ICMP error this rewrites the outer
 * destination; the ICMP checksum has no pseudo-header and stays.
 *
 * Return: nothing; @p->daddr and @p->dport follow the change
 */
void pkt_set_dst(struct pkt *p, uint32_t addr, uint16_t port);

/**
 * pkt_set_ip_id() - rewrite the IP identification (fragment id remapping)
 * @p:		a parsed packet
 * @id:		new IP id, host order
 *
 * Return: nothing; the IP header checksum is updated
 */
void pkt_set_ip_id(struct pkt *p, uint16_t id);

/**
 * pkt_dec_ttl() - decrement the TTL as a router does
 * @p:		a parsed packet
 *
 * Return: 0 if decremented; -1 if the TTL was 0 or 1 (packet unchanged:
 * answer with an ICMP time exceeded error and drop it)
 */
int pkt_dec_ttl(struct pkt *p);

/**
 * pkt_set_inner_src() - rewrite the source of the packet in an ICMP error
 * @p:		a parsed packet with PKT_F_ICMP_ERR
 * @addr:	new source address of the embedded packet, network byte order
 * @port:	new source port or echo id, host order; ignored unless
 *		@p->inner.flags has PKT_F_PORTS
 *
 * Fixes the embedded IP header checksum, the embedded L4 checksum when its
 * field was quoted (UDP: unless zero) and the outer ICMP checksum, all
 * incrementally.  Use with pkt_set_dst() on errors coming back in.
 *
 * Return: nothing; does nothing without PKT_F_ICMP_ERR
 */
void pkt_set_inner_src(struct pkt *p, uint32_t addr, uint16_t port);

/**
 * pkt_set_inner_dst() - rewrite the destination of the packet in an error
 * @p:		a parsed packet with PKT_F_ICMP_ERR
 * @addr:	new destination address of the embedded packet
 * @port:	new destination port or echo id, host order
 *
 * Like pkt_set_inner_src(); use with pkt_set_src() on errors going out.
 *
 * Return: nothing; does nothing without PKT_F_ICMP_ERR
 */
void pkt_set_inner_dst(struct pkt *p, uint32_t addr, uint16_t port);

/**
 * pkt_tcp_clamp_mss() - lower the MSS option of a SYN or SYN-ACK
 * @p:		a parsed packet
 * @mss:	largest MSS to allow, host order
 *
 * Walks the TCP options (EOL, NOP, every length checked) and lowers an MSS
 * above @mss, fixing the TCP checksum incrementally.  Malformed options
 * leave the packet untouched.
 *
 * Return: 1 if the MSS was lowered, 0 if nothing to do (not a TCP SYN, no
 * MSS option, MSS already small enough), -1 if the options are malformed
 */
int pkt_tcp_clamp_mss(struct pkt *p, uint16_t mss);

/**
 * pkt_icmp_error() - build an ICMP error about a packet (RFC 1812 4.3.2)
 * @out:	buffer for the error, IPv4 header first
 * @size:	bytes available at @out
 * @orig:	the offending packet, parsed
 * @saddr:	source address of the error (us), network byte order
 * @type:	ICMP type: PKT_ICMP_UNREACH, PKT_ICMP_TIMXCEED, ...
 * @code:	ICMP code
 * @info:	the second 32-bit word of the ICMP header, host order: the
 *		next-hop MTU for PKT_ICMP_UNREACH_NEEDFRAG, pointer << 24 for
 *		PKT_ICMP_PARAMPROB, else 0
 *
 * The error goes to @orig's source and quotes @orig's IP header and as
 * much of its payload as fits in 576 bytes (and @size).  It refuses to
 * answer ICMP errors, non-first fragments, packets from an address that
 * is not a single host (0.0.0.0/8, 127/8, multicast, 240/4) and packets
 * to multicast or broadcast (RFC 1812 4.3.2.7).  Its IP header: TOS 0xc0
 * as Linux sends, TTL 64, DF with id 0 (an atomic datagram, RFC 6864).
 * @out may be @orig->data: the error then replaces the packet in place.
 *
 * Return: length of the error written to @out, or -1 if none may be sent
 * or @size cannot hold the IP header plus 8 bytes of the original
 */
int pkt_icmp_error(uint8_t *out, size_t size, const struct pkt *orig,
		   uint32_t saddr, uint8_t type, uint8_t code, uint32_t info);

/**
 * pkt_l4_csum() - compute the TCP, UDP or ICMP checksum in full
 * @p:		a parsed, unfragmented packet with PKT_F_L4
 *
 * Sums the pseudo-header (TCP, UDP) and the L4 bytes with the checksum
 * field taken as zero.  UDP's computed 0 is returned as 0xffff.
 *
 * Return: the checksum to store, network byte order; 0 for packets it does
 * not apply to (fragments, other protocols)
 */
uint16_t pkt_l4_csum(const struct pkt *p);

/**
 * pkt_l4_csum_ok() - verify the TCP, UDP or ICMP checksum in full
 * @p:		a parsed packet
 *
 * Return: 1 if the checksum verifies, or cannot be checked (fragments,
 * other protocols, UDP without checksum); 0 if it is wrong
 */
int pkt_l4_csum_ok(const struct pkt *p);

/**
 * pkt_l4_csum_complete() - accept a correct or a partial L4 checksum
 * @p:		a parsed packet
 *
 * A packet captured on a host that received it over a virtual device
 * (veth, virtio with offloads) may carry a partial checksum: only the
 * pseudo-header sum, which the sender's device was to complete. Such a
 * checksum is completed in place; a wrong one is left alone.
 *
 * Return: 0 if the checksum verifies (or cannot be checked) or was
 * partial and is now complete; -1 if it is wrong
 */
int pkt_l4_csum_complete(struct pkt *p);

typedef void (*pkt_emit_cb)(uint8_t *pkt, size_t len, void *arg);

int pkt_tcp_segment(const struct pkt *p, size_t mss, uint8_t *out,
		    size_t cap, pkt_emit_cb emit, void *arg);
bool pkt_tcp_one_segment(struct pkt *p, size_t mss);

/**
 * pkt_csum_fix() - recompute the IP header and L4 checksums in full
 * @p:		a parsed packet
 *
 * For packets built or edited by hand; the NAT path never needs this.  The
 * L4 checksum is left alone for fragments and for UDP without checksum.
 *
 * Return: nothing
 */
void pkt_csum_fix(struct pkt *p);

#endif
