/* SPDX-License-Identifier: MIT */
/* fuzz.h - what every libFuzzer harness shares: the entry point, CHECK() */
#ifndef TETHER_FUZZ_H
#define TETHER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* libFuzzer calls this once per input; declared to satisfy
 * -Wmissing-prototypes, defined by each harness. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK(cond) - a property the harness asserts: abort() so libFuzzer
 * reports a crash and keeps the input, whatever NDEBUG says. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			abort();                                               \
	} while (0)

#endif
