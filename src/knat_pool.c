/* SPDX-License-Identifier: MIT */
/* knat_pool.c - kernel-NAT mode's addresses: one pool address per session
 *
 * Theory of operation. The pool's usable addresses (all but the network
 * and broadcast address of a prefix up to /30, at most KNAT_POOL_MAX of
 * them) are numbered from 0. A session takes an address when it first
 * sends and gives it back when it ends. The kernel may still track flows
 * of a session that ended (until their conntrack timeouts, also across a
 * restart of the server), and their replies go to whoever holds the
 * address next, so session N takes address N whenever that is free: a
 * client keeps its address, and with a pool as large as the client list
 * no address ever passes to another client. Sessions beyond the pool's
 * size take the free address given back longest ago: free addresses wait
 * in a FIFO list (doubly linked, so one can leave from the middle).
 * Lookups both ways are array indexing: session to address for packets
 * going out, address to session for packets coming back. The address a
 * session held last is remembered after it ends, so that when its client
 * is removed (a reload) the flows the kernel still tracks for it can be
 * deleted before the address passes on; a reload that adds clients grows
 * the per-session arrays (knat_pool_grow()).
 *
 * The rewrites change the client's inner address to its pool address in
 * the source of outbound packets (and in the destination of the packet an
 * outbound ICMP error quotes), and back in the destination of inbound
 * packets (and the source of the quoted packet of an inbound ICMP error).
 * Ports and echo ids stay: the kernel's NAT picks the external ones. The
 * pkt.h rewrites keep every checksum right incrementally.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "knat_pool.h"

struct knat_pool {
	uint32_t first; /* first usable address, host order */
	uint32_t size;	/* usable addresses */
	uint32_t nsessions;
	uint32_t *addr_of; /* session -> address index + 1, 0: none */
	uint32_t *last;	   /* session -> index + 1 of the last one held */
	uint32_t *owner;   /* address index -> session + 1, 0: free */
	uint32_t *next;	   /* free list, oldest first; @size ends it */
	uint32_t *prev;
	uint32_t head, tail, nfree;
};

static void list_remove(struct knat_pool *p, uint32_t i)
{
	if (p->prev[i] == p->size)
		p->head = p->next[i];
	else
		p->next[p->prev[i]] = p->next[i];
	if (p->next[i] == p->size)
		p->tail = p->prev[i];
	else
		p->prev[p->next[i]] = p->prev[i];
	p->nfree--;
}

static void list_append(struct knat_pool *p, uint32_t i)
{
	p->next[i] = p->size;
	p->prev[i] = p->tail;
	if (p->tail == p->size)
		p->head = i;
	else
		p->next[p->tail] = i;
	p->tail = i;
	p->nfree++;
}

/**
 * knat_pool_new() - a pool of addresses for sessions 0..@nsessions-1
 * @pool:	an IPv4 prefix
 * @nsessions:	how many sessions there can be
 * @why:	set when NULL is returned for a bad prefix
 *
 * Return: the pool, or NULL (@why set, or out of memory and @why NULL)
 */
