/* SPDX-License-Identifier: MIT */
/* idx.h - session indices: 32-bit handles that find their owner in O(1) */
#ifndef TETHER_IDX_H
#define TETHER_IDX_H

#include <stdint.h>

struct idx_entry {
	uint32_t index; /* 0: free */
	uint32_t next_free;
	void *owner;
};

struct idx_table {
	struct idx_entry *v;
	uint32_t cap, used, free_head;
};

void idx_init(struct idx_table *t);
uint32_t idx_alloc(struct idx_table *t, void *owner);
void *idx_lookup(const struct idx_table *t, uint32_t index);
void idx_free(struct idx_table *t, uint32_t index);
void idx_destroy(struct idx_table *t);

#endif
