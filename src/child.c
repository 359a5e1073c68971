/* SPDX-License-Identifier: MIT */
/* child.c - another program run as a child that dies with tether
 *
 * fork() and exec, with the child set up to die with its parent: it asks
 * for SIGTERM when tether goes (PR_SET_PDEATHSIG, which even a SIGKILL of
 * tether triggers) and gives up if tether died before it asked. It gets
 * its own process group, so a Ctrl-C at the terminal reaches tether only
 * and tether stops it in order; every descriptor of tether's is closed on
 * exec, and its output and error go through a pipe into tether's log,
 * line by line, control characters replaced. A pidfd tells the event loop
 * when it ends; child_stop() ends it (SIGTERM, then SIGKILL) and reaps it.
 *
 * Nothing may change the child's credentials after exec (a program that
 * drops to another user): that clears the parent-death signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "ev.h"
#include "log.h"

#define LINE_MAX_LEN   256  /* longer output lines are cut */
#define READS_PER_TURN 16   /* of up to a pipe's worth each */
#define STOP_WAIT_MS   5000 /* after SIGTERM, before SIGKILL */

struct child {
	char name[16];
	pid_t pid; /* 0 once reaped */
	int pidfd, out;
	struct ev_io *exit_io, *out_io;
	child_exit_cb cb;
	void *arg;
	char line[LINE_MAX_LEN];
	size_t len;
	bool cut; /* the line is longer than we keep */
};

/* In the child, between fork and exec (signals blocked): async-signal-safe
 * calls only */
static _Noreturn void exec_child(char *const argv[], pid_t parent, int out,
				 int err)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int null, e;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		_exit(127); /* tether is gone already */
	setpgid(0, 0);
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL); /* ignored ones would stay so */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0 || close_range(3, ~0U, CLOSE_RANGE_CLOEXEC))
		goto fail;
	execvp(argv[0], argv);
