/* SPDX-License-Identifier: MIT */
/* egress_gso_test.c - TCP packets of many segments out of a veth whole
 *
 * As root only, in namespaces of the test's own (nstest.h): S sends with
 * egress_gso out of tc0, P reads what arrives on tc1 with a packet socket
 * of its own. Proves the checksum offset the virtio_net_hdr names (the
 * link header counts): with tc0's offloads on, P gets the packet whole
 * and the kernel's transport header where the TCP header is; with them
 * off, the kernel segments it in software and fills in each segment's
 * checksum at that offset, and every segment must be right. Also the
 * next hop: nothing sent while the neighbour is unresolved, the answer
 * cached for a second (and a "not now" for a tenth), a flushed neighbour
 * noticed at the next lookup.
 */
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "egress_gso.h"
#include "nexthop.h"
#include "nstest.h"
#include "pkt.h"
#include "tap.h"
#include "vnet.h"

#define MSS	1000
#define PAYLOAD (10 * MSS + 123) /* 11 segments, the last one short */
#define SEQ	1000000u
#define HDRS	40

static uint8_t pkt[65536];

/* A TCP packet EXT:40000 -> PEER:5201 of PAYLOAD bytes, DF, with a
 * garbage checksum (egress_gso_send() must set it) */
static size_t super_packet(void)
{
	struct pktgen g = PKTGEN_INIT;
	size_t len;

	g.saddr = ns_addr(NS_EXT);
	g.daddr = ns_addr(NS_PEER);
	g.sport = 40000;
	g.dport = 5201;
	g.seq = SEQ;
	g.ack = 1;
	g.frag = 0x4000;
	g.ip_id = 100;
	g.tcp_flags = 0x18; /* PSH ACK */
	g.plen = PAYLOAD;
	len = pktgen_tcp(pkt, sizeof(pkt), &g);
	pkt[36] ^= 0x5a;
	return len;
}

/* P's packet socket on tc1, with virtio_net_hdr (so a GSO packet comes
 * with its header; only SOCK_RAW takes it: frames, Ethernet header first) */
