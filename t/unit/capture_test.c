/* SPDX-License-Identifier: MIT */
/* capture_test.c - capture.c and rawsock.c on a veth between two stacks
 *
 * As root only, in namespaces of the test's own (nstest.h): P sends a mix
 * of packets to S, and the capture on S's end must hand over exactly those
 * the NAT wants (TCP and UDP to EXT in the range, ICMP, non-first
 * fragments), link header stripped, in every ring mode and link type
 * (Ethernet on the veth, Linux cooked on "any", raw IP on a TUN device).
 * Then the raw socket sends hand-built packets from S that sockets in P
 * receive, and its errors are checked: EINVAL, EMSGSIZE with the MTU,
 * ENETUNREACH, the firewall mark, missing interfaces and permissions.
 */
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "capture.h"
#include "log.h"
#include "pkt.h"
#include "rawsock.h"

#include "looptest.h"
#include "nstest.h"
#include "tap.h"

#define LO   40000
#define HI   40099
#define KEEP 96 /* bytes of each captured packet kept */

static struct {
	uint8_t data[KEEP];
	size_t len;
} seen[32];
static int nseen;
static int want;

static void on_packet(uint8_t *pkt, size_t len, void *arg)
{
	(void)arg;
	if (nseen < (int)(sizeof(seen) / sizeof(seen[0]))) {
		seen[nseen].len = len;
		memcpy(seen[nseen].data, pkt, len < KEEP ? len : KEEP);
	}
	nseen++;
	memset(pkt, 0xee, len); /* the NAT rewrites in place */
	if (nseen >= want)
		ev_loop_stop(loop);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Index of the captured packet with this protocol and L4 word, or -1 */
static int find(uint8_t proto, uint16_t word)
{
	for (int i = 0; i < nseen && i < 32; i++) {
		const uint8_t *ip = seen[i].data;
		const uint8_t *l4 = ip + (ip[0] & 0xf) * 4;

		if (ip[9] == proto && get16(l4 + 2) == word)
			return i;
	}
	return -1;
}

static int find_echo_reply(uint16_t id)
{
	for (int i = 0; i < nseen && i < 32; i++) {
		const uint8_t *ip = seen[i].data;

		if (ip[9] == PKT_PROTO_ICMP && ip[20] == PKT_ICMP_ECHOREPLY &&
		    get16(ip + 24) == id)
			return i;
	}
	return -1;
}

static int find_frag(void)
{
	for (int i = 0; i < nseen && i < 32; i++)
		if (get16(seen[i].data + 6) & 0x1fff)
			return i;
	return -1;
}

/* Every packet: IPv4 at byte 0 (no link header), to @ext, whole */
static void check_all(const char *mode, uint32_t ext)
{
	int bad = 0;

	for (int i = 0; i < nseen && i < 32; i++) {
		const uint8_t *ip = seen[i].data;

		if (ip[0] != 0x45 || memcmp(ip + 16, &ext, 4) ||
		    seen[i].len < get16(ip + 2))
			bad++;
	}
	ok(!bad, "%s: every packet starts at its IPv4 header, to EXT, whole",
	   mode);
}

static size_t build_udp(uint8_t *buf, size_t size, const char *src,
			uint16_t sport, const char *dst, uint16_t dport,
			const char *payload)
{
	struct pktgen g = PKTGEN_INIT;

	g.saddr = ns_addr(src);
	g.daddr = ns_addr(dst);
	g.sport = sport;
	g.dport = dport;
	g.ip_id = 1234;
	g.payload = payload;
	g.plen = strlen(payload);
	return pktgen_udp(buf, size, &g);
}

/*
 * From P: UDP and TCP to EXT outside the range, UDP to another address,
 * an echo reply to another address (none of them wanted), then UDP and TCP
 * to EXT in the range, an echo reply and a non-first fragment (wanted).
 */
static void send_mix(struct rawsock *praw, int pudp)
{
	struct pktgen g = PKTGEN_INIT;
	uint8_t buf[256];
	size_t len;

	send_to(pudp, NS_EXT, 50000, "out of range", 12);
	send_to(pudp, NS_OTHER, 40050, "other address", 13);
	g.saddr = ns_addr(NS_PEER);
	g.daddr = ns_addr(NS_EXT);
	g.sport = 5555;
	g.dport = LO - 1;
	g.tcp_flags = PKT_TCP_SYN;
	len = pktgen_tcp(buf, sizeof(buf), &g);
	rawsock_send(praw, buf, len);
	g.daddr = ns_addr(NS_OTHER);
	g.icmp_type = 0;
	g.sport = 40060;
	len = pktgen_icmp(buf, sizeof(buf), &g);
	rawsock_send(praw, buf, len);

	send_to(pudp, NS_EXT, 40050, "in range", 8);
	g.daddr = ns_addr(NS_EXT);
	len = pktgen_icmp(buf, sizeof(buf), &g);
	rawsock_send(praw, buf, len);
	g.sport = 5555;
	g.dport = 40070;
	len = pktgen_tcp(buf, sizeof(buf), &g);
	rawsock_send(praw, buf, len);
	/* at offset 1480 the "ports" are payload bytes: 9 and 9 */
	g.frag = 185;
	g.sport = 9;
	g.dport = 9;
	g.ip_id = 77;
	len = pktgen_udp(buf, sizeof(buf), &g);
	rawsock_send(praw, buf, len);
}

static void test_mode(const char *mode, const char *ifname,
		      struct rawsock *praw, int pudp)
{
	struct capture_params p = {
		.ifname = ifname,
		.ext_addr = ns_addr(NS_EXT),
		.port_lo = LO,
		.port_hi = HI,
		.ring_bytes = 4 << 20,
	};
	struct capture_stats st;
	struct capture *c = capture_open(loop, &p, on_packet, NULL);
	int i;

	ok(c != NULL, "%s: capture_open on %s", mode, ifname);
	if (!c)
		return;
	nseen = 0;
	want = 4;
	send_mix(praw, pudp);
	ok(run_until(&nseen, 4), "%s: the four wanted packets arrive", mode);
	run_for(150); /* anything unwanted would come now */
	is(nseen, 4, "%s: nothing else is handed over", mode);
	i = find(PKT_PROTO_UDP, 40050);
	ok(i >= 0 && seen[i].len == 20 + 8 + 8 &&
		   !memcmp(seen[i].data + 28, "in range", 8),
	   "%s: UDP to EXT:40050 with its payload", mode);
	ok(find(PKT_PROTO_TCP, 40070) >= 0, "%s: TCP SYN to EXT:40070", mode);
	i = find_echo_reply(40060);
	ok(i >= 0, "%s: ICMP echo reply with id 40060", mode);
	i = find_frag();
	ok(i >= 0 && get16(seen[i].data + 4) == 77,
	   "%s: the non-first fragment, though its \"ports\" are 9", mode);
	check_all(mode, p.ext_addr);
	capture_stats(c, &st);
	is(st.received, 4, "%s: stats: received", mode);
	is(st.not_ip + st.dropped_kernel, 0, "%s: stats: no drops", mode);
	capture_close(c);
}

/* TUN device in S (raw IP link type): packets written to it come in */
static void test_tun(void)
{
	struct capture_params p = {
		.ifname = "tt0",
		.ext_addr = ns_addr("192.0.2.1"),
		.port_lo = LO,
		.port_hi = HI,
	};
	struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI};
	struct capture *c;
	uint8_t buf[128];
	size_t len;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tt0");
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) ||
	    sh("ip addr add 192.0.2.1/24 dev tt0") ||
	    sh("ip link set tt0 up")) {
		ok(0, "raw IP: a TUN device: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	c = capture_open(loop, &p, on_packet, NULL);
	ok(c != NULL, "raw IP: capture_open on a TUN device");
	if (c) {
		nseen = 0;
		want = 1;
		len = build_udp(buf, sizeof(buf), "192.0.2.2", 1000,
				"192.0.2.1", HI + 1, "no");
		ok(write(fd, buf, len) == (ssize_t)len, "raw IP: write");
		len = build_udp(buf, sizeof(buf), "192.0.2.2", 1000,
				"192.0.2.1", HI, "yes");
		ok(write(fd, buf, len) == (ssize_t)len, "raw IP: write");
		ok(run_until(&nseen, 1), "raw IP: the packet arrives");
		run_for(100);
		is(nseen, 1, "raw IP: only the one in range");
		ok(find(PKT_PROTO_UDP, HI) == 0 && seen[0].len == len &&
			   !memcmp(seen[0].data, buf, len),
		   "raw IP: handed over exactly as written");
		capture_close(c);
	}
	close(fd);
}

/* The callback may close the capture; the rest of the batch is skipped */
static struct capture *closing;

static void on_packet_close(uint8_t *pkt, size_t len, void *arg)
{
	(void)pkt;
	(void)len;
	(void)arg;
	nseen++;
	capture_close(closing);
	closing = NULL;
	ev_loop_stop(loop);
}

static void test_close_in_callback(int pudp)
{
	struct capture_params p = {
		.ifname = "tc0",
		.ext_addr = ns_addr(NS_EXT),
		.port_lo = LO,
		.port_hi = HI,
	};

	closing = capture_open(loop, &p, on_packet_close, NULL);
	nseen = 0;
	for (int i = 0; i < 5; i++)
		send_to(pudp, NS_EXT, 40001, "x", 1);
	ok(run_until(&nseen, 1), "close in callback: called");
	run_for(100);
	is(nseen, 1, "close in callback: not called again");
	ok(closing == NULL, "close in callback: closed");
}

/*
 * A burst of small datagrams while the loop is busy elsewhere: the ring
 * for packets up to the MTU keeps them all (one of 64 KiB slots would
 * keep a few dozen)
 */
static void test_burst(int pudp)
{
	struct capture_params p = {
		.ifname = "tc0",
		.ext_addr = ns_addr(NS_EXT),
		.port_lo = LO,
		.port_hi = HI,
		.ring_bytes = 4 << 20,
	};
	struct capture *c = capture_open(loop, &p, on_packet, NULL);
	struct capture_stats st;
	int sent = 0;

	ok(c != NULL, "burst: capture_open");
	if (!c)
		return;
	nseen = 0;
	want = 2000;
	for (int i = 0; i < want; i++)
		sent += !send_to(pudp, NS_EXT, 40004, "burst", 5);
	is(sent, want, "burst: %d datagrams sent before the loop runs", want);
	ok(run_until(&nseen, want), "burst: all of them handed over");
	capture_stats(c, &st);
	is(st.dropped_kernel, 0, "burst: no drops");
	capture_close(c);
}

static size_t max_len;
static int n_small, n_merged, n_back; /* TCP data to port 40080 */
static uint32_t last_seq;

/* Sizes, and whether the data came in order across the two rings */
static void on_packet_len(uint8_t *pkt, size_t len, void *arg)
{
	const uint8_t *l4 = pkt + (pkt[0] & 0xf) * 4;
	uint32_t seq;

	(void)arg;
	if (len > max_len)
		max_len = len;
	if (pkt[9] != PKT_PROTO_TCP || get16(l4 + 2) != 40080 ||
	    get16(pkt + 2) <= (l4 - pkt) + (l4[12] >> 4) * 4)
		return;
	seq = (uint32_t)get16(l4 + 4) << 16 | get16(l4 + 6);
	if ((n_small || n_merged) && (int32_t)(seq - last_seq) <= 0)
		n_back++;
	last_seq = seq;
	if (len > 1500)
		n_merged++;
	else
		n_small++;
}

/*
 * P's TCP sends 64 KiB segments (TSO on veth), which arrive whole: as GRO
 * does on real NICs.  The capture hands them over and says, once, why
 * they will not fit anywhere.
 */
static void test_merged(void)
{
	struct capture_params p = {
		.ifname = "tc0",
		.ext_addr = ns_addr(NS_EXT),
		.port_lo = LO,
		.port_hi = HI,
	};
	struct timeval tv = {.tv_sec = 2};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	static char data[256 << 10];
	struct capture *c;
	const char *text;
	int lfd = ns_socket(NS_S, SOCK_STREAM, 0, NS_EXT, 40080);
	int fd = ns_socket(NS_P, SOCK_STREAM, 0, NULL, 0);
	ssize_t n = -1;

	c = capture_open(loop, &p, on_packet_len, NULL);
	ok(c && lfd >= 0 && fd >= 0 && !listen(lfd, 1), "merged: set up");
	sin.sin_addr.s_addr = ns_addr(NS_EXT);
	sin.sin_port = htons(40080);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	stderr_grab();
	max_len = 0;
	n_small = n_merged = n_back = 0;
	if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		n = send(fd, data, sizeof(data), 0);
	run_for(300);
	text = stderr_release();
	ok(n > 0, "merged: P sent %zd bytes", n);
	if (max_len <= 1500) {
		ok(1, "# SKIP no segment over 1500 bytes (TSO off?)");
		ok(1, "# SKIP");
	} else {
		ok(1, "merged: a %zu-byte packet handed over", max_len);
		has_str(text, "over the MTU of 1500",
			"merged: the capture says what is wrong");
	}
	printf("# merged: %d data packets up to the MTU, %d merged\n", n_small,
	       n_merged);
	is(n_back, 0, "merged: the data comes in order across the rings");
	capture_close(c);
	close(fd);
	close(lfd);
}

/* The interface goes down and comes back: the capture goes on */
static void test_down_up(int pudp)
{
	struct capture_params p = {
		.ifname = "tc0",
		.ext_addr = ns_addr(NS_EXT),
		.port_lo = LO,
		.port_hi = HI,
	};
	struct capture *c = capture_open(loop, &p, on_packet, NULL);

	ok(c != NULL, "down and up: capture_open");
	if (!c)
		return;
	nseen = 0;
	want = 1;
	sh("ip link set tc0 down");
	run_for(200);
	sh("ip link set tc0 up");
	for (int i = 0; i < 30 && !nseen; i++) {
		send_to(pudp, NS_EXT, 40002, "again", 5);
		run_for(100);
	}
	ok(nseen >= 1, "down and up: packets are captured again");
	capture_close(c);
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay++;
	}
	return n;
}

