/* SPDX-License-Identifier: MIT */
/* udp_tx_test.c - gathering datagrams into runs, and sending a run on
 * loopback with UDP GSO and without: the peer gets each datagram whole */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "udp_tx.h"

static struct udp_tx tx;
static uint8_t msg[UDP_TX_BUF + 1];
static const int peer_a, peer_b;

/* Datagram @i of a test: @len bytes of i */
static const uint8_t *fill(int i, size_t len)
{
	memset(msg, i & 0xff, len);
	return msg;
}

static void test_runs(void)
{
	udp_tx_clear(&tx);
	ok(udp_tx_add(&tx, &peer_a, fill(0, 1000), 1000), "empty: takes any");
	ok(udp_tx_add(&tx, &peer_a, fill(1, 1000), 1000), "same size: joins");
	ok(!udp_tx_add(&tx, &peer_b, fill(2, 1000), 1000),
	   "another peer: does not");
	ok(!udp_tx_add(&tx, &peer_a, fill(2, 1001), 1001),
	   "longer than the first: does not");
	ok(udp_tx_add(&tx, &peer_a, fill(2, 400), 400), "shorter: joins");
	ok(!udp_tx_add(&tx, &peer_a, fill(3, 400), 400),
	   "after a shorter one: nothing");
	is(tx.n, 3, "three gathered");
	is(tx.len, 2400, "2400 bytes");

	udp_tx_clear(&tx);
	for (int i = 0; i < UDP_TX_MAX_SEGS; i++)
		udp_tx_add(&tx, &peer_a, fill(i, 100), 100);
	is(tx.n, UDP_TX_MAX_SEGS, "%d small ones", UDP_TX_MAX_SEGS);
	ok(!udp_tx_add(&tx, &peer_a, fill(0, 100), 100),
	   "then the run is full");

	udp_tx_clear(&tx);
	ok(udp_tx_add(&tx, &peer_a, fill(0, 30000), 30000) &&
		   udp_tx_add(&tx, &peer_a, fill(1, 30000), 30000),
	   "two of 30000 bytes");
	ok(!udp_tx_add(&tx, &peer_a, fill(2, 30000), 30000),
	   "not a third: over %d bytes", UDP_TX_MAX_BYTES);
	udp_tx_clear(&tx);
	ok(udp_tx_add(&tx, &peer_a, fill(0, UDP_TX_BUF), UDP_TX_BUF),
	   "one of %d bytes alone", UDP_TX_BUF);
	ok(!udp_tx_add(&tx, &peer_a, fill(0, 1), 1), "and nothing after it");
	udp_tx_clear(&tx);
	ok(!udp_tx_add(&tx, &peer_a, fill(0, UDP_TX_BUF + 1), UDP_TX_BUF + 1),
	   "one over %d bytes: never", UDP_TX_BUF);
}

/* A UDP socket on 127.0.0.1, any port; its address in @sin */
static int sock(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) ||
	    getsockname(fd, (struct sockaddr *)sin, &len))
		return -1;
	return fd;
}

/* Send 20 datagrams of 1200 bytes and one of 300 as one run; @rx gets
 * each, whole and in order */
static void test_send(int tx_fd, int rx_fd, const struct sockaddr_in *to,
		      bool gso, const char *how)
{
	struct pollfd p = {.fd = rx_fd, .events = POLLIN};
	uint8_t buf[2048];
	int i, bad = 0, got = 0, err;
	bool g = gso;
	ssize_t n;

	udp_tx_clear(&tx);
	for (i = 0; i < 20; i++)
		udp_tx_add(&tx, &peer_a, fill(i, 1200), 1200);
	udp_tx_add(&tx, &peer_a, fill(i, 300), 300);
	is(udp_tx_send(&tx, tx_fd, (const struct sockaddr *)to, sizeof(*to), &g,
		       &err),
	   21, "%s: the kernel takes all 21", how);
	is(err, 0, "%s: no error", how);
	if (gso)
		ok(g, "%s: and still offers it", how);
	for (i = 0; i < 21 && poll(&p, 1, 2000) == 1; i++) {
		n = recv(rx_fd, buf, sizeof(buf), MSG_DONTWAIT);
		got++;
		if (n != (i < 20 ? 1200 : 300) || buf[0] != i ||
		    buf[n - 1] != i)
			bad++;
	}
	is(got, 21, "%s: 21 datagrams arrive", how);
	is(bad, 0, "%s: each whole, in order", how);
}

int main(void)
{
	struct sockaddr_in a, b;
	int fa = sock(&a), fb = sock(&b), err;
	bool gso = true;

	test_runs();
	ok(fa >= 0 && fb >= 0, "two sockets on loopback");
	if (fa >= 0 && fb >= 0) {
		test_send(fa, fb, &b, true, "UDP GSO");
		test_send(fa, fb, &b, false, "sendmmsg");
		/* nothing to send: nothing happens */
		udp_tx_clear(&tx);
		is(udp_tx_send(&tx, fa, (const struct sockaddr *)&b, sizeof(b),
			       &gso, &err),
		   0, "an empty run sends nothing");
		/* refused as a whole (from loopback to elsewhere: EINVAL,
		 * as for a segment over the MTU): tried one at a time, GSO
		 * no longer offered, the error reported */
		udp_tx_add(&tx, &peer_a, fill(0, 100), 100);
		udp_tx_add(&tx, &peer_a, fill(1, 100), 100);
		b.sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1 */
		is(udp_tx_send(&tx, fa, (const struct sockaddr *)&b, sizeof(b),
			       &gso, &err),
		   0, "refused: nothing taken");
		is(err, EINVAL, "refused: EINVAL");
		ok(!gso, "refused: GSO no longer offered");
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return tap_done();
}
