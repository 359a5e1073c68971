/* SPDX-License-Identifier: MIT */
/* nat_fuzz.c - libFuzzer harness: a session of packets through one NAT
 *
 * An input is a sequence of records, each
 *	op (1 byte)	bits 0-1: 0 outbound, 1 inbound, 2 control;
 *			bits 2-4: session 0..7; bit 5: repair the packet;
 *			bits 6-7: for control, which call
 *	clock (1 byte)	advance: < 128 is that times 37 ms, else that
 *			minus 127 times 29 s (past every timeout)
 *	length (2 bytes, big endian), then that many packet bytes
 * fed to a small NAT (16 ports, tight quotas) so that tables fill, ports
 * run out, timers fire and fragments get evicted.  "Repair" points the
 * packet at our address space and fixes its checksums, so the fuzzer gets
 * past pkt_parse() to the table.  Beyond "no crash, no leak" it checks
 * what the caller relies on: every table stays within its configured
 * bounds, and a translated packet still parses with checksums that verify
 * if they did before.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "fuzz.h"
#include "log.h"
#include "nat.h"

#define PORT_LO		40000
#define PORTS		16

static uint8_t buf[65536];
static uint8_t rel[65536];

static const uint8_t ext[4] = { 198, 51, 100, 7 };
static const uint8_t remote[4][4] = {
	{ 203, 0, 113, 1 }, { 203, 0, 113, 2 }, { 192, 0, 2, 9 },
	{ 198, 51, 100, 7 },
};

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t in_range(uint16_t port)
{
	return (uint16_t)(PORT_LO + port % PORTS);
}

static void set_ip_csum(uint8_t *ip, size_t ihl)
{
	put16(ip + 10, 0);
	memcpy(ip + 10, &(uint16_t){ csum_fold(csum_partial(ip, ihl,
								   0)) }, 2);
}

/* Point an inner (quoted) header at our addresses, as an error would. */
static void repair_inner(uint8_t *q, size_t avail, int inbound, uint8_t sel,
			 const uint8_t *outer)
{
	size_t ihl;

	if (avail < 28)
		return;
	q[0] = 0x45;
	ihl = 20;
	if (inbound) {
		memcpy(q + 12, ext, 4);
		memcpy(q + 16, remote[sel & 3], 4);
		put16(q + 20, in_range(get16(q + 20)));
		if (q[9] == PKT_PROTO_ICMP)
			put16(q + ihl + 4, in_range(get16(q + 24)));
	} else {
		memcpy(q + 12, outer + 16, 4);
		memcpy(q + 16, outer + 12, 4);
	}
	set_ip_csum(q, ihl);
}

/* Make the packet one of ours: addresses, ports, lengths, checksums. */
static void repair(uint8_t *p, size_t len, int inbound, uint8_t sess)
{
	size_t ihl, l4len;
	uint8_t sel, *l4;
	uint32_t sa, da;
	uint64_t sum;

	if (len < 20)
		return;
	if (p[0] >> 4 != 4 || (p[0] & 15) < 5)
		p[0] = 0x45;
	ihl = (size_t)(p[0] & 15) * 4;
	if (ihl > len)
		return;
	put16(p + 2, (uint16_t)len);
	sel = p[15];
	if (inbound) {
		memcpy(p + 12, remote[sel & 3], 4);
		memcpy(p + 16, ext, 4);
	} else {
		memcpy(p + 12, (const uint8_t[4]){ 10, 0, 0, 2 }, 4);
		p[15] = (uint8_t)(2 + sess % 2);
		memcpy(p + 16, remote[(sel >> 2) & 3], 4);
	}
	l4 = p + ihl;
	l4len = len - ihl;
	if ((get16(p + 6) & 0x1fff) || ihl + 8 > len) {
		set_ip_csum(p, ihl);
		return;
	}
	if (get16(p + 6) & 0x2000) {
		/* a first fragment: its L4 sum covers bytes not here */
		if (inbound && p[9] != PKT_PROTO_ICMP)
			put16(l4 + 2, in_range(get16(l4 + 2)));
		set_ip_csum(p, ihl);
		return;
	}
	switch (p[9]) {
	case PKT_PROTO_TCP:
	case PKT_PROTO_UDP:
		if (inbound)
			put16(l4 + 2, in_range(get16(l4 + 2)));
		if (p[9] == PKT_PROTO_UDP)
			put16(l4 + 4, (uint16_t)l4len);
		else if (l4len >= 20)
			l4[12] = (uint8_t)(5 << 4 | (l4[12] & 15));
		memcpy(&sa, p + 12, 4);
		memcpy(&da, p + 16, 4);
		sum = csum_pseudo(sa, da, p[9], (uint16_t)l4len);
		put16(l4 + (p[9] == PKT_PROTO_UDP ? 6 : 16), 0);
		if (p[9] == PKT_PROTO_TCP && l4len < 20)
			break;
		memcpy(l4 + (p[9] == PKT_PROTO_UDP ? 6 : 16),
		       &(uint16_t){ csum_fold(csum_partial(l4, l4len,
								   sum)) },
		       2);
		break;
	case PKT_PROTO_ICMP:
		if (inbound && (l4[0] == PKT_ICMP_ECHOREPLY))
			put16(l4 + 4, in_range(get16(l4 + 4)));
		if (l4[0] == 3 || l4[0] == 11 || l4[0] == 12)
			repair_inner(l4 + 8, l4len - 8, inbound, sel, p);
		put16(l4 + 2, 0);
		memcpy(l4 + 2,
		       &(uint16_t){ csum_fold(csum_partial(l4, l4len,
								   0)) },
		       2);
		break;
	default:
		break;
	}
	set_ip_csum(p, ihl);
}

