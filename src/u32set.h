/* SPDX-License-Identifier: MIT */
/* u32set.h - a small sorted set of distinct 32-bit values */
#ifndef TETHER_U32SET_H
#define TETHER_U32SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u32set {
	uint32_t *v; /* ascending */
	size_t n, cap;
};

int u32set_add(struct u32set *s, uint32_t x);
bool u32set_has(const struct u32set *s, uint32_t x);
void u32set_del(struct u32set *s, uint32_t x);
void u32set_free(struct u32set *s);

#endif
