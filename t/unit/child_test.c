/* SPDX-License-Identifier: MIT */
/* child_test.c - programs run as children that die with tether
 *
 * A child's output reaches the log line by line, control characters
 * replaced and long lines cut; its exit is reported with its status; a
 * program that cannot be run is refused at once with the reason. The
 * child gets none of tether's descriptors or ignored signals, has its own
 * process group, is stopped by child_stop() even if it ignores SIGTERM,
 * and dies when its parent is SIGKILLed. The log (stderr) goes to a
 * temporary file the test reads back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "log.h"

#include "tap.h"
#include "looptest.h"

static char dir[] = "/tmp/child_test.XXXXXX";
static char logpath[64];
static int exits;
static char how[64];

static void on_exit_cb(struct child *c, const char *h, void *arg)
{
	(void)c;
	(void)arg;
	snprintf(how, sizeof(how), "%s", h);
	exits++;
	ev_loop_stop(loop);
}

/* Run sh -c @script as a child named "t"; wait for its exit */
static struct child *run_sh(const char *script)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	struct child *c;

	exits = 0;
	how[0] = '\0';
	c = child_start(loop, "t", argv, on_exit_cb, NULL);
	if (c)
		run_until(&exits, 1);
	return c;
}

static void output_and_exit(void)
{
	struct child *c;
	char script[600];

	c = run_sh("echo one; printf 'two\\033[31m\\tx\\n'; echo three >&2; "
		   "printf 'no newline'; exit 3");
	ok(c != NULL, "sh starts");
	is(exits, 1, "its exit is reported once");
	is_str(how, "exited with status 3", "with its status");
	has_str(slurp(logpath), "info: t: one\n", "standard output is logged");
	has_str(slurp(logpath), "info: t: three\n", "standard error too");
	has_str(slurp(logpath), "info: t: two?[31m?x\n",
		"control characters are replaced");
	has_str(slurp(logpath), "info: t: no newline\n",
		"a last line without newline is logged");
	child_stop(c);

	snprintf(script, sizeof(script), "printf '%%0500d\\n' 7");
	c = run_sh(script);
	has_str(slurp(logpath), "t: 0000000000", "a long line is logged");
	has_str(slurp(logpath), "00 [cut]\n", "  cut, and says so");
	ok(!strstr(slurp(logpath), "0007\n"), "  and its rest is no new line");
	child_stop(c);

	c = run_sh("kill -USR1 $$");
	is_str(how, "was killed by signal 10 (User defined signal 1)",
	       "a death by signal is named");
	child_stop(c);
}

static void cannot_run(void)
{
	char *argv[] = {"/nonexistent/dnsmasq", "--port=0", NULL};

	ok(!child_start(loop, "t", argv, on_exit_cb, NULL),
	   "a program that is not there is refused");
	has_str(slurp(logpath),
		"error: t: cannot run /nonexistent/dnsmasq: No such file or "
		"directory",
		"  with the reason");
}

/* The child has none of our descriptors, signals as default, own pgrp */
static void clean_slate(void)
{
	struct child *c;
	const char *ign;
	char line[64];

	signal(SIGPIPE, SIG_IGN);
	ok(dup2(1, 50) == 50, "fd 50 is open here (not close-on-exec)");
	c = run_sh("ls /proc/$$/fd | tr '\\n' ' ' | sed 's/^/fds: /'; echo; "
		   "grep SigIgn /proc/$$/status; "
		   "echo pgrp $(($(cut -d' ' -f5 /proc/$$/stat) - $$))");
	ok(!strstr(slurp(logpath), " 50 "), "fd 50 is closed in the child");
	has_str(slurp(logpath), "t: fds: 0 1 2 ", "it has stdin, stdout, stderr");
	ign = strstr(slurp(logpath), "t: SigIgn:?");
	ok(ign && !(strtoull(ign + 11, NULL, 16) & 1ull << (SIGPIPE - 1)),
	   "it does not ignore SIGPIPE, which is ignored here");
	has_str(slurp(logpath), "t: pgrp 0\n", "it leads its own process group");
	snprintf(line, sizeof(line), "%s", how);
	is_str(line, "exited with status 0", "it exits 0");
	child_stop(c);
	close(50);
	signal(SIGPIPE, SIG_DFL);
}

static void stops(void)
{
	char *sleep_argv[] = {"sleep", "100", NULL};
	char *stubborn[] = {"sh", "-c", "trap '' TERM; exec sleep 100", NULL};
	struct child *c;

	exits = 0;
	c = child_start(loop, "t", sleep_argv, on_exit_cb, NULL);
	ok(c != NULL, "sleep starts");
	run_for(100);
	child_stop(c);
	has_str(slurp(logpath), "info: t: stopped\n", "child_stop() ends it");
	is(exits, 0, "  which is no exit by itself");

	c = child_start(loop, "t", stubborn, on_exit_cb, NULL);
	ok(c != NULL, "a sleep that ignores SIGTERM starts");
	run_for(300); /* until sh has set the trap and exec'd */
	child_stop(c);
	has_str(slurp(logpath), "t: no exit 5 s after SIGTERM: SIGKILL",
		"child_stop() kills one that ignores SIGTERM");
	has_str(slurp(logpath), "t: was killed by signal 9", "  and says so");
	is(exits, 0, "  which is no exit by itself");
}

/* Wait at most 10 s for a file to hold a pid */
static long read_pid(const char *path)
{
	long pid = 0;

	for (int i = 0; i < 100 && !pid; i++) {
		FILE *f = fopen(path, "r");

		if (f) {
			if (fscanf(f, "%ld", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (!pid)
			usleep(100000);
	}
	return pid;
}

/* SIGKILL the parent: the child goes too */
static void dies_with_parent(void)
{
	char pidfile[64], script[256];
	char *argv[] = {"sh", "-c", script, NULL};
	struct pollfd p = {.events = POLLIN};
	pid_t parent;
	long pid;

	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(script, sizeof(script),
		 "echo $$ >%s.new; mv %s.new %s; "
		 "exec sleep 100",
		 pidfile, pidfile, pidfile);
	parent = fork();
	if (!parent) {
		struct ev_loop *l = ev_loop_new();

		if (!child_start(l, "t", argv, on_exit_cb, NULL))
			_exit(1);
		pause();
		_exit(0);
	}
	pid = read_pid(pidfile);
	ok(pid > 0, "the parent's child runs (pid %ld)", pid);
	p.fd = pid > 0 ? pidfd_open((pid_t)pid, 0) : -1;
	ok(p.fd >= 0, "  and can be watched");
	kill(parent, SIGKILL);
	waitpid(parent, NULL, 0);
	ok(p.fd >= 0 && poll(&p, 1, 10000) == 1,
	   "the child ends when its parent is SIGKILLed");
	if (p.fd >= 0)
		close(p.fd);
}

int main(void)
{
	int fd;

	if (!mkdtemp(dir))
		return 1;
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dup2(fd, 2) < 0)
		return 1;
	close(fd);
	setvbuf(stderr, NULL, _IONBF, 0);
	looptest_init();
	output_and_exit();
	cannot_run();
	clean_slate();
	stops();
	dies_with_parent();
	looptest_done();
	unlink(logpath);
	snprintf(logpath, sizeof(logpath), "%s/pid", dir);
	unlink(logpath);
	rmdir(dir);
	return tap_done();
}
