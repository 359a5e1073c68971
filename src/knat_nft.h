/* SPDX-License-Identifier: MIT */
/* knat_nft.h - kernel-NAT mode's nftables table "ip tether_knat" */
#ifndef TETHER_KNAT_NFT_H
#define TETHER_KNAT_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define KNAT_TABLE "ip tether_knat"

struct nft_ctx;

/**
 * struct knat_nft_params - what the table is made of
 * @tun:	the server's TUN device, where clients' packets come in
 * @egress:	the interface they may leave by
 * @pool:	the pool prefix: the only sources allowed out
 * @ext_addr:	the address they are NATed to, network order
 * @port_lo:	first TCP/UDP port of the NAT's range
 * @port_hi:	last port
 * @quotas:	the distinct flow quotas of the sessions, each with a set
 * @nquotas:	how many
 */
struct knat_nft_params {
	const char *tun;
	const char *egress;
	struct prefix pool;
	uint32_t ext_addr;
	uint16_t port_lo, port_hi;
	const uint32_t *quotas;
	size_t nquotas;
};

int knat_nft_create(struct nft_ctx *nft, const struct knat_nft_params *p);
int knat_nft_delete(struct nft_ctx *nft);
int knat_nft_quota(struct nft_ctx *nft, const char *tun, uint32_t quota);
int knat_nft_member(struct nft_ctx *nft, uint32_t quota, uint32_t addr,
		    int add);

#endif
