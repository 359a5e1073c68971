/* SPDX-License-Identifier: MIT */
/* selftest_probe.c - what the checks do on a host: HTTP, DNS, ping, echo
 *
 * Small clients of the services in selftest_svc.c, run by the checks in
 * the laptop's namespace, so that their traffic takes the tunnel. Sockets
 * are non-blocking and every wait has a deadline. What comes back is
 * validated before it is used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "csum.h"
#include "selftest.h"
#include "selftest_probe.h"

#define HEAD_MAX 4096
#define DNS_MAX	 1232
#define PING_LEN 64

/* Return: a monotonic clock, in seconds */
double selftest_probe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, SELFTEST_WHY, fmt, ap);
	va_end(ap);
	return -1;
}

/* Wait until @fd is ready for @events; -1 with ETIMEDOUT at @deadline */
static int wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		double left = deadline - selftest_probe_now();
		int r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int send_all(int fd, const void *buf, size_t len, double deadline)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN && wait_fd(fd, POLLOUT, deadline))
			return -1;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			b += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

/* Receive what comes before @deadline. Return: bytes, 0 at EOF, or -1 */
static ssize_t recv_by(int fd, void *buf, size_t len, double deadline)
{
	for (;;) {
		ssize_t n = recv(fd, buf, len, 0);

		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n;
		if (errno == EAGAIN && wait_fd(fd, POLLIN, deadline))
			return -1;
	}
}

/**
 * selftest_probe_connect() - a non-blocking socket connected to a peer
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @addr:	the peer's IPv4 address
 * @port:	its port
 * @local_port:	bind to this local port first (0: any)
 * @timeout_ms:	for the TCP handshake
 * @why:	what went wrong
 *
 * Return: the socket, or -1 with errno set
 */
int selftest_probe_connect(int type, const char *addr, uint16_t port,
			   uint16_t local_port, int timeout_ms, char *why)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	struct sockaddr_in local = {.sin_family = AF_INET,
				    .sin_port = htons(local_port)};
	double deadline = selftest_probe_now() + timeout_ms / 1e3;
	socklen_t len = sizeof(int);
	int fd, err;

	inet_pton(AF_INET, addr, &sa.sin_addr);
	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    (local_port && bind(fd, (struct sockaddr *)&local, sizeof(local))))
		goto err;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return fd;
	if (errno != EINPROGRESS || wait_fd(fd, POLLOUT, deadline) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		goto err;
	if (!err)
		return fd;
	errno = err;
err:
	err = errno;
	fail(why, "connect to %s:%u: %s", addr, port, strerror(err));
	if (fd >= 0)
		close(fd);
	errno = err;
	return -1;
}

/**
 * selftest_probe_expect() - receive what an echo service sends back
 * @fd:		a connected socket
 * @msg:	what must come
 * @len:	its length, up to 64 KiB
 * @timeout_ms:	how long it may take
 * @why:	what went wrong
 *
 * Over TCP the next @len bytes must be @msg; over UDP the next datagram.
 *
 * Return: 0 if @msg came, or -1
 */
int selftest_probe_expect(int fd, const void *msg, size_t len, int timeout_ms,
			  char *why)
{
	static uint8_t buf[65536];
	double deadline = selftest_probe_now() + timeout_ms / 1e3;
	socklen_t tl = sizeof(int);
	size_t got = 0;
	int type = 0;

	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
	while (got < len && len <= sizeof(buf)) {
		size_t want = type == SOCK_DGRAM ? sizeof(buf) : len - got;
		ssize_t n = recv_by(fd, buf + got, want, deadline);

		if (n < 0 && errno == ETIMEDOUT)
			return fail(why, "no echo of %zu bytes within %.1f s",
				    len, timeout_ms / 1e3);
		if (n < 0)
			return fail(why, "echo: %s", strerror(errno));
		if (!n && type == SOCK_STREAM)
			return fail(why, "echo: the connection was closed");
		got += (size_t)n;
		if (type == SOCK_DGRAM && got != len)
			return fail(why, "echo: %zu bytes sent, %zu came back",
				    len, got);
	}
	if (got != len || memcmp(buf, msg, len))
		return fail(why, "the echo differs from the %zu bytes sent",
			    len);
	return 0;
}

/**
 * selftest_probe_echo() - send a message to an echo service, get it back
 * @fd:		a connected socket
 * @msg:	the message
 * @len:	its length, up to 64 KiB
 * @timeout_ms:	how long the round trip may take
 * @why:	what went wrong
 *
 * Return: 0 if the echo came, or -1
 */
int selftest_probe_echo(int fd, const void *msg, size_t len, int timeout_ms,
			char *why)
{
	double deadline = selftest_probe_now() + timeout_ms / 1e3;

	if (send_all(fd, msg, len, deadline))
		return fail(why, "echo: could not send %zu bytes: %s", len,
			    strerror(errno));
	return selftest_probe_expect(fd, msg, len, timeout_ms, why);
}

