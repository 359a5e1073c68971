/* SPDX-License-Identifier: MIT */
/* tokenbucket_test.c - the bandwidth policer's arithmetic, on a fake clock */
#include <stdint.h>

#include "tap.h"
#include "tokenbucket.h"

/* Offer @n packets of @size at time @now; return how many pass */
static int offer(struct tokenbucket *tb, int n, size_t size, uint64_t now)
{
	int passed = 0;

	for (int i = 0; i < n; i++)
		passed += tokenbucket_take(tb, size, now);
	return passed;
}

/* A sender far over the rate for @ms, one packet of @size every
 * millisecond tick (@per_ms of them); return the bytes that passed */
static uint64_t flood(struct tokenbucket *tb, uint64_t from, uint64_t ms,
		      size_t size, int per_ms)
{
	uint64_t bytes = 0;

	for (uint64_t t = from; t < from + ms; t++)
		bytes += (uint64_t)offer(tb, per_ms, size, t) * size;
	return bytes;
}

int main(void)
{
	struct tokenbucket tb;
	uint64_t t0 = 5000, bytes;

	/* 20 Mbit/s = 2,500,000 B/s, a 100,000-byte burst */
	tokenbucket_init(&tb, 2500000, 100000, t0);
	is(offer(&tb, 200, 1000, t0), 100, "a full bucket passes its burst");
	is(offer(&tb, 1, 1, t0), 0, "then nothing, not even a byte");
	is(offer(&tb, 10, 1000, t0 + 1), 2, "1 ms later: 2,500 bytes' worth");
	is(offer(&tb, 1, 500, t0 + 1), 1, "... and the 500 left over");
	is(offer(&tb, 1, 1, t0 + 1), 0, "... and not a byte more");
	is(offer(&tb, 1000, 1000, t0 + 1001), 100,
	   "an idle second refills to the burst, not beyond");

	bytes = flood(&tb, t0 + 2000, 10000, 1400, 10);
	ok(bytes >= 25000000 && bytes <= 25000000 + 100000,
	   "a 10 s flood of 11.2 MB/s gets 2.5 MB/s plus the burst "
	   "(%llu bytes)",
	   (unsigned long long)bytes);
	bytes = flood(&tb, t0 + 20000, 1000, 1500, 1);
	is(bytes, 1000 * 1500, "a sender under the rate loses nothing");

	/* a rate that is not a whole number of bytes per millisecond */
	tokenbucket_init(&tb, 1234, 1500, t0);
	offer(&tb, 10, 1500, t0);
	bytes = 0;
	for (uint64_t t = t0 + 1; t <= t0 + 100000; t += 7)
		bytes += (uint64_t)offer(&tb, 1, 100, t) * 100;
	ok(bytes >= 123300 && bytes <= 123400,
	   "1,234 B/s over 100 s gives 123,400 bytes, no rounding drift "
	   "(%llu)",
	   (unsigned long long)bytes);

	tokenbucket_init(&tb, 1000, 3000, t0);
	offer(&tb, 3, 1000, t0);
	is(offer(&tb, 1, 1000, t0 - 500), 0,
	   "a clock going back earns nothing");
	is(offer(&tb, 1, 1000, t0 + 1000), 1, "and breaks nothing after");
	is(offer(&tb, 1, 1, t0 + 1000), 0, "exactly the rate, not more");

	/* the largest rate (100 Gbit/s) after a long idle time: no overflow */
	tokenbucket_init(&tb, 12500000000ull, 12500000000ull / 10, t0);
	offer(&tb, 1, 1250000000, t0);
	is(offer(&tb, 1, 1, t0), 0, "a 100 Gbit/s bucket empties");
	is(offer(&tb, 1, 1250000000, t0 + 86400000ull * 365), 1,
	   "and is full again, exactly, after a year");
	is(offer(&tb, 1, 1, t0 + 86400000ull * 365), 0, "not fuller");

	tokenbucket_init(&tb, 0, 0, t0);
	is(offer(&tb, 1000, 65535, t0), 1000, "rate 0 is unlimited");
	return tap_done();
}
