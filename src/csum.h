/* SPDX-License-Identifier: MIT */
/* csum.h - Internet checksums: full (RFC 1071) and incremental (RFC 1624)
 *
 * Checksum values and the fields fed to the incremental updates are
 * uint16_t/uint32_t exactly as stored in the packet (network byte order,
 * read with memcpy).  The one's complement sum is the same in either byte
 * order as long as the result is stored the way the words were read, so
 * nothing here swaps bytes.
 */
#ifndef TETHER_CSUM_H
#define TETHER_CSUM_H

#include <stddef.h>
#include <stdint.h>

/**
 * csum_partial() - RFC 1071 sum of a buffer, not folded
 * @buf:	bytes to sum as 16-bit words, starting at an even offset of
 *		what the checksum covers (an odd last byte is zero-padded)
 * @len:	number of bytes
 * @sum:	sum to add to (0, or csum_pseudo())
 *
 * Return: the running sum, to add more to or pass to csum_fold()
 */
uint64_t csum_partial(const void *buf, size_t len, uint64_t sum);

/**
 * csum_pseudo() - sum of the TCP/UDP pseudo-header (RFC 793, RFC 768)
 * @saddr:	source address, network byte order
 * @daddr:	destination address, network byte order
 * @proto:	IP protocol number
 * @len:	TCP or UDP length, host order
 *
 * Return: a running sum for csum_partial()
 */
static inline uint64_t csum_pseudo(uint32_t saddr, uint32_t daddr,
				   uint8_t proto, uint16_t len)
{
	uint8_t w[4] = {0, proto, (uint8_t)(len >> 8), (uint8_t)len};

	return csum_partial(w, sizeof(w), (uint64_t)saddr + daddr);
}

/**
 * csum_fold() - fold a running sum to 16 bits and complement it
 * @sum:	from csum_partial()
 *
 * Return: the checksum, network byte order, ready to store; 0 when
 * verifying a sum that included a correct checksum field
 */
static inline uint16_t csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * csum_update16() - incremental checksum update for a 16-bit field
 * @csum:	old checksum, network byte order
 * @old:	old field value, network byte order
 * @new:	new field value, network byte order
 *
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').  Unlike eqn. 2 it gives the
 * value a full recomputation gives, except when all the data is now zero:
 * then it gives 0 where the full computation gives 0xffff (RFC 1624
 * section 3).  Only data without a pseudo-header (ICMP) can be all zero.
 * The field must sit at an even offset of what the checksum covers; for an
 * odd offset pass both values byte-swapped.
 *
 * Return: the new checksum, network byte order
 */
static inline uint16_t csum_update16(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old;
	sum += new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * csum_update32() - incremental checksum update for a 32-bit field
 * @csum:	old checksum, network byte order
 * @old:	old field value (an IPv4 address), network byte order
 * @new:	new field value, network byte order
 *
 * Return: the new checksum, network byte order
 */
static inline uint16_t csum_update32(uint16_t csum, uint32_t old, uint32_t new)
{
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old;
	sum += (uint16_t)(~old >> 16);
	sum += new & 0xffff;
	sum += new >> 16;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif
