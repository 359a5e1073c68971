/* SPDX-License-Identifier: MIT */
/* state_fuzz.c - libFuzzer harness: arbitrary bytes as client state file lines
 *
 * Every line is parsed; a line that is a record must format back to a line
 * that parses to the same record.
 */
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "netcfg_state.h"

static bool same(const struct netcfg_state_rec *a,
		 const struct netcfg_state_rec *b)
{
	return a->kind == b->kind && !strcmp(a->ifname, b->ifname) &&
	       a->p.len == b->p.len && a->p.addr.family == b->p.addr.family &&
	       !memcmp(&a->p.addr.v6, &b->p.addr.v6,
		       a->p.addr.family == AF_INET ? sizeof(a->p.addr.v4)
						   : sizeof(a->p.addr.v6)) &&
	       a->table == b->table && a->mtu == b->mtu &&
	       a->was_up == b->was_up && a->rule.family == b->rule.family &&
	       a->rule.priority == b->rule.priority &&
	       a->rule.table == b->rule.table &&
	       a->rule.not_fwmark == b->rule.not_fwmark &&
	       a->rule.suppress == b->rule.suppress &&
	       !strcmp(a->key, b->key) && a->value == b->value &&
	       a->dns_method == b->dns_method && !strcmp(a->dns, b->dns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netcfg_state_rec r, back;
	char line[512], text[512], why[128];
	size_t off = 0;
	long pid = 0;

	log_set_level(LOG_LEVEL_SILENT);
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) : size - off;
		size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

		memcpy(line, data + off, n);
		line[n] = '\0';
		off += len + 1;
		if (netcfg_state_parse_line(line, &r, &pid, why, sizeof(why)) !=
		    1)
			continue;
		CHECK(!netcfg_state_format(&r, text, sizeof(text)));
		CHECK(netcfg_state_parse_line(text, &back, NULL, why,
					      sizeof(why)) == 1);
		CHECK(same(&r, &back));
	}
	return 0;
}
