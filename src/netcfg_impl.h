/* SPDX-License-Identifier: MIT */
/* netcfg_impl.h - netcfg internals shared by its files (netcfg*.c)
 *
 * Not for the rest of tether: use netcfg.h. A change is made in four
 * steps: netcfg_reserve() room in the list, netcfg_intend() it (written
 * to the state file), make it (nlx_msg() and nlx_talk() on nc->nlx for
 * rtnetlink), and netcfg_forget() it again if that failed.
 */
#ifndef TETHER_NETCFG_IMPL_H
#define TETHER_NETCFG_IMPL_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "netcfg.h"
#include "netcfg_state.h"
#include "nlx.h"

struct netcfg {
	struct netcfg_state_rec *changes;
	size_t n, cap;
	char state[128];		/* the state file, or "" */
	struct nlx nlx;			/* NETLINK_ROUTE */
};

/* netcfg.c */
int netcfg_reserve(struct netcfg *nc);
int netcfg_intend(struct netcfg *nc, const struct netcfg_state_rec *r);
void netcfg_forget(struct netcfg *nc);
void netcfg_report(struct netcfg *nc, int err, const char *fmt, ...)
	LOG_PRINTF(3, 4);

/* netcfg_query.c */
struct netcfg_link {
	int ifindex;
	unsigned flags;
	unsigned mtu;
	char name[IF_NAMESIZE];
};

int netcfg_get_link(struct netcfg *nc, int ifindex, const char *name,
		    struct netcfg_link *li);

/* netcfg_rule.c */
int netcfg_rule_undo(struct netcfg *nc, const struct netcfg_rule *rule);
int netcfg_sysctl_undo(struct netcfg *nc, const char *key, unsigned value);

#endif
