/* SPDX-License-Identifier: MIT */
/* hostguard.h - keeping the server's own kernel out of the NAT's port range
 *
 * The userspace NAT sends with a raw socket and reads replies with pcap, so
 * the kernel sees those replies too and would answer them with RST or port
 * unreachable. hostguard reserves the range from the kernel's ephemeral
 * ports (net.ipv4.ip_local_reserved_ports) and installs an nftables table
 * of tether's that drops inbound packets to the range on the external
 * address before the local stack sees them. Both are undone by
 * hostguard_remove(); hostguard_cleanup() removes what a crashed run left.
 */
#ifndef TETHER_HOSTGUARD_H
#define TETHER_HOSTGUARD_H

#include <stdint.h>

struct hostguard;

struct hostguard *hostguard_install(uint32_t ext_addr, uint16_t port_lo,
				    uint16_t port_hi);
void hostguard_remove(struct hostguard *g);
void hostguard_forget(struct hostguard *g);
int hostguard_cleanup(void);

#endif
