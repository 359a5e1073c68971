/* SPDX-License-Identifier: MIT */
/* nat_bench.c - NAT table cost: insert, lookup, expire, bytes per flow
 *
 * Usage: nat_bench [FLOWS...]   (default: 1000 100000 1000000)
 *
 * For each size it fills a NAT with one external address the way a busy
 * server would: up to 1,000 mappings (10 sessions) and FLOWS / mappings
 * remote endpoints each, so 1M flows is 1k mappings x 1k destinations.
 * Then it times, per operation, in random order over the whole table:
 *   insert	nat_flow_out() making a new flow
 *   out	nat_flow_out() finding an existing flow (the outbound lookup)
 *   in		nat_map_by_port() + nat_flow_find() (the inbound lookup)
 *   out-pkt	nat_outbound() on a UDP packet: parse, lookup, rewrite
 *   in-pkt	nat_inbound() on the reply
 *   expire	nat_expire() after every flow's timeout, per flow freed
 * and reports bytes per flow: the tables allocated (everything nat_new()
 * reserves, sized for exactly FLOWS) and the resident memory they gained.
 * The last lines compare the largest size with the first in the same run,
 * which is what to quote: absolute figures depend on the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nat_impl.h"
#include "unit/pktgen.h"

#define MAX_SIZES	8
#define NPKT		(1u << 16)	/* distinct prebuilt packets */
#define PKTLEN		40		/* IPv4 + UDP + 12 bytes */

