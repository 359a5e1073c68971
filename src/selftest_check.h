/* SPDX-License-Identifier: MIT */
/* selftest_check.h - running the selftest's checks, printing their results */
#ifndef TETHER_SELFTEST_CHECK_H
#define TETHER_SELFTEST_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "selftest_probe.h"

enum selftest_result { SELFTEST_NOT_RUN, SELFTEST_PASS, SELFTEST_FAIL };

/* A check's result and its figure (or why it failed) */
struct selftest_outcome {
	const char *name;
	enum selftest_result result;
	char figure[SELFTEST_WHY];
};

/*
 * A check run by a child in a namespace. @run says in @figure what it
 * measured, or why it failed; it may call selftest_check_sync() to have
 * the selftest run @step (with 1, 2, ...) before it goes on.
 */
struct selftest_check {
	const char *name;
	int nsfd;
	int timeout_s;
	int (*run)(void *arg, char *figure);
	void *arg;
	int (*step)(void *step_arg, int n);
	void *step_arg;
};

void selftest_check_begin(struct selftest_outcome *o, const char *name);
void selftest_check_end(struct selftest_outcome *o, bool passed);
void selftest_check_run(const struct selftest_check *c,
			struct selftest_outcome *o);
int selftest_check_sync(void);
int selftest_check_summary(const struct selftest_outcome *o, size_t n);

#endif
