/* SPDX-License-Identifier: MIT */
/* netcfg_test.c - tun.c and netcfg.c against the kernel, in a private netns
 *
 *   this test's own network namespace (unshare(CLONE_NEWNET) in main)
 *   +------------------------------------------------------------------+
 *   | lo   127.0.0.1/8, and 192.0.2.0/24 table 1000 (pre-existing)     |
 *   | tnc0 TUN: 10.88.0.1/24 (pre-existing), then through netcfg:      |
 *   |      10.77.0.2/24, 2001:db8:77::2/64, mtu 1380                   |
 *   |      198.51.100.0/24 main, 203.0.113.0/24 + default table 1000   |
 *   | tnd0 dummy (or veth tnd0/tnd1): 100.64.0.5/24, default route     |
 *   | rules 32763/32764 (IPv4 and IPv6), src_valid_mark 1, with a      |
 *   |      state file, undone by netcfg_cleanup() after a "crash"      |
 *   +------------------------------------------------------------------+
 *
 * As root only. The namespace vanishes with the process, so nothing here
 * touches the host. ip(8) reads the state back: a reader independent of
 * netcfg.c. Every command run is printed as a TAP comment.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr.h"
#include "log.h"
#include "netcfg.h"
#include "tun.h"

#include "pktgen.h"
#include "tap.h"

#define TUN  "tnc0"
#define DUM  "tnd0"

static bool have_v6;

/* sh("ip addr add %s dev x", ...) - print and run a command; exit code */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	printf("# $ %s\n", cmd);
	fflush(stdout);
	rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

/* out("ip route show table %u", t) - a command's output (free it) */
static char *out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *out(const char *fmt, ...)
{
	char cmd[512];
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	if (!buf || !f) {
		printf("Bail out! %s: %s\n", cmd, strerror(errno));
		exit(1);
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				exit(1);
		}
	}
	buf[len] = '\0';
	pclose(f);
	return buf;
}

/* has(cmd output, needle, name) - the output contains the needle */
static void has(char *o, const char *needle, const char *name)
{
	has_str(o, needle, "%s", name);
	if (!strstr(o, needle))
		printf("# in:\n%s", o);
	free(o);
}

static void lacks(char *o, const char *needle, const char *name)
{
	if (!ok(!strstr(o, needle), "%s", name))
		printf("#   \"%s\" found in:\n%s", needle, o);
	free(o);
}

/*
 * Links, addresses and routes of the namespace. The first "up" attaches
 * the default qdisc and the kernel keeps it after "down": not ours to undo.
 */
static char *state(void)
{
	return out("ip -o link show | sed 's/ qdisc [^ ]*//'; "
		   "ip -o addr show; ip route show table all; "
		   "ip -6 route show table all 2>/dev/null");
}

static int ifreq_get(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	ret = ioctl(fd, req, ifr);
	close(fd);
	return ret;
}

static int mtu_of(const char *name)
{
	struct ifreq ifr;

	return ifreq_get(name, SIOCGIFMTU, &ifr) ? -1 : ifr.ifr_mtu;
}

static int is_up(const char *name)
{
	struct ifreq ifr;

	return ifreq_get(name, SIOCGIFFLAGS, &ifr) ? -1
						   : !!(ifr.ifr_flags & IFF_UP);
}

static struct prefix pfx(const char *s)
{
	struct prefix p;
	const char *why;

	if (prefix_parse(s, &p, true, &why)) {
		printf("Bail out! prefix %s: %s\n", s, why);
		exit(1);
	}
	return p;
}

/* stderr goes to a file between these two, to check what was logged */
static FILE *err_file;
static int err_saved = -1;

static void stderr_begin(void)
{
	fflush(stderr);
	err_file = tmpfile();
	err_saved = dup(2);
	if (!err_file || err_saved < 0 || dup2(fileno(err_file), 2) < 0) {
		printf("Bail out! redirecting stderr: %s\n", strerror(errno));
		exit(1);
	}
}

/* The text logged since stderr_begin() (free it) */
static char *stderr_end(void)
{
	long len;
	char *s;

	fflush(stderr);
	dup2(err_saved, 2);
	close(err_saved);
	len = ftell(err_file);
	s = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
	if (!s)
		exit(1);
	rewind(err_file);
	if (len > 0 && fread(s, 1, (size_t)len, err_file) != (size_t)len)
		s[0] = '\0';
	fclose(err_file);
	fputs(s, stderr);	/* still visible in the test log */
	return s;
}

