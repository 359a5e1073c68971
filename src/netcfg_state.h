/* SPDX-License-Identifier: MIT */
/* netcfg_state.h - the state file of netcfg's changes, for crash recovery
 *
 * One line per change, oldest first, written before the change is made:
 *
 *	addr add IFNAME PREFIX		delete the address again
 *	route add IFNAME PREFIX TABLE	delete the route again
 *	link IFNAME mtu OLD up 0|1	restore MTU (0: unchanged), up
 *	rule add inet|inet6 PRIO ACTION MARK SUPPRESS
 *					delete the rule again: ACTION is a
 *					table or "prohibit", MARK "!M" (not
 *					fwmark M) or "-", SUPPRESS a
 *					suppress_prefixlength or "-"
 *	sysctl KEY OLD			write OLD back: net.ipv4.conf.all...
 *	dns resolved IFNAME		resolvectl revert IFNAME
 *	dns resolvconf RECORD		resolvconf -d RECORD
 *	dns file SAVED|-		put /etc/resolv.conf back from SAVED
 *					(or remove it: there was none)
 *
 * and "pid N", "netns N" and "#" comments for whoever reads the file.
 * Interfaces go by name: indexes do not outlive a run.
 */
#ifndef TETHER_NETCFG_STATE_H
#define TETHER_NETCFG_STATE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "netcfg.h"

enum netcfg_state_kind {
	NETCFG_STATE_LINK,
	NETCFG_STATE_ADDR,
	NETCFG_STATE_ROUTE,
	NETCFG_STATE_RULE,
	NETCFG_STATE_SYSCTL,
	NETCFG_STATE_DNS, /* netcfg_dns.c */
};

#define NETCFG_SYSCTL_LEN 64 /* longest sysctl key, with its NUL */
#define NETCFG_DNS_LEN	  64 /* longest dns name or path, with its NUL */

/* One change and how to undo it */
struct netcfg_state_rec {
	enum netcfg_state_kind kind;
	char ifname[IF_NAMESIZE];
	int ifindex;	 /* 0: look @ifname up (not in the file) */
	struct prefix p; /* address, or route destination */
	uint32_t table;	 /* route */
	unsigned mtu;	 /* link: MTU before, or 0 */
	bool was_up;	 /* link: IFF_UP before */
	struct netcfg_rule rule;     /* rule */
	char key[NETCFG_SYSCTL_LEN]; /* sysctl: net.ipv4.conf.all.x */
	unsigned value;		     /* sysctl: the value before */
	int dns_method;		     /* dns: enum resolv_method */
	char dns[NETCFG_DNS_LEN];    /* dns: interface, record, saved copy
				      * ("": there was no file) */
};

/* A state file as read back */
struct netcfg_state_file {
	long pid;		       /* who wrote it, 0 if not said */
	struct netcfg_state_rec *recs; /* oldest first */
	size_t n;
	size_t bad; /* malformed lines, skipped */
};

int netcfg_state_parse_line(const char *line, struct netcfg_state_rec *r,
			    long *pid, char *why, size_t len);
int netcfg_state_format(const struct netcfg_state_rec *r, char *buf,
			size_t len);
int netcfg_state_write(const char *path, const struct netcfg_state_rec *recs,
		       size_t n);
int netcfg_state_read(const char *path, struct netcfg_state_file *sf);
bool netcfg_state_writer_runs(const struct netcfg_state_file *sf);
void netcfg_state_describe(const struct netcfg_state_file *sf, char *what,
			   size_t len);

#endif
