/* SPDX-License-Identifier: MIT */
/* ratelimit.h - per-source handshake rate limit in a fixed-size table */
#ifndef TETHER_RATELIMIT_H
#define TETHER_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_SETS	       1024
#define RATELIMIT_WAYS	       4
#define RATELIMIT_RATE	       20 /* initiations per second per source */
#define RATELIMIT_BURST	       5
#define RATELIMIT_GLOBAL_RATE  1000
#define RATELIMIT_GLOBAL_BURST 100

/* One token bucket as a GCRA "theoretical arrival time" */
struct ratelimit_bucket {
	uint64_t tag;	 /* keyed hash of the source; 0: unused */
	uint64_t tat_us; /* full again (idle) when this is <= now */
};

struct ratelimit {
	struct ratelimit_bucket table[RATELIMIT_SETS][RATELIMIT_WAYS];
	struct ratelimit_bucket global;
	uint8_t key[16]; /* SipHash key, random per process */
	uint64_t interval_us, tolerance_us;
	uint64_t global_interval_us, global_tolerance_us;
	uint64_t allowed, refused, evicted;
};

int ratelimit_init(struct ratelimit *rl, unsigned int rate, unsigned int burst,
		   unsigned int global_rate, unsigned int global_burst);
bool ratelimit_allow(struct ratelimit *rl, const void *src, size_t len,
		     uint64_t now_ms);

#endif
