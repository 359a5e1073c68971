/* SPDX-License-Identifier: MIT */
/* selftest_svc.c - the internet host's services, built in: HTTP, DNS, echo
 *
 * One process in the internet namespace, so that the selftest needs
 * nothing installed: on every address, HTTP on port 80 (GET / says who
 * asked and what /payload holds; GET /payload sends the generated payload),
 * a DNS responder on port 53 that knows one name, and TCP and UDP echo on
 * port 7. Datagrams are answered in the loop; each TCP connection gets a
 * forked child with a time limit. Anything malformed is dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "selftest.h"
#include "selftest_proc.h"
#include "selftest_svc.h"

#define CHUNK		65536
#define REQUEST_MAX	4096
#define HANDLER_SECONDS 120
#define DNS_MAX		1232

enum { SVC_HTTP, SVC_TCP_ECHO, SVC_UDP_ECHO, SVC_DNS, SVC__COUNT };

static uint8_t chunk[CHUNK];

/* Bytes [@off, @off + @len) of the payload; @off a multiple of 64 */
static void payload_chunk(const struct selftest_payload *p, uint64_t off,
			  size_t len)
{
	static const uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];

	memset(chunk, 0, len);
	crypto_stream_chacha20_xor_ic(chunk, chunk, len, nonce, off / 64,
				      p->seed);
}

/**
 * selftest_svc_payload() - a new payload for GET /payload, and its hash
 * @p:		set to a fresh seed, @size and the SHA-256 of the bytes
 * @size:	its size in bytes
 */
void selftest_svc_payload(struct selftest_payload *p, size_t size)
{
	crypto_hash_sha256_state st;

	randombytes_buf(p->seed, sizeof(p->seed));
	p->size = size;
	crypto_hash_sha256_init(&st);
	for (size_t off = 0; off < size; off += CHUNK) {
		size_t n = size - off < CHUNK ? size - off : CHUNK;

		payload_chunk(p, off, n);
		crypto_hash_sha256_update(&st, chunk, n);
	}
	crypto_hash_sha256_final(&st, p->sha256);
}

static int send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static void http_reply(int fd, const char *status, const char *body)
{
	char head[256];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 status, strlen(body));
	if (!send_all(fd, head, strlen(head)))
		send_all(fd, body, strlen(body));
}

static void http_index(int fd, const char *peer,
		       const struct selftest_payload *p)
{
	char hex[65], body[512];

	sodium_bin2hex(hex, sizeof(hex), p->sha256, sizeof(p->sha256));
	snprintf(body, sizeof(body),
		 "tether selftest: the internet host " SELFTEST_INTERNET_ADDR
		 "\nyou are %s\nGET " SELFTEST_PAYLOAD_PATH
		 ": %zu bytes, sha256 %s\nDNS: " SELFTEST_DNS_NAME
		 " A " SELFTEST_INTERNET_ADDR
		 " on port 53; TCP and UDP echo on port 7\n",
		 peer, p->size, hex);
	http_reply(fd, "200 OK", body);
}

static void http_payload(int fd, const struct selftest_payload *p)
{
	char head[160];

	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 p->size);
	if (send_all(fd, head, strlen(head)))
		return;
	for (size_t off = 0; off < p->size; off += CHUNK) {
		size_t n = p->size - off < CHUNK ? p->size - off : CHUNK;

		payload_chunk(p, off, n);
		if (send_all(fd, chunk, n))
			return;
	}
}