struct result {
	uint32_t flows;
	double insert, out, in, out_pkt, in_pkt, expire;
	double bytes_alloc, bytes_rss;
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static double ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long rss_bytes(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = 0;
	fclose(f);
	return res * sysconf(_SC_PAGESIZE);
}

#define EXT_ADDR	pktgen_addr(198, 51, 100, 7)

static uint32_t inner_addr(uint32_t m)
{
	return pktgen_addr(10, 0, (uint8_t)(m >> 8), (uint8_t)m);
}

static uint32_t remote_addr(uint32_t d)
{
	return pktgen_addr(100, (uint8_t)(64 + (d >> 16)), (uint8_t)(d >> 8),
			   (uint8_t)d);
}

static void mk_pkt(uint8_t *b, uint32_t s, uint16_t sp, uint32_t d,
		   uint16_t dp)
{
	struct pktgen g = { .saddr = s, .daddr = d, .sport = sp, .dport = dp,
			    .frag = 0x4000, .plen = 12 };

	pktgen_udp(b, PKTLEN, &g);
}

static int run(uint32_t flows, struct result *r)
{
	uint32_t maps = flows < 1000 ? flows : 1000, dests = flows / maps;
	uint32_t i, m, d, fi, mi, *eport = NULL;
	uint8_t *outp = NULL, *inp = NULL, *sess = NULL, pkt[PKTLEN];
	struct nat_params p;
	struct nat_result res;
	struct nat_stats st;
	uint64_t now = 1000;
	struct nat *n = NULL;
	bool created;
	double t;
	long rss0;
	int err = -1;
	volatile uint32_t sink = 0;

	flows = maps * dests;
	nat_params_default(&p);
	p.ext_addr = EXT_ADDR;
	p.port_lo = 1024;
	p.max_flows = flows;
	p.max_mappings = maps;
	p.session_quota = maps;
	p.session_flows = flows;
	p.seed = 1;
	rss0 = rss_bytes();
	n = nat_new(&p);
	eport = calloc(maps, sizeof(*eport));
	outp = malloc((size_t)NPKT * PKTLEN);
	inp = malloc((size_t)NPKT * PKTLEN);
	sess = malloc(NPKT);
	if (!n || !eport || !outp || !inp || !sess)
		goto out;
	nat_clock(n, now);

	t = ns_now();
	for (d = 0; d < dests; d++)
		for (m = 0; m < maps; m++)
			if (nat_flow_out(n, m % 10, NAT_P_UDP, inner_addr(m),
					 (uint16_t)(10000 + m), remote_addr(d),
					 443, &fi, &mi, &created))
				goto out;
	r->insert = (ns_now() - t) / flows;
	for (m = 0; m < maps; m++) {
		mi = nat_map_find(n, m % 10, NAT_P_UDP, inner_addr(m),
					   (uint16_t)(10000 + m));

		eport[m] = n->maps[mi].eport;
	}
	nat_stats_get(n, &st);
	r->flows = st.flows;
	r->bytes_alloc = (double)st.mem_bytes / flows;
	r->bytes_rss = (double)(rss_bytes() - rss0) / flows;

	t = ns_now();
	for (i = 0; i < 4 * flows + 1000000; i++) {
		m = rnd() % maps;
		d = rnd() % dests;
		nat_flow_out(n, m % 10, NAT_P_UDP, inner_addr(m),
			     (uint16_t)(10000 + m), remote_addr(d), 443, &fi,
			     &mi, &created);
		sink += fi;
	}
	r->out = (ns_now() - t) / i;

	t = ns_now();
	for (i = 0; i < 4 * flows + 1000000; i++) {
		m = rnd() % maps;
		d = rnd() % dests;
		mi = nat_map_by_port(n, NAT_P_UDP, (uint16_t)eport[m]);
		sink += nat_flow_find(n, mi, remote_addr(d), 443, false);
	}
	r->in = (ns_now() - t) / i;

	for (i = 0; i < NPKT; i++) {
		m = rnd() % maps;
		d = rnd() % dests;
		sess[i] = (uint8_t)(m % 10);
		mk_pkt(outp + (size_t)i * PKTLEN, inner_addr(m),
		       (uint16_t)(10000 + m), remote_addr(d), 443);
		mk_pkt(inp + (size_t)i * PKTLEN, remote_addr(d), 443, EXT_ADDR,
		       (uint16_t)eport[m]);
	}
	t = ns_now();
	for (i = 0; i < 2 * flows + 1000000; i++) {
		memcpy(pkt, outp + (size_t)(i % NPKT) * PKTLEN, PKTLEN);
		if (nat_outbound(n, sess[i % NPKT], pkt, PKTLEN, now, &res) !=
		    NAT_FORWARD)
			goto out;
	}
	r->out_pkt = (ns_now() - t) / i;
	t = ns_now();
	for (i = 0; i < 2 * flows + 1000000; i++) {
		memcpy(pkt, inp + (size_t)(i % NPKT) * PKTLEN, PKTLEN);
		if (nat_inbound(n, pkt, PKTLEN, now, &res) != NAT_FORWARD)
			goto out;
	}
	r->in_pkt = (ns_now() - t) / i;

	now += 301 * 1000;
	t = ns_now();
	nat_expire(n, now);
	r->expire = (ns_now() - t) / flows;
	nat_stats_get(n, &st);
	if (st.flows || st.mappings)
		goto out;
	err = 0;
out:
	if (err)
		fprintf(stderr, "nat_bench: %u flows: failed\n", flows);
	nat_free(n);
	free(eport);
	free(outp);
	free(inp);
	free(sess);
	(void)sink;
	return err;
}

int main(int argc, char **argv)
{
	static const uint32_t def[] = { 1000, 100000, 1000000 };
	struct result r[MAX_SIZES];
	uint32_t sizes[MAX_SIZES];
	int i, k = 0;

	for (i = 1; i < argc && k < MAX_SIZES; i++) {
		char *end;
		unsigned long v = strtoul(argv[i], &end, 10);

		if (*end || v < 1 || v > (1ul << 26)) {
			fprintf(stderr, "nat_bench: FLOWS must be 1..%lu, got "
				"\"%s\"\n", 1ul << 26, argv[i]);
			return 2;
		}
		sizes[k++] = (uint32_t)v;
	}
	if (!k)
		for (; k < 3; k++)
			sizes[k] = def[k];
	printf("%9s %8s %8s %8s %8s %8s %8s %11s %9s\n", "flows", "insert",
	       "out", "in", "out-pkt", "in-pkt", "expire", "B/flow",
	       "RSS/flow");
	printf("%9s %8s %8s %8s %8s %8s %8s %11s %9s\n", "", "ns", "ns", "ns",
	       "ns", "ns", "ns", "allocated", "");
	for (i = 0; i < k; i++) {
		if (run(sizes[i], &r[i]))
			return 1;
		printf("%9u %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f %11.1f %9.1f\n",
		       r[i].flows, r[i].insert, r[i].out, r[i].in,
		       r[i].out_pkt, r[i].in_pkt, r[i].expire, r[i].bytes_alloc,
		       r[i].bytes_rss);
		fflush(stdout);
	}
	if (k > 1)
		printf("ratio %u/%u flows: out %.2f, in %.2f, out-pkt %.2f, "
		       "in-pkt %.2f\n", r[k - 1].flows, r[0].flows,
		       r[k - 1].out / r[0].out, r[k - 1].in / r[0].in,
		       r[k - 1].out_pkt / r[0].out_pkt,
		       r[k - 1].in_pkt / r[0].in_pkt);
	return 0;
}
