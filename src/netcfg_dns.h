/* SPDX-License-Identifier: MIT */
/* netcfg_dns.h - the laptop's resolver as a netcfg change, undone like the rest
 *
 * netcfg_dns_set() points the resolver at the tunnel's DNS server (and
 * routes that server into the TUN), recorded in the netcfg change list and
 * state file before anything changes, so netcfg_undo() and
 * netcfg_cleanup() put the previous resolver back. The rest is for
 * netcfg.c and netcfg_state.c: undoing, and the "dns" lines of the state
 * file.
 */
#ifndef TETHER_NETCFG_DNS_H
#define TETHER_NETCFG_DNS_H

#include <netinet/in.h>
#include <stddef.h>

#include "netcfg.h"
#include "netcfg_state.h"
#include "resolv.h"

int netcfg_dns_set(struct netcfg *nc, int ifindex, struct in_addr server,
		   enum resolv_method how, char *what, size_t len);

int netcfg_dns_undo(const struct netcfg_state_rec *r);
int netcfg_dns_parse(char **t, int n, struct netcfg_state_rec *r, char *why,
		     size_t len);
int netcfg_dns_format(const struct netcfg_state_rec *r, char *buf, size_t len);

#endif
