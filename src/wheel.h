/* SPDX-License-Identifier: MIT */
/* wheel.h - timer wheel over index-linked records, one-second slots
 *
 * The records live in the caller's array; each embeds a struct wheel_node.
 * Refreshing a timer to a later time needs no wheel operation at all: the
 * caller just raises node.expire, and wheel_next_due() re-files a record
 * whose time has not come when its slot is reached.  Shortening a timer
 * needs wheel_del() + wheel_add().  Each record is touched O(1) times per
 * wheel turn, so expiry costs O(1) amortised per timer.
 */
#ifndef TETHER_WHEEL_H
#define TETHER_WHEEL_H

#include <stddef.h>
#include <stdint.h>

#define WHEEL_NIL	UINT32_MAX

/**
 * struct wheel_node - the part of a record the wheel uses
 * @next:	next record in the same slot, or a slot head marker
 * @prev:	previous record, a slot head marker, or WHEEL_NIL when the
 *		record is not on the wheel
 * @expire:	second at which the record is due (due when now >= expire)
 */
struct wheel_node {
	uint32_t next;
	uint32_t prev;
	uint32_t expire;
};

/**
 * struct wheel - the wheel; treat as opaque
 * @slot:	list heads, one per second plus one for the list being scanned
 * @mask:	number of slots minus one (a power of two minus one)
 * @now:	last second whose slot was taken for scanning
 * @base:	the caller's record array
 * @stride:	size of one record
 * @off:	offset of the struct wheel_node inside a record
 * @count:	records on the wheel
 */
struct wheel {
	uint32_t *slot;
	uint32_t mask;
	uint32_t now;
	unsigned char *base;
	size_t stride;
	size_t off;
	uint32_t count;
};

int wheel_init(struct wheel *w, unsigned int order, void *base,
	       size_t stride, size_t off);
void wheel_free(struct wheel *w);
void wheel_add(struct wheel *w, uint32_t idx);
void wheel_del(struct wheel *w, uint32_t idx);
uint32_t wheel_next_due(struct wheel *w, uint32_t now);

/**
 * wheel_node() - the wheel node of record @idx
 * @w:		the wheel
 * @idx:	record index
 *
 * Return: pointer into the caller's array
 */
static inline struct wheel_node *wheel_node(const struct wheel *w,
					    uint32_t idx)
{
	return (struct wheel_node *)(void *)(w->base + (size_t)idx * w->stride +
					     w->off);
}

#endif
