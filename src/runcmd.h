/* SPDX-License-Identifier: MIT */
/* runcmd.h - run a helper program (resolvectl, resolvconf) and wait for it
 *
 * The program is found on PATH and run without a shell, with a text on
 * its standard input and its output (stdout and stderr) kept for the log.
 * It gets a bounded time; past that it is killed.
 */
#ifndef TETHER_RUNCMD_H
#define TETHER_RUNCMD_H

#include <stddef.h>

#define RUNCMD_OUTPUT 512 /* output kept, with its NUL */

struct runcmd {
	const char *const *argv; /* argv[0] is looked up on PATH */
	const char *input;	 /* standard input, or NULL: empty */
	int timeout_ms;
	char output[RUNCMD_OUTPUT]; /* the first bytes it printed */
};

int runcmd(struct runcmd *rc);
int runcmd_checked(const char *const *argv, const char *input);

#endif
