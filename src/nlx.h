/* SPDX-License-Identifier: MIT */
/* nlx.h - one netlink request and its replies, synchronously (libmnl)
 *
 * For any netlink bus (NETLINK_ROUTE for netcfg, NETLINK_NETFILTER for
 * conntrack, ...): build a request in x->buf with nlx_msg(), add its
 * extra header and attributes with libmnl, then nlx_talk() sends it and
 * reads until its ack or, for a dump, NLMSG_DONE.
 */
#ifndef TETHER_NLX_H
#define TETHER_NLX_H

#include <stdalign.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* Dumps come in skbs of up to 32 KiB; a smaller buffer truncates them */
#define NLX_BUFSIZE 32768

struct nlx {
	struct mnl_socket *nl;
	unsigned portid;
	uint32_t seq;
	char ext[128];			/* the last error's extended ack */
	alignas(struct nlmsghdr) uint8_t buf[NLX_BUFSIZE];
};

typedef void (*nlx_reply_cb)(const struct nlmsghdr *nlh, void *arg);

int nlx_open(struct nlx *x, int bus);
void nlx_close(struct nlx *x);
struct nlmsghdr *nlx_msg(struct nlx *x, uint16_t type, uint16_t flags);
int nlx_talk(struct nlx *x, nlx_reply_cb cb, void *arg);

#endif
