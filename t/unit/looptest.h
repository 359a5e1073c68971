/* SPDX-License-Identifier: MIT */
/* looptest.h - running the event loop in a test until something happens
 *
 * Handlers count what they see and call ev_loop_stop(); the test waits
 * with run_until(&count, n), which gives up after a deadline so a broken
 * component fails its test point instead of hanging the suite.
 */
#ifndef TETHER_LOOPTEST_H
#define TETHER_LOOPTEST_H

#include <stdbool.h>

#include "ev.h"

#ifndef DEADLINE_MS
#define DEADLINE_MS 10000
#endif

static struct ev_loop *loop;
static struct ev_timer *deadline;
static bool timed_out;

static void looptest_on_deadline(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	timed_out = true;
	ev_loop_stop(loop);
}

/* Create the loop and its deadline timer; call first */
static inline void looptest_init(void)
{
	loop = ev_loop_new();
	deadline = ev_timer_new(loop, looptest_on_deadline, NULL);
}

static inline void looptest_done(void)
{
	ev_timer_free(deadline);
	ev_loop_free(loop);
}

/* Run until *cond reaches want, or DEADLINE_MS without progress */
static inline bool run_until(const int *cond, int want)
{
	timed_out = false;
	while (*cond < want && !timed_out) {
		ev_timer_start(deadline, DEADLINE_MS, 0);
		ev_loop_run(loop);
	}
	ev_timer_stop(deadline);
	return *cond >= want;
}

/* Run for @ms whatever happens (a handler may end it early) */
static inline void run_for(uint64_t ms)
{
	ev_timer_start(deadline, ms, 0);
	ev_loop_run(loop);
}

#endif
