/* SPDX-License-Identifier: MIT */
/* nat_test.c - NAT table: mapping, filtering, quotas, ports, timers, sessions
 *
 * Each block names the requirement it shows.  The clock is fake: `now` in
 * milliseconds, moved by hand.
 */
#include <stdio.h>

#include "nat.h"
#include "nat_helpers.h"
#include "tap.h"

static void test_params(void)
{
	static const struct {
		size_t off;
		uint32_t bad;
		const char *name;
	} cases[] = {
		{ offsetof(struct nat_params, udp_timeout), 119,
		  "\"udp_timeout\"" },
		{ offsetof(struct nat_params, tcp_est_timeout), 7439,
		  "\"tcp_est_timeout\"" },
		{ offsetof(struct nat_params, tcp_trans_timeout), 239,
		  "\"tcp_trans_timeout\"" },
		{ offsetof(struct nat_params, icmp_timeout), 59,
		  "\"icmp_timeout\"" },
		{ offsetof(struct nat_params, port_hold), 119,
		  "\"port_hold\"" },
		{ offsetof(struct nat_params, max_flows), 0, "\"max_flows\"" },
		{ offsetof(struct nat_params, session_quota), 0,
		  "\"session_quota\"" },
	};
	struct nat_params p;
	char why[128];
	size_t i;

	nat_params_default(&p);
	ok(nat_params_check(&p, why, sizeof(why)) < 0,
	   "params: ext_addr must be set");
	has_str(why, "ext_addr", "params: message names ext_addr");
	p.ext_addr = EXT;
	is(nat_params_check(&p, why, sizeof(why)), 0, "params: defaults valid");
	is(p.udp_timeout, 300, "params: UDP 300 s by default");
	is(p.tcp_est_timeout, 7440, "params: TCP established 7440 s");
	is(p.tcp_trans_timeout, 240, "params: TCP transitory 240 s");
	is(p.icmp_timeout, 60, "params: ICMP 60 s");
	is(p.port_hold, 120, "params: port hold 120 s");
	is(p.session_quota, 1024, "params: session quota 1024");
	is(p.filter, NAT_FILTER_ADDR, "params: address-dependent filtering");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nat_params q = p;

		memcpy((char *)&q + cases[i].off, &cases[i].bad,
		       sizeof(uint32_t));
		ok(nat_params_check(&q, why, sizeof(why)) < 0 &&
		   strstr(why, cases[i].name), "params: %s = %u refused: %s",
		   cases[i].name, cases[i].bad, why);
		ok(!nat_new(&q), "params: nat_new refuses %s", cases[i].name);
	}
	p.port_lo = 2000;
	p.port_hi = 1999;
	ok(nat_params_check(&p, why, sizeof(why)) < 0, "params: lo > hi: %s",
	   why);
	has_str(why, "got 1999", "params: message has the rejected value");
}

/* RFC 4787 REQ-1: endpoint-independent mapping */
static void test_eim(void)
{
	struct nat *n = mk_nat(NULL);
	uint16_t e1, e2, e3;

	e1 = udp_out(n, 1, CL1, 5000, R1, 53);
	e2 = udp_out(n, 1, CL1, 5000, R2, 123);
	e3 = udp_out(n, 1, CL1, 5001, R1, 53);
	ok(e1 >= 61000, "eim: UDP external port %u in range", e1);
	is(e2, e1, "eim: same UDP port towards a second destination");
	ok(e3 && e3 != e1, "eim: another inner port gets another port");
	mk_tcp(CL1, 6000, R1, 80, PKT_TCP_SYN);
	is(out(n, 1), NAT_FORWARD, "eim: TCP SYN forwarded");
	ok(csum_ok(buf, blen) && SADDR() == EXT, "eim: TCP source is EXT");
	e1 = SPORT();
	mk_tcp(CL1, 6000, R2, 443, PKT_TCP_SYN);
	out(n, 1);
	is(SPORT(), e1, "eim: same TCP port towards a second destination");
	is(nat_session_count(n, 1), 3, "eim: three mappings");
	is(stats(n).flows, 5, "eim: five flows");
	nat_free(n);
}

