/* SPDX-License-Identifier: MIT */
/* state_lines.h - checks of state-file lines for the unit tests: a line
 * parses and formats back the same, or is refused for a reason */
#ifndef TETHER_T_STATE_LINES_H
#define TETHER_T_STATE_LINES_H

#include <string.h>

#include "netcfg_state.h"
#include "tap.h"

static inline void round_trip(const char *line)
{
	struct netcfg_state_rec r;
	char why[128] = "", back[256];

	is(netcfg_state_parse_line(line, &r, NULL, why, sizeof(why)), 1,
	   "'%s' is a record %s", line, why);
	ok(!netcfg_state_format(&r, back, sizeof(back)) && !strcmp(back, line),
	   "'%s' formats back the same (got '%s')", line, back);
}

static inline void refused(const char *line, const char *reason)
{
	struct netcfg_state_rec r;
	char why[128] = "";

	is(netcfg_state_parse_line(line, &r, NULL, why, sizeof(why)), -1,
	   "'%.50s' is refused", line);
	has_str(why, reason, "  because of %s", reason);
}

#endif
