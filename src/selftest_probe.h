/* SPDX-License-Identifier: MIT */
/* selftest_probe.h - what the checks do on a host: HTTP, DNS, ping, echo
 *
 * Each probe works in the network namespace of its caller, is bounded by
 * its timeout, and on failure writes why into @why (SELFTEST_WHY bytes).
 */
#ifndef TETHER_SELFTEST_PROBE_H
#define TETHER_SELFTEST_PROBE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define SELFTEST_WHY 160

struct selftest_http {
	int status;
	size_t bytes;	    /* of the body */
	uint8_t sha256[32]; /* of the body */
	double seconds;	    /* from connecting to the last byte */
	char head[512];	    /* the start of the body, as text */
};

struct selftest_ping {
	int sent, received;
	double min_ms, avg_ms, max_ms;
};

double selftest_probe_now(void);
int selftest_probe_connect(int type, const char *addr, uint16_t port,
			   uint16_t local_port, int timeout_ms, char *why);
int selftest_probe_expect(int fd, const void *msg, size_t len, int timeout_ms,
			  char *why);
int selftest_probe_echo(int fd, const void *msg, size_t len, int timeout_ms,
			char *why);
int selftest_probe_http(const char *addr, const char *path, int timeout_ms,
			struct selftest_http *r, char *why);
int selftest_probe_dns(const char *server, const char *name, int timeout_ms,
		       struct in_addr *a, char *why);
int selftest_probe_ping(const char *addr, int count, int timeout_ms,
			struct selftest_ping *r, char *why);

#endif
