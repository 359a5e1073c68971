/* SPDX-License-Identifier: MIT */
/* addr.h - IP addresses, prefixes and endpoints: parsing and formatting */
#ifndef TETHER_ADDR_H
#define TETHER_ADDR_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr {
	sa_family_t family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct prefix {
	struct addr addr;
	uint8_t len;
};

struct endpoint {
	struct addr addr;
	uint16_t port;
};

/* Big enough for "[ffff:...:ffff]:65535" and "ffff:...:ffff/128" */
#define ADDR_STRLEN 64

int addr_parse(const char *s, struct addr *a);
int prefix_parse(const char *s, struct prefix *p, bool host, const char **why);
int endpoint_parse(const char *s, struct endpoint *e, const char **why);
bool prefix_contains(const struct prefix *p, const struct addr *a);
const char *addr_format(const struct addr *a, char *buf, size_t len);
const char *prefix_format(const struct prefix *p, char *buf, size_t len);
const char *endpoint_format(const struct endpoint *e, char *buf, size_t len);
int endpoint_from_sockaddr(const struct sockaddr_storage *ss,
			   struct endpoint *e);
void endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss,
			  socklen_t *len);

#endif
