/* SPDX-License-Identifier: MIT */
/* frag.c - IPv4 fragment tracking for the NAT: IP id remapping, held pieces
 *
 * Theory of operation: one fixed array of entries, each a fragmented
 * datagram seen recently, in one of two kinds.  An outbound entry, keyed by
 * (session, inner source, destination, protocol, IP id), holds the IP id
 * the datagram carries outside; a second hash on (destination, protocol,
 * external id) keeps fresh ids from colliding with one in use.  An inbound
 * entry, keyed by (remote source, protocol, IP id), says whether the first
 * fragment was let in and to which session and inner address.  Entries
 * live frag_timeout from their creation and sit on an age list; when the
 * array is full the oldest goes.  Inbound fragments that precede their
 * first are copied into a FIFO bounded in bytes and packets, oldest pushed
 * out first; when the first arrives they turn "ready" and the NAT takes
 * them with frag_release().  Fragments are rare, so the FIFO is walked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "hash.h"

#define NIL		UINT32_MAX

enum { DIR_FREE, DIR_OUT, DIR_IN };
enum { ST_WAIT, ST_PASS, ST_DENY };

struct frag_ent {
	uint32_t session;	/* out: key; in: where it goes once PASS */
	uint32_t saddr;		/* out: inner source; in: remote */
	uint32_t daddr;		/* out: destination; in: 0 */
	uint32_t inner;		/* in: inner destination once PASS */
	uint16_t id;		/* the datagram's IP id */
	uint16_t ext_id;	/* out: its id outside */
	uint8_t proto;
	uint8_t dir;
	uint8_t state;		/* in: ST_* */
	uint8_t spare;
	uint32_t waiting;	/* in: held packets of this datagram */
	uint32_t hnext;		/* key chain; free list */
	uint32_t inext;		/* out: (daddr, proto, ext_id) chain */
	uint32_t older;		/* age list */
	uint32_t newer;
	uint64_t expire_ms;
};

struct frag_pkt {
	struct frag_pkt *next;	/* FIFO, oldest first */
	uint32_t ent;		/* entry while waiting; NIL once ready */
	uint32_t session;	/* once ready */
	uint32_t inner;
	uint64_t expire_ms;
	size_t len;
	uint8_t data[];
};

struct frag {
	struct frag_params p;
	struct frag_ent *ent;
	uint32_t *khash;
	uint32_t *ihash;
	uint32_t mask;
	uint32_t free;
	uint32_t top;
	uint32_t count;
	uint32_t oldest;
	uint32_t newest;
	uint16_t ctr;
	struct frag_pkt *head;
	struct frag_pkt *tail;
	uint32_t held;
	uint32_t held_bytes;
	struct frag_counts c;
};

static uint32_t *kbucket(struct frag *f, uint8_t dir, uint32_t session,
			 uint32_t saddr, uint32_t daddr, uint8_t proto,
			 uint16_t id)
{
	uint32_t h = hash_mix3(f->p.seed, session ^ daddr, saddr,
			       (uint32_t)id << 16 | (uint32_t)proto << 8 | dir);

	return &f->khash[h & f->mask];
}

static uint32_t *ibucket(struct frag *f, uint32_t daddr, uint8_t proto,
			 uint16_t ext_id)
{
	uint32_t h = hash_mix3(~f->p.seed, daddr, proto, ext_id);

	return &f->ihash[h & f->mask];
}

static uint32_t find(struct frag *f, uint8_t dir, uint32_t session,
		     uint32_t saddr, uint32_t daddr, uint8_t proto,
		     uint16_t id)
{
	uint32_t i = *kbucket(f, dir, session, saddr, daddr, proto, id);

	for (; i != NIL; i = f->ent[i].hnext) {
		const struct frag_ent *e = &f->ent[i];

		if (e->dir == dir && e->saddr == saddr && e->daddr == daddr &&
		    e->id == id && e->proto == proto &&
		    (dir == DIR_IN || e->session == session))
			return i;
	}
	return NIL;
}

static void pkt_unlink(struct frag *f, struct frag_pkt *prev,
		       struct frag_pkt *p)
{
	if (prev)
		prev->next = p->next;
	else
		f->head = p->next;
	if (f->tail == p)
		f->tail = prev;
	if (p->ent != NIL)
		f->ent[p->ent].waiting--;
	f->held--;
	f->held_bytes -= (uint32_t)p->len;
	free(p);
}