/* RFC 4787 REQ-8: filtering, three modes */
static void test_filtering(void)
{
	static const struct {
		enum nat_filter mode;
		const char *name;
		enum nat_action same_addr_other_port, other_addr;
	} modes[] = {
		{ NAT_FILTER_ADDR, "adf", NAT_FORWARD, NAT_DROP },
		{ NAT_FILTER_ADDR_PORT, "apdf", NAT_DROP, NAT_DROP },
		{ NAT_FILTER_ENDPOINT, "eif", NAT_FORWARD, NAT_FORWARD },
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		struct nat_params p;
		struct nat *n;
		uint16_t e;

		nat_params_default(&p);
		p.seed = 7;
		p.filter = modes[i].mode;
		n = mk_nat(&p);
		e = udp_out(n, 1, CL1, 5000, R1, 53);
		is(udp_in(n, R1, 53, e), NAT_FORWARD,
		   "%s: reply from the endpoint sent to", modes[i].name);
		ok(csum_ok(buf, blen) && DADDR() == CL1 && DPORT() == 5000,
		   "%s: reply rewritten to 10.0.0.2:5000", modes[i].name);
		is(res.session, 1, "%s: reply for session 1", modes[i].name);
		is(udp_in(n, R1, 54, e), modes[i].same_addr_other_port,
		   "%s: same address, other port", modes[i].name);
		is(udp_in(n, R2, 53, e), modes[i].other_addr,
		   "%s: other address", modes[i].name);
		if (modes[i].other_addr == NAT_DROP)
			is(res.drop, NAT_DROP_FILTERED, "%s: reason filtered",
			   modes[i].name);
		is(udp_in(n, R1, 53, e + 1 > 65535 ? 61000 : e + 1), NAT_DROP,
		   "%s: port without mapping dropped", modes[i].name);
		is(res.drop, NAT_DROP_NO_MAPPING, "%s: reason no mapping",
		   modes[i].name);
		nat_free(n);
	}
}

/* Sessions, not inner addresses, identify clients */
static void test_isolation(void)
{
	struct nat *n = mk_nat(NULL);
	uint16_t e1, e2;

	e1 = udp_out(n, 1, CL1, 5000, R1, 53);
	e2 = udp_out(n, 2, CL1, 5000, R1, 53);
	ok(e1 && e2 && e1 != e2, "isolation: same inner endpoint, two ports");
	is(udp_in(n, R1, 53, e1), NAT_FORWARD, "isolation: reply to 1");
	is(res.session, 1, "isolation: goes to session 1");
	is(udp_in(n, R1, 53, e2), NAT_FORWARD, "isolation: reply to 2");
	is(res.session, 2, "isolation: goes to session 2");
	is(DADDR(), CL1, "isolation: both are 10.0.0.2");
	nat_session_remove(n, 1, now);
	is(udp_in(n, R1, 53, e2), NAT_FORWARD,
	   "isolation: removing 1 leaves 2");
	nat_free(n);
}

