/* SPDX-License-Identifier: MIT */
/* wire.h - message types and little-endian field access for tether messages
 *
 * Every tether message starts with a type byte and three zero bytes
 * (doc/PROTOCOL.md, section 2). wire_type() is the one check a dispatcher
 * makes before handing a message to noise_* (handshakes) or session_*
 * (transport data); those then check the exact length of their type.
 * Fields are copied out byte by byte, never through a cast pointer, so
 * unaligned input is fine.
 */
#ifndef TETHER_WIRE_H
#define TETHER_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum wire_type {
	WIRE_INITIATION = 1,
	WIRE_RESPONSE = 2,
	WIRE_DATA = 3,
};

#define WIRE_HEADER_LEN	 4
#define WIRE_MAX_MESSAGE 65536 /* bytes, any type */

/**
 * wire_type() - read and check the 4-byte header of a message
 * @msg:	message bytes
 * @len:	number of bytes that arrived
 *
 * Return: the message type (enum wire_type), or -1 if @len is shorter
 * than the header, the type is unknown or a reserved byte is not zero.
 */
static inline int wire_type(const uint8_t *msg, size_t len)
{
	if (len < WIRE_HEADER_LEN || msg[1] || msg[2] || msg[3])
		return -1;
	switch (msg[0]) {
	case WIRE_INITIATION:
	case WIRE_RESPONSE:
	case WIRE_DATA:
		return msg[0];
	default:
		return -1;
	}
}

static inline void wire_put_header(uint8_t *p, enum wire_type type)
{
	p[0] = (uint8_t)type;
	p[1] = p[2] = p[3] = 0;
}

static inline uint32_t wire_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void wire_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint64_t wire_get_u64(const uint8_t *p)
{
	return (uint64_t)wire_get_u32(p) | (uint64_t)wire_get_u32(p + 4) << 32;
}

static inline void wire_put_u64(uint8_t *p, uint64_t v)
{
	wire_put_u32(p, (uint32_t)v);
	wire_put_u32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t wire_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline void wire_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

#endif