/* Body bytes: hash them, count them, keep the first ones as text */
static void body(struct selftest_http *r, crypto_hash_sha256_state *st,
		 const uint8_t *b, size_t n)
{
	size_t room = sizeof(r->head) - 1;

	if (r->bytes < room) {
		size_t k = n < room - r->bytes ? n : room - r->bytes;

		memcpy(r->head + r->bytes, b, k);
		r->head[r->bytes + k] = '\0';
	}
	crypto_hash_sha256_update(st, b, n);
	r->bytes += n;
}

/* The reply's header into @head (NUL-terminated); Return: its length */
static ssize_t read_head(int fd, char *head, double deadline, char *why)
{
	size_t n = 0;
	char *end;

	*head = '\0';
	while (!(end = strstr(head, "\r\n\r\n"))) {
		ssize_t k = n < HEAD_MAX ? recv_by(fd, head + n, HEAD_MAX - n,
						   deadline)
					 : -1;

		if (k <= 0)
			return fail(why, "HTTP: %s",
				    n == HEAD_MAX ? "the header is too long"
				    : k		  ? strerror(errno)
						  : "closed before the header");
		n += (size_t)k;
		head[n] = '\0';
	}
	return (ssize_t)n;
}

/**
 * selftest_probe_http() - GET a path from the internet host's HTTP service
 * @addr:	its address
 * @path:	"/" or SELFTEST_PAYLOAD_PATH
 * @timeout_ms:	for the whole exchange
 * @r:		the reply: status, body size and hash, time
 * @why:	what went wrong
 *
 * Return: 0 if a whole reply came (whatever its status), or -1
 */
int selftest_probe_http(const char *addr, const char *path, int timeout_ms,
			struct selftest_http *r, char *why)
{
	static uint8_t buf[65536];
	char req[256], head[HEAD_MAX + 1], *end;
	double t0 = selftest_probe_now(), deadline = t0 + timeout_ms / 1e3;
	crypto_hash_sha256_state st;
	ssize_t n, hn;
	int fd = selftest_probe_connect(SOCK_STREAM, addr, SELFTEST_HTTP_PORT,
					0, timeout_ms, why);

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
		 path, addr);
	hn = send_all(fd, req, strlen(req), deadline)
		     ? fail(why, "HTTP: send: %s", strerror(errno))
		     : read_head(fd, head, deadline, why);
	if (hn < 0 || sscanf(head, "HTTP/1.%*d %d", &r->status) != 1) {
		close(fd);
		return hn < 0 ? -1 : fail(why, "HTTP: not an HTTP reply");
	}
	crypto_hash_sha256_init(&st);
	end = strstr(head, "\r\n\r\n") + 4;
	body(r, &st, (uint8_t *)end, (size_t)(head + hn - end));
	while ((n = recv_by(fd, buf, sizeof(buf), deadline)) > 0)
		body(r, &st, buf, (size_t)n);
	close(fd);
	if (n < 0)
		return fail(why, "HTTP: %s after %zu bytes", strerror(errno),
			    r->bytes);
	r->seconds = selftest_probe_now() - t0;
	crypto_hash_sha256_final(&st, r->sha256);
	return 0;
}

/* A DNS query for the A record of @name; Return: its length, or 0 */
static size_t dns_query(uint8_t *q, size_t len, const char *name, uint16_t id)
{
	size_t n = 12;

	memset(q, 0, n);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* one question */
	while (*name) {
		size_t l = strcspn(name, ".");

		if (!l || l > 63 || n + l + 6 > len)
			return 0;
		q[n++] = (uint8_t)l;
		memcpy(q + n, name, l);
		n += l;
		name += l + (name[l] == '.');
	}
	memcpy(q + n, "\0\0\1\0\1", 5); /* root, QTYPE A, QCLASS IN */
	return n + 5;
}

/* The first A record of a reply to @q (@qlen bytes); -1 if none */
static int dns_answer(const uint8_t *r, size_t n, const uint8_t *q, size_t qlen,
		      struct in_addr *a, char *why)
{
	size_t off = qlen;
	unsigned count;

