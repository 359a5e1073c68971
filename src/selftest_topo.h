/* SPDX-License-Identifier: MIT */
/* selftest_topo.h - a selftest run's footprint: namespaces and run directory
 *
 * A run is named after the selftest's process id: its namespaces are
 * tstID-HOST (laptop, laptop2, phone, server, internet) and its generated
 * configs and logs live in /run/tether/selftest.ID (mode 700).
 */
#ifndef TETHER_SELFTEST_TOPO_H
#define TETHER_SELFTEST_TOPO_H

#include <stddef.h>
#include <sys/types.h>

#include "selftest.h"

int selftest_topo_preflight(void);
const char *selftest_topo_host(enum selftest_host h);
const char *selftest_topo_ns(pid_t run, enum selftest_host h, char *buf,
			     size_t len);
const char *selftest_topo_dir(pid_t run, char *buf, size_t len);
int selftest_topo_build(pid_t run, int nsfd[SELFTEST_HOSTS]);
int selftest_topo_remove(pid_t run);
int selftest_topo_remove_stale(void);

#endif
