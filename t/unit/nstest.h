/* SPDX-License-Identifier: MIT */
/* nstest.h - two private network stacks joined by a veth, for root tests
 *
 *      S: the test process's own stack         P: the peer's stack
 *   +-----------------------------+        +-----------------------+
 *   | tc0 203.0.113.1/24 (EXT)    |--veth--| tc1 203.0.113.2/24    |
 *   |     203.0.113.3/24 (OTHER)  |        |                       |
 *   +-----------------------------+        +-----------------------+
 *
 * nstest_setup() moves the test process into a new network namespace S
 * and makes a second one, P, kept alive by an open descriptor; ns_enter()
 * switches between them (sockets stay in the namespace they were made in).
 * Both namespaces, and with them the veth, vanish when the process exits,
 * however it exits: nothing is named on the host and nothing needs
 * cleaning up.  Interfaces are configured by running ip(8), each command
 * printed as a TAP comment first.
 */
#ifndef TETHER_NSTEST_H
#define TETHER_NSTEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "pktgen.h"

#define NS_EXT	 "203.0.113.1"
#define NS_OTHER "203.0.113.3"
#define NS_PEER	 "203.0.113.2"

enum ns_which { NS_S, NS_P };

static int ns_fd[2] = {-1, -1};
static enum ns_which ns_cur = NS_S;

/* Switch the calling thread to S or P; exits on failure (a broken test) */
static inline void ns_enter(enum ns_which which)
{
	if (setns(ns_fd[which], CLONE_NEWNET)) {
		printf("Bail out! setns: %s\n", strerror(errno));
		exit(1);
	}
	ns_cur = which;
}

/* sh("ip addr add %s dev tc0", ...) - run a command, print it; exit code */
static inline int sh(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	printf("# %s$ %s\n", ns_cur == NS_S ? "S" : "P", cmd);
	fflush(stdout);
	rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

/* Write a sysctl of the current namespace; 0 or -1 */
static inline int sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* Read a sysctl of the current namespace, newline stripped */
static inline int sysctl_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

/*
 * nstest_setup() - make S and P as pictured; on a skip print the TAP plan
 * and return 1 (the test then exits 0), on failure bail out and return -1
 */
static inline int nstest_setup(void)
{
	int pid = (int)getpid();

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root\n");
		return 1;
	}
	if (unshare(CLONE_NEWNET)) {
		printf("1..0 # SKIP cannot make a network namespace: %s\n",
		       strerror(errno));
		return 1;
	}
	ns_fd[NS_S] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_fd[NS_S] < 0 || unshare(CLONE_NEWNET))
		goto err;
	/* no O_CLOEXEC: ip(8) reaches P through /proc/PID/fd */
	ns_fd[NS_P] = open("/proc/self/ns/net", O_RDONLY);
	if (ns_fd[NS_P] < 0)
		goto err;
	ns_enter(NS_P);
	if (sh("ip link set lo up"))
		goto err;
	ns_enter(NS_S);
	if (sh("ip link set lo up") ||
	    sh("ip link add tc0 type veth peer name tc1 netns /proc/%d/fd/%d",
	       pid, ns_fd[NS_P]) ||
	    sh("ip addr add " NS_EXT "/24 dev tc0") ||
	    sh("ip addr add " NS_OTHER "/24 dev tc0") ||
	    sh("ip link set tc0 up"))
		goto err;
	ns_enter(NS_P);
	if (sh("ip addr add " NS_PEER "/24 dev tc1") ||
	    sh("ip link set tc1 up"))
		goto err;
	ns_enter(NS_S);
	return 0;
err:
	printf("Bail out! cannot set up the namespaces: %s\n", strerror(errno));
	return -1;
}

static inline uint32_t ns_addr(const char *dotted)
{
	struct in_addr a;

	inet_pton(AF_INET, dotted, &a);
	return a.s_addr;
}

/*
 * A socket of @type made in namespace @which, bound to @addr:@port if
 * @addr; the caller is in S and stays there
 */
static inline int ns_socket(enum ns_which which, int type, int proto,
			    const char *addr, uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd;

	ns_enter(which);
	fd = socket(AF_INET, type | SOCK_CLOEXEC, proto);
	ns_enter(NS_S);
	if (fd < 0 || !addr)
		return fd;
	sin.sin_addr.s_addr = ns_addr(addr);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send @len bytes to @addr:@port; 0 or -1 */
static inline int send_to(int fd, const char *addr, uint16_t port,
			  const void *buf, size_t len)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};

	sin.sin_addr.s_addr = ns_addr(addr);
	sin.sin_port = htons(port);
	return sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) ==
			       (ssize_t)len
		       ? 0
		       : -1;
}

/* Wait up to @ms for @events on @fd; the revents, 0 on timeout */
static inline int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = {.fd = fd, .events = events};

	return poll(&p, 1, ms) > 0 ? p.revents : 0;
}

/* stderr into a file while a function logs, to check its message */
static int stderr_saved = -1;
static FILE *stderr_file;

static inline void stderr_grab(void)
{
	fflush(stderr);
	stderr_file = tmpfile();
	stderr_saved = dup(2);
	dup2(fileno(stderr_file), 2);
}

/* Stop grabbing; the text logged meanwhile (static buffer) */
static inline const char *stderr_release(void)
{
	static char text[4096];
	size_t n;

	fflush(stderr);
	dup2(stderr_saved, 2);
	close(stderr_saved);
	rewind(stderr_file);
	n = fread(text, 1, sizeof(text) - 1, stderr_file);
	text[n] = '\0';
	fclose(stderr_file);
	fputs(text, stderr); /* still in the test's log */
	return text;
}

#endif
