/* SPDX-License-Identifier: MIT */
/* tun.h - a TUN device: open, read and write IP packets */
#ifndef TETHER_TUN_H
#define TETHER_TUN_H

#include <stddef.h>
#include <sys/types.h>

struct tun;

struct tun *tun_open(const char *name);
int tun_fd(const struct tun *t);
const char *tun_name(const struct tun *t);
int tun_ifindex(const struct tun *t);
ssize_t tun_read(struct tun *t, void *buf, size_t cap);
ssize_t tun_write(struct tun *t, const void *pkt, size_t len);
void tun_close(struct tun *t);

#endif
