/* SPDX-License-Identifier: MIT */
/* selftest_laptop.c - the selftest's checks, as the laptop runs them
 *
 * Each function is one check's body, run by selftest_check_run() in a
 * child in the laptop's namespace, so its traffic takes the tunnel. Each
 * says in @fig what it measured, or why it failed; each waits a bounded
 * time. Two of them have the selftest act in between
 * (selftest_check_sync()): the relay resume (step 1: the relay is killed;
 * step 2: it is back) and the second laptop (step 1: its tunnel is up).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "selftest_check.h"
#include "selftest_laptop.h"
#include "selftest_probe.h"
#include "selftest_topo.h"

#define UDP_COUNT  20
#define PING_COUNT 10

static int failf(char *fig, const char *fmt, ...) LOG_PRINTF(2, 3);

/* Say why a check failed; Return: -1 */

static int failf(char *fig, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fig, SELFTEST_WHY, fmt, ap);
	va_end(ap);
	return -1;
}

/* A page from the internet, which sees the NAT's address */
int selftest_laptop_fetch(void *arg, char *fig)
{
	static const char you[] = "you are ";
	struct selftest_http r;
	const char *seen;
	int len;

	(void)arg;
	if (selftest_probe_http(SELFTEST_INTERNET_ADDR, "/", 10000, &r, fig))
		return -1;
	seen = strstr(r.head, you);
	if (r.status != 200 || !seen)
		return failf(fig, "GET / answered %d", r.status);
	seen += strlen(you);
	len = (int)strcspn(seen, "\n");
	if (strncmp(seen, SELFTEST_EGRESS_ADDR ":",
		    strlen(SELFTEST_EGRESS_ADDR ":")))
		return failf(fig,
			     "the internet saw %.*s, not the NAT's "
			     "" SELFTEST_EGRESS_ADDR,
			     len, seen);
	snprintf(fig, SELFTEST_WHY, "GET / in %.1f ms; the internet saw %.*s",
		 r.seconds * 1000, len, seen);
	return 0;
}

/* The payload, byte for byte, and how fast */
int selftest_laptop_bulk(void *arg, char *fig)
{
	const struct selftest_env *env = arg;
	struct selftest_http r;

	if (selftest_probe_http(SELFTEST_INTERNET_ADDR, SELFTEST_PAYLOAD_PATH,
				40000, &r, fig))
		return -1;
	if (r.status != 200 || r.bytes != env->payload->size)
		return failf(fig,
			     "GET " SELFTEST_PAYLOAD_PATH ": %d, %zu bytes "
			     "of %zu",
			     r.status, r.bytes, env->payload->size);
	if (memcmp(r.sha256, env->payload->sha256, sizeof(r.sha256)))
		return failf(fig, "%zu bytes came, but their sha256 differs",
			     r.bytes);
	snprintf(fig, SELFTEST_WHY,
		 "%zu MiB in %.2f s: %.0f Mbit/s, sha256 matches",
		 r.bytes >> 20, r.seconds,
		 (double)r.bytes * 8 / r.seconds / 1e6);
	return 0;
}

/* Datagrams of every size up to the largest, which the laptop fragments */
int selftest_laptop_udp(void *arg, char *fig)
{
	uint8_t msg[1400];
	double t0 = selftest_probe_now();
	int fd = selftest_probe_connect(SOCK_DGRAM, SELFTEST_INTERNET_ADDR,
					SELFTEST_ECHO_PORT, 0, 0, fig);

	(void)arg;
	if (fd < 0)
		return -1;
	for (int i = 0; i < UDP_COUNT; i++) {
		size_t len =
			64 + (sizeof(msg) - 64) * (size_t)i / (UDP_COUNT - 1);

		randombytes_buf(msg, len);
		if (selftest_probe_echo(fd, msg, len, 2000, fig)) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	snprintf(fig, SELFTEST_WHY,
		 "%d datagrams of 64 to %zu bytes echoed in %.1f ms", UDP_COUNT,
		 sizeof(msg), (selftest_probe_now() - t0) * 1000);
	return 0;
}

/* A DNS query for the one name the internet's responder knows */
int selftest_laptop_dns(void *arg, char *fig)
{
	double t0 = selftest_probe_now();
	char a[INET_ADDRSTRLEN];
	struct in_addr in;

	(void)arg;
	if (selftest_probe_dns(SELFTEST_INTERNET_ADDR, SELFTEST_DNS_NAME, 5000,
			       &in, fig))
		return -1;
	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(fig, SELFTEST_WHY, SELFTEST_DNS_NAME " is %s, in %.1f ms", a,
		 (selftest_probe_now() - t0) * 1000);
	return strcmp(a, SELFTEST_INTERNET_ADDR) ? -1 : 0;
}

/* ICMP echo through the NAT, with the round-trip times */
int selftest_laptop_ping(void *arg, char *fig)
{
	struct selftest_ping r;

	(void)arg;
	if (selftest_probe_ping(SELFTEST_INTERNET_ADDR, PING_COUNT, 2000, &r,
				fig))
		return -1;
	snprintf(fig, SELFTEST_WHY,
		 "%d/%d replies, rtt min/avg/max %.2f/%.2f/%.2f ms", r.received,
		 r.sent, r.min_ms, r.avg_ms, r.max_ms);
	return 0;
}

/*
 * A TCP connection across the phone's absence: an echo before, the relay
 * killed (step 1), data sent while it is gone, the relay back (step 2),
 * and the data's echo must come on the same connection.
 */
int selftest_laptop_resume(void *arg, char *fig)
{
	static const char before[] = "before the phone went",
			  during[] = "while the phone was gone";
	int fd = selftest_probe_connect(SOCK_STREAM, SELFTEST_INTERNET_ADDR,
					SELFTEST_ECHO_PORT, 0, 5000, fig);
	double t0;
	int ret = -1;

	(void)arg;
	if (fd < 0)
		return -1;
	if (selftest_probe_echo(fd, before, sizeof(before), 5000, fig))
		goto out;
	if (selftest_check_sync()) {
		failf(fig, "could not kill the relay");
		goto out;
	}
	if (send(fd, during, sizeof(during), MSG_NOSIGNAL) != sizeof(during)) {
		failf(fig, "send: %s", strerror(errno));
		goto out;
	}
	if (selftest_check_sync()) {
		failf(fig, "could not start the relay again (see phone.log)");
		goto out;
	}
	t0 = selftest_probe_now();
	if (selftest_probe_expect(fd, during, sizeof(during), 20000, fig))
		goto out;
	ret = 0;
	snprintf(fig, SELFTEST_WHY,
		 "the same TCP connection carried data again %.2f s after the "
		 "phone came back",
		 selftest_probe_now() - t0);
out:
	close(fd);
	return ret;
}

/* Echo @rounds messages on each laptop's socket in turn */
static int echo_both(const int fd[2], int rounds, char *fig)
{
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 2; i++) {
			char msg[64], why[SELFTEST_WHY];
			int len = snprintf(
				msg, sizeof(msg), "%s, round %d",
				selftest_topo_host(SELFTEST_LAPTOP + i), r);

			if (selftest_probe_echo(fd[i], msg, (size_t)len, 5000,
						why))
				return failf(
					fig, "%s: %s",
					selftest_topo_host(SELFTEST_LAPTOP + i),
					why);
		}
	}
	return 0;
}

