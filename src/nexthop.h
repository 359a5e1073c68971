/* SPDX-License-Identifier: MIT */
/* nexthop.h - the link-layer address a packet to a destination goes to,
 * as the kernel routes it out of one interface, cached for a moment */
#ifndef TETHER_NEXTHOP_H
#define TETHER_NEXTHOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NEXTHOP_ALEN	 6    /* an Ethernet address */
#define NEXTHOP_SLOTS	 256  /* destinations cached at once */
#define NEXTHOP_OK_MS	 1000 /* how long an answer is used */
#define NEXTHOP_RETRY_MS 100  /* how long a "not now" is kept */

struct nexthop;

struct nexthop *nexthop_open(int ifindex, bool lladdr);
int nexthop_get(struct nexthop *h, uint32_t daddr, uint64_t now_ms,
		uint8_t lladdr[NEXTHOP_ALEN]);
uint64_t nexthop_lookups(const struct nexthop *h);
void nexthop_close(struct nexthop *h);

#endif
