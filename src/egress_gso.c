/* SPDX-License-Identifier: MIT */
/* egress_gso.c - NATed TCP packets of many segments out of the egress
 * interface whole, for the kernel or the NIC to segment
 *
 * Theory of operation: a client's TCP packet of up to 64 KiB (a GSO
 * entry), once checked and NATed, would take one raw-socket send per
 * segment, each a trip through the server's IP output. Instead it goes to
 * the egress device in one send on an AF_PACKET socket with
 * PACKET_VNET_HDR (which only SOCK_RAW takes, so the Ethernet header is
 * built here; a device without one, tun or WireGuard, gets none): a
 * struct virtio_net_hdr in front of the frame asks for TCPv4
 * segmentation at gso bytes of payload and for the TCP checksum to be
 * completed (NEEDS_CSUM; the field holds the pseudo-header sum over the
 * whole TCP length, as vnet_gso_hdr() writes it). The device's TSO does
 * it, or the kernel's GSO just before the device, or a veth hands the
 * packet whole to its peer.
 *
 * virtio_net_hdr_to_skb() takes csum_start from the start of the frame
 * (packet_snd(): skb->data is the link header), so it is the TCP header's
 * offset in the IP packet plus 14 on Ethernet, plus 0 on a device without
 * a link header. Only those two kinds of device are taken (ARPHRD_ETHER,
 * whose own address is read once, at the start; ARPHRD_NONE); on any
 * other every packet is split as before. t/unit/egress_gso_test.c proves
 * the offsets with the device's checksum offload off, where the kernel
 * computes every segment's checksum in software at the place the header
 * names.
 *
 * The next hop's address comes from nexthop.c (the route and neighbour
 * the raw socket's packets would take). When it has none to give, or the
 * send fails, egress_gso_send() says so and the caller splits the packet
 * and sends the segments through the raw socket as before (which also has
 * the kernel resolve the neighbour for the next time).
 *
 * These packets do not pass the server host's netfilter hooks (output,
 * postrouting, egress): AF_PACKET sends below them. The qdisc still
 * applies. See egress.gso in tether.json(5).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "egress_gso.h"
#include "log.h"
#include "nexthop.h"
#include "pkt.h"
#include "vnet.h"

#define EGRESS_GSO_SNDBUF (4 << 20)

struct egress_gso {
	int fd;
	int ifindex;
	size_t hh_len;	       /* link header: ETH_HLEN or 0 */
	uint8_t eth[ETH_HLEN]; /* its template: our address, IPv4 */
	struct nexthop *hop;
};

/* The link header of @ifname's kind of device: 0 with its length and
 * template, or -1 (logged) for a kind this does not handle */
static int link_kind(struct egress_gso *g, const char *ifname)
{
	struct ifreq ifr = {0};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(g->fd, SIOCGIFHWADDR, &ifr)) {
		log_warn("egress_gso: %s: SIOCGIFHWADDR", ifname);
		return -1;
	}
	switch (ifr.ifr_hwaddr.sa_family) {
	case ARPHRD_ETHER:
		g->hh_len = ETH_HLEN;
		memcpy(g->eth + ETH_ALEN, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
		g->eth[2 * ETH_ALEN] = ETH_P_IP >> 8;
		g->eth[2 * ETH_ALEN + 1] = ETH_P_IP & 0xff;
		return 0;
	case ARPHRD_NONE:
		g->hh_len = 0;
		return 0;
	}
	log_info("egress_gso: %s: device type %u, not Ethernet: TCP packets "
		 "go out split",
		 ifname, ifr.ifr_hwaddr.sa_family);
	return -1;
}

static void set_sndbuf(int fd)
{
	int size = EGRESS_GSO_SNDBUF;

	/* FORCE passes net.core.wmem_max but needs CAP_NET_ADMIN */
	if (!setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)))
		log_warn("egress_gso: SO_SNDBUF");
}

/**
 * egress_gso_open() - the socket TCP packets of many segments leave by
 * @ifname:	the egress interface
 *
 * Needs CAP_NET_RAW. Errors are logged; the caller then sends every such
 * packet split, as before.
 *
 * Return: the sender, or NULL if this interface or host cannot have one
 */
struct egress_gso *egress_gso_open(const char *ifname)
{
	struct egress_gso *g = calloc(1, sizeof(*g));
	int on = 1;

	if (!g) {
		log_error("egress_gso: out of memory");
		return NULL;
	}
	/* protocol 0: it sends only, no packet is ever queued to it */
	g->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0) {
		log_warn("egress_gso: AF_PACKET socket");
		goto err;
	}
	g->ifindex = (int)if_nametoindex(ifname);
	if (!g->ifindex) {
		log_warn("egress_gso: %s", ifname);
		goto err;
	}
	if (link_kind(g, ifname))
		goto err;
	if (setsockopt(g->fd, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on))) {
		log_warn("egress_gso: PACKET_VNET_HDR");
		goto err;
	}
	set_sndbuf(g->fd);
	g->hop = nexthop_open(g->ifindex, g->hh_len != 0);
	if (!g->hop)
		goto err;
	return g;
err:
	egress_gso_close(g);
	return NULL;
}

/**
 * egress_gso_send() - send a NATed TCP packet whole, to be segmented
 * @g:		the sender
 * @pkt:	the packet, IPv4 header first, ready to go but for its TCP
 *		checksum (it is set here to the partial sum the kernel
 *		completes per segment)
 * @len:	its length
 * @gso:	payload bytes per segment; the packet has more than that
 * @now_ms:	monotonic milliseconds
 *
 * Never blocks; the netlink round trips of a next-hop lookup are a few
 * per destination and second at most.
 *
 * Return: 0 if the kernel took it, -1 if not (no usable next hop now, not
 * a TCP packet of many segments, the send failed): split it and send
 * the segments instead
 */
int egress_gso_send(struct egress_gso *g, uint8_t *pkt, size_t len, size_t gso,
		    uint64_t now_ms)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = g->ifindex,
	};
	struct virtio_net_hdr h;
	struct iovec iov[3];
	struct msghdr m = {
		.msg_name = &to,
		.msg_namelen = sizeof(to),
		.msg_iov = iov,
		.msg_iovlen = 3,
	};
	struct pkt p;

	if (pkt_parse(&p, pkt, len) != PKT_OK ||
	    !nexthop_get(g->hop, p.daddr, now_ms, g->eth) ||
	    vnet_gso_hdr(&h, &p, gso))
		return -1;
	h.csum_start = (uint16_t)(h.csum_start + g->hh_len);
	h.hdr_len = (uint16_t)(h.hdr_len + g->hh_len);
	iov[0] = (struct iovec){.iov_base = &h, .iov_len = sizeof(h)};
	iov[1] = (struct iovec){.iov_base = g->eth, .iov_len = g->hh_len};
	iov[2] = (struct iovec){.iov_base = pkt, .iov_len = p.len};
	if (sendmsg(g->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		log_debug("egress_gso: send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/**
 * egress_gso_lookups() - next-hop lookups so far (for the status)
 * @g:		the sender
 *
 * Return: the count
 */
uint64_t egress_gso_lookups(const struct egress_gso *g)
{
	return nexthop_lookups(g->hop);
}

/**
 * egress_gso_close() - close the sender
 * @g:		the sender, or NULL
 *
 * Return: nothing
 */
void egress_gso_close(struct egress_gso *g)
{
	if (!g)
		return;
	if (g->fd >= 0)
		close(g->fd);
	nexthop_close(g->hop);
	free(g);
}