/*
 * laptop2 joins (step 1: its client over UDP, through the phone's
 * routing); then both laptops, with the same inner address, use the same
 * local ports at once, and each must get its own echoes
 */
int selftest_laptop_second(void *arg, char *fig)
{
	const struct selftest_env *env = arg;
	double t0 = selftest_probe_now(), up;
	int tcp[2] = {-1, -1}, udp[2] = {-1, -1}, ret = -1;
	struct sockaddr_in a[2];
	socklen_t alen = sizeof(a[0]);
	char inner[2][INET_ADDRSTRLEN];

	if (selftest_check_sync())
		return failf(fig, "laptop2's tunnel did not come up (see "
				  "laptop2.log)");
	up = selftest_probe_now() - t0;
	for (int i = 0; i < 2; i++) {
		if (i && setns(env->nsfd[SELFTEST_LAPTOP2], CLONE_NEWNET)) {
			failf(fig, "setns: %s", strerror(errno));
			goto out;
		}
		tcp[i] = selftest_probe_connect(
			SOCK_STREAM, SELFTEST_INTERNET_ADDR, SELFTEST_ECHO_PORT,
			40000, 5000, fig);
		udp[i] = selftest_probe_connect(
			SOCK_DGRAM, SELFTEST_INTERNET_ADDR, SELFTEST_ECHO_PORT,
			5353, 0, fig);
		if (tcp[i] < 0 || udp[i] < 0 ||
		    getsockname(udp[i], (struct sockaddr *)&a[i], &alen))
			goto out;
		inet_ntop(AF_INET, &a[i].sin_addr, inner[i], sizeof(inner[i]));
	}
	if (echo_both(tcp, 10, fig) || echo_both(udp, 10, fig))
		goto out;
	ret = 0;
	snprintf(fig, SELFTEST_WHY,
		 "up over udp in %.2f s; as %s and %s, from the same ports, "
		 "each got only its own echoes",
		 up, inner[0], inner[1]);
out:
	for (int i = 0; i < 2; i++) {
		if (tcp[i] >= 0)
			close(tcp[i]);
		if (udp[i] >= 0)
			close(udp[i]);
	}
	return ret;
}

/*
 * An address the server's egress.deny lists, which the server itself
 * reaches: the laptop's connection is refused at once (ICMP
 * administratively prohibited, "No route to host")
 */
int selftest_laptop_egress(void *arg, char *fig)
{
	const struct selftest_env *env = arg;
	char why[SELFTEST_WHY];
	double t0;
	int fd;

	if (setns(env->nsfd[SELFTEST_SERVER], CLONE_NEWNET))
		return failf(fig, "setns: %s", strerror(errno));
	fd = selftest_probe_connect(SOCK_STREAM, SELFTEST_DENIED_ADDR,
				    SELFTEST_HTTP_PORT, 0, 5000, why);
	if (fd < 0)
		return failf(fig, "the server itself: %s", why);
	close(fd);
	if (setns(env->nsfd[SELFTEST_LAPTOP], CLONE_NEWNET))
		return failf(fig, "setns: %s", strerror(errno));
	t0 = selftest_probe_now();
	fd = selftest_probe_connect(SOCK_STREAM, SELFTEST_DENIED_ADDR,
				    SELFTEST_HTTP_PORT, 0, 5000, why);
	if (fd >= 0) {
		close(fd);
		return failf(fig, "the laptop reached " SELFTEST_DENIED_ADDR
				  ", which egress.deny lists");
	}
	if (errno != EHOSTUNREACH)
		return failf(fig, "%s; want: No route to host", why);
	snprintf(fig, SELFTEST_WHY,
		 SELFTEST_DENIED_ADDR
		 ":%d refused in %.1f ms (ICMP prohibited); "
		 "the server itself reaches it",
		 SELFTEST_HTTP_PORT, (selftest_probe_now() - t0) * 1000);
	return 0;
}