static int wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static void test_lo(void)
{
	struct netcfg *nc = netcfg_open();
	int lo;

	ok(nc, "netcfg_open");
	if (!nc)
		exit(1);
	lo = netcfg_ifindex(nc, "lo");
	is(lo, 1, "lo is ifindex 1");
	errno = 0;
	is(netcfg_ifindex(nc, "nosuch0"), -1, "no nosuch0");
	is(errno, ENODEV, "... ENODEV");
	is(netcfg_ifindex(nc, "a-name-far-too-long"), -1, "long name: none");
	is(is_up("lo"), 0, "lo starts down in a new namespace");
	is(netcfg_link_up(nc, lo, 0), 0, "netcfg_link_up lo, mtu unchanged");
	is(is_up("lo"), 1, "lo is up");
	is(mtu_of("lo"), 65536, "lo keeps its mtu");
	netcfg_close(nc);	/* no undo: lo stays up */
	is(is_up("lo"), 1, "netcfg_close does not undo");

	/* Only the MTU changes on a link that was up: undo keeps it up */
	nc = netcfg_open();
	is(netcfg_link_up(nc, lo, 1500), 0, "netcfg_link_up lo, mtu 1500");
	is(mtu_of("lo"), 1500, "... mtu 1500");
	netcfg_undo(nc);
	is(mtu_of("lo"), 65536, "netcfg_undo: mtu 65536 again");
	is(is_up("lo"), 1, "... and lo still up");
	netcfg_undo(nc);
	is(mtu_of("lo"), 65536, "a second netcfg_undo does nothing");
	netcfg_close(nc);
}

static void test_tun_errors(void)
{
	struct tun *t;

	log_set_level(LOG_LEVEL_SILENT);
	errno = 0;
	t = tun_open("a-name-far-too-long");
	ok(!t && errno == EINVAL, "tun_open: a long name is refused");
	t = tun_open("");
	ok(!t && errno == EINVAL, "tun_open: an empty name is refused");
	t = tun_open("lo");
	ok(!t, "tun_open: lo is no TUN");
	tun_close(t);
	log_set_level(LOG_LEVEL_INFO);
	t = tun_open(NULL);
	ok(t && !strncmp(tun_name(t), "tun", 3),
	   "tun_open(NULL): the kernel names it (%s)", t ? tun_name(t) : "-");
	tun_close(t);
	tun_close(NULL);
}

/* A datagram routed into the TUN comes out of tun_read() */
static void test_tun_read(struct tun *t)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(5353) };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint8_t pkt[2048];
	ssize_t n = -1;
	int tries;

	inet_pton(AF_INET, "10.77.0.2", &src.sin_addr);
	inet_pton(AF_INET, "198.51.100.7", &dst.sin_addr);
	ok(!bind(s, (struct sockaddr *)&src, sizeof(src)), "bind 10.77.0.2");
	ok(sendto(s, "hello", 5, 0, (struct sockaddr *)&dst, sizeof(dst)) == 5,
	   "send to 198.51.100.7:5353 (routed into " TUN ")");
	/* IPv6 router solicitations and MLD reports come out too: skip them */
	for (tries = 0; tries < 20; tries++) {
		if (!wait_readable(tun_fd(t), 2000))
			break;
		n = tun_read(t, pkt, sizeof(pkt));
		if (n >= 20 && pkt[0] >> 4 == 4)
			break;
		n = -1;
	}
	is(n, 20 + 8 + 5, "tun_read: one IPv4 packet of 33 bytes");
	if (n != 33) {
		close(s);
		return;
	}
	is(pkt[9], IPPROTO_UDP, "... UDP");
	ok(!memcmp(pkt + 12, &src.sin_addr, 4), "... from 10.77.0.2");
	ok(!memcmp(pkt + 16, &dst.sin_addr, 4), "... to 198.51.100.7");
	is(pkt[22] << 8 | pkt[23], 5353, "... port 5353");
	ok(!memcmp(pkt + 28, "hello", 5), "... the payload");
	ok(pktgen_ip_csum_ok(pkt) && pktgen_l4_csum_ok(pkt, (size_t)n),
	   "... checksums right");
	errno = 0;
	ok(tun_read(t, pkt, sizeof(pkt)) < 0 && errno == EAGAIN,
	   "tun_read: then EAGAIN");
	close(s);
}

