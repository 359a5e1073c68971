/* SPDX-License-Identifier: MIT */
/* replay.h - sliding-window replay protection for 64-bit message counters */
#ifndef TETHER_REPLAY_H
#define TETHER_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_BITS  2048
#define REPLAY_WORDS (REPLAY_BITS / 64)
/* counters this far behind the newest one are still accepted once */
#define REPLAY_WINDOW (REPLAY_BITS - 64)

struct replay {
	uint64_t next; /* newest counter accepted, plus one; 0: none yet */
	uint64_t map[REPLAY_WORDS];
};

void replay_init(struct replay *r);
int replay_check(const struct replay *r, uint64_t counter);
int replay_update(struct replay *r, uint64_t counter);

#endif
