/* SPDX-License-Identifier: MIT */
/* rawsock.h - sending NATed IPv4 packets as they are (IP_HDRINCL) */
#ifndef TETHER_RAWSOCK_H
#define TETHER_RAWSOCK_H

#include <stddef.h>
#include <stdint.h>

struct rawsock;

struct rawsock *rawsock_open(const char *ifname, int fwmark);
int rawsock_send(struct rawsock *r, const uint8_t *pkt, size_t len);
int rawsock_mtu(struct rawsock *r, uint32_t daddr);
void rawsock_close(struct rawsock *r);

#endif