/* A packet written with tun_write() reaches a socket of the kernel's */
static void test_tun_write(struct tun *t)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(7777) };
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	struct pktgen g = PKTGEN_INIT;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint8_t pkt[256];
	char buf[64];
	size_t len;
	ssize_t n;

	inet_pton(AF_INET, "10.77.0.2", &a.sin_addr);
	ok(!bind(s, (struct sockaddr *)&a, sizeof(a)), "bind 10.77.0.2:7777");
	g.saddr = pktgen_addr(198, 51, 100, 7);
	g.daddr = a.sin_addr.s_addr;
	g.sport = 4000;
	g.dport = 7777;
	g.payload = "world";
	g.plen = 5;
	len = pktgen_udp(pkt, sizeof(pkt), &g);
	is(tun_write(t, pkt, len), (ssize_t)len,
	   "tun_write: UDP 198.51.100.7:4000 > 10.77.0.2:7777");
	n = -1;
	if (wait_readable(s, 2000))
		n = recvfrom(s, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
	ok(n == 5 && !memcmp(buf, "world", 5), "the socket receives it");
	ok(n == 5 && from.sin_addr.s_addr == g.saddr &&
		   ntohs(from.sin_port) == 4000, "... from 198.51.100.7:4000");
	memset(pkt, 0, 20);
	errno = 0;
	ok(tun_write(t, pkt, 20) < 0 && errno == EINVAL,
	   "tun_write: not IPv4 or IPv6: EINVAL");
	close(s);
}

