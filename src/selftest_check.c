/* SPDX-License-Identifier: MIT */
/* selftest_check.c - running the selftest's checks, printing their results
 *
 * Each check runs in a child that entered the check's namespace, so that
 * it can take its time, hang or crash without taking the selftest along:
 * the selftest waits for its verdict at most the check's time limit (the
 * child also has an alarm), then kills it. The child reports on a pipe:
 * 's' asks the selftest to run the check's next step (and waits for '1',
 * done, or '0', failed, on a second pipe); 'P' or 'F' and the figure end
 * it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "selftest_check.h"
#include "selftest_proc.h"

static int sync_out = -1, sync_in = -1; /* in the child */

/* Print a check's name as it starts */
void selftest_check_begin(struct selftest_outcome *o, const char *name)
{
	o->name = name;
	o->result = SELFTEST_NOT_RUN;
	o->figure[0] = '\0';
	printf("check %-14s ", name);
	fflush(stdout);
}

/* Print its result and figure */
void selftest_check_end(struct selftest_outcome *o, bool passed)
{
	o->result = passed ? SELFTEST_PASS : SELFTEST_FAIL;
	printf("%-4s %s\n", passed ? "ok" : "FAIL", o->figure);
	fflush(stdout);
}

/**
 * selftest_check_sync() - in a check: have the selftest run the next step
 *
 * Return: 0 once it ran, -1 if it failed
 */
int selftest_check_sync(void)
{
	char go;

	if (write(sync_out, "s", 1) != 1 || read(sync_in, &go, 1) != 1)
		return -1;
	return go == '1' ? 0 : -1;
}

static noreturn void child(const struct selftest_check *c, int out, int in)
{
	char figure[SELFTEST_WHY] = "";
	int ret;

	sync_out = out;
	sync_in = in;
	alarm((unsigned)c->timeout_s);
	ret = c->run(c->arg, figure);
	dprintf(out, "%c%s", ret ? 'F' : 'P', figure);
	_exit(0);
}

/* What the child said: run steps, keep the verdict; -1 once it is gone */
static int listen_child(const struct selftest_check *c, int in, int go,
			int *steps, struct selftest_outcome *o, int *verdict)
{
	char buf[SELFTEST_WHY];
	ssize_t n = read(in, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && errno == EINTR ? 0 : -1;
	for (ssize_t i = 0; i < n; i++) {
		size_t len = strlen(o->figure);

		if (*verdict) {
			if (len + 1 < sizeof(o->figure)) {
				o->figure[len] = buf[i];
				o->figure[len + 1] = '\0';
			}
		} else if (buf[i] == 'P' || buf[i] == 'F') {
			*verdict = buf[i];
		} else if (buf[i] == 's') {
			int ok = c->step && !c->step(c->step_arg, ++*steps);

			if (write(go, ok ? "1" : "0", 1) != 1)
				return -1;
		}
	}
	return 0;
}

/* Why a child ended without a verdict */
static void died(struct selftest_outcome *o, int status, int timeout_s)
{
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(o->figure, sizeof(o->figure), "timed out after %d s",
			 timeout_s);
	else if (WIFSIGNALED(status))
		snprintf(o->figure, sizeof(o->figure),
			 "the check died of signal %d", WTERMSIG(status));
	else
		snprintf(o->figure, sizeof(o->figure),
			 "the check ended without a verdict");
}

/**
 * selftest_check_run() - run a check in its namespace, print its result
 * @c:	the check
 * @o:	its outcome
 */
void selftest_check_run(const struct selftest_check *c,
			struct selftest_outcome *o)
{
	double deadline = selftest_probe_now() + c->timeout_s;
	int res[2], go[2], steps = 0, verdict = 0, status = 0;
	pid_t pid;

	selftest_check_begin(o, c->name);
	if (pipe2(res, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		snprintf(o->figure, sizeof(o->figure), "pipe: %s",
			 strerror(errno));
		selftest_check_end(o, false);
		return;
	}
	fflush(NULL);
	pid = selftest_proc_fork(c->nsfd, NULL, false);
	if (!pid)
		child(c, res[1], go[0]);
	if (pid < 0)
		snprintf(o->figure, sizeof(o->figure), "fork: %s",
			 strerror(errno));
	close(res[1]);
	close(go[0]);
	while (pid > 0 && !selftest_proc_signalled()) {
		struct pollfd p = {.fd = res[0], .events = POLLIN};
		double left = deadline - selftest_probe_now();

		if (left <= 0 ||
		    (poll(&p, 1, (int)(left * 1000) + 1) > 0 &&
		     listen_child(c, res[0], go[1], &steps, o, &verdict)))
			break;
	}
	close(res[0]);
	close(go[1]);
	if (pid > 0)
		status = selftest_proc_stop(pid, SIGKILL, 0);
	if (selftest_proc_signalled())
		snprintf(o->figure, sizeof(o->figure), "interrupted");
	else if (!verdict && selftest_probe_now() >= deadline)
		snprintf(o->figure, sizeof(o->figure), "timed out after %d s",
			 c->timeout_s);
	else if (!verdict && pid > 0)
		died(o, status, c->timeout_s);
	selftest_check_end(o, verdict == 'P' && !selftest_proc_signalled());
}

/**
 * selftest_check_summary() - print the table of every check's result
 * @o:	the outcomes
 * @n:	how many
 *
 * Return: how many checks did not pass
 */
int selftest_check_summary(const struct selftest_outcome *o, size_t n)
{
	static const char *const results[] = {
		[SELFTEST_NOT_RUN] = "-",
		[SELFTEST_PASS] = "ok",
		[SELFTEST_FAIL] = "FAIL",
	};
	int passed = 0, failed = 0;

	printf("\n%-15s %-6s %s\n", "check", "result", "figure");
	for (size_t i = 0; i < n; i++) {
		printf("%-15s %-6s %s\n", o[i].name, results[o[i].result],
		       o[i].result == SELFTEST_NOT_RUN ? "not run"
						       : o[i].figure);
		passed += o[i].result == SELFTEST_PASS;
		failed += o[i].result == SELFTEST_FAIL;
	}
	printf("%d passed, %d failed, %zu not run\n", passed, failed,
	       n - (size_t)passed - (size_t)failed);
	fflush(stdout);
	return (int)n - passed;
}
