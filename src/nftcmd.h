/* SPDX-License-Identifier: MIT */
/* nftcmd.h - running nftables commands through libnftables
 *
 * tether's nftables tables (hostguard.c, knat_nft.c) are made and removed
 * with the nft(8) command language, one transaction per call, with
 * output and errors buffered so they can be logged in tether's own words.
 */
#ifndef TETHER_NFTCMD_H
#define TETHER_NFTCMD_H

struct nft_ctx;

struct nft_ctx *nftcmd_open(const char *who);
int nftcmd_run(struct nft_ctx *nft, const char *who, const char *what,
	       const char *cmd, const char **out);
int nftcmd_table_exists(struct nft_ctx *nft, const char *who,
			const char *table);

#endif