/* Per-session quota (refuse, never evict) and the global caps */
static void test_quota(void)
{
	struct nat_params p;
	struct nat *n;
	uint16_t e[5];
	int i, all = 1;

	nat_params_default(&p);
	p.seed = 3;
	p.session_quota = 4;
	p.max_mappings = 6;
	n = mk_nat(&p);
	for (i = 0; i < 4; i++)
		e[i] = udp_out(n, 1, CL1, (uint16_t)(5000 + i), R1, 53);
	mk_udp(CL1, 5004, R1, 53);
	is(out(n, 1), NAT_REFUSE, "quota: fifth mapping refused");
	is(res.drop, NAT_DROP_QUOTA, "quota: reason session quota");
	is(nat_session_count(n, 1), 4, "quota: still four mappings");
	for (i = 0; i < 4; i++)
		all &= udp_in(n, R1, 53, e[i]) == NAT_FORWARD;
	ok(all, "quota: none of the four was evicted");
	ok(udp_out(n, 1, CL1, 5000, R2, 53) == e[0],
	   "quota: a new flow on an existing mapping is fine");
	ok(udp_out(n, 2, CL1, 5000, R1, 53), "quota: session 2 unaffected");
	ok(udp_out(n, 2, CL1, 5001, R1, 53), "quota: session 2 second");
	mk_udp(CL1, 5002, R1, 53);
	is(out(n, 2), NAT_REFUSE, "quota: global cap of 6 mappings");
	is(res.drop, NAT_DROP_TABLE_FULL, "quota: reason table full");
	is(nat_session_set_quota(n, 1, 2), 0, "quota: per-session quota set");
	mk_udp(CL1, 5010, R1, 53);
	is(out(n, 1), NAT_REFUSE, "quota: lowered quota refuses new");
	is(nat_session_count(n, 1), 4, "quota: lowering evicts nothing");
	is(drops(n, NAT_DROP_QUOTA), 2, "quota: counted twice");
	nat_free(n);

	/* flows per session */
	nat_params_default(&p);
	p.seed = 3;
	p.session_flows = 3;
	n = mk_nat(&p);
	udp_out(n, 1, CL1, 5000, R1, 53);
	udp_out(n, 1, CL1, 5000, R2, 53);
	udp_out(n, 1, CL1, 5001, R2, 53);
	mk_udp(CL1, 5000, R1, 54);
	is(out(n, 1), NAT_REFUSE, "quota: fourth flow refused");
	is(res.drop, NAT_DROP_SESSION_FLOWS, "quota: reason session flows");
	nat_free(n);

	/* custom quota above the default */
	nat_params_default(&p);
	p.seed = 3;
	p.session_quota = 1;
	n = mk_nat(&p);
	is(nat_session_set_quota(n, 9, 3), 0, "quota: session 9 gets 3");
	all = 1;
	for (i = 0; i < 3; i++)
		all &= !!udp_out(n, 9, CL1, (uint16_t)(7000 + i), R1, 53);
	ok(all, "quota: session 9 holds 3 mappings");
	ok(udp_out(n, 8, CL1, 7000, R1, 53), "quota: session 8 one mapping");
	mk_udp(CL1, 7001, R1, 53);
	is(out(n, 8), NAT_REFUSE, "quota: session 8 default quota of 1");
	nat_free(n);
}

/* REQ-3: a port is never shared; exhaustion refuses */
static void test_ports(void)
{
	static uint8_t seen[65536];
	struct nat_params p;
	struct nat *n;
	int i, dup = 0, inrange = 1;
	uint16_t e;

	nat_params_default(&p);
	p.seed = 11;
	p.port_lo = 40000;
	p.port_hi = 40063;
	n = mk_nat(&p);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 64; i++) {
		e = udp_out(n, (uint32_t)(i % 5), CL1, (uint16_t)(1000 + i),
			    R1, 53);
		inrange &= e >= 40000 && e <= 40063;
		dup |= seen[e]++;
	}
	ok(inrange, "ports: all 64 in 40000-40063");
	ok(!dup, "ports: no port given twice across five sessions");
	mk_udp(CL1, 2000, R1, 53);
	is(out(n, 7), NAT_REFUSE, "ports: range exhausted is refused");
	is(res.drop, NAT_DROP_NO_PORT, "ports: reason no port");
	is(stats(n).ports_used[1], 64, "ports: 64 UDP ports used");
	mk_tcp(CL1, 2000, R1, 80, PKT_TCP_SYN);
	is(out(n, 7), NAT_FORWARD, "ports: TCP has its own 64");
	nat_free(n);
}

