/* SPDX-License-Identifier: MIT */
/* netcfg.h - addresses, routes, rules, link state and sysctls, and undoing them
 *
 * Every change made through a struct netcfg is remembered, and
 * netcfg_undo() reverts them in reverse order: what tether adds to a host
 * it removes again. With a state file (netcfg_set_state()) each change is
 * written down before it is made, so netcfg_cleanup() can undo what a run
 * that crashed left behind.
 */
#ifndef TETHER_NETCFG_H
#define TETHER_NETCFG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct netcfg;

/* A policy routing rule, as `ip rule` shows it */
struct netcfg_rule {
	int family; /* AF_INET or AF_INET6 */
	uint32_t priority;
	uint32_t table;	     /* lookup table; 0: action prohibit */
	uint32_t not_fwmark; /* match packets without this mark; 0: all */
	int suppress;	     /* suppress_prefixlength; -1: none */
};

struct netcfg *netcfg_open(void);
int netcfg_ifindex(struct netcfg *nc, const char *ifname);
int netcfg_link_up(struct netcfg *nc, int ifindex, unsigned mtu);
int netcfg_link_gso_max(struct netcfg *nc, int ifindex, unsigned bytes);
int netcfg_addr_add(struct netcfg *nc, int ifindex, const struct prefix *p);
int netcfg_route_add(struct netcfg *nc, int ifindex, const struct prefix *dst,
		     uint32_t table);
int netcfg_rule_add(struct netcfg *nc, const struct netcfg_rule *rule);
int netcfg_sysctl_set(struct netcfg *nc, const char *key, unsigned value);
int netcfg_sysctl_raise(struct netcfg *nc, const char *key, unsigned min);
int netcfg_addr_get(struct netcfg *nc, int ifindex, struct addr *out);
int netcfg_default_ifindex(struct netcfg *nc);
int netcfg_undo(struct netcfg *nc);
int netcfg_set_state(struct netcfg *nc, const char *path);
int netcfg_cleanup(struct netcfg *nc, char *what, size_t len);
void netcfg_close(struct netcfg *nc);

#endif
