/* SPDX-License-Identifier: MIT */
/* vnet.h - the virtio_net_hdr in front of each packet on an offloading TUN
 *
 * A TUN opened with IFF_VNET_HDR puts a struct virtio_net_hdr (10 bytes,
 * fields in host byte order) before every packet read and expects one
 * before every packet written (drivers/net/tun.c, virtio_net_hdr_to_skb()
 * and _from_skb()). With TUNSETOFFLOAD (TUN_F_CSUM | TUN_F_TSO4 |
 * TUN_F_TSO_ECN) the kernel hands over a local TCP sender's segments of up
 * to 64 KiB (gso_type TCPV4, gso_size the MSS) and any packet with only a
 * partial checksum (NEEDS_CSUM: the pseudo-header sum sits in the field,
 * the sum from csum_start on is left to the device). Only those offloads
 * are enabled, so no other gso_type may come; one that does is refused.
 */
#ifndef TETHER_VNET_H
#define TETHER_VNET_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"

#define VNET_HDR_LEN sizeof(struct virtio_net_hdr)

int vnet_rx(const struct virtio_net_hdr *h, uint8_t *pkt, size_t len,
	    size_t *gso);
int vnet_gso_hdr(struct virtio_net_hdr *h, struct pkt *p, size_t gso);

#endif
