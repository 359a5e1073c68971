/* SPDX-License-Identifier: MIT */
/* ev.c - the event loop: timers, file descriptors, signals (wraps libuv)
 *
 * Handles are heap objects whose memory libuv may still touch until its
 * close callback runs, so *_free() closes and frees from that callback.
 * ev_loop_free() closes what is left (signal watchers, handles a library
 * left behind) and runs the loop until every close has completed, so
 * nothing leaks and valgrind/ASan stay quiet at exit.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ev_uv.h"
#include "log.h"

#define MAX_SIGNALS 8

struct ev_loop {
	uv_loop_t uv;
	uv_signal_t sig[MAX_SIGNALS];
	struct {
		ev_signal_cb cb;
		void *arg;
	} sigcb[MAX_SIGNALS];
	int nsig;
	const char *stop_who; /* ev_stop_on_signals() */
	bool stopping;	      /* and one of them came */
};

struct ev_timer {
	uv_timer_t uv;
	ev_timer_cb cb;
	void *arg;
};

struct ev_io {
	uv_poll_t uv;
	ev_io_cb cb;
	void *arg;
};

/* A callback after each loop turn's I/O; with spin, turns do not block */
struct ev_turn {
	uv_check_t check;
	uv_idle_t idle;
	ev_turn_cb cb;
	void *arg;
	int closing;
};

/**
 * ev_loop_new() - create an event loop
 *
 * Return: the loop, or NULL (logged) on failure
 */
struct ev_loop *ev_loop_new(void)
{
	struct ev_loop *l = calloc(1, sizeof(*l));
	int err;

	if (!l) {
		log_error("event loop: out of memory");
		return NULL;
	}
	err = uv_loop_init(&l->uv);
	if (err) {
		log_error("event loop: %s", uv_strerror(err));
		free(l);
		return NULL;
	}
	return l;
}

uv_loop_t *ev_uv_loop(struct ev_loop *l)
{
	return &l->uv;
}

/**
 * ev_loop_run() - run until ev_loop_stop() or until nothing is left to do
 * @l:	loop
 *
 * Return: 0
 */
int ev_loop_run(struct ev_loop *l)
{
	uv_run(&l->uv, UV_RUN_DEFAULT);
	return 0;
}

void ev_loop_stop(struct ev_loop *l)
{
	uv_stop(&l->uv);
}

/* Milliseconds of the loop's monotonic clock, cached per loop turn */
uint64_t ev_now(const struct ev_loop *l)
{
	return uv_now(&l->uv);
}