/* Drop (and count in @counter) the held packets of entry @i. */
static void drop_waiting(struct frag *f, uint32_t i, uint64_t *counter)
{
	struct frag_pkt *p = f->head, *prev = NULL, *next;

	while (p && f->ent[i].waiting) {
		next = p->next;
		if (p->ent == i) {
			pkt_unlink(f, prev, p);
			(*counter)++;
		} else {
			prev = p;
		}
		p = next;
	}
}

static void ent_free(struct frag *f, uint32_t i, uint64_t *counter)
{
	struct frag_ent *e = &f->ent[i];
	uint32_t *pp;

	if (e->waiting)
		drop_waiting(f, i, counter);
	pp = kbucket(f, e->dir, e->dir == DIR_IN ? 0 : e->session, e->saddr,
		     e->daddr, e->proto, e->id);
	while (*pp != i)
		pp = &f->ent[*pp].hnext;
	*pp = e->hnext;
	if (e->dir == DIR_OUT) {
		pp = ibucket(f, e->daddr, e->proto, e->ext_id);
		while (*pp != i)
			pp = &f->ent[*pp].inext;
		*pp = e->inext;
	}
	if (e->older != NIL)
		f->ent[e->older].newer = e->newer;
	else
		f->oldest = e->newer;
	if (e->newer != NIL)
		f->ent[e->newer].older = e->older;
	else
		f->newest = e->older;
	e->dir = DIR_FREE;
	e->hnext = f->free;
	f->free = i;
	f->count--;
}

static uint32_t ent_new(struct frag *f, uint8_t dir, uint32_t session,
			uint32_t saddr, uint32_t daddr, uint8_t proto,
			uint16_t id, uint64_t now_ms)
{
	uint32_t *b, i;
	struct frag_ent *e;

	if (f->count >= f->p.max)
		ent_free(f, f->oldest, &f->c.evicted);
	if (f->free != NIL) {
		i = f->free;
		f->free = f->ent[i].hnext;
	} else {
		i = f->top++;
	}
	b = kbucket(f, dir, dir == DIR_IN ? 0 : session, saddr, daddr, proto,
		    id);
	e = &f->ent[i];
	*e = (struct frag_ent){
		.session = session,
		.saddr = saddr,
		.daddr = daddr,
		.id = id,
		.proto = proto,
		.dir = dir,
		.hnext = *b,
		.inext = NIL,
		.older = f->newest,
		.newer = NIL,
		.expire_ms = now_ms + f->p.timeout_ms,
	};
	*b = i;
	if (f->newest != NIL)
		f->ent[f->newest].newer = i;
	else
		f->oldest = i;
	f->newest = i;
	f->count++;
	return i;
}

/**
 * frag_new() - make an empty fragment tracker
 * @p:		limits (copied)
 *
 * Return: the tracker, or NULL (out of memory, or @p->max is 0)
 */
struct frag *frag_new(const struct frag_params *p)
{
	struct frag *f;
	uint32_t n = 1;

	if (!p->max || p->max > (1u << 24) || !(f = calloc(1, sizeof(*f))))
		return NULL;
	while (n < 2 * p->max)
		n <<= 1;
	f->p = *p;
	f->mask = n - 1;
	f->ent = calloc(p->max, sizeof(*f->ent));
	f->khash = malloc(n * sizeof(*f->khash));
	f->ihash = malloc(n * sizeof(*f->ihash));
	if (!f->ent || !f->khash || !f->ihash) {
		frag_free(f);
		return NULL;
	}
	memset(f->khash, 0xff, n * sizeof(*f->khash));
	memset(f->ihash, 0xff, n * sizeof(*f->ihash));
	f->free = f->oldest = f->newest = NIL;
	f->ctr = (uint16_t)hash_mix3(p->seed, 1, 2, 3);
	return f;
}

/**
 * frag_free() - free a tracker and every held fragment
 * @f:		the tracker, or NULL
 *
 * Return: nothing
 */
void frag_free(struct frag *f)
{
	struct frag_pkt *p, *next;

	if (!f)
		return;
	for (p = f->head; p; p = next) {
		next = p->next;
		free(p);
	}
	free(f->ihash);
	free(f->khash);
	free(f->ent);
	free(f);
}

/**
 * frag_expire() - forget datagrams and held fragments past their time
 * @f:		the tracker
 * @now_ms:	monotonic milliseconds
 *
 * Return: nothing
 */
void frag_expire(struct frag *f, uint64_t now_ms)
{
	while (f->oldest != NIL && f->ent[f->oldest].expire_ms <= now_ms)
		ent_free(f, f->oldest, &f->c.timeout);
	while (f->head && f->head->expire_ms <= now_ms) {
		f->c.timeout++;
		pkt_unlink(f, NULL, f->head);
	}
}

