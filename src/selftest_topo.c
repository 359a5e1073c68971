/* SPDX-License-Identifier: MIT */
/* selftest_topo.c - a selftest run's footprint: namespaces and run directory
 *
 * The namespaces are iproute2's named ones (/run/netns/NAME), made and
 * wired by running ip(8), so that what the selftest builds is what a
 * person types, and `ip netns exec` explores a --keep run. The plan below
 * is the picture in selftest.h, one ip command per line.
 *
 * Removing a run ends every process in its namespaces (SIGTERM first, so
 * tether's roles undo their own changes), removes the state files in
 * /run/tether of roles that were killed (what they list lived in the
 * namespace and goes with it), deletes the namespaces (their links go with
 * them) and the run directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "runstate.h"
#include "selftest_proc.h"
#include "selftest_topo.h"

#define NETNS_DIR "/run/netns"
#define MAX_RUNS  256

static const char *const hosts[SELFTEST_HOSTS] = {
	[SELFTEST_LAPTOP] = "laptop",	  [SELFTEST_LAPTOP2] = "laptop2",
	[SELFTEST_PHONE] = "phone",	  [SELFTEST_SERVER] = "server",
	[SELFTEST_INTERNET] = "internet",
};

/*
 * HOST ARGS: `ip -n tstID-HOST ARGS`, where @HOST in ARGS is that host's
 * namespace; HOST sysctl KEY VALUE sets a sysctl in the namespace
 */
static const char *const plan[] = {
	/* the phone's Wi-Fi: a bridge that both laptops join */
	"phone    link add br0 type bridge",
	"laptop   link add wifi0 type veth peer name lap1 netns @phone",
	"laptop2  link add wifi0 type veth peer name lap2 netns @phone",
	"phone    link set lap1 master br0",
	"phone    link set lap2 master br0",
	/* the phone's mobile data to the server; the server's uplink */
	"phone    link add srv0 type veth peer name rly0 netns @server",
	"server   link add egr0 type veth peer name srv0 netns @internet",
	"laptop   link set wifi0 up",
	"laptop2  link set wifi0 up",
	"phone    link set br0 up",
	"phone    link set lap1 up",
	"phone    link set lap2 up",
	"phone    link set srv0 up",
	"server   link set rly0 up",
	"server   link set egr0 up",
	"internet link set srv0 up",
	"laptop   addr add 169.254.1.1/16 dev wifi0",
	"laptop2  addr add 169.254.1.3/16 dev wifi0",
	"phone    addr add 169.254.1.2/16 dev br0",
	"phone    addr add 198.51.100.2/24 dev srv0",
	"server   addr add 198.51.100.1/24 dev rly0",
	"server   addr add 203.0.113.1/24 dev egr0",
	"internet addr add 203.0.113.2/24 dev srv0",
	"internet addr add 198.18.0.1/32 dev lo",
	/* laptop2 reaches the server (udp://) through the phone, a router */
	"laptop2  route add default via 169.254.1.2",
	"phone    sysctl net/ipv4/ip_forward 1",
	"server   route add 169.254.0.0/16 via 198.51.100.2",
	"server   route add default via 203.0.113.2",
};

