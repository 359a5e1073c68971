/* SPDX-License-Identifier: MIT */
/* knat_pool_test.c - kernel-NAT mode's pool of addresses and its rewrites
 *
 * The pool: its size for each kind of prefix, one address per session,
 * its own when free, else oldest-freed first, lookups both ways,
 * exhaustion, growing for a reload's new sessions and forgetting a removed
 * one (the address whose flows are its), and a long random run against a
 * simple model. The rewrites: TCP,
 * UDP and ICMP echo out to the pool address and back, ICMP errors both ways
 * with the quoted packet rewritten too; every checksum is verified by
 * pktgen.h's byte-by-byte sums, which share no code with src/csum.c.
 */
#include <arpa/inet.h>

#include "knat_pool.h"
#include "pktgen.h"
#include "tap.h"

#define A(a, b, c, d) pktgen_addr(a, b, c, d)

static struct prefix pfx(const char *s)
{
	struct prefix p;
	const char *why;

	prefix_parse(s, &p, false, &why);
	return p;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void test_sizes(void)
{
	static const struct {
		const char *pool;
		uint32_t size;
		const char *first, *last;
	} cases[] = {
		{"10.78.0.0/16", 65534, "10.78.0.1", "10.78.255.254"},
		{"10.78.0.0/30", 2, "10.78.0.1", "10.78.0.2"},
		{"10.78.0.0/31", 2, "10.78.0.0", "10.78.0.1"},
		{"10.78.0.7/32", 1, "10.78.0.7", "10.78.0.7"},
		{"10.0.0.0/8", KNAT_POOL_MAX, "10.0.0.1", "10.1.0.0"},
	};
	struct prefix v6 = pfx("fd00::/64");
	struct knat_pool *p;
	const char *why;
	uint32_t s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct prefix pool = pfx(cases[i].pool);

		p = knat_pool_new(&pool, KNAT_POOL_MAX, &why);
		if (!ok(p != NULL, "%s: a pool", cases[i].pool))
			continue;
		is(knat_pool_size(p), cases[i].size, "%s: %u addresses",
		   cases[i].pool, cases[i].size);
		is(knat_pool_take(p, 0), ip(cases[i].first),
		   "%s: the first address handed out is the first usable",
		   cases[i].pool);
		for (s = 1; s < cases[i].size; s++)
			knat_pool_take(p, s);
		is(knat_pool_addr(p, cases[i].size - 1), ip(cases[i].last),
		   "%s: the last one is the last usable", cases[i].pool);
		is(knat_pool_used(p), cases[i].size, "%s: all in use",
		   cases[i].pool);
		if (cases[i].size < KNAT_POOL_MAX)
			is(knat_pool_take(p, cases[i].size), 0,
			   "%s: then there is none left", cases[i].pool);
		knat_pool_free(p);
	}
	p = knat_pool_new(&v6, 1, &why);
	ok(!p && why, "an IPv6 pool is refused (%s)", why ? why : "no reason");
}

