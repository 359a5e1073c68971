/* SPDX-License-Identifier: MIT */
/* selftest_proc.h - the selftest's children, each in a network namespace
 *
 * Every child runs in its own session (so a Ctrl-C reaches the selftest
 * alone, which then stops them in order) and its own mount namespace with
 * the network namespace's /sys, as `ip netns exec` runs programs. A child
 * dies with the selftest unless it is a daemon of a --keep run.
 */
#ifndef TETHER_SELFTEST_PROC_H
#define TETHER_SELFTEST_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

void selftest_proc_init(bool keep);
int selftest_proc_signalled(void);
int selftest_proc_sleep(int ms);

pid_t selftest_proc_fork(int nsfd, const char *log, bool daemon);
pid_t selftest_proc_exec(int nsfd, const char *log, char *const argv[]);
int selftest_proc_stop(pid_t pid, int sig, int ms);
bool selftest_proc_exited(pid_t pid, int *status);
bool selftest_proc_listening(pid_t pid, const char *proto, uint16_t port);
int selftest_proc_kill_netns(unsigned long long netns);

#endif