/* Ports are picked unpredictably: two NATs with different keys differ */
static void test_port_random(void)
{
	struct nat_params p;
	struct nat *a, *b;
	int i, same = 0;

	nat_params_default(&p);
	p.port_lo = 1024;
	p.seed = 0;
	a = mk_nat(&p);
	b = mk_nat(&p);
	for (i = 0; i < 8; i++)
		same += udp_out(a, 1, CL1, (uint16_t)(5000 + i), R1, 53) ==
			udp_out(b, 1, CL1, (uint16_t)(5000 + i), R1, 53);
	ok(same < 8, "ports: random keys give different ports (%d same)",
	   same);
	nat_free(a);
	nat_free(b);
}

/* RFC 6888 REQ-8: a freed port is held for 120 s */
static void test_port_hold(void)
{
	struct nat_params p;
	struct nat *n;
	uint16_t e;

	nat_params_default(&p);
	p.seed = 5;
	p.port_lo = p.port_hi = 50000;
	n = mk_nat(&p);
	now = 1000 * SEC;
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	is(e, 50000, "hold: the one port");
	now += 300 * SEC;
	nat_expire(n, now);
	is(stats(n).mappings, 0, "hold: mapping expired after 300 s");
	is(stats(n).ports_held[1], 1, "hold: its port is held");
	mk_udp(CL1, 5000, R1, 53);
	is(out(n, 2), NAT_REFUSE, "hold: not reused at once");
	now += 119 * SEC + 999;
	mk_udp(CL1, 5000, R1, 53);
	is(out(n, 2), NAT_REFUSE, "hold: not reused at 119.999 s");
	is(res.drop, NAT_DROP_NO_PORT, "hold: reason no port");
	now += 1;
	is(udp_out(n, 2, CL1, 5000, R1, 53), 50000, "hold: reused at 120 s");
	nat_free(n);
	now = 0;
}

/* UDP: 300 s, refreshed by outbound only (REQ-5, REQ-6) */
static void test_udp_timer(void)
{
	struct nat *n = mk_nat(NULL);
	uint16_t e;

	now = 5 * SEC + 500;
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	now += 300 * SEC - 1;
	is(udp_in(n, R1, 53, e), NAT_FORWARD, "udp: alive at 299.999 s");
	now += 1000;
	is(udp_in(n, R1, 53, e), NAT_DROP, "udp: gone at 300.999 s");
	is(res.drop, NAT_DROP_NO_MAPPING, "udp: reason no mapping");

	now = 1000 * SEC;
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	now += 200 * SEC;
	ok(udp_out(n, 1, CL1, 5000, R1, 53) == e, "udp: outbound at 200 s");
	now += 299 * SEC;
	is(udp_in(n, R1, 53, e), NAT_FORWARD, "udp: refreshed, alive at 499");
	now += 2 * SEC;
	is(udp_in(n, R1, 53, e), NAT_DROP, "udp: gone at 501 s");

	now = 2000 * SEC;
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	now += 200 * SEC;
	is(udp_in(n, R1, 53, e), NAT_FORWARD, "udp: inbound at 200 s");
	now += 101 * SEC;
	is(udp_in(n, R1, 53, e), NAT_DROP,
	   "udp: inbound did not refresh (gone at 301 s)");

	/* one flow refreshed keeps the mapping; the other flow expires */
	now = 3000 * SEC;
	e = udp_out(n, 1, CL1, 5000, R1, 53);
	now += 100 * SEC;
	udp_out(n, 1, CL1, 5000, R2, 53);
	now += 250 * SEC;
	is(udp_in(n, R2, 53, e), NAT_FORWARD, "udp: second flow alive");
	is(udp_in(n, R1, 53, e), NAT_DROP, "udp: first flow expired alone");
	is(res.drop, NAT_DROP_FILTERED, "udp: so R1 is filtered now");
	nat_free(n);
	now = 0;
}

static uint32_t flows_after(struct nat *n, uint64_t t)
{
	nat_expire(n, t);
	return stats(n).flows;
}

