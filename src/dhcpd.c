/* SPDX-License-Identifier: MIT */
/* dhcpd.c - DHCP for the phone: dnsmasq, started and stopped by the client
 *
 * dnsmasq runs as the client's child (child.c): it dies with the client
 * even on SIGKILL, its log lines go to the client's log. Its lease and pid
 * files are RUNSTATE_DIR/dnsmasq-leases.NETNS and dnsmasq-pid.NETNS, named
 * after the network namespace like the client's state file, so they need
 * no record in it: the client removes them when dnsmasq stops, and
 * dhcpd_cleanup() removes what a run that died left, after stopping the
 * dnsmasq the pid file names should it still run (the parent-death
 * signal is SIGTERM, which takes a moment).
 *
 * If dnsmasq cannot start or ends by itself, the client stops with an
 * error rather than run on without it: an Android phone cannot join a
 * Wi-Fi that gives it no address, and running on would look like the
 * phone's fault. A service manager restarts both.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "child.h"
#include "dhcpd.h"
#include "log.h"
#include "netcfg_state.h"
#include "runstate.h"

#define PATH_LEN     64
#define CMDLINE_MAX  4096
#define STOP_WAIT_MS 5000

struct dhcpd {
	struct child *child;
	char leases[PATH_LEN], pidfile[PATH_LEN];
	void (*died)(void *arg);
	void *arg;
};

static void paths(char *leases, char *pidfile)
{
	runstate_path("dnsmasq-leases", leases, PATH_LEN);
	runstate_path("dnsmasq-pid", pidfile, PATH_LEN);
}

/* Return: 1 if @path was removed, 0 if there was none, -1 (logged) */
static int remove_file(const char *path)
{
	if (!unlink(path))
		return 1;
	if (errno == ENOENT)
		return 0;
	log_warn("client: dhcp: %s", path);
	return -1;
}

/**
 * dhcpd_conf_ok() - log what keeps the config's DHCP from working
 * @cf:	the client's config
 *
 * Return: 0 if DHCP is off or can work, -1 (logged) if not
 */
int dhcpd_conf_ok(const struct conf_client *cf)
{
	char why[256];

	if (!cf->dhcp_enabled || !dhcpd_check(cf, why, sizeof(why)))
		return 0;
	log_error("client: %s", why);
	return -1;
}

static void on_dnsmasq_exit(struct child *c, const char *how, void *arg)
{
	struct dhcpd *d = arg;

	(void)c;
	log_error("client: dhcp: dnsmasq %s; stopping: without it a phone "
		  "gets no address",
		  how);
	d->died(d->arg);
}

/**
 * dhcpd_start() - run dnsmasq for the phone
 * @l:		the client's loop
 * @cf:		the client's config, accepted by dhcpd_conf_ok(), with its
 *		listen address on the interface already
 * @died:	called if dnsmasq ends before dhcpd_stop() (logged)
 * @arg:	@died's argument
 *
 * Return: the server, or NULL (logged: dnsmasq missing, ...)
 */
struct dhcpd *dhcpd_start(struct ev_loop *l, const struct conf_client *cf,
			  void (*died)(void *arg), void *arg)
{
	struct dhcpd *d = calloc(1, sizeof(*d));
	struct dhcpd_args a;
	char p[ADDR_STRLEN];

	if (!d) {
		log_error("client: dhcp: out of memory");
		return NULL;
	}
	d->died = died;
	d->arg = arg;
	paths(d->leases, d->pidfile);
	if (dhcpd_args(&a, cf, d->leases, d->pidfile)) {
		log_error("client: dhcp: dnsmasq's arguments do not fit");
		free(d);
		return NULL;
	}
	d->child = child_start(l, "dhcp", a.argv, on_dnsmasq_exit, d);
	if (!d->child) {
		log_error("client: dhcp: no dnsmasq, so no DHCP for the phone "
			  "(it is in Debian's dnsmasq-base; or set "
			  "\"dhcp.enabled\" to false)");
		dhcpd_stop(d);
		return NULL;
	}
	log_info("client: dhcp: leases from %s on %s, no router, no DNS",
		 prefix_format(&cf->dhcp_pool, p, sizeof(p)), cf->interface);
	return d;
}

