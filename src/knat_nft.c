/* SPDX-License-Identifier: MIT */
/* knat_nft.c - kernel-NAT mode's nftables table "ip tether_knat"
 *
 * Theory of operation. The server writes its clients' packets, from their
 * pool addresses, into its TUN device; the kernel forwards them and this
 * table decides what becomes of them:
 *
 *  - postrouting (srcnat): from the pool out of the egress interface,
 *    source NAT to the egress address; TCP and UDP onto a port of
 *    nat.port_range, anything else keeps its port or echo id where it can.
 *    Conntrack picks a free port per flow (endpoint-dependent mapping) and
 *    lets in only replies of that flow (address- and port-dependent
 *    filtering); the replies are translated back and routed into the TUN.
 *  - forward (filter): from the TUN only out of the egress interface, only
 *    TCP, UDP and ICMP (what the userspace NAT carries too) and nothing
 *    conntrack calls invalid (it would leave unNATed, from a pool
 *    address); into the TUN only replies and related ICMP errors, so a
 *    host that routes pool addresses to us reaches no client. Then the
 *    mapping quota: each session's pool address is in the set of its quota
 *    ("q1024"), and a new flow past the quota is rejected with ICMP
 *    administratively prohibited, as the userspace NAT refuses it; the
 *    count is conntrack's (ct count), so it counts flows, not mappings.
 *  - input (filter): nothing from the TUN reaches the server itself.
 *
 * The table is made in one transaction with "create", which fails if it
 * exists; the caller removes a leftover of a crashed run first. A quota
 * value that a reload brings gets its sets and rule in a transaction of
 * their own (knat_nft_quota()); sets of quotas no client has any more
 * stay, empty, until the table goes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "knat_nft.h"
#include "log.h"
#include "nftcmd.h"

#define WHO "knat"
#define T   KNAT_TABLE

static void quota_rule(FILE *f, const char *tun, uint32_t q)
{
	fprintf(f,
		"add set " T " q%u { type ipv4_addr; }\n"
		"add set " T " n%u { type ipv4_addr; size 65536; "
		"flags dynamic; }\n"
		"add rule " T " forward iifname \"%s\" ct state new "
		"ip saddr @q%u add @n%u { ip saddr ct count over %u } "
		"reject with icmp type admin-prohibited "
		"comment \"flow quota %u\"\n",
		q, q, tun, q, q, q, q);
}

/* The whole table as nft(8) commands; NULL if out of memory */
static char *table_cmds(const struct knat_nft_params *p)
{
	char pool[ADDR_STRLEN], ext[INET_ADDRSTRLEN];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	prefix_format(&p->pool, pool, sizeof(pool));
	inet_ntop(AF_INET, &p->ext_addr, ext, sizeof(ext));
	fprintf(f,
		"create table " T "\n"
		"add chain " T " postrouting { type nat hook postrouting "
		"priority srcnat; policy accept; }\n"
		"add rule " T " postrouting ip saddr %s oifname \"%s\" "
		"meta l4proto { tcp, udp } snat to %s:%u-%u\n"
		"add rule " T " postrouting ip saddr %s oifname \"%s\" "
		"snat to %s\n",
		pool, p->egress, ext, p->port_lo, p->port_hi, pool, p->egress,
		ext);
	fprintf(f,
		"add chain " T " forward { type filter hook forward "
		"priority filter; policy accept; }\n"
		"add rule " T " forward iifname \"%s\" oifname != \"%s\" drop\n"
		"add rule " T " forward iifname \"%s\" ip saddr != %s drop\n"
		"add rule " T " forward iifname \"%s\" "
		"meta l4proto != { tcp, udp, icmp } drop\n"
		"add rule " T " forward iifname \"%s\" ct state invalid drop\n"
		"add rule " T " forward oifname \"%s\" "
		"ct state != { established, related } drop\n",
		p->tun, p->egress, p->tun, pool, p->tun, p->tun, p->tun);
	for (size_t i = 0; i < p->nquotas; i++)
		quota_rule(f, p->tun, p->quotas[i]);
	fprintf(f,
		"add chain " T " input { type filter hook input "
		"priority filter; policy accept; }\n"
		"add rule " T " input iifname \"%s\" drop\n",
		p->tun);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/**
 * knat_nft_create() - make the table
 * @nft:	libnftables context
 * @p:		its parts
 *
 * Return: 0, or -1 (logged); nothing is left of a failed transaction
 */
int knat_nft_create(struct nft_ctx *nft, const struct knat_nft_params *p)
{
	char *cmds = table_cmds(p);
	int ret;

	if (!cmds) {
		log_error(WHO ": out of memory");
		return -1;
	}
	ret = nftcmd_run(nft, WHO, "creating table " T, cmds, NULL);
	free(cmds);
	return ret;
}

/**
 * knat_nft_delete() - delete the table if it exists
 * @nft:	libnftables context
 *
 * Return: 1 if it was deleted, 0 if there was none, -1 on failure (logged)
 */
int knat_nft_delete(struct nft_ctx *nft)
{
	int exists = nftcmd_table_exists(nft, WHO, T);

	if (exists <= 0)
		return exists;
	if (nftcmd_run(nft, WHO, "deleting table " T, "delete table " T, NULL))
		return -1;
	return 1;
}

/**
 * knat_nft_quota() - add a flow quota's sets and rule to the table
 * @nft:	libnftables context
 * @tun:	the server's TUN device
 * @quota:	a quota the table has no set for yet
 *
 * Return: 0, or -1 (logged)
 */
int knat_nft_quota(struct nft_ctx *nft, const char *tun, uint32_t quota)
{
	char *buf = NULL, what[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret;

	if (f)
		quota_rule(f, tun, quota);
	if (!f || fclose(f)) {
		free(buf);
		log_error(WHO ": out of memory");
		return -1;
	}
	snprintf(what, sizeof(what), "adding flow quota %u", quota);
	ret = nftcmd_run(nft, WHO, what, buf, NULL);
	free(buf);
	return ret;
}

/**
 * knat_nft_member() - put an address into its quota's set, or take it out
 * @nft:	libnftables context
 * @quota:	the quota, one of those the table was made with
 * @addr:	a pool address, network order
 * @add:	1 to add, 0 to delete
 *
 * Return: 0, or -1 (logged)
 */
int knat_nft_member(struct nft_ctx *nft, uint32_t quota, uint32_t addr, int add)
{
	char a[INET_ADDRSTRLEN], cmd[128];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(cmd, sizeof(cmd), "%s element " T " q%u { %s }",
		 add ? "add" : "delete", quota, a);
	return nftcmd_run(nft, WHO, cmd, cmd, NULL);
}