/* TCP: RFC 5382 / 7857 timers and state */
static void test_tcp_timers(void)
{
	struct nat *n = mk_nat(NULL);
	uint16_t e;

	/* SYN only: transitory 240 s */
	now = 0;
	mk_tcp(CL1, 6000, R1, 80, PKT_TCP_SYN);
	out(n, 1);
	is(flows_after(n, 240 * SEC - 1), 1, "tcp: SYN-only alive at 239.999");
	is(flows_after(n, 240 * SEC), 0, "tcp: SYN-only gone at 240 s");

	/* handshake: established 7440 s, across more than a wheel turn */
	now = 10000 * SEC;
	mk_tcp(CL1, 6000, R1, 80, PKT_TCP_SYN);
	out(n, 1);
	e = SPORT();
	mk_tcp(R1, 80, EXT, e, PKT_TCP_SYN | PKT_TCP_ACK);
	is(in(n), NAT_FORWARD, "tcp: SYN-ACK in");
	ok(csum_ok(buf, blen) && DPORT() == 6000, "tcp: SYN-ACK translated");
	mk_tcp(CL1, 6000, R1, 80, PKT_TCP_ACK);
	out(n, 1);
	is(flows_after(n, now + 7440 * SEC - 1), 1,
	   "tcp: established alive at 7439.999 s");
	is(flows_after(n, now + 7440 * SEC), 0,
	   "tcp: established gone at 7440");

	/* inbound refreshes TCP */
	now = 20000 * SEC;
	mk_tcp(CL1, 6001, R1, 80, PKT_TCP_SYN);
	out(n, 1);
	e = SPORT();
	mk_tcp(R1, 80, EXT, e, PKT_TCP_SYN | PKT_TCP_ACK);
	in(n);
	now += 7000 * SEC;
	mk_tcp(R1, 80, EXT, e, PKT_TCP_ACK);
	is(in(n), NAT_FORWARD, "tcp: inbound data at 7000 s");
	is(flows_after(n, now + 7440 * SEC - 1), 1,
	   "tcp: inbound refreshed the timer");

	/* one FIN: still established; both FINs: transitory */
	now += 7440 * SEC;
	nat_expire(n, now);
	mk_tcp(CL1, 6002, R1, 80, PKT_TCP_SYN);
	out(n, 1);
	e = SPORT();
	mk_tcp(R1, 80, EXT, e, PKT_TCP_SYN | PKT_TCP_ACK);
	in(n);
	mk_tcp(CL1, 6002, R1, 80, PKT_TCP_FIN | PKT_TCP_ACK);
	out(n, 1);
	is(flows_after(n, now + 300 * SEC), 1, "tcp: one FIN: established");
	now += 300 * SEC;
	mk_tcp(R1, 80, EXT, e, PKT_TCP_FIN | PKT_TCP_ACK);
	in(n);
	is(flows_after(n, now + 240 * SEC - 1), 1, "tcp: FINs: alive 239.999");
	is(flows_after(n, now + 240 * SEC), 0, "tcp: FINs: gone at 240 s");

	/* RST: transitory; a later packet without RST: established again */
	now += 1000 * SEC;
	mk_tcp(CL1, 6003, R1, 80, PKT_TCP_SYN);
	out(n, 1);
	e = SPORT();
	mk_tcp(R1, 80, EXT, e, PKT_TCP_SYN | PKT_TCP_ACK);
	in(n);
	mk_tcp(R1, 80, EXT, e, PKT_TCP_RST);
	is(in(n), NAT_FORWARD, "tcp: RST in is forwarded");
	is(flows_after(n, now + 239 * SEC), 1, "tcp: after RST alive at 239");
	now += 239 * SEC;
	mk_tcp(CL1, 6003, R1, 80, PKT_TCP_ACK);
	out(n, 1);
	is(flows_after(n, now + 1000 * SEC), 1, "tcp: ACK after RST: est.");
	now += 1000 * SEC;
	mk_tcp(CL1, 6003, R1, 80, PKT_TCP_RST);
	out(n, 1);
	is(flows_after(n, now + 240 * SEC), 0, "tcp: RST out: gone at 240 s");

	/* a new SYN on a closed 4-tuple starts over */
	now += 1000 * SEC;
	mk_tcp(CL1, 6004, R1, 80, PKT_TCP_SYN);
	out(n, 1);
	e = SPORT();
	mk_tcp(R1, 80, EXT, e, PKT_TCP_SYN | PKT_TCP_ACK);
	in(n);
	mk_tcp(CL1, 6004, R1, 80, PKT_TCP_FIN | PKT_TCP_ACK);
	out(n, 1);
	mk_tcp(R1, 80, EXT, e, PKT_TCP_FIN | PKT_TCP_ACK);
	in(n);
	mk_tcp(CL1, 6004, R1, 80, PKT_TCP_SYN);
	out(n, 1);
	is(flows_after(n, now + 240 * SEC), 0,
	   "tcp: new SYN after FINs: transitory until answered");
	nat_free(n);
	now = 0;
}