static void check_bounds(const struct nat *n, const struct nat_params *p)
{
	struct nat_stats st;
	uint32_t s;

	nat_stats_get(n, &st);
	CHECK(st.flows <= p->max_flows);
	CHECK(st.mappings <= p->max_mappings);
	CHECK(st.mappings <= st.flows);
	CHECK(st.sessions <= p->max_sessions);
	CHECK(st.ports_used[0] + st.ports_used[1] + st.ports_used[2] ==
	      st.mappings);
	CHECK(st.frag_entries <= p->frag_max);
	CHECK(st.frag_held <= p->frag_hold_pkts);
	CHECK(st.frag_held_bytes <= p->frag_hold_bytes);
	for (s = 0; s < 8; s++)
		CHECK(nat_session_count(n, s) <= p->max_mappings);
}

/* A translated packet parses, and L4 sums that verified still do. */
static void check_output(uint8_t *pkt, size_t len, int sum_was_ok)
{
	struct pkt p;

	CHECK(pkt_parse(&p, pkt, len) == PKT_OK);
	if (sum_was_ok)
		CHECK(pkt_l4_csum_ok(&p));
}

static int count_one(const struct nat_mapping_info *mi, void *arg)
{
	CHECK(mi->ext_port >= PORT_LO && mi->ext_port < PORT_LO + PORTS);
	CHECK(mi->flows > 0);
	(*(uint32_t *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nat_params p;
	struct nat_result res;
	uint64_t now = 1000;
	struct nat *n;
	struct pkt pp;

	log_set_level(LOG_LEVEL_SILENT);
	nat_params_default(&p);
	memcpy(&p.ext_addr, ext, 4);
	p.port_lo = PORT_LO;
	p.port_hi = PORT_LO + PORTS - 1;
	p.session_quota = 6;
	p.session_flows = 12;
	p.max_mappings = 24;
	p.max_flows = 40;
	p.max_sessions = 6;
	p.frag_timeout = 5;
	p.frag_max = 8;
	p.frag_hold_bytes = 4096;
	p.frag_hold_pkts = 6;
	p.seed = 1;
	if (size && data[0] & 0x80)
		p.filter = NAT_FILTER_ENDPOINT;
	else if (size && data[0] & 0x40)
		p.filter = NAT_FILTER_ADDR_PORT;
	n = nat_new(&p);
	CHECK(n);
	while (size >= 4) {
		uint8_t op = data[0], kind = op & 3, sess = (op >> 2) & 7;
		size_t len = get16(data + 2);
		int ok_before = 0;
		uint32_t s, cnt;

		now += data[1] < 128 ? data[1] * 37u :
				       (data[1] - 127u) * 29000u;
		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		memcpy(buf, data, len);
		data += len;
		size -= len;
		if (kind >= 2) {
			switch (op >> 6) {
			case 0:
				nat_expire(n, now);
				break;
			case 1:
				nat_session_remove(n, sess, now);
				CHECK(nat_session_count(n, sess) == 0);
				break;
			case 2:
				nat_session_set_quota(n, sess, len % 8);
				break;
			default:
				cnt = 0;
				nat_session_foreach(n, sess, count_one, &cnt);
				CHECK(cnt == nat_session_count(n, sess));
				break;
			}
			check_bounds(n, &p);
			continue;
		}
		if (op & 0x20)
			repair(buf, len, kind == 1, sess);
		if (pkt_parse(&pp, buf, len) == PKT_OK)
			ok_before = 1 + pkt_l4_csum_ok(&pp);
		if (kind == 0)
			nat_outbound(n, sess, buf, len, now, &res);
		else
			nat_inbound(n, buf, len, now, &res);
		if (res.action == NAT_FORWARD || res.action == NAT_HAIRPIN) {
			CHECK(ok_before);
			check_output(buf, len, ok_before == 2);
		}
		CHECK(res.action != NAT_HAIRPIN || kind == 0);
#ifdef NAT_FUZZ_TRACE
		fprintf(stderr, "%s s%u %s %s %s\n", kind ? "in " : "out", sess,
			nat_action_name(res.action), nat_drop_name(res.drop),
			pkt_drop_name(res.pkt_drop));
#endif
		while (nat_release_next(n, rel, sizeof(rel), &len, &s) == 1)
			check_output(rel, len, 0);
		check_bounds(n, &p);
	}
	nat_free(n);
	return 0;
}