/**
 * dhcpd_stop() - stop dnsmasq, remove its lease and pid files
 * @d:	the server, or NULL
 */
void dhcpd_stop(struct dhcpd *d)
{
	if (!d)
		return;
	child_stop(d->child);
	remove_file(d->leases);
	remove_file(d->pidfile);
	free(d);
}

/* The pid in dnsmasq's pid file, 0 if none */
static long read_pid(const char *pidfile)
{
	FILE *f = fopen(pidfile, "re");
	long pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 0)
		pid = 0;
	fclose(f);
	return pid;
}

/* Is @pid a dnsmasq that writes @pidfile, one of ours? */
static bool ours(long pid, const char *pidfile)
{
	char path[64], cmd[CMDLINE_MAX], want[PATH_LEN + 16];
	const char *base;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(cmd, 1, sizeof(cmd) - 1, f);
	fclose(f);
	cmd[n] = '\0';
	base = strrchr(cmd, '/');
	if (strcmp(base ? base + 1 : cmd, "dnsmasq"))
		return false;
	snprintf(want, sizeof(want), "--pid-file=%s", pidfile);
	for (size_t i = strlen(cmd) + 1; i < n; i += strlen(cmd + i) + 1)
		if (!strcmp(cmd + i, want))
			return true;
	return false;
}

/* The parent of @pid, 0 if unknown */
static long parent_of(long pid)
{
	char path[64], stat[512], *p;
	long ppid = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	p = strrchr(stat, ')'); /* after the name, which may hold anything */
	if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return 0;
	return ppid;
}

static bool exited(int pidfd, int ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

/*
 * The dnsmasq a run that died left, if it still runs: stop it. One whose
 * parent is a running tether belongs to another client in this namespace.
 * Return: 1 if one was stopped, 0 if none runs, -1 (logged) if not ours
 * to stop or it would not stop
 */
static int stop_leftover(const char *pidfile)
{
	struct netcfg_state_file owner = {0};
	long pid = read_pid(pidfile);
	int fd, ret = 1;

	fd = pid ? pidfd_open((pid_t)pid, 0) : -1;
	if (fd < 0)
		return 0; /* gone */
	if (!ours(pid, pidfile)) {
		close(fd); /* the pid went to another program */
		return 0;
	}
	owner.pid = parent_of(pid);
	if (netcfg_state_writer_runs(&owner)) {
		log_error("client: dhcp: dnsmasq pid %ld belongs to tether pid "
			  "%ld, which still runs: left alone",
			  pid, owner.pid);
		close(fd);
		return -1;
	}
	log_info("client: dhcp: stopping dnsmasq pid %ld, which a previous "
		 "run left",
		 pid);
	pidfd_send_signal(fd, SIGTERM, NULL, 0);
	if (!exited(fd, STOP_WAIT_MS)) {
		pidfd_send_signal(fd, SIGKILL, NULL, 0);
		if (!exited(fd, STOP_WAIT_MS)) {
			log_error("client: dhcp: dnsmasq pid %ld does not end",
				  pid);
			ret = -1;
		}
	}
	close(fd);
	return ret;
}

/**
 * dhcpd_cleanup() - undo what the DHCP server of a run that died left
 *
 * Stops its dnsmasq if that still runs, removes its lease and pid files.
 *
 * Return: how many of those there were, or -1 (logged) if some stays
 */
int dhcpd_cleanup(void)
{
	char leases[PATH_LEN], pidfile[PATH_LEN];
	int n, l, p;

	paths(leases, pidfile);
	n = stop_leftover(pidfile);
	if (n < 0)
		return -1;
	l = remove_file(leases);
	p = remove_file(pidfile);
	if (l > 0 || p > 0)
		log_info("client: dhcp: removed dnsmasq's%s%s, which a "
			 "previous run left",
			 l > 0 ? " lease file" : "",
			 p > 0 ? (l > 0 ? " and pid file" : " pid file") : "");
	if (l < 0 || p < 0)
		return -1;
	return n + l + p;
}
