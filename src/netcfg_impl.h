/* SPDX-License-Identifier: MIT */
/* netcfg_impl.h - netcfg internals shared by netcfg.c and netcfg_rule.c
 *
 * Not for the rest of tether: use netcfg.h. A change is made in four
 * steps: netcfg_reserve() room in the list, netcfg_intend() it (written
 * to the state file), make it (netcfg_msg() and netcfg_talk() for
 * rtnetlink), and netcfg_forget() it again if that failed.
 */
#ifndef TETHER_NETCFG_IMPL_H
#define TETHER_NETCFG_IMPL_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "log.h"
#include "netcfg.h"
#include "netcfg_state.h"

/* Dumps come in skbs of up to 32 KiB; a smaller buffer truncates them */
#define NC_BUFSIZE 32768

struct netcfg {
	struct mnl_socket *nl;
	unsigned portid;
	uint32_t seq;
	struct netcfg_state_rec *changes;
	size_t n, cap;
	char state[128];		/* the state file, or "" */
	char ext[128];			/* the last error's extended ack */
	alignas(struct nlmsghdr) uint8_t buf[NC_BUFSIZE];
};

typedef void (*reply_cb)(const struct nlmsghdr *nlh, void *arg);

/* netcfg.c */
struct nlmsghdr *netcfg_msg(struct netcfg *nc, uint16_t type, uint16_t flags);
int netcfg_talk(struct netcfg *nc, reply_cb cb, void *arg);
int netcfg_reserve(struct netcfg *nc);
int netcfg_intend(struct netcfg *nc, const struct netcfg_state_rec *r);
void netcfg_forget(struct netcfg *nc);
void netcfg_report(struct netcfg *nc, int err, const char *fmt, ...)
	LOG_PRINTF(3, 4);

/* netcfg_rule.c */
int netcfg_rule_undo(struct netcfg *nc, const struct netcfg_rule *rule);
int netcfg_sysctl_undo(struct netcfg *nc, const char *key, unsigned value);

#endif
