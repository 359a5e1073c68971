/* SPDX-License-Identifier: MIT */
/* roles.h - the entry point of each role, for main.c's dispatch table */
#ifndef TETHER_ROLES_H
#define TETHER_ROLES_H

#include <stdbool.h>

#include "conf.h"

int client_run(const struct conf *c);
int client_cleanup(void);
int relay_run(const struct conf *c);
int server_run(const struct conf *c);
int selftest_run(const struct conf *c);
int selftest_cleanup(void);
void selftest_set_keep(bool keep);
int server_cleanup(void);

#endif