static void test_tun(void)
{
	struct netcfg *nc;
	struct tun *t;
	char *before, *after, *log;
	struct prefix p;
	struct addr a;
	char abuf[ADDR_STRLEN];
	int idx, fl;

	t = tun_open(TUN);
	ok(t, "tun_open " TUN);
	if (!t)
		return;
	idx = tun_ifindex(t);
	is_str(tun_name(t), TUN, "tun_name");
	ok(idx > 0 && idx == (int)if_nametoindex(TUN), "tun_ifindex %d", idx);
	fl = fcntl(tun_fd(t), F_GETFL);
	ok(fl >= 0 && fl & O_NONBLOCK, "the descriptor is non-blocking");
	fl = fcntl(tun_fd(t), F_GETFD);
	ok(fl >= 0 && fl & FD_CLOEXEC, "... and close-on-exec");
	errno = 0;
	ok(tun_read(t, abuf, sizeof(abuf)) < 0 && errno == EAGAIN,
	   "tun_read: EAGAIN when there is nothing");

	/* What was there before is not ours: undo must leave it */
	sh("ip addr add 10.88.0.1/24 dev " TUN);
	sh("ip route add 192.0.2.0/24 dev lo table 1000");
	before = state();

	nc = netcfg_open();
	is(netcfg_link_up(nc, idx, 1380), 0, "netcfg_link_up " TUN " 1380");
	is(mtu_of(TUN), 1380, "... mtu 1380 (SIOCGIFMTU)");
	is(is_up(TUN), 1, "... up (SIOCGIFFLAGS)");
	is(netcfg_link_up(nc, idx, 1380), 0, "netcfg_link_up again: no-op");

	p = pfx("10.77.0.2/24");
	is(netcfg_addr_add(nc, idx, &p), 0, "netcfg_addr_add 10.77.0.2/24");
	has(out("ip -o -4 addr show dev " TUN), "inet 10.77.0.2/24",
	    "... ip sees it");
	stderr_begin();
	errno = 0;
	is(netcfg_addr_add(nc, idx, &p), -1, "adding it again fails");
	is(errno, EEXIST, "... EEXIST");
	p = pfx("10.88.0.1/24");
	is(netcfg_addr_add(nc, idx, &p), -1, "adding 10.88.0.1/24 fails");
	is(errno, EEXIST, "... EEXIST");
	log = stderr_end();
	has_str(log, "netcfg: add 10.88.0.1/24 to " TUN ": File exists",
		"... and says so");
	free(log);
	ok(!netcfg_addr_get(nc, idx, &a) && a.family == AF_INET,
	   "netcfg_addr_get " TUN);
	is_str(addr_format(&a, abuf, sizeof(abuf)), "10.88.0.1",
	       "... the first address");

	p = pfx("198.51.100.0/24");
	is(netcfg_route_add(nc, idx, &p, 0), 0,
	   "netcfg_route_add 198.51.100.0/24, main");
	has(out("ip route show table main"),
	    "198.51.100.0/24 dev " TUN " proto static scope link",
	    "... ip sees it in main");
	errno = 0;
	is(netcfg_route_add(nc, idx, &p, 0), -1, "adding it again fails");
	is(errno, EEXIST, "... EEXIST");
	p = pfx("203.0.113.0/24");
	is(netcfg_route_add(nc, idx, &p, 1000), 0,
	   "netcfg_route_add 203.0.113.0/24, table 1000");
	has(out("ip route show table 1000"), "203.0.113.0/24 dev " TUN,
	    "... ip sees it in table 1000");
	lacks(out("ip route show table main"), "203.0.113.0",
	      "... and not in main");
	p = pfx("0.0.0.0/0");
	is(netcfg_route_add(nc, idx, &p, 1000), 0,
	   "netcfg_route_add default, table 1000");
	has(out("ip route show table 1000"), "default dev " TUN,
	    "... ip sees it");
	errno = 0;
	is(netcfg_default_ifindex(nc), -1,
	   "netcfg_default_ifindex ignores table 1000");
	is(errno, ENETUNREACH, "... ENETUNREACH");
	p = pfx("192.0.2.0/24");
	errno = 0;
	is(netcfg_route_add(nc, idx, &p, 1000), -1,
	   "192.0.2.0/24 in table 1000 exists (via lo)");
	is(errno, EEXIST, "... EEXIST");
	p = pfx("198.51.101.0/23");
	stderr_begin();
	is(netcfg_route_add(nc, idx, &p, 0), -1, "host bits: refused");
	is(errno, EINVAL, "... EINVAL");
	log = stderr_end();
	has_str(log, "netcfg: add route 198.51.101.0/23 dev " TUN
		" table main: Invalid argument", "... and says what");
	free(log);
	p.addr.family = AF_UNIX;
	log_set_level(LOG_LEVEL_SILENT);
	is(netcfg_addr_add(nc, idx, &p), -1, "a bad family is refused");
	is(netcfg_route_add(nc, idx, &p, 0), -1, "... for routes too");
	log_set_level(LOG_LEVEL_INFO);

	if (have_v6) {
		p = pfx("2001:db8:77::2/64");
		is(netcfg_addr_add(nc, idx, &p), 0,
		   "netcfg_addr_add 2001:db8:77::2/64");
		has(out("ip -o -6 addr show dev " TUN),
		    "inet6 2001:db8:77::2/64", "... ip sees it");
		p = pfx("2001:db8:100::/48");
		is(netcfg_route_add(nc, idx, &p, 0), 0,
		   "netcfg_route_add 2001:db8:100::/48, main");
		is(netcfg_route_add(nc, idx, &p, 1000), 0,
		   "... and in table 1000");
		has(out("ip -6 route show table main"),
		    "2001:db8:100::/48 dev " TUN, "... ip sees it in main");
		has(out("ip -6 route show table 1000"),
		    "2001:db8:100::/48 dev " TUN, "... and in table 1000");
	}

	test_tun_read(t);
	test_tun_write(t);

	netcfg_undo(nc);
	after = state();
	is_str(after, before, "netcfg_undo: links, addresses and routes "
	       "as before");
	is(mtu_of(TUN), 1500, "... mtu 1500 again");
	is(is_up(TUN), 0, "... down again");
	has(out("ip -o -4 addr show dev " TUN), "inet 10.88.0.1/24",
	    "... 10.88.0.1/24 is still there");
	has(out("ip route show table 1000"), "192.0.2.0/24 dev lo",
	    "... so is 192.0.2.0/24 via lo");
	lacks(out("ip route show table all"), "proto static",
	      "... and none of our routes");
	free(before);
	free(after);

	/* Changes to a TUN that is gone by the time of undo: no complaint */
	is(netcfg_link_up(nc, idx, 1400), 0, "up again, mtu 1400");
	p = pfx("10.77.0.2/24");
	is(netcfg_addr_add(nc, idx, &p), 0, "address again");
	p = pfx("198.51.100.0/24");
	is(netcfg_route_add(nc, idx, &p, 1000), 0, "route again");
	tun_close(t);
	is(if_nametoindex(TUN), 0, "after tun_close " TUN " is gone");
	lacks(out("ip route show table all"), "198.51.100.0",
	      "... with its routes");
	stderr_begin();
	netcfg_undo(nc);
	log = stderr_end();
	is_str(log, "", "netcfg_undo after the TUN went: nothing to say");
	free(log);
	netcfg_close(nc);
}