static void test_sessions(void)
{
	struct prefix pool = pfx("10.78.0.0/29"); /* .1 to .6 */
	struct knat_pool *p;
	const char *why;
	uint32_t s = 99;

	p = knat_pool_new(&pool, 9, &why);
	is(knat_pool_addr(p, 0), 0, "a session holds nothing before it sends");
	is(knat_pool_take(p, 3), A(10, 78, 0, 4), "session 3 takes its own .4");
	is(knat_pool_take(p, 3), A(10, 78, 0, 4), "and keeps it");
	is(knat_pool_take(p, 0), A(10, 78, 0, 1), "session 0 takes .1");
	ok(!knat_pool_owner(p, A(10, 78, 0, 4), &s) && s == 3,
	   ".4 belongs to session 3");
	ok(!knat_pool_owner(p, A(10, 78, 0, 1), &s) && s == 0,
	   ".1 belongs to session 0");
	ok(knat_pool_owner(p, A(10, 78, 0, 3), &s), ".3 belongs to no one");
	ok(knat_pool_owner(p, A(10, 78, 0, 0), &s),
	   "the network address is not the pool's");
	ok(knat_pool_owner(p, A(10, 78, 0, 7), &s),
	   "nor is the broadcast address");
	ok(knat_pool_owner(p, A(10, 79, 0, 1), &s), "nor one outside it");
	is(knat_pool_release(p, 3), A(10, 78, 0, 4), "session 3 gives .4 back");
	is(knat_pool_release(p, 3), 0, "twice is nothing");
	ok(knat_pool_owner(p, A(10, 78, 0, 4), &s), ".4 is free again");
	is(knat_pool_take(p, 7), A(10, 78, 0, 2),
	   "session 7, beyond the pool, takes the first free in line: .2");
	is(knat_pool_take(p, 1), A(10, 78, 0, 3),
	   "session 1 finds its own taken and gets the next: .3");
	is(knat_pool_take(p, 3), A(10, 78, 0, 4),
	   "session 3 gets its own .4 back from the end of the line");
	is(knat_pool_take(p, 6), A(10, 78, 0, 5), "session 6 gets .5");
	is(knat_pool_take(p, 2), A(10, 78, 0, 6), "session 2 gets .6");
	is(knat_pool_used(p), 6, "six of six in use");
	is(knat_pool_take(p, 4), 0, "a seventh session finds none left");
	is(knat_pool_take(p, 9), 0, "a session out of range gets none");
	is(knat_pool_release(p, 9), 0, "and gives none back");
	is(knat_pool_release(p, 0), A(10, 78, 0, 1), "session 0 ends");
	is(knat_pool_take(p, 4), A(10, 78, 0, 1), "session 4 gets its address");
	knat_pool_free(p);
}

/* A reload: sessions added beyond the first size, one removed */
static void test_reload(void)
{
	struct prefix pool = pfx("10.78.0.0/29"); /* .1 to .6 */
	struct knat_pool *p;
	const char *why;
	uint32_t s = 99;

	p = knat_pool_new(&pool, 2, &why);
	is(knat_pool_take(p, 1), A(10, 78, 0, 2), "session 1 takes .2");
	is(knat_pool_take(p, 4), 0, "session 4 is out of range");
	ok(!knat_pool_grow(p, 8), "grown to 8 sessions");
	is(knat_pool_addr(p, 1), A(10, 78, 0, 2), "session 1 keeps .2");
	is(knat_pool_addr(p, 4), 0, "session 4 holds nothing yet");
	is(knat_pool_take(p, 4), A(10, 78, 0, 5), "then takes its own .5");
	ok(!knat_pool_owner(p, A(10, 78, 0, 5), &s) && s == 4,
	   ".5 belongs to session 4");
	ok(!knat_pool_grow(p, 3), "growing to fewer changes nothing");
	is(knat_pool_addr(p, 4), A(10, 78, 0, 5), "session 4 keeps .5");

	is(knat_pool_forget(p, 4), A(10, 78, 0, 5),
	   "session 4 removed while it holds .5: .5's flows are its");
	ok(knat_pool_owner(p, A(10, 78, 0, 5), &s), ".5 is free");
	is(knat_pool_forget(p, 4), 0, "forgotten twice: nothing");
	is(knat_pool_release(p, 1), A(10, 78, 0, 2), "session 1 ends");
	is(knat_pool_forget(p, 1), A(10, 78, 0, 2),
	   "then is removed: .2, which it held last, is named");
	is(knat_pool_forget(p, 0), 0, "a session that never sent: none");
	is(knat_pool_take(p, 7), A(10, 78, 0, 1),
	   "session 7 takes the head of the line, .1");
	is(knat_pool_release(p, 7), A(10, 78, 0, 1), "and ends");
	is(knat_pool_take(p, 0), A(10, 78, 0, 1), "session 0 takes its .1");
	is(knat_pool_forget(p, 7), 0,
	   "session 7 removed: .1 is session 0's now, not named");
	is(knat_pool_addr(p, 0), A(10, 78, 0, 1), "session 0 keeps it");
	is(knat_pool_forget(p, 99), 0, "out of range: none");
	knat_pool_free(p);
}

/* Random takes and releases against a model: no address held twice, the
 * lookups agree both ways, a session gets its own address when it is
 * free, else the one at the head of the free list */