/* EIF: an inbound SYN gets in; the client's SYN-ACK makes the flow, which
 * is then established */
static void test_tcp_eif_inbound(void)
{
	struct nat_params p;
	struct nat *n;
	uint16_t e;

	nat_params_default(&p);
	p.seed = 1;
	p.filter = NAT_FILTER_ENDPOINT;
	n = mk_nat(&p);
	now = 0;
	e = udp_out(n, 1, CL1, 7000, R1, 3478);
	ok(e, "eif: UDP mapping (keeps nothing for TCP)");
	mk_tcp(CL1, 7000, R1, 3478, PKT_TCP_SYN);
	out(n, 1);
	e = SPORT();
	mk_tcp(R2, 9999, EXT, e, PKT_TCP_SYN);
	is(in(n), NAT_FORWARD, "eif: unsolicited SYN from R2 gets in");
	mk_tcp(CL1, 7000, R2, 9999, PKT_TCP_SYN | PKT_TCP_ACK);
	is(out(n, 1), NAT_FORWARD, "eif: SYN-ACK out");
	is(SPORT(), e, "eif: same port");
	nat_expire(n, 1000 * SEC);
	is(stats(n).flows, 1, "eif: answered flow established after 1000 s");
	mk_tcp(R2, 9999, EXT, e, PKT_TCP_ACK);
	is(in(n), NAT_FORWARD, "eif: and still lets R2 in");
	nat_free(n);
	now = 0;
}

/* ICMP echo: ids mapped like ports, 60 s, outbound refresh only */
static void test_icmp_echo(void)
{
	struct nat *n = mk_nat(NULL);
	uint16_t e1, e2;

	mk_echo(CL1, R1, PKT_ICMP_ECHO, 77);
	is(out(n, 1), NAT_FORWARD, "echo: request out");
	ok(csum_ok(buf, blen), "echo: checksums right");
	e1 = ECHOID();
	ok(e1 >= 61000, "echo: id %u from the range", e1);
	mk_echo(CL1, R2, PKT_ICMP_ECHO, 77);
	out(n, 1);
	is(ECHOID(), e1, "echo: same id towards another host (EIM)");
	mk_echo(CL1, R1, PKT_ICMP_ECHO, 77);
	out(n, 2);
	e2 = ECHOID();
	ok(e2 != e1, "echo: session 2 with the same id gets another");
	mk_echo(R1, EXT, PKT_ICMP_ECHOREPLY, e1);
	is(in(n), NAT_FORWARD, "echo: reply in");
	ok(csum_ok(buf, blen) && DADDR() == CL1 && ECHOID() == 77,
	   "echo: reply to 10.0.0.2 with id 77, checksums right");
	is(res.session, 1, "echo: reply for session 1");
	mk_echo(RTR, EXT, PKT_ICMP_ECHOREPLY, e1);
	is(in(n), NAT_DROP, "echo: reply from elsewhere filtered");
	mk_echo(R1, EXT, PKT_ICMP_ECHO, e1);
	is(in(n), NAT_DROP, "echo: inbound request not translated");
	is(res.drop, NAT_DROP_ICMP_TYPE, "echo: reason icmp type");
	now = 59 * SEC;
	mk_echo(R1, EXT, PKT_ICMP_ECHOREPLY, e1);
	is(in(n), NAT_FORWARD, "echo: alive at 59 s");
	now = 61 * SEC;
	mk_echo(R1, EXT, PKT_ICMP_ECHOREPLY, e1);
	is(in(n), NAT_DROP, "echo: gone at 61 s (reply did not refresh)");
	nat_free(n);
	now = 0;
}