/* netcfg_addr_get and netcfg_default_ifindex on an Ethernet-like link */
static void test_default(void)
{
	struct netcfg *nc = netcfg_open();
	struct prefix p;
	struct addr a;
	char abuf[ADDR_STRLEN], *log;
	int idx;

	if (sh("ip link add " DUM " type dummy 2>/dev/null") &&
	    sh("ip link add " DUM " type veth peer name tnd1")) {
		ok(0, "no dummy or veth link: cannot test default routes");
		netcfg_close(nc);
		return;
	}
	idx = netcfg_ifindex(nc, DUM);
	ok(idx > 0 && idx == (int)if_nametoindex(DUM), "netcfg_ifindex " DUM);
	errno = 0;
	is(netcfg_default_ifindex(nc), -1, "no default route yet");
	is(errno, ENETUNREACH, "... ENETUNREACH");
	errno = 0;
	ok(netcfg_addr_get(nc, idx, &a) && errno == EADDRNOTAVAIL,
	   "netcfg_addr_get: no IPv4 address: EADDRNOTAVAIL");
	ok(!netcfg_addr_get(nc, 1, &a), "netcfg_addr_get lo");
	is_str(addr_format(&a, abuf, sizeof(abuf)), "127.0.0.1",
	       "... 127.0.0.1");

	is(netcfg_link_up(nc, idx, 0), 0, "netcfg_link_up " DUM);
	if (have_v6) {
		p = pfx("2001:db8:1::5/64");
		is(netcfg_addr_add(nc, idx, &p), 0, "add 2001:db8:1::5/64");
	}
	p = pfx("100.64.0.5/24");
	is(netcfg_addr_add(nc, idx, &p), 0, "add 100.64.0.5/24");
	p = pfx("100.64.1.5/24");
	is(netcfg_addr_add(nc, idx, &p), 0, "add 100.64.1.5/24");
	ok(!netcfg_addr_get(nc, idx, &a), "netcfg_addr_get " DUM);
	is_str(addr_format(&a, abuf, sizeof(abuf)), "100.64.0.5",
	       "... the first IPv4 address");

	p = pfx("0.0.0.0/0");
	is(netcfg_route_add(nc, idx, &p, 0), 0, "default route via " DUM);
	has(out("ip route show"), "default dev " DUM, "... ip sees it");
	is(netcfg_default_ifindex(nc), idx, "netcfg_default_ifindex: " DUM);

	stderr_begin();
	errno = 0;
	p = pfx("10.9.9.9/24");
	is(netcfg_addr_add(nc, 9999, &p), -1, "address on ifindex 9999");
	ok(errno == ENODEV || errno == ENXIO, "... ENODEV or ENXIO (%s)",
	   strerror(errno));
	is(netcfg_link_up(nc, 9999, 1500), -1, "ifindex 9999 up");
	ok(errno == ENODEV || errno == ENXIO, "... ENODEV or ENXIO (%s)",
	   strerror(errno));
	log = stderr_end();
	has_str(log, "netcfg: add 10.9.9.9/24 to ifindex 9999: No such device",
		"... and says so");
	free(log);

	netcfg_undo(nc);
	errno = 0;
	is(netcfg_default_ifindex(nc), -1, "undone: no default route");
	lacks(out("ip -o addr show dev " DUM), "inet",
	      "... and no address on " DUM);
	is(is_up(DUM), 0, "... down again");
	netcfg_close(nc);
}

#define SVM "net.ipv4.conf.all.src_valid_mark"

static char *rules(void)
{
	return out("ip rule; ip -6 rule 2>/dev/null; "
		   "cat /proc/sys/net/ipv4/conf/all/src_valid_mark");
}