static void test_random(void)
{
	enum { SESSIONS = 300, ROUNDS = 200000 };
	static uint32_t held[SESSIONS];
	struct prefix pool = pfx("10.78.0.0/24"); /* 254 addresses */
	uint32_t rng = 0x6b6e6174, freed[256], nfreed = 0, s, a, o, want;
	int bad_unique = 0, bad_owner = 0, bad_order = 0, bad_full = 0;
	struct knat_pool *p;
	const char *why;
	uint8_t used[256] = {0};
	uint32_t k;

	p = knat_pool_new(&pool, SESSIONS, &why);
	for (int i = 0; i < 254; i++) /* the free list starts in order */
		freed[nfreed++] = A(10, 78, 0, (uint8_t)(i + 1));
	for (int i = 0; i < ROUNDS; i++) {
		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		s = rng % SESSIONS;
		if (held[s] && rng & 0x100000) {
			a = knat_pool_release(p, s);
			bad_owner += a != held[s];
			used[ntohl(a) & 0xff] = 0;
			freed[nfreed++] = a;
			held[s] = 0;
			continue;
		}
		a = knat_pool_take(p, s);
		if (held[s]) {
			bad_owner += a != held[s];
			continue;
		}
		if (!nfreed) {
			bad_full += a != 0;
			continue;
		}
		want = freed[0];
		k = 0;
		if (s < 254 && !used[s + 1]) {
			want = A(10, 78, 0, (uint8_t)(s + 1));
			while (freed[k] != want)
				k++;
		}
		bad_order += a != want;
		memmove(freed + k, freed + k + 1,
			(--nfreed - k) * sizeof(*freed));
		bad_unique += !a || used[ntohl(a) & 0xff];
		used[ntohl(a) & 0xff] = 1;
		held[s] = a;
		bad_owner += knat_pool_owner(p, a, &o) || o != s;
	}
	is(bad_unique, 0, "%d random steps: no address is held twice", ROUNDS);
	is(bad_owner, 0, "lookups agree both ways");
	is(bad_order, 0, "own address when free, else the head of the line");
	is(bad_full, 0, "a full pool hands out nothing");
	knat_pool_free(p);
}

static uint8_t buf[2048], quote[256];

static int sums_ok(const uint8_t *ip, size_t len)
{
	return pktgen_ip_csum_ok(ip) && pktgen_l4_csum_ok(ip, len);
}

static void test_xlate_flows(void)
{
	uint32_t inner = A(10, 77, 0, 2), pool = A(10, 78, 0, 9);
	uint32_t remote = A(203, 0, 113, 2);
	struct pktgen g = PKTGEN_INIT;
	const char *names[] = {"TCP", "UDP", "ICMP echo"};
	struct pkt p;
	size_t len;

	g.sport = 40000;
	g.dport = 80;
	g.plen = 333;
	g.tcp_flags = PKT_TCP_SYN;
	g.icmp_type = PKT_ICMP_ECHO;
	for (int kind = 0; kind < 3; kind++) {
		g.saddr = inner;
		g.daddr = remote;
		len = kind == 0	  ? pktgen_tcp(buf, sizeof(buf), &g)
		      : kind == 1 ? pktgen_udp(buf, sizeof(buf), &g)
				  : pktgen_icmp(buf, sizeof(buf), &g);
		if (!ok(pkt_parse(&p, buf, len) == PKT_OK, "%s parses",
			names[kind]))
			continue;
		knat_xlate_out(&p, pool);
		ok(!memcmp(buf + 12, &pool, 4) && !memcmp(buf + 16, &remote, 4),
		   "%s out: from the pool address, to the same destination",
		   names[kind]);
		ok(pkt_parse(&p, buf, len) == PKT_OK && p.sport == 40000 &&
			   (kind == 2 || p.dport == 80),
		   "%s out: ports and echo id stay", names[kind]);
		ok(sums_ok(buf, len), "%s out: checksums right", names[kind]);
		/* the reply, as the kernel writes it into the TUN */
		g.saddr = remote;
		g.daddr = pool;
		g.icmp_type = PKT_ICMP_ECHOREPLY;
		len = kind == 0	  ? pktgen_tcp(buf, sizeof(buf), &g)
		      : kind == 1 ? pktgen_udp(buf, sizeof(buf), &g)
				  : pktgen_icmp(buf, sizeof(buf), &g);
		pkt_parse(&p, buf, len);
		knat_xlate_in(&p, inner);
		ok(!memcmp(buf + 16, &inner, 4) &&
			   !memcmp(buf + 12, &remote, 4),
		   "%s in: to the inner address, from the same source",
		   names[kind]);
		ok(sums_ok(buf, len), "%s in: checksums right", names[kind]);
		g.icmp_type = PKT_ICMP_ECHO;
	}
}

