/* SPDX-License-Identifier: MIT */
/* selftest_svc.h - the internet host's services, built in: HTTP, DNS, echo */
#ifndef TETHER_SELFTEST_SVC_H
#define TETHER_SELFTEST_SVC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What GET /payload sends: @size bytes of a keystream of @seed */
struct selftest_payload {
	uint8_t seed[32];
	uint8_t sha256[32];
	size_t size;
};

#define SELFTEST_PAYLOAD_PATH "/payload"

void selftest_svc_payload(struct selftest_payload *p, size_t size);
pid_t selftest_svc_start(int nsfd, const char *log,
			 const struct selftest_payload *p);

#endif
