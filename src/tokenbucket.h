/* SPDX-License-Identifier: MIT */
/* tokenbucket.h - a byte-rate policer in exact integer arithmetic */
#ifndef TETHER_TOKENBUCKET_H
#define TETHER_TOKENBUCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One bucket: @rate bytes per second, at most @burst bytes at once */
struct tokenbucket {
	uint64_t rate;	 /* bytes per second; 0: unlimited */
	uint64_t cap;	 /* burst, in millibytes */
	uint64_t tokens; /* millibytes (a byte is 1000) */
	uint64_t at_ms;	 /* when tokens was last brought up to date */
};

void tokenbucket_init(struct tokenbucket *tb, uint64_t rate, uint64_t burst,
		      uint64_t now_ms);
bool tokenbucket_take(struct tokenbucket *tb, size_t bytes, uint64_t now_ms);

#endif
