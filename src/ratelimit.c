/* SPDX-License-Identifier: MIT */
/* ratelimit.c - per-source handshake rate limit in a fixed-size table
 *
 * Each initiation costs the server two Diffie-Hellman operations, so the
 * server asks ratelimit_allow() before touching one. Each source (the
 * transport's remote address) gets a token bucket of `rate` per second
 * and `burst` deep, kept as a GCRA theoretical arrival time: one 64-bit
 * time per source instead of a token count and a timestamp, and "idle"
 * simply means that time has passed.
 *
 * Buckets live in a fixed table of RATELIMIT_SETS sets of RATELIMIT_WAYS,
 * indexed by SipHash of the source under a random key, so an attacker
 * cannot aim many sources at one set. Nothing is allocated per source and
 * the table never grows: a new source takes the way of its set that is
 * most refilled. A source evicted while still limited starts again with a
 * full burst, so sources churning through a set gain a little; the global
 * bucket, which every allowed initiation also draws from, caps the total.
 */
#include <string.h>

#include <sodium.h>

#include "ratelimit.h"

_Static_assert(sizeof(((struct ratelimit *)0)->key) ==
		       crypto_shorthash_KEYBYTES,
	       "SipHash key size");

/* GCRA: allow if the bucket is not more than tolerance ahead of now */
static bool gcra_take(uint64_t *tat, uint64_t now, uint64_t interval,
		      uint64_t tolerance, uint64_t *new_tat)
{
	uint64_t t = *tat > now ? *tat : now;

	if (t - now > tolerance)
		return false;
	*new_tat = t + interval;
	return true;
}

/**
 * ratelimit_init() - set up an empty limiter with a fresh hash key
 * @rl:		the limiter (about 64 KiB; allocate it once)
 * @rate:	initiations per second per source, 1..1000000
 * @burst:	initiations a source may send at once, >= 1
 * @global_rate: initiations per second from all sources together
 * @global_burst: burst for all sources together, >= 1
 *
 * Return: 0, or -1 if a rate is 0 or above 1000000 or a burst is 0.
 */
int ratelimit_init(struct ratelimit *rl, unsigned int rate, unsigned int burst,
		   unsigned int global_rate, unsigned int global_burst)
{
	if (!rate || rate > 1000000 || !burst || !global_rate ||
	    global_rate > 1000000 || !global_burst)
		return -1;
	memset(rl, 0, sizeof(*rl));
	crypto_shorthash_keygen(rl->key);
	rl->interval_us = 1000000 / rate;
	rl->tolerance_us = (uint64_t)(burst - 1) * rl->interval_us;
	rl->global_interval_us = 1000000 / global_rate;
	rl->global_tolerance_us =
		(uint64_t)(global_burst - 1) * rl->global_interval_us;
	return 0;
}

static struct ratelimit_bucket *bucket_find(struct ratelimit *rl, uint64_t tag,
					    uint64_t now)
{
	struct ratelimit_bucket *set = rl->table[tag % RATELIMIT_SETS];
	struct ratelimit_bucket *victim = &set[0];
	int i;

	for (i = 0; i < RATELIMIT_WAYS; i++) {
		if (set[i].tag == tag)
			return &set[i];
		if (set[i].tat_us < victim->tat_us)
			victim = &set[i];
	}
	if (victim->tag && victim->tat_us > now)
		rl->evicted++;
	victim->tag = tag;
	victim->tat_us = 0;
	return victim;
}

/**
 * ratelimit_allow() - may this source have its initiation processed?
 * @rl:		the limiter
 * @src:	bytes naming the source, e.g. its IPv4 address or the /64
 *		prefix of its IPv6 address
 * @len:	their number
 * @now_ms:	monotonic time, ms
 *
 * Return: true if allowed (a token is taken from the source's bucket and
 * from the global one), false if either is empty.
 */
bool ratelimit_allow(struct ratelimit *rl, const void *src, size_t len,
		     uint64_t now_ms)
{
	uint64_t now = now_ms * 1000, tag, tat, gtat;
	struct ratelimit_bucket *b;
	uint8_t h[crypto_shorthash_BYTES];

	crypto_shorthash(h, src, len, rl->key);
	memcpy(&tag, h, sizeof(tag));
	if (!tag)
		tag = 1;
	b = bucket_find(rl, tag, now);
	if (!gcra_take(&b->tat_us, now, rl->interval_us, rl->tolerance_us,
		       &tat) ||
	    !gcra_take(&rl->global.tat_us, now, rl->global_interval_us,
		       rl->global_tolerance_us, &gtat)) {
		rl->refused++;
		return false;
	}
	b->tat_us = tat;
	rl->global.tat_us = gtat;
	rl->allowed++;
	return true;
}