/* The interface is deleted: said once, and it closes cleanly */
static void test_gone(void)
{
	struct capture_params p = {
		.ifname = "td0",
		.ext_addr = ns_addr(NS_EXT),
		.port_lo = LO,
		.port_hi = HI,
	};
	struct capture *c;
	const char *text;

	sh("ip link add td0 type veth peer name td1");
	sh("ip link set td0 up");
	c = capture_open(loop, &p, on_packet, NULL);
	ok(c != NULL, "deleted: capture_open on a veth");
	stderr_grab();
	sh("ip link del td0");
	run_for(2500);
	text = stderr_release();
	has_str(text, "capture: td0: The interface disappeared",
		"deleted: the capture says so");
	ok(count_str(text, "disappeared") == 1, "deleted: said once");
	capture_close(c);
}

static void test_errors(void)
{
	struct capture_params p = {
		.ifname = "nosuch0",
		.ext_addr = ns_addr(NS_EXT),
		.port_lo = LO,
		.port_hi = HI,
	};
	const char *text;
	pid_t pid;
	int status;

	log_set_level(LOG_LEVEL_INFO);
	stderr_grab();
	ok(!capture_open(loop, &p, on_packet, NULL), "capture: no interface");
	text = stderr_release();
	has_str(text, "capture: nosuch0: no such interface",
		"capture: the error names the interface");
	p.ifname = "tc0";
	p.port_lo = HI + 1;
	ok(!capture_open(loop, &p, on_packet, NULL), "capture: lo > hi");
	stderr_grab();
	ok(!rawsock_open("nosuch0", 0), "rawsock: no interface");
	text = stderr_release();
	has_str(text, "rawsock: nosuch0: no such interface",
		"rawsock: the error names the interface");

	/* as nobody: both say which capability is missing */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fails = 0;

		p.port_lo = LO;
		if (setgid(65534) || setuid(65534))
			_exit(3);
		stderr_grab();
		fails += capture_open(loop, &p, on_packet, NULL) != NULL;
		fails += rawsock_open("tc0", 0) != NULL;
		text = stderr_release();
		fails += !strstr(text, "capture: tc0: permission denied");
		fails += !strstr(text, "CAP_NET_RAW");
		_exit(fails ? 1 : 0);
	}
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		   WEXITSTATUS(status) == 0,
	   "without privileges: both refuse, naming permission/CAP_NET_RAW");
	log_set_level(LOG_LEVEL_WARN);
}