struct knat_pool *knat_pool_new(const struct prefix *pool, uint32_t nsessions,
				const char **why)
{
	struct knat_pool *p;
	uint64_t span;

	*why = NULL;
	if (pool->addr.family != AF_INET) {
		*why = "is not an IPv4 prefix";
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	span = 1ull << (32 - pool->len);
	p->first = ntohl(pool->addr.v4.s_addr);
	if (span >= 4) { /* not the network and broadcast addresses */
		p->first++;
		span -= 2;
	}
	p->size = span > KNAT_POOL_MAX ? KNAT_POOL_MAX : (uint32_t)span;
	p->nsessions = nsessions;
	p->addr_of = calloc(nsessions ? nsessions : 1, sizeof(*p->addr_of));
	p->last = calloc(nsessions ? nsessions : 1, sizeof(*p->last));
	p->owner = calloc(p->size, sizeof(*p->owner));
	p->next = calloc(p->size, sizeof(*p->next));
	p->prev = calloc(p->size, sizeof(*p->prev));
	if (!p->addr_of || !p->last || !p->owner || !p->next || !p->prev) {
		knat_pool_free(p);
		return NULL;
	}
	p->head = p->tail = p->size;
	for (uint32_t i = 0; i < p->size; i++)
		list_append(p, i);
	return p;
}

/* Return: how many addresses the pool hands out */
uint32_t knat_pool_size(const struct knat_pool *p)
{
	return p->size;
}

/* Return: how many addresses sessions hold now */
uint32_t knat_pool_used(const struct knat_pool *p)
{
	return p->size - p->nfree;
}

static uint32_t addr_at(const struct knat_pool *p, uint32_t index)
{
	return htonl(p->first + index);
}

/* Return: @session's address (network order), 0 if it holds none */
uint32_t knat_pool_addr(const struct knat_pool *p, uint32_t session)
{
	if (session >= p->nsessions || !p->addr_of[session])
		return 0;
	return addr_at(p, p->addr_of[session] - 1);
}

/**
 * knat_pool_take() - @session's address, taking one if it has none
 * @p:		the pool
 * @session:	the session
 *
 * A session takes the address of its own number if that is free, else
 * the one given back longest ago.
 *
 * Return: the address, network order; 0 if the pool is used up (or
 * @session is out of range)
 */
uint32_t knat_pool_take(struct knat_pool *p, uint32_t session)
{
	uint32_t index;

	if (session >= p->nsessions)
		return 0;
	if (p->addr_of[session])
		return knat_pool_addr(p, session);
	if (!p->nfree)
		return 0;
	index = session < p->size && !p->owner[session] ? session : p->head;
	list_remove(p, index);
	p->owner[index] = session + 1;
	p->addr_of[session] = p->last[session] = index + 1;
	return addr_at(p, index);
}

/**
 * knat_pool_release() - @session gives its address back
 * @p:		the pool
 * @session:	the session
 *
 * The address goes to the end of the free list: to a session other than
 * its own it is handed out after every other free address.
 *
 * Return: the address it held (network order), 0 if none
 */
uint32_t knat_pool_release(struct knat_pool *p, uint32_t session)
{
	uint32_t index;

	if (session >= p->nsessions || !p->addr_of[session])
		return 0;
	index = p->addr_of[session] - 1;
	p->addr_of[session] = 0;
	p->owner[index] = 0;
	list_append(p, index);
	return addr_at(p, index);
}

/**
 * knat_pool_forget() - a session that will not come back (its client was
 * removed): its address is given back, and the one whose flows are its
 * @p:		the pool
 * @session:	the session
 *
 * The address it held last, now or before it ended, carries the kernel's
 * flows of its client until they are deleted, unless another session
 * holds it by now (whose flows they then are too).
 *
 * Return: that address (network order), 0 if none
 */
uint32_t knat_pool_forget(struct knat_pool *p, uint32_t session)
{
	uint32_t index;

	if (session >= p->nsessions || !p->last[session])
		return 0;
	knat_pool_release(p, session);
	index = p->last[session] - 1;
	p->last[session] = 0;
	return p->owner[index] ? 0 : addr_at(p, index);
}

/* Grow @a from @n to @want zeroed entries. Return: 0, or -1 */
static int grow_array(uint32_t **a, uint32_t n, uint32_t want)
{
	uint32_t *v = realloc(*a, want * sizeof(*v));

	if (!v)
		return -1;
	memset(v + n, 0, (want - n) * sizeof(*v));
	*a = v;
	return 0;
}

/**
 * knat_pool_grow() - room for sessions 0..@nsessions-1 (a reload added
 * clients)
 * @p:		the pool
 * @nsessions:	how many sessions there can be now; fewer changes nothing
 *
 * Return: 0, or -1 if out of memory (the pool is unchanged)
 */
int knat_pool_grow(struct knat_pool *p, uint32_t nsessions)
{
	if (nsessions <= p->nsessions)
		return 0;
	if (grow_array(&p->addr_of, p->nsessions, nsessions) ||
	    grow_array(&p->last, p->nsessions, nsessions))
		return -1;
	p->nsessions = nsessions;
	return 0;
}

/**
 * knat_pool_owner() - the session holding an address
 * @p:		the pool
 * @addr:	the address, network order
 * @session:	set to the session if there is one
 *
 * Return: 0 if a session holds @addr, -1 if none does (or it is not a
 * usable address of the pool)
 */
int knat_pool_owner(const struct knat_pool *p, uint32_t addr, uint32_t *session)
{
	uint32_t index = ntohl(addr) - p->first;

	if (index >= p->size || !p->owner[index])
		return -1;
	*session = p->owner[index] - 1;
	return 0;
}

void knat_pool_free(struct knat_pool *p)
{
	if (!p)
		return;
	free(p->addr_of);
	free(p->last);
	free(p->owner);
	free(p->next);
	free(p->prev);
	free(p);
}

/**
 * knat_xlate_out() - a client's packet from its inner to its pool address
 * @p:		a parsed packet from the client (source: its inner address)
 * @pool_addr:	the session's pool address, network order
 *
 * An ICMP error the client sends quotes a packet it received, addressed
 * to its inner address: that destination is rewritten too, so the
 * kernel's NAT finds the flow it is about.
 */
void knat_xlate_out(struct pkt *p, uint32_t pool_addr)
{
	uint32_t inner = p->saddr;

	pkt_set_src(p, pool_addr, p->sport);
	if (p->flags & PKT_F_ICMP_ERR && p->inner.daddr == inner)
		pkt_set_inner_dst(p, pool_addr, p->inner.dport);
}

/**
 * knat_xlate_in() - a packet from the kernel to a pool address, for its
 * client: the destination becomes the client's inner address
 * @p:		a parsed packet read from the TUN device
 * @inner_addr:	the client's inner address, network order
 *
 * An ICMP error quotes a packet the client sent, from its pool address:
 * that source is rewritten too.
 */
void knat_xlate_in(struct pkt *p, uint32_t inner_addr)
{
	uint32_t pool_addr = p->daddr;

	pkt_set_dst(p, inner_addr, p->dport);
	if (p->flags & PKT_F_ICMP_ERR && p->inner.saddr == pool_addr)
		pkt_set_inner_src(p, inner_addr, p->inner.sport);
}