static const char *ip_path(void)
{
	static const char *const paths[] = {"/usr/sbin/ip", "/sbin/ip",
					    "/usr/bin/ip", "/bin/ip"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Read what a child says on @fd into @buf, to the end; Return: length */
static size_t slurp(int fd, char *buf, size_t len)
{
	size_t n = 0;
	char sink[256];

	for (;;) {
		ssize_t r = n + 1 < len ? read(fd, buf + n, len - 1 - n)
					: read(fd, sink, sizeof(sink));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < len)
			n += (size_t)r;
	}
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/* Run ip(8) with the space-separated @args; log its complaint if it fails */
static int ip(const char *args)
{
	char buf[256], err[256], *argv[32], *save = NULL;
	const char *path = ip_path();
	int p[2], n = 0;
	pid_t pid;

	snprintf(buf, sizeof(buf), "%s", args);
	argv[n++] = "ip";
	for (char *w = strtok_r(buf, " ", &save); w && n < 31;
	     w = strtok_r(NULL, " ", &save))
		argv[n++] = w;
	argv[n] = NULL;
	log_debug("selftest: ip %s", args);
	if (!path || pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execv(path, argv);
		_exit(127);
	}
	close(p[1]);
	*err = '\0';
	if (pid > 0)
		slurp(p[0], err, sizeof(err));
	close(p[0]);
	if (pid < 0 || reap(pid)) {
		log_error("selftest: ip %s: %s", args, *err ? err : "failed");
		return -1;
	}
	return 0;
}

/* Set a sysctl (KEY as a path under /proc/sys) inside a namespace */
static int sysctl_in(int nsfd, const char *key, const char *value)
{
	char path[128];
	pid_t pid = selftest_proc_fork(nsfd, NULL, false);
	FILE *f;

	if (pid) {
		if (pid > 0 && !reap(pid))
			return 0;
		log_error("selftest: could not set %s to %s", key, value);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	f = fopen(path, "we");
	_exit(!f || fputs(value, f) < 0 || fclose(f));
}

/**
 * selftest_topo_preflight() - can the selftest run here? Says why not.
 *
 * Return: 0 if it can, -1 if not
 */
int selftest_topo_preflight(void)
{
	int fd;

	if (geteuid()) {
		log_error("selftest: it needs root: it creates network "
			  "namespaces, TUN devices and nftables tables (try "
			  "sudo)");
		return -1;
	}
	if (access("/proc/self/ns/net", F_OK)) {
		log_error("selftest: this kernel has no network namespaces "
			  "(CONFIG_NET_NS)");
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		log_warn("selftest: the client needs /dev/net/tun (modprobe "
			 "tun)");
		return -1;
	}
	close(fd);
	if (!ip_path()) {
		log_error("selftest: ip(8) is missing: apt-get install "
			  "iproute2");
		return -1;
	}
	return 0;
}

/* Return: a host's name, "laptop" */
const char *selftest_topo_host(enum selftest_host h)
{
	return hosts[h];
}

/**
 * selftest_topo_ns() - the name of a host's namespace in a run
 * @run:	the run (the selftest's pid)
 * @h:		the host
 * @buf:	where to put it
 * @len:	size of @buf
 *
 * Return: @buf, holding tstRUN-HOST
 */
const char *selftest_topo_ns(pid_t run, enum selftest_host h, char *buf,
			     size_t len)
{
	snprintf(buf, len, SELFTEST_NS_PREFIX "%d-%s", (int)run, hosts[h]);
	return buf;
}

/* Return: @buf, holding the run's directory, /run/tether/selftest.RUN */
const char *selftest_topo_dir(pid_t run, char *buf, size_t len)
{
	snprintf(buf, len, RUNSTATE_DIR "/selftest.%d", (int)run);
	return buf;
}

/* One line of the plan: `ip -n NS ARGS` with @HOST replaced */
static int do_plan(pid_t run, const int nsfd[SELFTEST_HOSTS], const char *line)
{
	char copy[160], args[256], ns[32], *save = NULL;
	size_t n;
	int host = -1;
	char *w = strtok_r(strcpy(copy, line), " ", &save);

	for (int h = 0; h < SELFTEST_HOSTS; h++)
		if (!strcmp(w, hosts[h]))
			host = h;
	w = strtok_r(NULL, " ", &save);
	if (!strcmp(w, "sysctl")) {
		char *key = strtok_r(NULL, " ", &save);

		return sysctl_in(nsfd[host], key, strtok_r(NULL, " ", &save));
	}
	n = (size_t)snprintf(args, sizeof(args), "-n %s",
			     selftest_topo_ns(run, host, ns, sizeof(ns)));
	for (; w && n < sizeof(args); w = strtok_r(NULL, " ", &save)) {
		const char *word = w;

		for (int h = 0; *w == '@' && h < SELFTEST_HOSTS; h++)
			if (!strcmp(w + 1, hosts[h]))
				word = selftest_topo_ns(run, h, ns, sizeof(ns));
		n += (size_t)snprintf(args + n, sizeof(args) - n, " %s", word);
	}
	return ip(args);
}

/* Create a host's namespace, open it, bring its loopback up */
static int add_host(pid_t run, enum selftest_host h, int *fd)
{
	char ns[32], args[64], path[64];

	selftest_topo_ns(run, h, ns, sizeof(ns));
	snprintf(args, sizeof(args), "netns add %s", ns);
	if (ip(args)) {
		log_error("selftest: could not create network namespace %s "
			  "(see above)",
			  ns);
		return -1;
	}
	snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		log_warn("selftest: %s", path);
		return -1;
	}
	snprintf(args, sizeof(args), "-n %s link set lo up", ns);
	return ip(args);
}

/**
 * selftest_topo_build() - the run directory and the namespaces, wired
 * @run:	the run
 * @nsfd:	set to the open namespaces (-1 where none); the caller closes
 *
 * What a dead earlier run with the same id left is removed first. On
 * failure what was made stays, for selftest_topo_remove().
 *
 * Return: 0, or -1 with the reason logged
 */
int selftest_topo_build(pid_t run, int nsfd[SELFTEST_HOSTS])
{
	char dir[64];

	for (int h = 0; h < SELFTEST_HOSTS; h++)
		nsfd[h] = -1;
	if (selftest_topo_remove(run) > 0)
		log_info("selftest: removed what a dead run %d left", (int)run);
	selftest_topo_dir(run, dir, sizeof(dir));
	if (runstate_mkdir() || mkdir(dir, 0700)) {
		log_warn("selftest: %s", dir);
		return -1;
	}
	for (int h = 0; h < SELFTEST_HOSTS; h++)
		if (add_host(run, h, &nsfd[h]))
			return -1;
	for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++)
		if (do_plan(run, nsfd, plan[i]))
			return -1;
	return 0;
}

/* Remove tether's state files of a namespace (from a role that died) */
static void remove_state_files(unsigned long long netns)
{
	DIR *d = opendir(RUNSTATE_DIR);
	struct dirent *e;
	char suffix[32];
	size_t s = (size_t)snprintf(suffix, sizeof(suffix), ".%llu", netns);

	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > s && !strcmp(e->d_name + n - s, suffix) &&
		    !unlinkat(dirfd(d), e->d_name, 0))
			log_info("selftest: removed " RUNSTATE_DIR "/%s",
				 e->d_name);
	}
	if (d)
		closedir(d);
}