/**
 * frag_new_id() - an IP id for a datagram leaving under the external address
 * @f:		the tracker
 * @daddr:	its destination, network byte order
 * @proto:	its protocol
 *
 * A counter plus a keyed per-destination offset (RFC 7739 5.3), skipping
 * ids of fragmented datagrams to @daddr still tracked.
 *
 * Return: the id, host byte order
 */
uint16_t frag_new_id(struct frag *f, uint32_t daddr, uint8_t proto)
{
	uint16_t off = (uint16_t)hash_mix3(f->p.seed, daddr, proto, 7), id;
	uint32_t i, tries;

	for (tries = 0; tries <= f->p.max; tries++) {
		id = (uint16_t)(off + f->ctr++);
		for (i = *ibucket(f, daddr, proto, id); i != NIL;
		     i = f->ent[i].inext)
			if (f->ent[i].daddr == daddr &&
			    f->ent[i].proto == proto && f->ent[i].ext_id == id)
				break;
		if (i == NIL)
			break;
	}
	return id;
}

/**
 * frag_out_id() - the external IP id for a fragment of a client's datagram
 * @f:		the tracker
 * @session:	the client session
 * @saddr:	the datagram's (inner) source, network byte order
 * @daddr:	its destination, network byte order
 * @proto:	its protocol
 * @id:		its IP id, host byte order
 * @now_ms:	monotonic milliseconds
 * @ext_id:	set to the id it carries outside, the same for every
 *		fragment of the datagram while it is tracked
 *
 * Return: 0
 */
int frag_out_id(struct frag *f, uint32_t session, uint32_t saddr,
		uint32_t daddr, uint8_t proto, uint16_t id, uint64_t now_ms,
		uint16_t *ext_id)
{
	uint32_t i = find(f, DIR_OUT, session, saddr, daddr, proto, id), *b;
	uint16_t ext;

	if (i == NIL) {
		ext = frag_new_id(f, daddr, proto);
		i = ent_new(f, DIR_OUT, session, saddr, daddr, proto, id,
			    now_ms);
		f->ent[i].ext_id = ext;
		b = ibucket(f, daddr, proto, ext);
		f->ent[i].inext = *b;
		*b = i;
	}
	*ext_id = f->ent[i].ext_id;
	return 0;
}

static int hold(struct frag *f, uint32_t i, const uint8_t *pkt, size_t len,
		uint64_t now_ms)
{
	struct frag_pkt *p;

	if (len > f->p.hold_bytes || !f->p.hold_pkts)
		return -1;
	while (f->held_bytes + len > f->p.hold_bytes ||
	       f->held + 1 > f->p.hold_pkts) {
		f->c.evicted++;
		pkt_unlink(f, NULL, f->head);
	}
	p = malloc(sizeof(*p) + len);
	if (!p)
		return -1;
	*p = (struct frag_pkt){
		.ent = i,
		.expire_ms = now_ms + f->p.timeout_ms,
		.len = len,
	};
	memcpy(p->data, pkt, len);
	if (f->tail)
		f->tail->next = p;
	else
		f->head = p;
	f->tail = p;
	f->held++;
	f->held_bytes += (uint32_t)len;
	f->ent[i].waiting++;
	return 0;
}

/**
 * frag_in() - decide about an inbound non-first fragment
 * @f:		the tracker
 * @saddr:	its source, network byte order
 * @proto:	its protocol
 * @id:		its IP id, host byte order
 * @pkt:	the fragment, copied if it must be held
 * @len:	its length
 * @now_ms:	monotonic milliseconds
 * @session:	set on FRAG_PASS
 * @inner_addr:	set on FRAG_PASS: the destination to give it
 *
 * Return: FRAG_PASS, FRAG_DENY, FRAG_HELD or FRAG_NOROOM
 */
enum frag_verdict frag_in(struct frag *f, uint32_t saddr, uint8_t proto,
			  uint16_t id, const uint8_t *pkt, size_t len,
			  uint64_t now_ms, uint32_t *session,
			  uint32_t *inner_addr)
{
	uint32_t i = find(f, DIR_IN, 0, saddr, 0, proto, id);

	if (i != NIL && f->ent[i].state == ST_PASS) {
		*session = f->ent[i].session;
		*inner_addr = f->ent[i].inner;
		return FRAG_PASS;
	}
	if (i != NIL && f->ent[i].state == ST_DENY)
		return FRAG_DENY;
	if (i == NIL)
		i = ent_new(f, DIR_IN, 0, saddr, 0, proto, id, now_ms);
	return hold(f, i, pkt, len, now_ms) ? FRAG_NOROOM : FRAG_HELD;
}