/* --- rawsock -------------------------------------------------------------- */

static void test_rawsock(void)
{
	struct rawsock *r = rawsock_open("tc0", 0), *any;
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	uint8_t buf[2048], rx[2048];
	struct pktgen g = PKTGEN_INIT;
	int fd = ns_socket(NS_P, SOCK_DGRAM, 0, NS_PEER, 7777);
	size_t len;
	ssize_t n;

	ok(r != NULL, "rawsock_open on tc0");
	ok(fd >= 0, "a UDP socket in P");
	if (!r || fd < 0)
		return;
	len = build_udp(buf, sizeof(buf), NS_EXT, 40001, NS_PEER, 7777,
			"hello raw");
	is(rawsock_send(r, buf, len), 0, "rawsock_send a hand-built UDP");
	ok(wait_fd(fd, POLLIN, 2000) & POLLIN, "P receives it");
	n = recvfrom(fd, rx, sizeof(rx), MSG_DONTWAIT, (struct sockaddr *)&from,
		     &flen);
	ok(n == 9 && !memcmp(rx, "hello raw", 9), "with its payload");
	ok(from.sin_addr.s_addr == ns_addr(NS_EXT) &&
		   ntohs(from.sin_port) == 40001,
	   "from the packet's own source EXT:40001");

	is(rawsock_send(r, buf, 19), -EINVAL, "19 bytes: -EINVAL");
	buf[0] = 0x65;
	is(rawsock_send(r, buf, len), -EINVAL, "IP version 6: -EINVAL");
	is(rawsock_mtu(r, ns_addr(NS_PEER)), 1500, "rawsock_mtu: 1500");

	/* over the device MTU: EMSGSIZE, DF or not; the MTU to report */
	sh("ip link set tc0 mtu 1280");
	g.saddr = ns_addr(NS_EXT);
	g.daddr = ns_addr(NS_PEER);
	g.sport = 40001;
	g.dport = 7777;
	g.frag = 0x4000;
	g.plen = 1400 - 28;
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(rawsock_send(r, buf, len), -EMSGSIZE, "1400 bytes DF: -EMSGSIZE");
	is(rawsock_mtu(r, ns_addr(NS_PEER)), 1280, "rawsock_mtu: 1280");
	g.frag = 0;
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(rawsock_send(r, buf, len), -EMSGSIZE,
	   "1400 bytes without DF: -EMSGSIZE too (never fragmented)");
	g.plen = 1280 - 28;
	len = pktgen_udp(buf, sizeof(buf), &g);
	is(rawsock_send(r, buf, len), 0, "1280 bytes: sent");
	ok(wait_fd(fd, POLLIN, 2000) & POLLIN, "and received");
	n = recv(fd, rx, sizeof(rx), MSG_DONTWAIT);
	is(n, 1280 - 28, "whole");
	sh("ip link set tc0 mtu 1500");
	rawsock_close(r);

	/* unbound: routing decides; the mark takes part in it */
	any = rawsock_open(NULL, 0);
	r = rawsock_open(NULL, 7);
	ok(any && r, "rawsock_open unbound, with and without fwmark 7");
	sh("ip rule add fwmark 7 table 100");
	sh("ip route add 198.51.100.0/24 dev tc0 table 100");
	len = build_udp(buf, sizeof(buf), NS_EXT, 40001, "198.51.100.9", 9,
			"x");
	if (any && r) {
		is(rawsock_send(any, buf, len), -ENETUNREACH,
		   "no route: -ENETUNREACH");
		is(rawsock_mtu(any, ns_addr("198.51.100.9")), -ENETUNREACH,
		   "no route: rawsock_mtu -ENETUNREACH");
		is(rawsock_send(r, buf, len), 0, "marked: the rule's route");
		is(rawsock_mtu(r, ns_addr("198.51.100.9")), 1500,
		   "marked: rawsock_mtu on the rule's route");
	}
	rawsock_close(any);
	rawsock_close(r);
	rawsock_close(NULL);
	close(fd);
}

int main(void)
{
	struct rawsock *praw;
	int rc = nstest_setup(), pudp;

	if (rc)
		return rc > 0 ? 0 : 1;
	log_set_level(LOG_LEVEL_WARN);
	looptest_init();
	ns_enter(NS_P);
	praw = rawsock_open(NULL, 0);
	ns_enter(NS_S);
	pudp = ns_socket(NS_P, SOCK_DGRAM, 0, NS_PEER, 5000);
	ok(praw && pudp >= 0, "sockets in P");
	if (praw && pudp >= 0) {
		test_mode("two rings", "tc0", praw, pudp);
		test_mode("any (Linux cooked, one ring)", "any", praw, pudp);
		test_close_in_callback(pudp);
		test_burst(pudp);
		test_down_up(pudp);
		test_merged();
		test_gone();
	}
	test_tun();
	test_errors();
	test_rawsock();
	rawsock_close(praw);
	if (pudp >= 0)
		close(pudp);
	looptest_done();
	return tap_done();
}
