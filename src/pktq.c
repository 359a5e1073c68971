/* SPDX-License-Identifier: MIT */
/* pktq.c - a bounded FIFO of packets with the time each arrived
 *
 * One buffer, allocated once: each packet is a 12-byte header (arrival
 * time, length) followed by its bytes, never split across the end of the
 * buffer. A packet that does not fit before the end starts again at
 * offset 0, behind a wrap marker if there is room for one; the reader
 * follows the marker, or wraps by itself when less than a header is left.
 */
#include <stdlib.h>
#include <string.h>

#include "pktq.h"

#define HDR_LEN	 12
#define WRAP_LEN UINT32_MAX

static void hdr_put(uint8_t *p, uint64_t when, uint32_t len)
{
	memcpy(p, &when, sizeof(when));
	memcpy(p + sizeof(when), &len, sizeof(len));
}

static void hdr_get(const uint8_t *p, uint64_t *when, uint32_t *len)
{
	memcpy(when, p, sizeof(*when));
	memcpy(len, p + sizeof(*when), sizeof(*len));
}

/* Move the head past wrap markers and the unusable end of the buffer */
static void head_fix(struct pktq *q)
{
	uint64_t when;
	uint32_t len;

	if (!q->n) {
		q->head = q->tail = 0;
		return;
	}
	if (q->cap - q->head < HDR_LEN) {
		q->head = 0;
		return;
	}
	hdr_get(q->buf + q->head, &when, &len);
	if (len == WRAP_LEN)
		q->head = 0;
}

/**
 * pktq_init() - allocate a queue
 * @q:		queue
 * @cap:	bytes it may hold, a 12-byte header per packet included
 *
 * Return: 0, or -1 on out of memory
 */
int pktq_init(struct pktq *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	q->buf = malloc(cap);
	q->cap = cap;
	return q->buf ? 0 : -1;
}

void pktq_free(struct pktq *q)
{
	free(q->buf);
	q->buf = NULL;
}

/**
 * pktq_push() - append a copy of a packet
 * @q:		queue
 * @pkt:	packet
 * @len:	its length
 * @now:	its arrival time, returned by pktq_peek()
 *
 * Return: 0, or -1 if it does not fit (the queue is unchanged)
 */
int pktq_push(struct pktq *q, const uint8_t *pkt, size_t len, uint64_t now)
{
	size_t need = HDR_LEN + len;

	if (len >= WRAP_LEN || need > q->cap)
		return -1;
	if (q->n && q->tail <= q->head) {
		/* wrapped: the free space is between tail and head */
		if (q->tail + need > q->head)
			return -1;
	} else if (q->tail + need > q->cap) {
		/* not before the end: start again at 0, before the head */
		if (need > q->head)
			return -1;
		if (q->cap - q->tail >= HDR_LEN)
			hdr_put(q->buf + q->tail, 0, WRAP_LEN);
		q->tail = 0;
	}
	hdr_put(q->buf + q->tail, now, (uint32_t)len);
	memcpy(q->buf + q->tail + HDR_LEN, pkt, len);
	q->tail += need;
	q->n++;
	q->bytes += len;
	return 0;
}

/**
 * pktq_peek() - the oldest packet, left in the queue
 * @q:		queue
 * @pkt:	set to its bytes, valid until the next push or pop
 * @len:	set to its length
 * @when:	set to its arrival time
 *
 * Return: false if the queue is empty
 */
bool pktq_peek(const struct pktq *q, const uint8_t **pkt, size_t *len,
	       uint64_t *when)
{
	uint32_t l;

	if (!q->n)
		return false;
	hdr_get(q->buf + q->head, when, &l);
	*pkt = q->buf + q->head + HDR_LEN;
	*len = l;
	return true;
}

/* Drop the oldest packet, if any */
void pktq_pop(struct pktq *q)
{
	uint64_t when;
	uint32_t len;

	if (!q->n)
		return;
	hdr_get(q->buf + q->head, &when, &len);
	q->head += HDR_LEN + len;
	q->n--;
	q->bytes -= len;
	head_fix(q);
}
