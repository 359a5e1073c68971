/* SPDX-License-Identifier: MIT */
/* addr.c - IP addresses, prefixes and endpoints: parsing and formatting
 *
 * Only numeric forms are accepted (no name resolution): configs name
 * addresses, and a daemon that resolves at start-up fails in odd ways.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/**
 * addr_parse() - parse a numeric IPv4 or IPv6 address
 * @s:	text such as "192.0.2.1" or "2001:db8::1"
 * @a:	result
 *
 * Return: 0 on success, -1 if @s is not an address
 */
int addr_parse(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

static unsigned addr_bits(const struct addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

static const uint8_t *addr_bytes(const struct addr *a)
{
	return a->family == AF_INET ? (const uint8_t *)&a->v4
				    : (const uint8_t *)&a->v6;
}

/* Does @a have any bit set beyond the first @len? */
static bool host_bits_set(const struct addr *a, unsigned len)
{
	const uint8_t *b = addr_bytes(a);

	for (unsigned i = len; i < addr_bits(a); i++)
		if (b[i / 8] & (0x80 >> (i % 8)))
			return true;
	return false;
}

/**
 * prefix_parse() - parse "address/length" (a bare address is a host route)
 * @s:		text such as "198.18.0.0/15"
 * @p:		result
 * @host:	an interface address with its network's length, such as
 *		"10.77.0.2/24": host bits are allowed and kept
 * @why:	on failure, set to a short reason for the user
 *
 * Otherwise host bits must be zero: "10.0.0.1/8" as a route is refused
 * rather than silently widened, since it usually means a typo.
 *
 * Return: 0 on success, -1 on error
 */
int prefix_parse(const char *s, struct prefix *p, bool host, const char **why)
{
	char buf[ADDR_STRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len;
	char *end;

	if (alen >= sizeof(buf)) {
		*why = "is not an address/length prefix";
		return -1;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &p->addr)) {
		*why = "is not an address/length prefix";
		return -1;
	}
	if (!slash) {
		p->len = (uint8_t)addr_bits(&p->addr);
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9') {
		*why = "has no prefix length after '/'";
		return -1;
	}
	len = strtoul(slash + 1, &end, 10);
	if (*end || len > addr_bits(&p->addr)) {
		*why = p->addr.family == AF_INET
			       ? "has a prefix length outside 0..32"
			       : "has a prefix length outside 0..128";
		return -1;
	}
	if (!host && host_bits_set(&p->addr, (unsigned)len)) {
		*why = "has bits set beyond its prefix length";
		return -1;
	}
	p->len = (uint8_t)len;
	return 0;
}

/**
 * endpoint_parse() - parse "a.b.c.d:port" or "[v6]:port"
 * @s:		text
 * @e:		result
 * @why:	on failure, set to a short reason for the user
 *
 * Return: 0 on success, -1 on error
 */
int endpoint_parse(const char *s, struct endpoint *e, const char **why)
{
	char buf[ADDR_STRLEN];
	const char *colon, *host = s;
	size_t hlen;
	unsigned long port;
	char *end;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			*why = "is not [address]:port";
			return -1;
		}
		host = s + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s))) {
			*why = "is not address:port (IPv6 needs "
			       "[address]:port)";
			return -1;
		}
		hlen = (size_t)(colon - s);
	}
	if (hlen >= sizeof(buf)) {
		*why = "has an invalid address";
		return -1;
	}
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (addr_parse(buf, &e->addr) ||
	    (*s == '[' && e->addr.family != AF_INET6)) {
		*why = "has an invalid address";
		return -1;
	}
	if (colon[1] < '0' || colon[1] > '9') {
		*why = "has an invalid port";
		return -1;
	}
	port = strtoul(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535) {
		*why = "has a port outside 1..65535";
		return -1;
	}
	e->port = (uint16_t)port;
	return 0;
}

/**
 * prefix_contains() - is @a inside @p?
 * @p:	prefix
 * @a:	address
 *
 * Return: true if the families match and the first p->len bits agree
 */
bool prefix_contains(const struct prefix *p, const struct addr *a)
{
	const uint8_t *pb = addr_bytes(&p->addr), *ab = addr_bytes(a);
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->addr.family != a->family)
		return false;
	if (memcmp(pb, ab, full))
		return false;
	if (!rest)
		return true;
	return !((pb[full] ^ ab[full]) & (0xff00 >> rest));
}

const char *addr_format(const struct addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, addr_bytes(a), buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", addr_format(&p->addr, a, sizeof(a)),
		 p->len);
	return buf;
}

const char *endpoint_format(const struct endpoint *e, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	addr_format(&e->addr, a, sizeof(a));
	if (e->addr.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, e->port);
	else
		snprintf(buf, len, "%s:%u", a, e->port);
	return buf;
}

/**
 * endpoint_to_sockaddr() - fill a sockaddr for bind() or sendto()
 * @e:		endpoint
 * @ss:		result
 * @len:	its length
 */
void endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		sin->sin_addr = e->addr.v4;
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(e->port);
		sin6->sin6_addr = e->addr.v6;
		*len = sizeof(*sin6);
	}
}

/**
 * endpoint_from_sockaddr() - the endpoint of an AF_INET/AF_INET6 sockaddr
 * @ss:	socket address
 * @e:	result
 *
 * Return: 0, or -1 for another address family
 */
int endpoint_from_sockaddr(const struct sockaddr_storage *ss,
			   struct endpoint *e)
{
	memset(e, 0, sizeof(*e));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		e->addr.family = AF_INET;
		e->addr.v4 = sin->sin_addr;
		e->port = ntohs(sin->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		e->addr.family = AF_INET6;
		e->addr.v6 = s6->sin6_addr;
		e->port = ntohs(s6->sin6_port);
		return 0;
	}
	return -1;
}