/* An ICMP error from @src to @dst quoting a UDP datagram from @qsrc to
 * @qdst, whole (so its checksum can be verified) */
static size_t icmp_error(uint32_t src, uint32_t dst, uint32_t qsrc,
			 uint32_t qdst)
{
	struct pktgen q = PKTGEN_INIT, g = PKTGEN_INIT;

	q.saddr = qsrc;
	q.daddr = qdst;
	q.sport = 5300;
	q.dport = 7;
	q.plen = 20;
	g.saddr = src;
	g.daddr = dst;
	g.icmp_type = PKT_ICMP_UNREACH;
	g.icmp_code = PKT_ICMP_UNREACH_PORT;
	g.payload = quote;
	g.plen = pktgen_udp(quote, sizeof(quote), &q);
	return pktgen_icmp(buf, sizeof(buf), &g);
}

static void test_xlate_errors(void)
{
	uint32_t inner = A(10, 77, 0, 2), pool = A(10, 78, 0, 9);
	uint32_t remote = A(203, 0, 113, 2), router = A(198, 18, 0, 1);
	const uint8_t *q = buf + 28; /* the quoted IP header */
	struct pkt p;
	size_t len;

	/* the client's port unreachable about a datagram it was sent */
	len = icmp_error(inner, remote, remote, inner);
	ok(pkt_parse(&p, buf, len) == PKT_OK && p.flags & PKT_F_ICMP_ERR,
	   "an ICMP error from the client parses");
	knat_xlate_out(&p, pool);
	ok(!memcmp(buf + 12, &pool, 4), "error out: from the pool address");
	ok(!memcmp(q + 16, &pool, 4) && !memcmp(q + 12, &remote, 4),
	   "error out: the quoted datagram was to the pool address");
	ok(sums_ok(buf, len) && pktgen_ip_csum_ok(q) &&
		   pktgen_l4_csum_ok(q, len - 28),
	   "error out: outer, quoted IP and quoted UDP checksums right");

	/* a router's error about a datagram the client sent */
	len = icmp_error(router, pool, pool, remote);
	pkt_parse(&p, buf, len);
	knat_xlate_in(&p, inner);
	ok(!memcmp(buf + 16, &inner, 4) && !memcmp(buf + 12, &router, 4),
	   "error in: to the inner address, from the router");
	ok(!memcmp(q + 12, &inner, 4) && !memcmp(q + 16, &remote, 4),
	   "error in: the quoted datagram was from the inner address");
	ok(sums_ok(buf, len) && pktgen_ip_csum_ok(q) &&
		   pktgen_l4_csum_ok(q, len - 28),
	   "error in: outer, quoted IP and quoted UDP checksums right");

	/* an error quoting someone else's packet: the quote stays */
	len = icmp_error(router, pool, remote, router);
	pkt_parse(&p, buf, len);
	knat_xlate_in(&p, inner);
	ok(!memcmp(q + 12, &remote, 4) && !memcmp(q + 16, &router, 4) &&
		   sums_ok(buf, len),
	   "error in: a quote of another host's packet is left alone");
	len = icmp_error(inner, remote, router, remote);
	pkt_parse(&p, buf, len);
	knat_xlate_out(&p, pool);
	ok(!memcmp(q + 12, &router, 4) && !memcmp(q + 16, &remote, 4) &&
		   sums_ok(buf, len),
	   "error out: likewise");
}

int main(void)
{
	test_sizes();
	test_sessions();
	test_reload();
	test_random();
	test_xlate_flows();
	test_xlate_errors();
	return tap_done();
}