fail:
	e = errno;
	while (write(err, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* Log the line so far, printable */
static void flush_line(struct child *c)
{
	if (!c->len && !c->cut)
		return;
	c->line[c->len] = '\0';
	log_info("%s: %s%s", c->name, c->line, c->cut ? " [cut]" : "");
	c->len = 0;
	c->cut = false;
}

static void forward(struct child *c, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\n')
			flush_line(c);
		else if (c->len == sizeof(c->line) - 1)
			c->cut = true;
		else
			c->line[c->len++] =
				ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
}

/* Read what the pipe holds (bounded); false at its end or on error */
static bool drain(struct child *c)
{
	char buf[4096];

	for (int i = 0; i < READS_PER_TURN; i++) {
		ssize_t n = read(c->out, buf, sizeof(buf));

		if (n > 0) {
			forward(c, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		flush_line(c); /* the end: the last line had no newline */
		return false;
	}
	return true;
}

static void on_out(struct ev_io *io, int events, void *arg)
{
	(void)events;
	if (!drain(arg))
		ev_io_stop(io);
}

static void describe(int status, char *how, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(how, len, "was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(how, len, "exited with status %d",
			 WEXITSTATUS(status));
}

/* Reaped: its last words to the log, the watchers stopped */
static void reaped(struct child *c, int status, char *how, size_t len)
{
	c->pid = 0;
	while (drain(c))
		; /* the writer is gone: the pipe ends */
	ev_io_stop(c->out_io);
	ev_io_stop(c->exit_io);
	describe(status, how, len);
}

/* waitpid() that blocks; the child has been signalled */
static int reap(struct child *c)
{
	int status = 0;
	pid_t r;

	do
		r = waitpid(c->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	return status;
}

static void on_exit_io(struct ev_io *io, int events, void *arg)
{
	struct child *c = arg;
	char how[64];
	int status;
	pid_t r;

	(void)io;
	(void)events;
	do
		r = waitpid(c->pid, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return;
	reaped(c, status, how, sizeof(how));
	c->cb(c, how, c->arg);
}

static void child_free(struct child *c)
{
	ev_io_free(c->exit_io);
	ev_io_free(c->out_io);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->out >= 0)
		close(c->out);
	free(c);
}

/* The parent's half of the start: exec's outcome, then the watchers */
static int watch(struct child *c, struct ev_loop *l, const char *prog, int err)
{
	ssize_t n;
	int e;

	do
		n = read(err, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(e)) {
		log_error("%s: cannot run %s: %s", c->name, prog, strerror(e));
		return -1;
	}
	c->pidfd = pidfd_open(c->pid, 0);
	if (c->pidfd < 0 || fcntl(c->out, F_SETFL, O_NONBLOCK)) {
		log_warn("%s: watching %s", c->name, prog);
		return -1;
	}
	c->exit_io = ev_io_new(l, c->pidfd, on_exit_io, c);
	c->out_io = ev_io_new(l, c->out, on_out, c);
	if (!c->exit_io || !c->out_io || ev_io_start(c->exit_io, EV_READ) ||
	    ev_io_start(c->out_io, EV_READ)) {
		log_error("%s: watching %s: out of memory", c->name, prog);
		return -1;
	}
	return 0;
}

/**
 * child_start() - run a program as a child that dies with tether
 * @l:		the loop that watches it
 * @name:	what its log lines start with ("dhcp")
 * @argv:	the program (looked up in PATH) and its arguments
 * @cb:		called once if it ends before child_stop(); may not call
 *		child_stop() itself
 * @arg:	@cb's argument
 *
 * Return: the child, or NULL (logged: a program that cannot be run is
 * named with the reason)
 */
struct child *child_start(struct ev_loop *l, const char *name,
			  char *const argv[], child_exit_cb cb, void *arg)
{
	struct child *c = calloc(1, sizeof(*c));
	int out[2] = {-1, -1}, err[2] = {-1, -1};
	pid_t parent = getpid();
	sigset_t all, old;

	if (!c) {
		log_error("%s: out of memory", name);
		return NULL;
	}
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->cb = cb;
	c->arg = arg;
	c->pidfd = c->out = -1;
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		log_warn("%s: starting %s", name, argv[0]);
		goto fail;
	}
	/* no handler of tether's may run in the child */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	c->pid = fork();
	if (!c->pid)
		exec_child(argv, parent, out[1], err[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (c->pid < 0) {
		log_warn("%s: starting %s", name, argv[0]);
		goto fail;
	}
	c->out = out[0];
	out[0] = -1;
	close(out[1]);
	close(err[1]);
	out[1] = err[1] = -1;
	if (watch(c, l, argv[0], err[0]))
		goto fail;
	close(err[0]);
	log_debug("%s: %s runs as pid %ld", name, argv[0], (long)c->pid);
	return c;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	if (c->pid > 0) {
		kill(c->pid, SIGKILL); /* it has not served anything yet */
		reap(c);
	}
	child_free(c);
	return NULL;
}

/* Wait for the exit, at most @ms; true once it exited */
static bool wait_exit(struct child *c, int ms)
{
	struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/**
 * child_stop() - end a child (SIGTERM, SIGKILL after 5 s), reap and free it
 * @c:	the child, or NULL; one that ended by itself is only freed
 */
void child_stop(struct child *c)
{
	char how[64];
	int status;

	if (!c)
		return;
	if (c->pid > 0) {
		kill(c->pid, SIGTERM);
		if (!wait_exit(c, STOP_WAIT_MS)) {
			log_warnx("%s: no exit %d s after SIGTERM: SIGKILL",
				  c->name, STOP_WAIT_MS / 1000);
			kill(c->pid, SIGKILL);
		}
		status = reap(c);
		reaped(c, status, how, sizeof(how));
		if ((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) ||
		    (WIFEXITED(status) && !WEXITSTATUS(status)))
			log_info("%s: stopped", c->name);
		else
			log_warnx("%s: %s", c->name, how);
	}
	child_free(c);
}
