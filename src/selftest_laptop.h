/* SPDX-License-Identifier: MIT */
/* selftest_laptop.h - the selftest's checks, as the laptop runs them
 *
 * Each check takes @arg, a struct selftest_env, and @fig (SELFTEST_WHY
 * bytes), which gets its figure or why it failed. Return: 0 if it passed,
 * -1 if not.
 */
#ifndef TETHER_SELFTEST_LAPTOP_H
#define TETHER_SELFTEST_LAPTOP_H

#include "selftest_svc.h"

/* What the checks know of the run */
struct selftest_env {
	const int *nsfd; /* the namespaces, by enum selftest_host */
	const struct selftest_payload *payload;
};

int selftest_laptop_fetch(void *arg, char *fig);
int selftest_laptop_bulk(void *arg, char *fig);
int selftest_laptop_udp(void *arg, char *fig);
int selftest_laptop_dns(void *arg, char *fig);
int selftest_laptop_ping(void *arg, char *fig);
int selftest_laptop_resume(void *arg, char *fig);
int selftest_laptop_second(void *arg, char *fig);
int selftest_laptop_egress(void *arg, char *fig);

#endif
