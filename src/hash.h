/* SPDX-License-Identifier: MIT */
/* hash.h - seeded 32-bit bucket hash of three words, for in-memory tables
 *
 * A splitmix64-style finalizer over a 64-bit seed and three 32-bit words:
 * fast, good avalanche, and seeded so bucket placement is not predictable
 * from outside when the seed is random.  It is not a PRF; where an
 * attacker must not learn or steer the output (port choice, rate-limit
 * sets) use libsodium's keyed SipHash, crypto_shorthash(), instead.
 */
#ifndef TETHER_HASH_H
#define TETHER_HASH_H

#include <stdint.h>

/**
 * hash_mix3() - hash three words under a seed
 * @seed:	table seed
 * @a:		first word
 * @b:		second word
 * @c:		third word
 *
 * Return: a 32-bit hash; mask its low bits for a power-of-two table
 */
static inline uint32_t hash_mix3(uint64_t seed, uint32_t a, uint32_t b,
				 uint32_t c)
{
	uint64_t h = seed ^ ((uint64_t)a << 32 | b);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= c;
	h ^= h >> 32;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (uint32_t)h;
}

#endif
