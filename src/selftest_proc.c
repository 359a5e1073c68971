/* SPDX-License-Identifier: MIT */
/* selftest_proc.c - the selftest's children, each in a network namespace
 *
 * The selftest catches SIGINT, SIGTERM and SIGHUP only to note them: every
 * wait of its own is bounded and returns early once one came, and the
 * selftest then cleans up. Its children run in sessions of their own, so
 * a terminal's Ctrl-C never reaches them directly; the selftest stops each
 * by its process group. Should the selftest itself be killed, the kernel
 * sends its children SIGTERM (daemons, which then undo their host changes)
 * or SIGKILL (the rest): only the namespaces stay, for --cleanup.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "runstate.h"
#include "selftest_proc.h"

#define POLL_MS 10

static bool keep_daemons;
static pid_t selftest_pid;
static volatile sig_atomic_t signalled;

static void on_signal(int sig)
{
	signalled = sig;
}

/**
 * selftest_proc_init() - note SIGINT, SIGTERM and SIGHUP; ignore SIGPIPE
 * @keep:	daemons outlive the selftest (--keep)
 */
void selftest_proc_init(bool keep)
{
	struct sigaction sa = {.sa_handler = on_signal};

	keep_daemons = keep;
	selftest_pid = getpid();
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a wait in progress returns with EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Return: the signal that asked the selftest to stop, or 0 */
int selftest_proc_signalled(void)
{
	return signalled;
}

static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

/**
 * selftest_proc_sleep() - sleep, unless a signal asks the selftest to stop
 * @ms:	how long
 *
 * Return: 0, or -1 if a signal came
 */
int selftest_proc_sleep(int ms)
{
	if (!signalled)
		nap(ms);
	return signalled ? -1 : 0;
}

/*
 * A resolv.conf of the child's own over /etc/resolv.conf, in the run's
 * directory, as `ip netns exec` mounts /etc/netns/NAME/resolv.conf: a
 * client sets the laptop's resolver there, never the host's
 */
static int own_resolv_conf(void)
{
	static const char text[] = "# a selftest namespace's resolv.conf\n"
				   "nameserver 192.0.2.53\n";
	char path[128];
	int fd;

	if (access("/etc/resolv.conf", F_OK))
		return 0; /* nothing of the host's to shadow */
	snprintf(path, sizeof(path), RUNSTATE_DIR "/selftest.%d/resolv.conf.%d",
		 (int)selftest_pid, (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, sizeof(text) - 1) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return mount(path, "/etc/resolv.conf", NULL, MS_BIND, NULL);
}

/*
 * As `ip netns exec` does: a mount namespace of our own, whose /sys is the
 * network namespace's (sysfs shows the namespace that mounted it), and
 * whose /etc/resolv.conf is the child's own
 */
static int own_mounts(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount("", "/", NULL, MS_SLAVE | MS_REC, NULL))
		return -1;
	if (umount2("/sys", MNT_DETACH) && errno != EINVAL)
		return -1;
	if (mount("sysfs", "/sys", "sysfs", 0, NULL))
		return -1;
	return own_resolv_conf();
}

static int redirect(const char *log)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0)
		return -1;
	close(in);
	close(out);
	return 0;
}

/* In the child: a session, a death signal, the namespaces, the log */
static int enter(int nsfd, const char *log, bool daemon)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (setsid() < 0)
		return -1;
	if ((!daemon || !keep_daemons) &&
	    (prctl(PR_SET_PDEATHSIG, daemon ? SIGTERM : SIGKILL) ||
	     getppid() != selftest_pid))
		return -1;
	if (setns(nsfd, CLONE_NEWNET) || own_mounts())
		return -1;
	return log ? redirect(log) : 0;
}