static int p_socket(void)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
	};
	int fd, on = 1;

	ns_enter(NS_P);
	sll.sll_ifindex = (int)if_nametoindex("tc1");
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	ns_enter(NS_S);
	if (fd < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		printf("Bail out! P's packet socket: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* The next TCP packet P got from EXT (others skipped), without its
 * Ethernet header: its length, 0 if none came within a second */
static size_t p_read(int fd, struct virtio_net_hdr *h, uint8_t *buf, size_t cap)
{
	uint8_t eth[ETH_HLEN];
	struct iovec iov[3] = {{h, sizeof(*h)}, {eth, sizeof(eth)}, {buf, cap}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 3};
	ssize_t n;

	while (wait_fd(fd, POLLIN, 1000)) {
		n = recvmsg(fd, &m, MSG_DONTWAIT);
		if (n < (ssize_t)(sizeof(*h) + sizeof(eth) + HDRS))
			continue;
		if (buf[9] == 6 && !memcmp(buf + 12, pkt + 12, 8))
			return (size_t)n - sizeof(*h) - sizeof(eth);
	}
	return 0;
}

/* Nothing goes out while the neighbour is unknown; once it is, the
 * packet does, whole, its transport header where the TCP header is */
static void test_whole(struct egress_gso *g, int pfd)
{
	static uint8_t got[65536];
	struct virtio_net_hdr h;
	size_t len = super_packet(), n;

	is(egress_gso_send(g, pkt, len, MSS, 1000), -1,
	   "neighbour unresolved: not sent");
	is(egress_gso_lookups(g), 1, "one lookup");
	is(egress_gso_send(g, pkt, len, MSS, 1050), -1,
	   "within a tenth of a second: not sent, not asked again");
	is(egress_gso_lookups(g), 1, "still one lookup");
	ok(!sh("ping -c 1 -W 2 " NS_PEER " >/dev/null"), "ping resolves it");
	is(egress_gso_send(g, pkt, len, MSS, 1100), 0, "now sent");
	is(egress_gso_lookups(g), 2, "after a tenth: asked again");
	n = p_read(pfd, &h, got, sizeof(got));
	is(n, len, "P got it whole");
	is(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4, "as a TCPv4 GSO packet");
	is(h.gso_size, MSS, "of %d-byte segments", MSS);
	ok(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, "checksum left to complete");
	is(h.csum_start, ETH_HLEN + 20,
	   "the kernel's transport header: the TCP header");
	is(h.csum_offset, 16, "the checksum field: TCP's");
	ok(!memcmp(got + HDRS, pkt + HDRS, PAYLOAD), "payload as sent");
	is(egress_gso_send(g, pkt, len, MSS, 2099), 0, "sent again");
	is(egress_gso_lookups(g), 2, "within a second: from the cache");
	p_read(pfd, &h, got, sizeof(got));
}

/* With tc0's checksum offload and TSO off the kernel segments and sums in
 * software, where the header said: every segment must be right */
static void test_segments(struct egress_gso *g, int pfd)
{
	static uint8_t got[65536];
	struct virtio_net_hdr h;
	size_t len = super_packet(), n, off = 0;
	int segs = 0, good = 0;
	struct pkt p;

	ok(!sh("ethtool -K tc0 tx off tso off gso on >/dev/null"),
	   "tc0: checksum offload and TSO off");
	is(egress_gso_send(g, pkt, len, MSS, 2100), 0, "sent");
	while ((n = p_read(pfd, &h, got, sizeof(got))) > 0) {
		uint32_t seq = (uint32_t)got[24] << 24 | got[25] << 16 |
			       got[26] << 8 | got[27];
		size_t chunk = n - HDRS;

		segs++;
		if (pkt_parse(&p, got, n) == PKT_OK && pkt_l4_csum_ok(&p) &&
		    n <= HDRS + MSS && seq == SEQ + off &&
		    !memcmp(got + HDRS, pkt + HDRS + off, chunk))
			good++;
		else
			printf("# segment %d: %zu bytes, seq %u, csum %s\n",
			       segs, n, seq, pkt_l4_csum_ok(&p) ? "ok" : "bad");
		off += chunk;
		if (off >= PAYLOAD)
			break;
	}
	is(segs, 11, "P got 11 segments");
	is(good, 11, "each with its checksums right, in order, its payload");
	is(off, PAYLOAD, "all the payload");
	ok(!sh("ethtool -K tc0 tx on tso on >/dev/null"), "offloads on again");
}

/* A neighbour that is gone is noticed at the next lookup */
static void test_flushed(struct egress_gso *g)
{
	size_t len = super_packet();
	uint64_t n = egress_gso_lookups(g);

	ok(!sh("ip neigh flush dev tc0"), "the neighbour is flushed");
	is(egress_gso_send(g, pkt, len, MSS, 2200), 0,
	   "the cache still says where, for the rest of its second");
	is(egress_gso_send(g, pkt, len, MSS, 3100), -1,
	   "a second on: asked again, not sent");
	is(egress_gso_lookups(g), n + 1, "one more lookup");
}

/* Not a packet of many segments, or not TCP: refused, for the caller to
 * send as it is */
static void test_refused(struct egress_gso *g)
{
	size_t len = super_packet();

	ok(!sh("ping -c 1 -W 2 " NS_PEER " >/dev/null"), "ping resolves it");
	is(egress_gso_send(g, pkt, len, PAYLOAD, 5000), -1,
	   "one segment only: refused");
	pkt[9] = 17;
	pktgen_fix_ip_csum(pkt);
	is(egress_gso_send(g, pkt, len, MSS, 5000), -1, "UDP: refused");
	is(egress_gso_send(g, pkt, 10, MSS, 5000), -1, "not IPv4: refused");
}

int main(void)
{
	struct egress_gso *g;
	int rc = nstest_setup(), pfd;

	if (rc)
		return rc > 0 ? 0 : 1;
	ok(!egress_gso_open("lo"), "loopback (no Ethernet header): refused");
	ok(!egress_gso_open("nosuch0"), "no such interface: refused");
	g = egress_gso_open("tc0");
	ok(g, "opened on tc0");
	if (!g)
		return tap_done();
	pfd = p_socket();
	test_whole(g, pfd);
	test_segments(g, pfd);
	test_flushed(g);
	test_refused(g);
	egress_gso_close(g);
	close(pfd);
	return tap_done();
}
