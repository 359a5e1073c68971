/* SPDX-License-Identifier: MIT */
/* idx.c - session indices: 32-bit handles that find their owner in O(1)
 *
 * Every transport message names the receiver's key pair by a 32-bit index
 * (doc/PROTOCOL.md). The low IDX_SLOT_BITS of an index are a slot in this
 * table and the high bits are random, so a lookup is one array access plus
 * a comparison, and an index that is guessed or reused after its key pair
 * is gone does not match. Free slots form a list; the table doubles when
 * full, up to 2^IDX_SLOT_BITS slots.
 */
#include <sodium.h>
#include <stdlib.h>

#include "idx.h"

#define IDX_SLOT_BITS 20
#define IDX_SLOT_MASK ((1u << IDX_SLOT_BITS) - 1)
#define IDX_NONE      UINT32_MAX

void idx_init(struct idx_table *t)
{
	t->v = NULL;
	t->cap = t->used = 0;
	t->free_head = IDX_NONE;
}

static int grow(struct idx_table *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 64;
	struct idx_entry *v;

	if (cap > IDX_SLOT_MASK + 1)
		return -1;
	v = realloc(t->v, cap * sizeof(*v));
	if (!v)
		return -1;
	for (uint32_t i = t->cap; i < cap; i++) {
		v[i].index = 0;
		v[i].owner = NULL;
		v[i].next_free = i + 1 < cap ? i + 1 : t->free_head;
	}
	t->free_head = t->cap;
	t->v = v;
	t->cap = cap;
	return 0;
}

/**
 * idx_alloc() - a fresh index for @owner
 * @t:		table
 * @owner:	what idx_lookup() will return for it
 *
 * Return: a non-zero index, or 0 when the table cannot grow
 */
uint32_t idx_alloc(struct idx_table *t, void *owner)
{
	struct idx_entry *e;
	uint32_t slot, index;

	if (t->free_head == IDX_NONE && grow(t))
		return 0;
	slot = t->free_head;
	e = &t->v[slot];
	t->free_head = e->next_free;
	do
		index = (randombytes_random() & ~IDX_SLOT_MASK) | slot;
	while (!index);
	e->index = index;
	e->owner = owner;
	t->used++;
	return index;
}

/* Return: the owner of @index, or NULL if no live entry has it */
void *idx_lookup(const struct idx_table *t, uint32_t index)
{
	uint32_t slot = index & IDX_SLOT_MASK;

	if (!index || slot >= t->cap || t->v[slot].index != index)
		return NULL;
	return t->v[slot].owner;
}

/* Release @index; unknown indices are ignored */
void idx_free(struct idx_table *t, uint32_t index)
{
	uint32_t slot = index & IDX_SLOT_MASK;

	if (!index || slot >= t->cap || t->v[slot].index != index)
		return;
	t->v[slot].index = 0;
	t->v[slot].owner = NULL;
	t->v[slot].next_free = t->free_head;
	t->free_head = slot;
	t->used--;
}

void idx_destroy(struct idx_table *t)
{
	free(t->v);
	idx_init(t);
}