/* Remove a directory and the files in it */
static int remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	return rmdir(path);
}

/**
 * selftest_topo_remove() - remove everything a run made
 * @run:	the run
 *
 * Return: how many namespaces were removed, or -1 if something stays
 */
int selftest_topo_remove(pid_t run)
{
	char ns[32], path[64], args[64];
	int n = 0, ret = 0;
	struct stat st;

	for (int h = 0; h < SELFTEST_HOSTS; h++) {
		selftest_topo_ns(run, h, ns, sizeof(ns));
		snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
		if (stat(path, &st))
			continue;
		selftest_proc_kill_netns((unsigned long long)st.st_ino);
		remove_state_files((unsigned long long)st.st_ino);
		snprintf(args, sizeof(args), "netns del %s", ns);
		if (ip(args))
			ret = -1;
		else
			n++;
	}
	if (remove_dir(selftest_topo_dir(run, path, sizeof(path)))) {
		log_warn("selftest: %s", path);
		ret = -1;
	}
	return ret ? -1 : n;
}

/* Is @pid a selftest that still runs (not a --cleanup)? */
static bool running(pid_t pid)
{
	char path[64], cmd[4096];
	bool role = false, cleanup = false;
	const char *prev = "";
	int fd;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (len <= 0)
		return false;
	cmd[len] = '\0';
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(cmd + i) + 1) {
		const char *arg = cmd + i;

		role |= !strcmp(arg, "--role=selftest") ||
			(!strcmp(prev, "--role") && !strcmp(arg, "selftest"));
		cleanup |= !strcmp(arg, "--cleanup");
		prev = arg;
	}
	return role && !cleanup;
}

/* Add the runs named by the entries of @dir (by @match) to @runs */
static void find_runs(const char *dir, pid_t (*match)(const char *name),
		      pid_t *runs, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		pid_t run = match(e->d_name);
		size_t i;

		for (i = 0; i < *n && runs[i] != run; i++)
			;
		if (run > 0 && i == *n && *n < MAX_RUNS)
			runs[(*n)++] = run;
	}
	if (d)
		closedir(d);
}

/* tstRUN-HOST, for one of our hosts: RUN, or 0 */
static pid_t match_ns(const char *name)
{
	int run, end = 0;

	if (sscanf(name, SELFTEST_NS_PREFIX "%d-%n", &run, &end) != 1 || !end)
		return 0;
	for (int h = 0; h < SELFTEST_HOSTS; h++)
		if (!strcmp(name + end, hosts[h]))
			return run;
	return 0;
}

/* selftest.RUN: RUN, or 0 */
static pid_t match_dir(const char *name)
{
	int run, end = 0;

	if (sscanf(name, "selftest.%d%n", &run, &end) != 1 || name[end])
		return 0;
	return run;
}

/**
 * selftest_topo_remove_stale() - remove the runs whose selftest is gone
 *
 * A run kept with --keep, or one whose selftest was killed. A selftest
 * that still runs keeps its run.
 *
 * Return: how many runs were removed, or -1 if something stays
 */
int selftest_topo_remove_stale(void)
{
	pid_t runs[MAX_RUNS];
	size_t n = 0;
	int removed = 0;

	find_runs(NETNS_DIR, match_ns, runs, &n);
	find_runs(RUNSTATE_DIR, match_dir, runs, &n);
	for (size_t i = 0; i < n; i++) {
		int k;

		if (running(runs[i])) {
			log_info("selftest: run %d is still going: left alone",
				 (int)runs[i]);
			continue;
		}
		k = selftest_topo_remove(runs[i]);
		if (k < 0)
			return -1;
		log_info("selftest: removed run %d (%d namespace%s)",
			 (int)runs[i], k, k == 1 ? "" : "s");
		removed++;
	}
	return removed;
}
