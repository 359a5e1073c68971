/* SPDX-License-Identifier: MIT */
/* hostguard_test.c - hostguard.c in namespaces of the test's own
 *
 * As root only.  The test runs in its own network namespace S with a peer
 * namespace P (nstest.h) and its own mount namespace with a tmpfs on /run,
 * so neither the host's reserved ports, nor its nftables ruleset, nor its
 * /run/tether are touched.  The checks, like a lab notebook:
 *   - without the guard S's kernel answers P's SYN with RST and P's UDP
 *     with port unreachable (so the test can see the difference);
 *   - with it: the range is reserved (S only: the setting is per network
 *     namespace), the table exists (S only), nothing answers, the capture
 *     still sees the packets, local sockets never get ports in the range,
 *     and what the NAT sends from the range stays out of conntrack;
 *   - a second guard is refused; removal restores exactly what it changed;
 *   - hostguard_cleanup() undoes a crashed run, a lone leftover table, and
 *     throws away a state file it cannot read.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include "capture.h"
#include "hostguard.h"
#include "log.h"
#include "rawsock.h"

#include "looptest.h"
#include "nstest.h"
#include "tap.h"

#define LO	  40000
#define HI	  40099
#define RESERVED  "/proc/sys/net/ipv4/ip_local_reserved_ports"
#define PORTRANGE "/proc/sys/net/ipv4/ip_local_port_range"

static uint32_t ext;

static const char *reserved(enum ns_which which)
{
	static char buf[2][4096];

	ns_enter(which);
	if (sysctl_read(RESERVED, buf[which], sizeof(buf[which])))
		snprintf(buf[which], sizeof(buf[which]), "(unreadable)");
	ns_enter(NS_S);
	return buf[which];
}

/* Does `nft list table inet tether` succeed in this namespace? */
static int table_in(enum ns_which which)
{
	int rc;

	ns_enter(which);
	rc = sh("nft list table inet tether >/dev/null 2>&1");
	ns_enter(NS_S);
	return rc == 0;
}

/* The state file of the server's namespace (one per network namespace) */
static const char *state_file(void)
{
	static char path[64];
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return "/run/tether/hostguard.?";
	snprintf(path, sizeof(path), "/run/tether/hostguard.%llu",
		 (unsigned long long)st.st_ino);
	return path;
}

static int state_exists(void)
{
	return access(state_file(), F_OK) == 0;
}

/* P connects to EXT:@port: 1 if refused (RST), 0 if no answer in @ms */
static int tcp_refused(uint16_t port, int ms)
{
	int fd = ns_socket(NS_P, SOCK_STREAM | SOCK_NONBLOCK, 0, NULL, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int err = 0, ret = -1;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return -1;
	sin.sin_addr.s_addr = ext;
	sin.sin_port = htons(port);
	if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    errno != EINPROGRESS)
		goto out;
	if (!wait_fd(fd, POLLOUT, ms)) {
		ret = 0;
		goto out;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	ret = err == ECONNREFUSED;
out:
	close(fd);
	return ret;
}

/* P sends UDP to EXT:@port: 1 if port unreachable came back, 0 if not */
static int udp_refused(uint16_t port, int ms)
{
	int fd = ns_socket(NS_P, SOCK_DGRAM | SOCK_NONBLOCK, 0, NULL, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	char c;
	int ret = -1;

	if (fd < 0)
		return -1;
	sin.sin_addr.s_addr = ext;
	sin.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    send(fd, "?", 1, 0) != 1)
		goto out;
	if (!wait_fd(fd, POLLIN, ms))
		ret = 0;
	else
		ret = recv(fd, &c, 1, 0) < 0 && errno == ECONNREFUSED;
out:
	close(fd);
	return ret;
}

/* The port a UDP socket of S's stack picks for itself */
static int ephemeral_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int port = -1;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(fd, (struct sockaddr *)&sin, &len))
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/*
 * S sends UDP from EXT:40050 with a raw socket, as the NAT does; a probe
 * chain after the raw priority counts it if conntrack left it untracked.
 * 1 if untracked, 0 if tracked, -1 if the probe failed.
 */
static int sent_untracked(void)
{
	struct rawsock *r = rawsock_open("tc0", 0);
	struct pktgen g = PKTGEN_INIT;
	uint8_t buf[64];
	size_t len;
	int ret = -1;

	g.saddr = ext;
	g.daddr = ns_addr(NS_PEER);
	g.sport = 40050;
	g.dport = 7;
	len = pktgen_udp(buf, sizeof(buf), &g);
	if (!r || sh("nft add table ip probe") ||
	    sh("nft add chain ip probe out '{ type filter hook output "
	       "priority 0; }'") ||
	    sh("nft add rule ip probe out ip saddr " NS_EXT " udp sport 40050 "
	       "ct state untracked counter") ||
	    rawsock_send(r, buf, len))
		goto out;
	ret = !sh("nft list chain ip probe out | grep -q 'packets 1 '");
out:
	sh("nft delete table ip probe 2>/dev/null");
	rawsock_close(r);
	return ret;
}

static int got;

static void on_packet(uint8_t *pkt, size_t len, void *arg)
{
	(void)pkt;
	(void)len;
	(void)arg;
	got++;
	ev_loop_stop(loop);
}