/**
 * selftest_proc_fork() - fork a child into a network namespace
 * @nsfd:	the namespace: an open /run/netns/NAME
 * @log:	the child's standard output and error (appended to, mode
 *		600), or NULL to keep ours
 * @daemon:	true: SIGTERM when the selftest dies, none with --keep;
 *		false: SIGKILL when the selftest dies
 *
 * The child is the leader of a new session and process group.
 *
 * Return: in the parent the child's pid, or -1; in the child 0
 */
pid_t selftest_proc_fork(int nsfd, const char *log, bool daemon)
{
	sigset_t all, old;
	pid_t pid;

	/* until the child has its own session and default handlers, a
	 * signal for it waits (selftest_proc_stop() may come that early) */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid < 0)
		log_warn("selftest: fork");
	if (pid) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return pid;
	}
	if (enter(nsfd, log, daemon)) {
		log_warn("selftest: entering the network namespace");
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/**
 * selftest_proc_exec() - run this binary as a daemon in a namespace
 * @nsfd:	the namespace
 * @log:	its standard output and error
 * @argv:	its arguments, argv[0] first
 *
 * Return: its pid, or -1
 */
pid_t selftest_proc_exec(int nsfd, const char *log, char *const argv[])
{
	pid_t pid = selftest_proc_fork(nsfd, log, true);

	if (pid)
		return pid;
	execv("/proc/self/exe", argv);
	log_warn("selftest: exec /proc/self/exe");
	_exit(127);
}

/**
 * selftest_proc_exited() - has a child ended? (it is reaped if so)
 * @pid:	the child
 * @status:	its wait status, if it ended
 *
 * Return: true if it ended
 */
bool selftest_proc_exited(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

/**
 * selftest_proc_stop() - signal a child's process group and reap the child
 * @pid:	the child
 * @sig:	SIGTERM to ask it to stop, SIGKILL to kill it
 * @ms:		how long it may take before SIGKILL
 *
 * Return: its wait status, or -1 if it is not a child of ours
 */
int selftest_proc_stop(pid_t pid, int sig, int ms)
{
	int status;

	/* no group yet if the child has not reached setsid() */
	if (kill(-pid, sig))
		kill(pid, sig);
	for (int i = 0; i <= ms / POLL_MS; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		nap(POLL_MS);
	}
	if (kill(-pid, SIGKILL))
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/**
 * selftest_proc_listening() - does a socket of a process's namespace listen?
 * @pid:	a process in the namespace
 * @proto:	"tcp" (a listening socket) or "udp" (a bound one)
 * @port:	the local port
 *
 * Return: true if one does
 */
bool selftest_proc_listening(pid_t pid, const char *proto, uint16_t port)
{
	char path[64], line[256];
	unsigned lport, state;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, proto);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, " %*u: %*x:%x %*x:%*x %x", &lport,
			       &state) == 2 &&
			lport == port &&
			(strcmp(proto, "tcp") || state == 0x0a);
	fclose(f);
	return found;
}

/* Signal every process in a network namespace. Return: how many */
static int signal_netns(unsigned long long netns, int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[300];
		struct stat st;
		pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);

		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (pid <= 0 || pid == getpid() || stat(path, &st) ||
		    st.st_ino != netns)
			continue;
		if (!kill(pid, sig))
			n++;
	}
	closedir(d);
	return n;
}

/**
 * selftest_proc_kill_netns() - end every process in a network namespace
 * @netns:	its inode number
 *
 * SIGTERM first, so tether's roles undo what they did; SIGKILL for what
 * is still there 5 s later.
 *
 * Return: how many processes there were
 */
int selftest_proc_kill_netns(unsigned long long netns)
{
	int n = signal_netns(netns, SIGTERM);

	for (int i = 0; i < 5000 / POLL_MS && signal_netns(netns, 0); i++)
		nap(POLL_MS);
	if (signal_netns(netns, SIGKILL))
		for (int i = 0; i < 1000 / POLL_MS && signal_netns(netns, 0);
		     i++)
			nap(POLL_MS);
	return n;
}