	if (n < qlen || memcmp(r, q, 2) || !(r[2] & 0x80) ||
	    memcmp(r + 12, q + 12, qlen - 12))
		return fail(why, "DNS: not a reply to our query");
	if (r[3] & 0x0f)
		return fail(why, "DNS: error %u (3: no such name)",
			    r[3] & 0x0f);
	count = (unsigned)r[6] << 8 | r[7];
	for (unsigned i = 0; i < count; i++) {
		unsigned type, class, rdlen;

		/* the owner name: a pointer, or labels */
		while (off < n && r[off] && (r[off] & 0xc0) != 0xc0)
			off += 1u + r[off];
		off += off < n && r[off] ? 2 : 1;
		if (off + 10 > n)
			break;
		type = (unsigned)r[off] << 8 | r[off + 1];
		class = (unsigned)r[off + 2] << 8 | r[off + 3];
		rdlen = (unsigned)r[off + 8] << 8 | r[off + 9];
		off += 10;
		if (off + rdlen > n)
			break;
		if (type == 1 && class == 1 && rdlen == 4) {
			memcpy(a, r + off, 4);
			return 0;
		}
		off += rdlen;
	}
	return fail(why, "DNS: no A record in the reply");
}

/**
 * selftest_probe_dns() - ask a DNS server for the A record of a name
 * @server:	its address (port 53)
 * @name:	the name
 * @timeout_ms:	how long the answer may take
 * @a:		the address in the answer
 * @why:	what went wrong
 *
 * Return: 0 if an address came, or -1
 */
int selftest_probe_dns(const char *server, const char *name, int timeout_ms,
		       struct in_addr *a, char *why)
{
	uint8_t q[300], r[DNS_MAX];
	double deadline = selftest_probe_now() + timeout_ms / 1e3;
	size_t qlen = dns_query(q, sizeof(q), name,
				(uint16_t)randombytes_uniform(65536));
	int fd = qlen ? selftest_probe_connect(SOCK_DGRAM, server,
					       SELFTEST_DNS_PORT, 0, timeout_ms,
					       why)
		      : fail(why, "DNS: %s is not a name", name);
	ssize_t n;

	if (fd < 0)
		return -1;
	if (send(fd, q, qlen, 0) != (ssize_t)qlen) {
		close(fd);
		return fail(why, "DNS: send: %s", strerror(errno));
	}
	n = recv_by(fd, r, sizeof(r), deadline);
	close(fd);
	if (n < 0)
		return fail(why, "DNS: no answer from %s: %s", server,
			    strerror(errno));
	return dns_answer(r, (size_t)n, q, qlen, a, why);
}

/* Wait for the echo reply @id/@seq from the connected raw socket @fd */
static int ping_reply(int fd, uint16_t id, uint16_t seq, double deadline)
{
	uint8_t buf[1500];
	ssize_t n;

	while ((n = recv_by(fd, buf, sizeof(buf), deadline)) > 0) {
		size_t ihl = (size_t)(buf[0] & 0x0f) * 4;

		if ((size_t)n >= ihl + 8 && buf[ihl] == 0 &&
		    buf[ihl + 4] == id >> 8 && buf[ihl + 5] == (id & 0xff) &&
		    buf[ihl + 6] == seq >> 8 && buf[ihl + 7] == (seq & 0xff))
			return 0;
	}
	return -1;
}

/**
 * selftest_probe_ping() - ICMP echo requests, one after the other
 * @addr:	whom to ping
 * @count:	how many
 * @timeout_ms:	how long each reply may take
 * @r:		how many came back, round-trip times
 * @why:	what went wrong
 *
 * Return: 0 if every reply came, or -1
 */
int selftest_probe_ping(const char *addr, int count, int timeout_ms,
			struct selftest_ping *r, char *why)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	uint16_t id = (uint16_t)getpid();
	double sum = 0;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_ICMP);

	memset(r, 0, sizeof(*r));
	inet_pton(AF_INET, addr, &sa.sin_addr);
	/* connected: only packets from @addr arrive */
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (fd >= 0)
			close(fd);
		return fail(why, "ping: ICMP socket: %s", strerror(errno));
	}
	for (uint16_t seq = 1; seq <= count; seq++) {
		uint8_t pkt[PING_LEN] = {8}; /* echo request, code 0 */
		uint16_t id_seq[2] = {htons(id), htons(seq)}, sum16;
		double t0 = selftest_probe_now(), ms;

		memcpy(pkt + 4, id_seq, sizeof(id_seq));
		memcpy(pkt + 8, "tether selftest", 15);
		sum16 = csum_fold(csum_partial(pkt, sizeof(pkt), 0));
		memcpy(pkt + 2, &sum16, 2);
		r->sent++;
		if (send(fd, pkt, sizeof(pkt), 0) != sizeof(pkt) ||
		    ping_reply(fd, id, seq, t0 + timeout_ms / 1e3))
			continue;
		ms = (selftest_probe_now() - t0) * 1000;
		r->min_ms = r->received && r->min_ms < ms ? r->min_ms : ms;
		r->max_ms = r->max_ms > ms ? r->max_ms : ms;
		sum += ms;
		r->received++;
	}
	close(fd);
	r->avg_ms = r->received ? sum / r->received : 0;
	if (r->received < r->sent)
		return fail(why, "%d of %d echo replies came back", r->received,
			    r->sent);
	return 0;
}
