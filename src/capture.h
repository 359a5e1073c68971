/* SPDX-License-Identifier: MIT */
/* capture.h - picking the NAT's replies off the egress interface (libpcap)
 *
 * The capture filter is derived from the NAT's external address and port
 * range: TCP and UDP to a port in the range, ICMP (echo replies and errors
 * are matched by the NAT itself), and non-first fragments, all to the
 * external address. The handler gets IP packets (link headers stripped).
 */
#ifndef TETHER_CAPTURE_H
#define TETHER_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "ev.h"

struct capture;

typedef void (*capture_cb)(uint8_t *pkt, size_t len, void *arg);

struct capture_params {
	const char *ifname;
	uint32_t ext_addr;		/* network order */
	uint16_t port_lo, port_hi;
	size_t ring_bytes;		/* at least 1 MiB; see capture_open() */
};

struct capture_stats {
	uint64_t received, dropped_kernel, dropped_iface, not_ip;
};

struct capture *capture_open(struct ev_loop *l, const struct capture_params *p,
			     capture_cb cb, void *arg);
void capture_stats(struct capture *c, struct capture_stats *st);
void capture_close(struct capture *c);

#endif
