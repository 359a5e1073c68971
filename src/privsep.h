/* SPDX-License-Identifier: MIT */
/* privsep.h - the privileged keeper of a server that dropped its privileges */
#ifndef TETHER_PRIVSEP_H
#define TETHER_PRIVSEP_H

struct privsep;

struct privsep *privsep_start(const char *config, void (*undo)(void *),
			      void *arg);
int privsep_open_config(struct privsep *ps);
int privsep_finish(struct privsep *ps);

#endif