/* Rules and a sysctl, written to a state file, undone after a "crash" */
static void test_rules(void)
{
	struct netcfg_rule lookup = {
		.family = AF_INET,
		.priority = 32764,
		.table = 6354,
		.not_fwmark = 6354,
		.suppress = -1,
	};
	struct netcfg_rule suppress = {
		.family = AF_INET,
		.priority = 32763,
		.table = 254,
		.suppress = 0,
	};
	struct netcfg_rule block = {
		.family = AF_INET6,
		.priority = 32764,
		.not_fwmark = 6354,
		.suppress = -1,
	};
	char dir[] = "/tmp/netcfg_test.XXXXXX", path[64], what[512];
	char *before, *after, *log;
	struct netcfg *nc;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/client.1", dir);
	before = rules();
	nc = netcfg_open();
	is(netcfg_set_state(nc, path), 0, "a state file for rules");
	is(netcfg_sysctl_set(nc, SVM, 1), 0, "netcfg_sysctl_set " SVM " 1");
	has(rules(), "\n1\n", "... /proc says 1");
	is(netcfg_sysctl_set(nc, SVM, 1), 0, "... again: nothing to change");
	is(netcfg_rule_add(nc, &lookup), 0, "netcfg_rule_add not fwmark");
	is(netcfg_rule_add(nc, &suppress), 0, "... suppress_prefixlength 0");
	has(rules(), "32764:\tnot from all fwmark 0x18d2 lookup 6354",
	    "... ip sees the first");
	has(rules(), "32763:\tfrom all lookup main suppress_prefixlength 0",
	    "... and the second");
	if (have_v6) {
		is(netcfg_rule_add(nc, &block), 0, "an IPv6 prohibit rule");
		has(rules(), "32764:\tnot from all fwmark 0x18d2 prohibit",
		    "... ip sees it");
	}
	stderr_begin();
	errno = 0;
	is(netcfg_rule_add(nc, &lookup), -1, "adding a rule again fails");
	is(errno, EEXIST, "... EEXIST");
	is(netcfg_sysctl_set(nc, "kernel.panic", 1), -1,
	   "a sysctl outside net.* is refused");
	is(errno, EINVAL, "... EINVAL");
	is(netcfg_sysctl_set(nc, "net.no.such.key", 1), -1,
	   "a sysctl that does not exist fails");
	is(errno, ENOENT, "... ENOENT");
	log = stderr_end();
	has_str(log, "lookup 6354: File exists", "... and says so");
	has_str(log, "set sysctl net.no.such.key=1: No such file",
		"... and names the key");
	free(log);
	has(out("cat %s", path),
	    "sysctl " SVM " 0\n"
	    "rule add inet 32764 6354 !6354 -\n"
	    "rule add inet 32763 254 - 0\n",
	    "the state file lists them");

	netcfg_close(nc); /* a crash: nothing undone */
	nc = netcfg_open();
	netcfg_set_state(nc, path);
	stderr_begin();
	is(netcfg_cleanup(nc, what, sizeof(what)), have_v6 ? 4 : 3,
	   "netcfg_cleanup undoes them all");
	free(stderr_end());
	has_str(what, "rule add inet 32763 254 - 0", "... and says what");
	after = rules();
	is_str(after, before, "rules and " SVM " are as before");
	ok(access(path, F_OK), "... and the state file is gone");
	free(after);
	free(before);
	netcfg_close(nc);
	rmdir(dir);
}

int main(void)
{
	if (geteuid()) {
		printf("1..0 # SKIP needs root\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET)) {
		printf("1..0 # SKIP unshare(CLONE_NEWNET): %s\n",
		       strerror(errno));
		return 0;
	}
	if (access("/dev/net/tun", R_OK | W_OK)) {
		printf("1..0 # SKIP no /dev/net/tun\n");
		return 0;
	}
	if (sh("ip -V >/dev/null")) {
		printf("1..0 # SKIP needs ip(8) (iproute2)\n");
		return 0;
	}
	have_v6 = !access("/proc/sys/net/ipv6/conf/all", F_OK);
	if (!have_v6)
		printf("# no IPv6 in this kernel: IPv4 only\n");
	log_set_level(LOG_LEVEL_INFO);
	test_lo();
	test_tun_errors();
	test_tun();
	test_default();
	test_rules();
	return tap_done();
}
