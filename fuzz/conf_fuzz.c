/* SPDX-License-Identifier: MIT */
/* conf_fuzz.c - libFuzzer harness: arbitrary bytes as each role's config */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* config errors are expected; keep the fuzzer's output readable */
	log_set_level(LOG_LEVEL_SILENT);
	for (int r = 0; r < CONF_ROLE_MAX; r++) {
		struct conf c;

		conf_load_buffer("fuzz.json", (const char *)data, size,
				 (enum conf_role)r, &c);
		conf_free(&c);
	}
	return 0;
}
