/* SPDX-License-Identifier: MIT */
/* runstate.h - per-network-namespace state files in /run/tether
 *
 * What a role changes on the host is written down in a state file before
 * it is made, so a later run can undo it after a crash. One file per role
 * and network namespace: runs in different namespaces (tests, containers)
 * keep apart.
 */
#ifndef TETHER_RUNSTATE_H
#define TETHER_RUNSTATE_H

#include <stddef.h>

#define RUNSTATE_DIR "/run/tether"

unsigned long long runstate_netns(void);
const char *runstate_path(const char *name, char *buf, size_t len);
int runstate_mkdir(void);

#endif