static void close_any(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/**
 * ev_loop_free() - close every handle left and free the loop
 * @l:	loop; its timers and watchers must not be used afterwards
 *
 * Timers and io watchers still open belong to their owners, who should
 * have freed them; anything left (signal watchers, a library's handles)
 * is closed here.
 */
void ev_loop_free(struct ev_loop *l)
{
	if (!l)
		return;
	uv_walk(&l->uv, close_any, NULL);
	/* a stop requested earlier would end this run after one turn */
	while (uv_run(&l->uv, UV_RUN_DEFAULT))
		;
	if (uv_loop_close(&l->uv))
		log_warnx("event loop: handles still open at exit");
	free(l);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct ev_loop *l = h->loop->data;
	int i = (int)(h - l->sig);

	l->sigcb[i].cb(signum, l->sigcb[i].arg);
}

/**
 * ev_on_signal() - call @cb from the loop when @signum arrives
 * @l:		loop
 * @signum:	SIGINT, SIGTERM, SIGHUP, ...
 * @cb:		callback
 * @arg:	its argument
 *
 * Signal watchers do not keep the loop alive on their own.
 *
 * Return: 0, or -1 if no watcher is left or libuv refuses
 */
int ev_on_signal(struct ev_loop *l, int signum, ev_signal_cb cb, void *arg)
{
	uv_signal_t *h;

	if (l->nsig == MAX_SIGNALS)
		return -1;
	h = &l->sig[l->nsig];
	l->uv.data = l;
	if (uv_signal_init(&l->uv, h))
		return -1;
	l->sigcb[l->nsig].cb = cb;
	l->sigcb[l->nsig].arg = arg;
	if (uv_signal_start(h, on_signal, signum)) {
		uv_close((uv_handle_t *)h, NULL);
		return -1;
	}
	uv_unref((uv_handle_t *)h);
	l->nsig++;
	return 0;
}

/* The first SIGINT or SIGTERM stops the loop; from then on both stay
 * blocked, so another one (timeout(1) and systemd signal the process and
 * then its group) cannot kill the process while it undoes its changes to
 * the host. Still pending at exit, they are discarded. */
static void stop_signals_mask(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(how, &set, NULL);
}

/**
 * ev_defer_stop_signals() - hold SIGINT and SIGTERM until the loop is set
 *
 * Call before a role starts changing the host: a signal that comes before
 * ev_stop_on_signals() is then handled by the loop, not fatal.
 */
void ev_defer_stop_signals(void)
{
	stop_signals_mask(SIG_BLOCK);
}

static void on_stop_signal(int signum, void *arg)
{
	struct ev_loop *l = arg;

	stop_signals_mask(SIG_BLOCK);
	/* two that came before the block are both in libuv's pipe */
	if (l->stopping)
		return;
	l->stopping = true;
	log_info("%s: %s, stopping", l->stop_who, strsignal(signum));
	ev_loop_stop(l);
}

/**
 * ev_stop_on_signals() - stop the loop on the first SIGINT or SIGTERM
 * @l:		loop
 * @who:	the role, for the log line (a string that outlives @l)
 *
 * Return: 0, or -1 as ev_on_signal()
 */
int ev_stop_on_signals(struct ev_loop *l, const char *who)
{
	l->stop_who = who;
	if (ev_on_signal(l, SIGINT, on_stop_signal, l) ||
	    ev_on_signal(l, SIGTERM, on_stop_signal, l))
		return -1;
	stop_signals_mask(SIG_UNBLOCK); /* one held back arrives now */
	return 0;
}

static void on_timer(uv_timer_t *h)
{
	struct ev_timer *t = (struct ev_timer *)h;

	t->cb(t, t->arg);
}

/**
 * ev_timer_new() - create a stopped timer
 * @l:		loop
 * @cb:		called when the timer fires
 * @arg:	its argument
 *
 * Return: the timer, or NULL on out of memory
 */
struct ev_timer *ev_timer_new(struct ev_loop *l, ev_timer_cb cb, void *arg)
{
	struct ev_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	uv_timer_init(&l->uv, &t->uv);
	t->cb = cb;
	t->arg = arg;
	return t;
}

/* (Re)arm: first after @after_ms, then every @repeat_ms (0: once) */
void ev_timer_start(struct ev_timer *t, uint64_t after_ms, uint64_t repeat_ms)
{
	uv_timer_start(&t->uv, on_timer, after_ms, repeat_ms);
}

void ev_timer_stop(struct ev_timer *t)
{
	uv_timer_stop(&t->uv);
}

bool ev_timer_active(const struct ev_timer *t)
{
	return uv_is_active((const uv_handle_t *)&t->uv);
}

static void free_on_close(uv_handle_t *h)
{
	free(h);
}

void ev_timer_free(struct ev_timer *t)
{
	if (t)
		uv_close((uv_handle_t *)&t->uv, free_on_close);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct ev_io *io = (struct ev_io *)h;
	int ev = 0;

	if (status < 0)
		ev = EV_READ | EV_WRITE; /* let the owner see the error */
	if (events & UV_READABLE)
		ev |= EV_READ;
	if (events & UV_WRITABLE)
		ev |= EV_WRITE;
	io->cb(io, ev, io->arg);
}

/**
 * ev_io_new() - watch a non-blocking file descriptor
 * @l:		loop
 * @fd:		descriptor; stays owned by the caller
 * @cb:		called with EV_READ/EV_WRITE when ready
 * @arg:	its argument
 *
 * Return: the watcher (stopped), or NULL on failure
 */
struct ev_io *ev_io_new(struct ev_loop *l, int fd, ev_io_cb cb, void *arg)
{
	struct ev_io *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	if (uv_poll_init(&l->uv, &io->uv, fd)) {
		free(io);
		return NULL;
	}
	io->cb = cb;
	io->arg = arg;
	return io;
}

int ev_io_start(struct ev_io *io, int events)
{
	int uv_ev = (events & EV_READ ? UV_READABLE : 0) |
		    (events & EV_WRITE ? UV_WRITABLE : 0);

	return uv_poll_start(&io->uv, uv_ev, on_poll) ? -1 : 0;
}

void ev_io_stop(struct ev_io *io)
{
	uv_poll_stop(&io->uv);
}

void ev_io_free(struct ev_io *io)
{
	if (io)
		uv_close((uv_handle_t *)&io->uv, free_on_close);
}

static void on_check(uv_check_t *h)
{
	struct ev_turn *t = h->data;

	t->cb(t, t->arg);
}

static void on_idle(uv_idle_t *h)
{
	(void)h; /* only there so that the poll does not block */
}

/**
 * ev_turn_new() - call @cb once per loop turn, after the turn's I/O
 * @l:		loop
 * @cb:		callback, e.g. to flush what the turn's events batched
 * @arg:	its argument
 *
 * Return: the hook (stopped), or NULL on out of memory
 */
struct ev_turn *ev_turn_new(struct ev_loop *l, ev_turn_cb cb, void *arg)
{
	struct ev_turn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	uv_check_init(&l->uv, &t->check);
	uv_idle_init(&l->uv, &t->idle);
	t->check.data = t;
	t->cb = cb;
	t->arg = arg;
	return t;
}

/* Start; with @spin the loop polls without blocking (a busy producer) */
void ev_turn_start(struct ev_turn *t, bool spin)
{
	uv_check_start(&t->check, on_check);
	if (spin)
		uv_idle_start(&t->idle, on_idle);
	else
		uv_idle_stop(&t->idle);
}

void ev_turn_stop(struct ev_turn *t)
{
	uv_check_stop(&t->check);
	uv_idle_stop(&t->idle);
}

static void turn_closed(uv_handle_t *h)
{
	struct ev_turn *t = h->data;

	if (++t->closing == 2)
		free(t);
}

void ev_turn_free(struct ev_turn *t)
{
	if (!t)
		return;
	t->idle.data = t;
	uv_close((uv_handle_t *)&t->check, turn_closed);
	uv_close((uv_handle_t *)&t->idle, turn_closed);
}
