/* SPDX-License-Identifier: MIT */
/* csum.c - the RFC 1071 Internet checksum over a buffer */
#include <string.h>

#include "csum.h"

uint64_t csum_partial(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *b = buf;
	uint32_t w[4];
	uint16_t h;

	/*
	 * 32-bit loads in memory order: a 32-bit word is congruent to the
	 * sum of its two 16-bit halves modulo 0xffff, and the 64-bit
	 * accumulator cannot overflow below 16 GiB.
	 */
	for (; len >= sizeof(w); b += sizeof(w), len -= sizeof(w)) {
		memcpy(w, b, sizeof(w));
		sum += (uint64_t)w[0] + w[1] + w[2] + w[3];
	}
	for (; len >= sizeof(w[0]); b += sizeof(w[0]), len -= sizeof(w[0])) {
		memcpy(w, b, sizeof(w[0]));
		sum += w[0];
	}
	if (len >= sizeof(h)) {
		memcpy(&h, b, sizeof(h));
		sum += h;
		b += sizeof(h);
		len -= sizeof(h);
	}
	if (len) {
		/* the odd byte is the high-order byte of a zero-padded word */
		h = 0;
		memcpy(&h, b, 1);
		sum += h;
	}
	return sum;
}
