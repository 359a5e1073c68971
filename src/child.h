/* SPDX-License-Identifier: MIT */
/* child.h - another program run as a child that dies with tether
 *
 * The child gets a parent-death signal, so it ends with tether however
 * tether ends, even by SIGKILL; its standard output and error go to
 * tether's log line by line; its exit is seen by the event loop.
 */
#ifndef TETHER_CHILD_H
#define TETHER_CHILD_H

struct child;
struct ev_loop;

/* The child ended by itself; @how: "exited with status 2", ... */
typedef void (*child_exit_cb)(struct child *c, const char *how, void *arg);

struct child *child_start(struct ev_loop *l, const char *name,
			  char *const argv[], child_exit_cb cb, void *arg);
void child_stop(struct child *c);

#endif
