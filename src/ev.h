/* SPDX-License-Identifier: MIT */
/* ev.h - the event loop: timers, file descriptors, signals (wraps libuv) */
#ifndef TETHER_EV_H
#define TETHER_EV_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct ev_timer;
struct ev_io;
struct ev_turn;

typedef void (*ev_timer_cb)(struct ev_timer *t, void *arg);
typedef void (*ev_io_cb)(struct ev_io *io, int events, void *arg);
typedef void (*ev_signal_cb)(int signum, void *arg);
typedef void (*ev_turn_cb)(struct ev_turn *t, void *arg);

enum { EV_READ = 1, EV_WRITE = 2 };

struct ev_loop *ev_loop_new(void);
int ev_loop_run(struct ev_loop *l);
void ev_loop_stop(struct ev_loop *l);
void ev_loop_free(struct ev_loop *l);
uint64_t ev_now(const struct ev_loop *l);
int ev_on_signal(struct ev_loop *l, int signum, ev_signal_cb cb, void *arg);
int ev_stop_on_signals(struct ev_loop *l, const char *who);
void ev_defer_stop_signals(void);

struct ev_timer *ev_timer_new(struct ev_loop *l, ev_timer_cb cb, void *arg);
void ev_timer_start(struct ev_timer *t, uint64_t after_ms, uint64_t repeat_ms);
void ev_timer_stop(struct ev_timer *t);
bool ev_timer_active(const struct ev_timer *t);
void ev_timer_free(struct ev_timer *t);

struct ev_io *ev_io_new(struct ev_loop *l, int fd, ev_io_cb cb, void *arg);
int ev_io_start(struct ev_io *io, int events);
void ev_io_stop(struct ev_io *io);
void ev_io_free(struct ev_io *io);

struct ev_turn *ev_turn_new(struct ev_loop *l, ev_turn_cb cb, void *arg);
void ev_turn_start(struct ev_turn *t, bool spin);
void ev_turn_stop(struct ev_turn *t);
void ev_turn_free(struct ev_turn *t);

#endif