static void test_guard(void)
{
	struct capture_params cp = {
		.ifname = "tc0",
		.ext_addr = ext,
		.port_lo = LO,
		.port_hi = HI,
	};
	struct hostguard *g, *g2;
	struct capture *c;
	struct stat st;
	const char *text;
	int fd, all = 1;

	g = hostguard_install(ext, LO, HI);
	ok(g != NULL, "hostguard_install");
	if (!g)
		return;
	is_str(reserved(NS_S), "1000-1002,40000-40099",
	       "the range is reserved, merged with what was there");
	is_str(reserved(NS_P), "", "in S only: reserved ports are per netns");
	ok(table_in(NS_S), "table inet tether exists");
	ok(!table_in(NS_P), "in S only");
	ok(!stat("/run/tether", &st) && (st.st_mode & 0777) == 0700,
	   "/run/tether is 0700");
	ok(state_exists(), "the state file exists");

	stderr_grab();
	g2 = hostguard_install(ext, LO, HI);
	text = stderr_release();
	ok(!g2, "a second guard is refused");
	has_str(text, "table inet tether exists", "saying why");
	hostguard_remove(g2);
	ok(table_in(NS_S) && state_exists() &&
		   !strcmp(reserved(NS_S), "1000-1002,40000-40099"),
	   "and the first guard is intact");

	is(tcp_refused(40050, 500), 0, "with the guard: no RST to a SYN");
	is(udp_refused(40051, 500), 0, "with the guard: no port unreachable");
	is(tcp_refused(LO - 1, 2000), 1, "below the range: RST as usual");
	is(sent_untracked(), 1, "what the NAT sends is not tracked");

	c = capture_open(loop, &cp, on_packet, NULL);
	fd = ns_socket(NS_P, SOCK_DGRAM, 0, NULL, 0);
	got = 0;
	send_to(fd, NS_EXT, 40052, "x", 1);
	ok(c && run_until(&got, 1), "the capture still sees what is dropped");
	capture_close(c);
	close(fd);

	/* only 40100 is left to pick from 40090..40100 */
	sysctl_write(PORTRANGE, "40090 40100");
	for (int i = 0; i < 8; i++)
		all &= ephemeral_port() == 40100;
	ok(all, "local sockets never get a port in the range");

	sysctl_write(RESERVED, "1000-1002,2000,40000-40099");
	hostguard_remove(g);
	is_str(reserved(NS_S), "1000-1002,2000,40050",
	       "removed: what was reserved before, plus what others added");
	ok(!table_in(NS_S), "the table is gone");
	ok(!state_exists(), "the state file is gone");
	is(tcp_refused(40050, 2000), 1, "RST again");
	is(udp_refused(40051, 2000), 1, "port unreachable again");
}

static void test_cleanup(void)
{
	struct hostguard *g;
	const char *text;
	pid_t pid;
	int status, fd;

	is(hostguard_cleanup(), 0, "cleanup with nothing left: 0");

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(hostguard_install(ext, LO, HI) ? 0 : 1); /* and crash */
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		   !WEXITSTATUS(status),
	   "a process installs a guard and dies without removing it");
	ok(table_in(NS_S) && state_exists() &&
		   !strcmp(reserved(NS_S), "1000-1002,2000,40000-40099"),
	   "it left the table, the state file and the reserved range");
	stderr_grab();
	g = hostguard_install(ext, LO, HI);
	text = stderr_release();
	ok(!g, "a new guard is refused");
	has_str(text, "crashed", "hinting at a crashed server");

	/* state files are per network namespace: another one's cleanup
	 * finds nothing of its own and touches nothing */
	ns_enter(NS_P);
	is(hostguard_cleanup(), 0, "cleanup in another namespace: nothing");
	ns_enter(NS_S);
	ok(state_exists(), "and leaves this namespace's state file alone");

	is(hostguard_cleanup(), 1, "cleanup: 1");
	is_str(reserved(NS_S), "1000-1002,2000,40050",
	       "the reserved ports are as before");
	ok(!table_in(NS_S), "the table is gone");
	ok(!state_exists(), "the state file is gone");
	is(hostguard_cleanup(), 0, "cleanup again: 0");

	sh("nft add table inet tether");
	is(hostguard_cleanup(), 1, "a lone leftover table: cleanup 1");
	ok(!table_in(NS_S), "and it is gone");

	fd = open(state_file(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ok(fd >= 0 && write(fd, "nonsense\n", 9) == 9, "a bad state file");
	if (fd >= 0)
		close(fd);
	is(hostguard_cleanup(), -1, "an unreadable state file: -1");
	ok(!state_exists(), "and it is thrown away");
	is_str(reserved(NS_S), "1000-1002,2000,40050", "nothing else touched");
	g = hostguard_install(ext, LO, LO);
	ok(g && !strcmp(reserved(NS_S), "1000-1002,2000,40000,40050"),
	   "then a guard of one port installs");
	hostguard_remove(g);
	is_str(reserved(NS_S), "1000-1002,2000,40050", "and is removed");
	hostguard_remove(NULL);
}

static void test_params(void)
{
	ok(!hostguard_install(ext, 0, 10), "port 0 is refused");
	ok(!hostguard_install(ext, 50, 40), "lo > hi is refused");
	ok(!table_in(NS_S) && !state_exists(), "leaving nothing behind");
}

/* /run of our own, so the state file is the test's alone */
static int private_run(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755")) {
		printf("Bail out! a private /run: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(void)
{
	int rc = nstest_setup();

	if (rc)
		return rc > 0 ? 0 : 1;
	if (private_run())
		return 1;
	log_set_level(LOG_LEVEL_WARN);
	looptest_init();
	ext = ns_addr(NS_EXT);

	is(tcp_refused(40050, 2000), 1, "without the guard: a SYN gets RST");
	is(udp_refused(40051, 2000), 1, "and UDP gets port unreachable");
	is(sent_untracked(), 0, "and what the NAT sends is tracked");
	sysctl_write(RESERVED, "1000-1002,40050");
	test_params();
	test_guard();
	test_cleanup();

	looptest_done();
	return tap_done();
}
