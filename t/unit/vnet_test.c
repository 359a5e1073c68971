/* SPDX-License-Identifier: MIT */
/* vnet_test.c - the virtio_net_hdr of an offloading TUN: partial checksums
 * completed, GSO packets recognised, bad headers refused, and the header
 * that has the kernel segment a TCP packet
 */
#include <string.h>

#include "pkt.h"
#include "pktgen.h"
#include "tap.h"
#include "vnet.h"

static uint8_t data[3000];

/* A packet as a sender with checksum offload hands it over: the L4
 * checksum field holds only the pseudo-header sum */
static size_t partial(uint8_t *b, size_t cap, int udp, struct virtio_net_hdr *h)
{
	struct pktgen g = PKTGEN_INIT;
	size_t len, sum;
	uint16_t pseudo;

	g.saddr = pktgen_addr(10, 77, 0, 2);
	g.daddr = pktgen_addr(203, 0, 113, 2);
	g.sport = 40000;
	g.dport = 5201;
	g.tcp_flags = 0x18;
	g.payload = data;
	g.plen = sizeof(data);
	len = udp ? pktgen_udp(b, cap, &g) : pktgen_tcp(b, cap, &g);
	sum = pktgen_sum(b + 12, 8, b[9]) + (uint32_t)(len - 20);
	pseudo = (uint16_t)~pktgen_fold((uint32_t)sum);
	pktgen_put16(b + 20 + (udp ? 6 : 16), pseudo);
	memset(h, 0, sizeof(*h));
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = 20;
	h->csum_offset = udp ? 6 : 16;
	return len;
}

static void test_rx_csum(void)
{
	static uint8_t b[4096];
	struct virtio_net_hdr h;
	size_t len, gso = 99;

	len = partial(b, sizeof(b), 0, &h);
	ok(!pktgen_l4_csum_ok(b, len), "rx: a partial TCP checksum is wrong");
	is(vnet_rx(&h, b, len, &gso), 0, "rx: NEEDS_CSUM, plain TCP");
	is(gso, 0, "rx: not a GSO packet");
	ok(pktgen_l4_csum_ok(b, len), "rx: the TCP checksum is complete");

	len = partial(b, sizeof(b), 1, &h);
	is(vnet_rx(&h, b, len, &gso), 0, "rx: NEEDS_CSUM, plain UDP");
	ok(pktgen_l4_csum_ok(b, len), "rx: the UDP checksum is complete");

	len = partial(b, sizeof(b), 0, &h);
	h.flags = 0;
	is(vnet_rx(&h, b, len, &gso), 0, "rx: no flags: taken as it is");
	ok(!pktgen_l4_csum_ok(b, len), "rx: ... and left alone");

	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = (uint16_t)len;
	is(vnet_rx(&h, b, len, &gso), -1, "rx: csum_start at the end: refused");
	h.csum_start = 20;
	h.csum_offset = (uint16_t)(len - 21);
	is(vnet_rx(&h, b, len, &gso), -1, "rx: field past the end: refused");
	h.csum_offset = 15;
	is(vnet_rx(&h, b, len, &gso), -1, "rx: odd csum_offset: refused");
}

static void test_rx_gso(void)
{
	static uint8_t b[4096];
	struct virtio_net_hdr h;
	size_t len, gso = 0;

	len = partial(b, sizeof(b), 0, &h);
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.gso_size = 1448;
	is(vnet_rx(&h, b, len, &gso), 0, "rx: TCPV4 GSO");
	is(gso, 1448, "rx: its segment size");
	h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	is(vnet_rx(&h, b, len, &gso), 0, "rx: TCPV4 GSO with ECN");
	h.gso_size = 0;
	is(vnet_rx(&h, b, len, &gso), -1, "rx: segment size 0: refused");
	h.gso_size = 1448;
	h.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	is(vnet_rx(&h, b, len, &gso), -1, "rx: TCPV6, never enabled: refused");
	h.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	is(vnet_rx(&h, b, len, &gso), -1, "rx: UFO, never enabled: refused");
	h.gso_type = VIRTIO_NET_HDR_GSO_ECN;
	is(vnet_rx(&h, b, len, &gso), -1, "rx: ECN alone: refused");
}

static void test_gso_hdr(void)
{
	static uint8_t b[4096];
	struct virtio_net_hdr h, rx;
	struct pkt p;
	size_t len, gso;

	len = partial(b, sizeof(b), 0, &h);
	b[20 + 13] |= 0x80;	      /* CWR */
	pktgen_put16(b + 36, 0x1234); /* whatever the client left there */
	is(pkt_parse(&p, b, len), PKT_OK, "tx: a 3,040-byte TCP packet");
	is(vnet_gso_hdr(&h, &p, 1000), 0, "tx: header for 1000-byte segments");
	ok(h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM && h.gso_size == 1000 &&
		   h.hdr_len == 40 && h.csum_start == 20 && h.csum_offset == 16,
	   "tx: NEEDS_CSUM, gso_size, hdr_len, csum_start, csum_offset");
	is(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
	   "tx: TCPV4, with ECN as CWR is set");
	/* the device's job, as vnet_rx() does it, must give a valid sum */
	rx = h;
	rx.gso_type = 0;
	is(vnet_rx(&rx, b, len, &gso), 0, "tx: completing the partial sum");
	ok(pktgen_l4_csum_ok(b, len), "tx: ... gives the right checksum");

	is(vnet_gso_hdr(&h, &p, 3000), -1, "tx: one segment only: refused");
	is(vnet_gso_hdr(&h, &p, 0), -1, "tx: segment size 0: refused");
	len = partial(b, sizeof(b), 1, &h);
	pkt_parse(&p, b, len);
	is(vnet_gso_hdr(&h, &p, 1000), -1, "tx: UDP: refused");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	test_rx_csum();
	test_rx_gso();
	test_gso_hdr();
	return tap_done();
}
