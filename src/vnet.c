/* SPDX-License-Identifier: MIT */
/* vnet.c - reading and building the virtio_net_hdr of an offloading TUN
 *
 * Reading: a plain packet with a partial checksum gets it completed here,
 * as the device would have; a TCP GSO packet is reported with its segment
 * size and left as it is, for the tunnel to carry whole or split (the
 * splitter computes every segment's checksum). Writing: a TCP packet
 * longer than one segment goes to the kernel with a header that asks it
 * to segment it at gso bytes of payload and to compute the checksums.
 */
#include <string.h>

#include "csum.h"
#include "vnet.h"

#define TCP_CSUM_OFF 16
#define TCP_FLAGS    13
#define TCP_CWR	     0x80

/**
 * vnet_rx() - make sense of a packet read from an offloading TUN
 * @h:		the header read in front of it
 * @pkt:	the packet, IP header first
 * @len:	its length
 * @gso:	receives the segment size (payload bytes) of a TCP GSO
 *		packet, 0 for a plain packet
 *
 * Return: 0, the packet ready to send on (a plain one with its checksum
 * complete); -1 if the header does not fit the packet: checksum offsets
 * past its end, a gso_type that was never enabled, a segment size of 0
 */
int vnet_rx(const struct virtio_net_hdr *h, uint8_t *pkt, size_t len,
	    size_t *gso)
{
	size_t start = h->csum_start, field = start + h->csum_offset;
	uint16_t sum;

	*gso = 0;
	if ((h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) ==
	    VIRTIO_NET_HDR_GSO_TCPV4) {
		*gso = h->gso_size;
		return h->gso_size ? 0 : -1;
	}
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return -1;
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start >= len || h->csum_offset & 1 || field + 2 > len)
		return -1;
	/* the field holds the pseudo-header sum: sum over it, as is */
	sum = csum_fold(csum_partial(pkt + start, len - start, 0));
	if (!sum) /* as the kernel stores it (CSUM_MANGLED_0): UDP's 0 */
		sum = 0xffff;
	memcpy(pkt + field, &sum, sizeof(sum));
	return 0;
}

/**
 * vnet_gso_hdr() - the header that has the kernel segment a TCP packet
 * @h:		filled in
 * @p:		a parsed TCP packet (not a fragment) with more than @gso
 *		bytes of payload; its TCP checksum is set to the partial
 *		(pseudo-header) sum the kernel completes per segment
 * @gso:	payload bytes per segment, 1..65535
 *
 * Return: 0, or -1 (nothing changed) if @p is not such a packet
 */
int vnet_gso_hdr(struct virtio_net_hdr *h, struct pkt *p, size_t gso)
{
	size_t hlen = (size_t)p->l4off + p->l4hlen;
	uint8_t *tcp = p->data + p->l4off;
	uint16_t sum;

	if (p->proto != PKT_PROTO_TCP || !(p->flags & PKT_F_L4) ||
	    (p->flags & PKT_F_FRAG) || !gso || gso > UINT16_MAX ||
	    p->len - hlen <= gso)
		return -1;
	memset(h, 0, sizeof(*h));
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	if (tcp[TCP_FLAGS] & TCP_CWR)
		h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	h->hdr_len = (uint16_t)hlen;
	h->gso_size = (uint16_t)gso;
	h->csum_start = p->l4off;
	h->csum_offset = TCP_CSUM_OFF;
	/* ~ of the folded pseudo-header sum is the sum itself, folded */
	sum = (uint16_t)~csum_fold(csum_pseudo(p->saddr, p->daddr,
					       PKT_PROTO_TCP,
					       (uint16_t)(p->len - p->l4off)));
	memcpy(tcp + TCP_CSUM_OFF, &sum, sizeof(sum));
	return 0;
}
