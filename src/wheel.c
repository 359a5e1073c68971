/* SPDX-License-Identifier: MIT */
/* wheel.c - timer wheel over index-linked records, one-second slots
 *
 * Theory of operation: slot s holds records filed for a second t with
 * t % slots == s, where t lies in (now, now + slots].  A record is filed at
 * its expire second, or at the farthest slot if it expires later than the
 * wheel reaches; either way its filing second is never after its expire
 * second.  wheel_next_due() walks slots up to the caller's clock: a record
 * whose expire second has come is unlinked and returned, one whose timer
 * was raised in the meantime is filed again.  List heads are encoded as
 * WHEEL_HEAD + slot in a node's prev so that wheel_del() can unlink any
 * record, even one in the list being scanned, without a search.
 */
#include <errno.h>
#include <stdlib.h>

#include "wheel.h"

#define WHEEL_HEAD	0x80000000u	/* prev of a slot's first record */

/* The list being scanned by wheel_next_due() is slot[mask + 1]. */
static uint32_t *head_of(struct wheel *w, uint32_t prev)
{
	return &w->slot[prev - WHEEL_HEAD];
}

static void link_head(struct wheel *w, uint32_t s, uint32_t idx)
{
	struct wheel_node *n = wheel_node(w, idx);

	n->next = w->slot[s];
	n->prev = WHEEL_HEAD + s;
	if (n->next != WHEEL_NIL)
		wheel_node(w, n->next)->prev = idx;
	w->slot[s] = idx;
}

/**
 * wheel_init() - set up an empty wheel
 * @w:		the wheel
 * @order:	log2 of the number of one-second slots (1..20)
 * @base:	the caller's record array (it must not move afterwards)
 * @stride:	size of one record
 * @off:	offset of struct wheel_node in a record
 *
 * The wheel starts at second 0; a clock that starts later is fine.
 *
 * Return: 0, or -EINVAL for a bad @order, -ENOMEM
 */
int wheel_init(struct wheel *w, unsigned int order, void *base,
	       size_t stride, size_t off)
{
	uint32_t i, n;

	if (order < 1 || order > 20)
		return -EINVAL;
	n = 1u << order;
	w->slot = malloc((n + 1) * sizeof(*w->slot));
	if (!w->slot)
		return -ENOMEM;
	for (i = 0; i <= n; i++)
		w->slot[i] = WHEEL_NIL;
	w->mask = n - 1;
	w->now = 0;
	w->base = base;
	w->stride = stride;
	w->off = off;
	w->count = 0;
	return 0;
}

/**
 * wheel_free() - release the wheel's memory (not the records)
 * @w:		the wheel
 *
 * Return: nothing
 */
void wheel_free(struct wheel *w)
{
	free(w->slot);
	w->slot = NULL;
}

/**
 * wheel_add() - file record @idx at its node.expire second
 * @w:		the wheel
 * @idx:	a record not on the wheel
 *
 * Return: nothing
 */
void wheel_add(struct wheel *w, uint32_t idx)
{
	uint32_t e = wheel_node(w, idx)->expire, span = w->mask + 1;
	uint32_t t;

	if (e <= w->now)
		t = w->now + 1;
	else if (e - w->now > span)
		t = w->now + span;
	else
		t = e;
	link_head(w, t & w->mask, idx);
	w->count++;
}

/**
 * wheel_del() - take record @idx off the wheel
 * @w:		the wheel
 * @idx:	a record; nothing happens if it is not on the wheel
 *
 * Return: nothing
 */
void wheel_del(struct wheel *w, uint32_t idx)
{
	struct wheel_node *n = wheel_node(w, idx);

	if (n->prev == WHEEL_NIL)
		return;
	if (n->prev >= WHEEL_HEAD)
		*head_of(w, n->prev) = n->next;
	else
		wheel_node(w, n->prev)->next = n->next;
	if (n->next != WHEEL_NIL)
		wheel_node(w, n->next)->prev = n->prev;
	n->next = n->prev = WHEEL_NIL;
	w->count--;
}

/**
 * wheel_next_due() - take one due record off the wheel
 * @w:		the wheel
 * @now:	the current second; a clock going backwards is ignored
 *
 * Call in a loop until it returns WHEEL_NIL; the caller frees or re-files
 * each record returned.  Records whose expire second was raised after they
 * were filed are filed again on the way.
 *
 * Return: index of a record with expire <= @now, now off the wheel; or
 * WHEEL_NIL when none is due
 */
uint32_t wheel_next_due(struct wheel *w, uint32_t now)
{
	uint32_t scan = w->mask + 1, idx;

	for (;;) {
		while ((idx = w->slot[scan]) != WHEEL_NIL) {
			struct wheel_node *n = wheel_node(w, idx);

			wheel_del(w, idx);
			if (n->expire <= now)
				return idx;
			wheel_add(w, idx);
		}
		if (now <= w->now)
			return WHEEL_NIL;
		/* Skipping whole turns is safe: every slot is still scanned
		 * before the wheel reaches @now. */
		if (now - w->now > scan)
			w->now = now - scan;
		w->now++;
		w->slot[scan] = w->slot[w->now & w->mask];
		w->slot[w->now & w->mask] = WHEEL_NIL;
		if (w->slot[scan] != WHEEL_NIL)
			wheel_node(w, w->slot[scan])->prev = WHEEL_HEAD + scan;
	}
}