static int collect(const struct nat_mapping_info *mi, void *arg)
{
	int *sum = arg;

	*sum += mi->proto + mi->inner_port + (int)mi->flows;
	return 0;
}

static int stop_at_first(const struct nat_mapping_info *mi, void *arg)
{
	(void)mi;
	(*(int *)arg)++;
	return 7;
}

/* Session removal and iteration */
static void test_sessions(void)
{
	struct nat *n = mk_nat(NULL);
	uint16_t e1, e2;
	int sum = 0, calls = 0;
	struct nat_stats st;

	e1 = udp_out(n, 1, CL1, 5000, R1, 53);
	udp_out(n, 1, CL1, 5000, R2, 53);
	mk_tcp(CL1, 6000, R1, 80, PKT_TCP_SYN);
	out(n, 1);
	mk_echo(CL1, R1, PKT_ICMP_ECHO, 9);
	out(n, 1);
	e2 = udp_out(n, 2, CL2, 5000, R1, 53);
	is(nat_session_count(n, 1), 3, "sessions: 1 has three mappings");
	is(nat_session_foreach(n, 1, collect, &sum), 0, "sessions: foreach");
	is(sum, 17 + 5000 + 2 + 6 + 6000 + 1 + 1 + 9 + 1,
	   "sessions: foreach saw each mapping once");
	is(nat_session_foreach(n, 1, stop_at_first, &calls), 7,
	   "sessions: foreach stops on non-zero");
	is(calls, 1, "sessions: after one call");
	is(nat_session_count(n, 99), 0, "sessions: unknown has none");
	nat_session_remove(n, 1, now);
	st = stats(n);
	is(nat_session_count(n, 1), 0, "sessions: removed");
	is(st.mappings, 1, "sessions: one mapping left (session 2)");
	is(st.flows, 1, "sessions: one flow left");
	is(st.sessions, 1, "sessions: one session left");
	is(st.ports_held[0] + st.ports_held[1] + st.ports_held[2], 3,
	   "sessions: three ports in the hold");
	is(udp_in(n, R1, 53, e1), NAT_DROP, "sessions: old port dead");
	is(udp_in(n, R1, 53, e2), NAT_FORWARD, "sessions: session 2 lives");
	nat_session_remove(n, 12345, now);
	ok(1, "sessions: removing an unknown session is fine");
	nat_free(n);
}

