/* SPDX-License-Identifier: MIT */
/* be.h - network byte order (big-endian) fields read and written in place,
 * whatever their alignment */
#ifndef TETHER_BE_H
#define TETHER_BE_H

#include <stdint.h>

static inline uint32_t be_get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline void be_put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void be_put32(uint8_t *b, uint32_t v)
{
	be_put16(b, (uint16_t)(v >> 16));
	be_put16(b + 2, (uint16_t)v);
}

#endif