/**
 * frag_in_first() - record what became of an inbound first fragment
 * @f:		the tracker
 * @saddr:	its source, network byte order
 * @proto:	its protocol
 * @id:		its IP id, host byte order
 * @now_ms:	monotonic milliseconds
 * @pass:	non-zero if it was let in
 * @session:	where it went (if @pass)
 * @inner_addr:	the destination it was given (if @pass)
 *
 * Fragments held for it become ready for frag_release(), or are dropped.
 *
 * Return: nothing
 */
void frag_in_first(struct frag *f, uint32_t saddr, uint8_t proto,
		   uint16_t id, uint64_t now_ms, int pass, uint32_t session,
		   uint32_t inner_addr)
{
	uint32_t i = find(f, DIR_IN, 0, saddr, 0, proto, id);
	struct frag_pkt *p;
	struct frag_ent *e;

	if (i == NIL)
		i = ent_new(f, DIR_IN, 0, saddr, 0, proto, id, now_ms);
	e = &f->ent[i];
	e->state = pass ? ST_PASS : ST_DENY;
	e->session = session;
	e->inner = inner_addr;
	if (!pass) {
		drop_waiting(f, i, &f->c.denied);
		return;
	}
	for (p = f->head; p && e->waiting; p = p->next) {
		if (p->ent != i)
			continue;
		p->ent = NIL;
		p->session = session;
		p->inner = inner_addr;
		e->waiting--;
	}
}

/**
 * frag_release() - take the oldest held fragment whose first has come
 * @f:		the tracker
 * @buf:	where to copy it
 * @cap:	size of @buf
 * @len:	set to its length
 * @session:	set to the session it goes to
 * @inner_addr:	set to the destination to give it
 *
 * Return: 1 if a fragment was copied, 0 if none is ready, -1 if the next
 * one was bigger than @cap and was dropped (call again)
 */
int frag_release(struct frag *f, uint8_t *buf, size_t cap, size_t *len,
		 uint32_t *session, uint32_t *inner_addr)
{
	struct frag_pkt *p, *prev = NULL;
	int r = 1;

	for (p = f->head; p && p->ent != NIL; p = p->next)
		prev = p;
	if (!p)
		return 0;
	if (p->len > cap) {
		r = -1;
	} else {
		memcpy(buf, p->data, p->len);
		*len = p->len;
		*session = p->session;
		*inner_addr = p->inner;
	}
	pkt_unlink(f, prev, p);
	return r;
}

/**
 * frag_session_remove() - forget a session's datagrams and held fragments
 * @f:		the tracker
 * @session:	session id
 *
 * Return: nothing
 */
void frag_session_remove(struct frag *f, uint32_t session)
{
	struct frag_pkt *p = f->head, *prev = NULL, *next;
	uint32_t i, newer;
	uint64_t gone = 0;

	for (i = f->oldest; i != NIL; i = newer) {
		const struct frag_ent *e = &f->ent[i];

		newer = e->newer;
		if (e->session == session &&
		    (e->dir == DIR_OUT || e->state == ST_PASS))
			ent_free(f, i, &gone);
	}
	for (; p; p = next) {
		next = p->next;
		if (p->ent == NIL && p->session == session)
			pkt_unlink(f, prev, p);
		else
			prev = p;
	}
}

/**
 * frag_usage() - how much the tracker holds
 * @f:		the tracker
 * @entries:	set to datagrams tracked
 * @held:	set to fragments held (waiting or ready)
 * @held_bytes:	set to their bytes
 * @mem:	set to bytes allocated
 *
 * Return: nothing
 */
void frag_usage(const struct frag *f, uint32_t *entries, uint32_t *held,
		uint32_t *held_bytes, uint64_t *mem)
{
	*entries = f->count;
	*held = f->held;
	*held_bytes = f->held_bytes;
	*mem = sizeof(*f) + (uint64_t)f->p.max * sizeof(*f->ent) +
	       2ull * (f->mask + 1) * sizeof(uint32_t) + f->held_bytes +
	       (uint64_t)f->held * sizeof(struct frag_pkt);
}

/**
 * frag_counts() - what the tracker dropped on its own
 * @f:		the tracker
 *
 * Return: the counters, updated in place
 */
const struct frag_counts *frag_counts(const struct frag *f)
{
	return &f->c;
}
