/* SPDX-License-Identifier: MIT */
/* knat_pool.h - kernel-NAT mode's addresses: one pool address per session
 *
 * In kernel-NAT mode the server hands its clients' packets to its own
 * kernel, which tells flows apart by address: clients that share an inner
 * address (the default) would collide there. So each session is given an
 * address of its own from a pool while it lives, and packets are moved
 * between the client's inner address and that pool address on their way
 * into and out of the server's TUN device. Nothing here does I/O.
 */
#ifndef TETHER_KNAT_POOL_H
#define TETHER_KNAT_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "pkt.h"

#define KNAT_POOL_MAX 65536 /* addresses used of a larger pool */

struct knat_pool;

struct knat_pool *knat_pool_new(const struct prefix *pool, uint32_t nsessions,
				const char **why);
uint32_t knat_pool_size(const struct knat_pool *p);
uint32_t knat_pool_used(const struct knat_pool *p);
uint32_t knat_pool_addr(const struct knat_pool *p, uint32_t session);
uint32_t knat_pool_take(struct knat_pool *p, uint32_t session);
uint32_t knat_pool_release(struct knat_pool *p, uint32_t session);
uint32_t knat_pool_forget(struct knat_pool *p, uint32_t session);
int knat_pool_grow(struct knat_pool *p, uint32_t nsessions);
int knat_pool_owner(const struct knat_pool *p, uint32_t addr,
		    uint32_t *session);
void knat_pool_free(struct knat_pool *p);

void knat_xlate_out(struct pkt *p, uint32_t pool_addr);
void knat_xlate_in(struct pkt *p, uint32_t inner_addr);

#endif
