/* SPDX-License-Identifier: MIT */
/* runcmd.c - run a helper program and wait for it, bounded in time
 *
 * posix_spawnp() with a pipe on standard input (the input is small enough
 * to sit in the pipe whole, so writing it never blocks) and one pipe for
 * standard output and error. The child starts with default signal
 * dispositions, an empty signal mask and no descriptor of ours but those
 * three. We read its output while polling for its exit, so a grandchild
 * that keeps the pipe open does not hold us up; past the time limit the
 * child is killed with SIGKILL and reaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "runcmd.h"

#define POLL_MS		   100
#define DEFAULT_TIMEOUT_MS 10000

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keep what fits of what is readable on @fd. Return: false at EOF */
static bool drain(int fd, struct runcmd *rc, size_t *len)
{
	char buf[256];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t room = sizeof(rc->output) - 1 - *len;
		size_t k = (size_t)n < room ? (size_t)n : room;

		memcpy(rc->output + *len, buf, k);
		*len += k;
		rc->output[*len] = '\0';
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static int spawn(struct runcmd *rc, int in, int out, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all, none;
	int err;

	sigfillset(&all);
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, out, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_SETSIGMASK);
	err = posix_spawnp(pid, rc->argv[0], &fa, &at, (char *const *)rc->argv,
			   environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return err;
}

/* Read the output until the child exits or time is up; its wait status */
static int wait_child(struct runcmd *rc, pid_t pid, int out)
{
	long long deadline = now_ms() + rc->timeout_ms;
	struct pollfd p = {.fd = out, .events = POLLIN};
	bool open = true;
	size_t len = 0;
	int status;

	for (;;) {
		long long left = deadline - now_ms();
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			if (open)
				drain(out, rc, &len);
			return status;
		}
		if (w < 0 && errno != EINTR)
			return -1;
		if (left <= 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			errno = ETIMEDOUT;
			return -1;
		}
		if (!open) {
			poll(NULL, 0, left < POLL_MS ? (int)left : POLL_MS);
			continue;
		}
		if (poll(&p, 1, left < POLL_MS ? (int)left : POLL_MS) > 0)
			open = drain(out, rc, &len);
	}
}

/**
 * runcmd() - run a program, feed it its input, wait for it
 * @rc:		argv, input and time limit (0: 10 s); gets the output
 *
 * Return: its exit status (128 + N if signal N ended it), or -1 with
 * errno set: ENOENT if it is not on PATH, ETIMEDOUT if it was killed for
 * taking too long, EINVAL if the input is too long for a pipe
 */
int runcmd(struct runcmd *rc)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err, status = -1;
	size_t ilen = rc->input ? strlen(rc->input) : 0;
	pid_t pid;

	rc->output[0] = '\0';
	if (!rc->timeout_ms)
		rc->timeout_ms = DEFAULT_TIMEOUT_MS;
	if (ilen > PIPE_BUF) {
		errno = EINVAL;
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		goto out;
	if (write(in[1], rc->input ? rc->input : "", ilen) != (ssize_t)ilen)
		goto out;
	close(in[1]);
	in[1] = -1;
	err = spawn(rc, in[0], out[1], &pid);
	if (err) {
		errno = err;
		goto out;
	}
	close(out[1]);
	out[1] = -1;
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	status = wait_child(rc, pid, out[0]);
	if (status >= 0)
		status = WIFEXITED(status) ? WEXITSTATUS(status)
					   : 128 + WTERMSIG(status);
out:
	err = errno;
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	errno = err;
	return status;
}

/* The command line, for the log: "resolvectl dns tether0 192.0.2.53" */
static const char *cmdline(const char *const *argv, char *buf, size_t len)
{
	size_t off = 0;

	*buf = '\0';
	for (; *argv && off < len; argv++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					off ? " " : "", *argv);
	return buf;
}

/**
 * runcmd_checked() - run a program; log it if it fails
 * @argv:	the program and its arguments (looked up on PATH)
 * @input:	its standard input, or NULL
 *
 * A failure is logged as a warning with the command line and the first
 * line of what the program said.
 *
 * Return: 0 if it exited 0, else -1 (errno ENOENT: not on PATH)
 */
int runcmd_checked(const char *const *argv, const char *input)
{
	struct runcmd rc = {.argv = argv, .input = input};
	char line[256];
	int status = runcmd(&rc);

	rc.output[strcspn(rc.output, "\n")] = '\0';
	cmdline(argv, line, sizeof(line));
	if (status < 0) {
		log_warn("running %s", line);
		return -1;
	}
	if (status) {
		log_warnx("%s: exit status %d%s%s", line, status,
			  *rc.output ? ": " : "", rc.output);
		errno = EIO;
		return -1;
	}
	return 0;
}
