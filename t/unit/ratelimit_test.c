/* SPDX-License-Identifier: MIT */
/* ratelimit_test.c - token buckets per source, a global cap, a fixed table */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ratelimit.h"
#include "tap.h"

static int count_allowed(struct ratelimit *rl, uint32_t src, int tries,
			 uint64_t now)
{
	int i, n = 0;

	for (i = 0; i < tries; i++)
		n += ratelimit_allow(rl, &src, sizeof(src), now);
	return n;
}

static size_t used_entries(const struct ratelimit *rl)
{
	size_t i, j, n = 0;

	for (i = 0; i < RATELIMIT_SETS; i++)
		for (j = 0; j < RATELIMIT_WAYS; j++)
			n += rl->table[i][j].tag != 0;
	return n;
}

int main(void)
{
	struct ratelimit *rl = malloc(sizeof(*rl));
	uint64_t now = 1000000;
	uint32_t src;
	int n;

	if (sodium_init() < 0 || !rl)
		return 1;
	is(ratelimit_init(rl, 0, 5, 1000, 100), -1, "rate 0 is refused");
	is(ratelimit_init(rl, 20, 0, 1000, 100), -1, "burst 0 is refused");
	is(ratelimit_init(rl, 20, 5, 0, 100), -1, "global rate 0 is refused");
	is(ratelimit_init(rl, RATELIMIT_RATE, RATELIMIT_BURST,
			  RATELIMIT_GLOBAL_RATE, RATELIMIT_GLOBAL_BURST),
	   0, "defaults: 20/s, burst 5");

	is(count_allowed(rl, 1, 100, now), 5, "a burst of 5, then refused");
	is(count_allowed(rl, 2, 100, now), 5, "another source has its own");
	is(count_allowed(rl, 1, 10, now + 49), 0, "nothing back after 49 ms");
	is(count_allowed(rl, 1, 10, now + 50), 1, "one back after 50 ms");
	is(count_allowed(rl, 1, 10, now + 150), 2, "two more after 100 ms");
	is(count_allowed(rl, 1, 100, now + 10000), 5,
	   "an idle second refills to the burst, not beyond");
	n = 0;
	for (uint64_t t = now + 20000; t < now + 30000; t += 10)
		n += count_allowed(rl, 1, 1, t);
	ok(n >= 200 && n <= 205, "a steady flood gets 20/s (%d in 10 s)", n);
	is(rl->refused > 0, 1, "refusals are counted");

	ratelimit_init(rl, 20, 5, 1000, 100);
	n = 0;
	for (src = 0; src < 1000; src++)
		n += count_allowed(rl, src, 5, now);
	is(n, 100, "1000 sources at once: the global burst of 100");
	n = 0;
	for (src = 1000; src < 3000; src++)
		n += count_allowed(rl, src, 1, now + 1000 + src / 2);
	ok(n >= 1000 && n <= 1101, "then about 1000/s globally (%d)", n);

	ratelimit_init(rl, 20, 5, 1000000, 1000000);
	for (src = 0; src < 200000; src++)
		count_allowed(rl, src, 1, now);
	ok(used_entries(rl) <= RATELIMIT_SETS * RATELIMIT_WAYS,
	   "200000 sources fill at most %d entries",
	   RATELIMIT_SETS * RATELIMIT_WAYS);
	ok(sizeof(*rl) < 80 * 1024, "the limiter is %zu bytes, fixed",
	   sizeof(*rl));
	ok(rl->evicted > 0, "busy entries were evicted (%llu)",
	   (unsigned long long)rl->evicted);
	is(count_allowed(rl, 7777777, 100, now), 5,
	   "a new source still gets its burst");
	is(count_allowed(rl, 7777777, 100, now), 0, "and is then limited");
	free(rl);
	return tap_done();
}