/* Drops by reason, names, stats */
static void test_counters(void)
{
	struct nat *n = mk_nat(NULL);
	struct pktgen g = PKTGEN_INIT;
	struct nat_stats st;
	int i, named = 1;

	for (i = 0; i < NAT_DROP_MAX; i++)
		named &= !!strcmp(nat_drop_name((enum nat_drop)i),
				  "unknown");
	ok(named, "counters: every drop reason has a name");
	is_str(nat_drop_name(NAT_DROP_MAX), "unknown",
	       "counters: out of range");
	is_str(nat_action_name(NAT_REFUSE), "refuse", "counters: action name");

	mk_udp(CL1, 5000, pktgen_addr(127, 0, 0, 1), 53);
	is(out(n, 1), NAT_DROP, "counters: to 127.0.0.1 dropped");
	is(res.drop, NAT_DROP_BAD_DST, "counters: reason bad destination");
	mk_udp(CL1, 5000, pktgen_addr(224, 0, 0, 1), 53);
	out(n, 1);
	is(res.drop, NAT_DROP_BAD_DST, "counters: multicast too");
	mk_udp(R1, 53, R2, 5000);
	is(in(n), NAT_DROP, "counters: inbound not to EXT dropped");
	is(res.drop, NAT_DROP_NOT_OURS, "counters: reason not ours");
	mk_udp(EXT, 61001, EXT, 61000);
	is(in(n), NAT_DROP, "counters: inbound from our own address dropped");
	is(res.drop, NAT_DROP_BAD_SRC, "counters: reason bad source");
	mk_udp(pktgen_addr(127, 0, 0, 1), 53, EXT, 61000);
	in(n);
	is(res.drop, NAT_DROP_BAD_SRC, "counters: from 127.0.0.1 too");
	g.saddr = CL1;
	g.daddr = R1;
	g.plen = 8;
	blen = pktgen_ip(buf, sizeof(buf), &g, 47, 8);
	blen += 8;
	is(out(n, 1), NAT_DROP, "counters: GRE dropped");
	is(res.drop, NAT_DROP_PROTO, "counters: reason protocol");
	mk_echo(CL1, R1, 13, 1);
	out(n, 1);
	is(res.drop, NAT_DROP_ICMP_TYPE, "counters: ICMP timestamp: type");
	mk_udp(CL1, 5000, R1, 53);
	buf[10] ^= 1;
	is(out(n, 1), NAT_DROP, "counters: bad IP checksum dropped");
	is(res.drop, NAT_DROP_PARSE, "counters: reason malformed");
	is(res.pkt_drop, PKT_DROP_IP_CSUM, "counters: pkt reason kept");
	is(nat_outbound(n, 1, buf, 3, now, &res), NAT_DROP,
	   "counters: 3 bytes dropped");
	st = stats(n);
	is(st.drops[NAT_DROP_BAD_DST], 2, "counters: bad destination twice");
	is(st.drops[NAT_DROP_PARSE], 2, "counters: malformed twice");
	is(st.pkt_drops[PKT_DROP_IP_CSUM], 1, "counters: pkt ip csum once");
	is(st.drops[NAT_DROP_NOT_OURS], 1, "counters: not ours once");
	ok(st.mem_bytes > (uint64_t)st.max_flows * 36,
	   "counters: memory figure %llu", (unsigned long long)st.mem_bytes);
	is(st.ports, 4536, "counters: 4536 ports in the default range");
	nat_free(n);
}

/* A long jump of the clock expires everything; many flows expire right */
static void test_clock_jump(void)
{
	struct nat *n = mk_nat(NULL);
	int i, all = 1;

	now = 0;
	for (i = 0; i < 1000; i++) {
		now = (uint64_t)i * 37;
		all &= !!udp_out(n, (uint32_t)i % 7, CL1,
				 (uint16_t)(1000 + i % 100),
				 pktgen_addr(203, 0, 113, (uint8_t)i), 53);
	}
	ok(all, "clock: 1000 flows made");
	is(flows_after(n, 300 * SEC - 1), 1000, "clock: all alive at 299.999");
	is(flows_after(n, 300 * SEC + 18 * SEC), 513,
	   "clock: half gone at 318 s");
	is(flows_after(n, 1000000 * SEC), 0, "clock: all gone after a jump");
	is(stats(n).mappings, 0, "clock: no mappings left");
	is(stats(n).sessions, 0, "clock: no sessions left");
	nat_expire(n, 5 * SEC);
	ok(1, "clock: going backwards is ignored");
	nat_free(n);
	now = 0;
}

int main(void)
{
	test_params();
	test_eim();
	test_filtering();
	test_isolation();
	test_quota();
	test_ports();
	test_port_random();
	test_port_hold();
	test_udp_timer();
	test_tcp_timers();
	test_tcp_eif_inbound();
	test_icmp_echo();
	test_sessions();
	test_counters();
	test_clock_jump();
	return tap_done();
}
