/* SPDX-License-Identifier: MIT */
/* tun.h - a TUN device: open, read and write IP packets (and TCP GSO ones) */
#ifndef TETHER_TUN_H
#define TETHER_TUN_H

#include <stddef.h>
#include <sys/types.h>

#include "pkt.h"

/* tun_open_flags(): a virtio_net_hdr in front of every packet, so that
 * TCP packets longer than the MTU can be written for the kernel to split */
#define TUN_VNET 0x1
/* ... and the kernel hands over a local TCP sender's 64 KiB segments and
 * partial checksums too (TSO): read them with tun_read_gso() */
#define TUN_OFFLOAD 0x2

struct tun;

struct tun *tun_open(const char *name);
struct tun *tun_open_flags(const char *name, unsigned int flags);
int tun_fd(const struct tun *t);
const char *tun_name(const struct tun *t);
int tun_ifindex(const struct tun *t);
ssize_t tun_read(struct tun *t, void *buf, size_t cap);
ssize_t tun_read_gso(struct tun *t, void *buf, size_t cap, size_t *gso);
ssize_t tun_write(struct tun *t, const void *pkt, size_t len);
ssize_t tun_write_gso(struct tun *t, struct pkt *p, size_t gso);
void tun_close(struct tun *t);

#endif
