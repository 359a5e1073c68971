/* SPDX-License-Identifier: MIT */
/* egress_gso.h - NATed TCP packets of many segments out of the egress
 * interface whole, for the kernel or the NIC to segment */
#ifndef TETHER_EGRESS_GSO_H
#define TETHER_EGRESS_GSO_H

#include <stddef.h>
#include <stdint.h>

struct egress_gso;

struct egress_gso *egress_gso_open(const char *ifname);
int egress_gso_send(struct egress_gso *g, uint8_t *pkt, size_t len, size_t gso,
		    uint64_t now_ms);
uint64_t egress_gso_lookups(const struct egress_gso *g);
void egress_gso_close(struct egress_gso *g);

#endif