/* One HTTP/1.x request, one reply */
static void http(int fd, const char *peer, const struct selftest_payload *p)
{
	char req[REQUEST_MAX + 1], method[8], path[64];
	size_t n = 0;

	while (n < REQUEST_MAX) {
		ssize_t r = read(fd, req + n, REQUEST_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	req[n] = '\0';
	if (sscanf(req, "%7s %63s HTTP/1.", method, path) != 2) {
		http_reply(fd, "400 Bad Request", "bad request\n");
		return;
	}
	log_info("internet: HTTP %s %s from %s", method, path, peer);
	if (strcmp(method, "GET"))
		http_reply(fd, "405 Method Not Allowed", "GET only\n");
	else if (!strcmp(path, "/"))
		http_index(fd, peer, p);
	else if (!strcmp(path, SELFTEST_PAYLOAD_PATH))
		http_payload(fd, p);
	else
		http_reply(fd, "404 Not Found", "not found\n");
}

static void tcp_echo(int fd)
{
	uint8_t buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0 && send_all(fd, buf, (size_t)n))
			return;
}

/*
 * The answer to a DNS query, in place: SELFTEST_DNS_NAME has one A record,
 * every other name is NXDOMAIN. Return: its length, or 0 to drop @msg
 */
static size_t dns_answer(uint8_t *msg, size_t len)
{
	static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
	char name[256];
	size_t off = 12, nlen = 0;
	bool ours, answer;

	/* a query (QR 0, opcode 0) with one question */
	if (len < 12 || msg[2] & 0xf8 || msg[4] || msg[5] != 1)
		return 0;
	while (off < len && msg[off]) {
		size_t l = msg[off];

		if (l > 63 || off + 1 + l >= len || nlen + l + 2 > sizeof(name))
			return 0;
		if (nlen)
			name[nlen++] = '.';
		memcpy(name + nlen, msg + off + 1, l);
		nlen += l;
		off += 1 + l;
	}
	if (off + 5 > len)
		return 0;
	name[nlen] = '\0';
	off += 5; /* the root label, QTYPE and QCLASS */
	ours = !strcasecmp(name, SELFTEST_DNS_NAME);
	/* QTYPE A, QCLASS IN */
	answer = ours && !msg[off - 4] && msg[off - 3] == 1 && !msg[off - 2] &&
		 msg[off - 1] == 1;
	msg[2] = 0x84 | (msg[2] & 0x01); /* QR, AA, the query's RD */
	msg[3] = ours ? 0 : 3;		 /* NOERROR, NXDOMAIN */
	memset(msg + 6, 0, 6);
	msg[7] = answer;
	if (!answer)
		return off;
	memcpy(msg + off, rr, sizeof(rr));
	inet_pton(AF_INET, SELFTEST_INTERNET_ADDR, msg + off + sizeof(rr));
	return off + sizeof(rr) + 4;
}

static void datagram(int fd, int svc)
{
	static uint8_t buf[65536];
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	ssize_t n = recvfrom(fd, buf, svc == SVC_DNS ? DNS_MAX : sizeof(buf),
			     MSG_TRUNC, (struct sockaddr *)&peer, &plen);
	size_t out = (size_t)n;

	if (n < 0 || (svc == SVC_DNS && n > DNS_MAX))
		return;
	if (svc == SVC_DNS)
		out = dns_answer(buf, (size_t)n);
	if (out)
		sendto(fd, buf, out, 0, (struct sockaddr *)&peer, plen);
}

static void connection(int lfd, int svc, const struct selftest_payload *p)
{
	struct sockaddr_in sa;
	socklen_t slen = sizeof(sa);
	char peer[INET_ADDRSTRLEN + 8];
	int fd = accept4(lfd, (struct sockaddr *)&sa, &slen, SOCK_CLOEXEC);
	pid_t pid;

	if (fd < 0)
		return;
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the services */
		alarm(HANDLER_SECONDS);
		inet_ntop(AF_INET, &sa.sin_addr, peer, INET_ADDRSTRLEN);
		snprintf(peer + strlen(peer), 8, ":%u", ntohs(sa.sin_port));
		if (svc == SVC_HTTP)
			http(fd, peer, p);
		else
			tcp_echo(fd);
		_exit(0);
	}
	close(fd);
}

static int open_socket(int type, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 64))) {
		log_warn("internet: port %u", port);
		return -1;
	}
	return fd;
}

static noreturn void serve(const struct selftest_payload *p)
{
	static const struct {
		int type;
		uint16_t port;
	} svcs[SVC__COUNT] = {
		[SVC_HTTP] = {SOCK_STREAM, SELFTEST_HTTP_PORT},
		[SVC_TCP_ECHO] = {SOCK_STREAM, SELFTEST_ECHO_PORT},
		[SVC_UDP_ECHO] = {SOCK_DGRAM, SELFTEST_ECHO_PORT},
		[SVC_DNS] = {SOCK_DGRAM, SELFTEST_DNS_PORT},
	};
	struct pollfd fds[SVC__COUNT];

	/* the connections' children reap themselves */
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < SVC__COUNT; i++) {
		fds[i].fd = open_socket(svcs[i].type, svcs[i].port);
		fds[i].events = POLLIN;
		if (fds[i].fd < 0)
			_exit(1);
	}
	log_info("internet: HTTP on port %u, DNS on %u, TCP and UDP echo on %u",
		 SELFTEST_HTTP_PORT, SELFTEST_DNS_PORT, SELFTEST_ECHO_PORT);
	for (;;) {
		if (poll(fds, SVC__COUNT, -1) < 0)
			continue;
		for (int i = 0; i < SVC__COUNT; i++) {
			if (!(fds[i].revents & POLLIN))
				continue;
			if (svcs[i].type == SOCK_STREAM)
				connection(fds[i].fd, i, p);
			else
				datagram(fds[i].fd, i);
		}
	}
}

/**
 * selftest_svc_start() - start the services in a namespace
 * @nsfd:	the internet host's namespace
 * @log:	their log
 * @p:		the payload to serve
 *
 * Return: the pid of the services' process (its group holds the
 * connections' children), or -1
 */
pid_t selftest_svc_start(int nsfd, const char *log,
			 const struct selftest_payload *p)
{
	pid_t pid = selftest_proc_fork(nsfd, log, true);

	if (pid)
		return pid;
	serve(p);
}
