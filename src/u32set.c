/* SPDX-License-Identifier: MIT */
/* u32set.c - a small sorted set of distinct 32-bit values
 *
 * Kernel-NAT mode keeps the flow quotas that have an nftables set this
 * way: a few values, looked up by binary search, added to (an array that
 * doubles) when a reload brings a new one.
 */
#include <stdlib.h>
#include <string.h>

#include "u32set.h"

/* Where @x is, or would go */
static size_t pos(const struct u32set *s, uint32_t x)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool u32set_has(const struct u32set *s, uint32_t x)
{
	size_t i = pos(s, x);

	return i < s->n && s->v[i] == x;
}

/**
 * u32set_add() - put @x into the set
 * @s:	the set, zeroed at first
 * @x:	a value
 *
 * Return: 1 if it was added, 0 if it was there, -1 if out of memory (the
 * set is unchanged)
 */
int u32set_add(struct u32set *s, uint32_t x)
{
	size_t i = pos(s, x), cap;
	uint32_t *v;

	if (i < s->n && s->v[i] == x)
		return 0;
	if (s->n == s->cap) {
		cap = s->cap ? 2 * s->cap : 8;
		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = x;
	s->n++;
	return 1;
}

/* Take @x out of the set, if it is in */
void u32set_del(struct u32set *s, uint32_t x)
{
	size_t i = pos(s, x);

	if (i == s->n || s->v[i] != x)
		return;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
}

void u32set_free(struct u32set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
