/* SPDX-License-Identifier: MIT */
/* capture.c - picking the NAT's replies off the egress interface (libpcap)
 *
 * Theory of operation: libpcap handles in immediate mode (TPACKET_V2: each
 * packet is readable as soon as the kernel has put it in the ring), inbound
 * only, with kernel BPF filters built from the NAT's external address and
 * port range, so the rings only ever hold packets the NAT may want.  The
 * handles are non-blocking and their selectable fds sit in the event loop.
 *
 * A TPACKET_V2 ring has slots of one size, the snap length.  Receive
 * offloads (GRO, LRO; on a veth, GSO from the peer) hand over TCP segments
 * merged into packets of up to 64 KiB, so one ring for all would need
 * 64 KiB slots (128 KiB of memory each) and would hold few packets: a
 * burst of small datagrams would overflow it.  So there are two rings,
 * split by the filter on the frame length: one with slots just over the
 * MTU for every packet that fits (most of them, and all of them without
 * offloads), one with 64 KiB slots for the merged ones only.  TPACKET_V3,
 * which packs packets of any size into blocks, hands a block over only
 * when it is full or after a timeout of at least 1 ms: every reply on a
 * quiet link would wait for it.
 *
 * The rings are read together, oldest packet first by the kernel's
 * timestamps, one packet read ahead from each, so that a flow whose
 * packets went to both stays in order.  Each wakeup hands over at most
 * CAPTURE_BUDGET packets, so a flood cannot starve the rest of the loop
 * (the fds stay readable and the next turn goes on).  Each packet loses
 * its link header and is copied into a buffer of its ring's own, because
 * the NAT rewrites packets in place and pcap's ring belongs to pcap; the
 * copy costs one memcpy of the packet.
 *
 * Without a known MTU (the "any" pseudo-interface) there is one ring, with
 * 64 KiB slots.
 */
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"

#define CAPTURE_SNAPLEN	 65535
#define CAPTURE_RING_MIN (1u << 20)
#define CAPTURE_SLACK	 64   /* link header room over the MTU, in slots */
#define CAPTURE_BUDGET	 4096 /* packets per wakeup */
#define CAPTURE_RETRY_MS 1000 /* after a read error */

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23 /* linux/if_packet.h, Linux 4.20 */
#endif

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

enum { RING_SMALL, RING_MERGED, RING__COUNT };

struct capture;

/* One pcap handle and the packet read ahead from it */
struct ring {
	struct capture *c;
	pcap_t *pc;
	struct ev_io *io;
	int dlt;
	bool have;	   /* buf holds the next packet */
	bool empty;	   /* nothing more to read in this wakeup */
	uint64_t ts;	   /* the packet's timestamp, ns */
	uint64_t ts_scale; /* ns per unit of pcap's ts.tv_usec */
	size_t len, cap;
	unsigned int ps_drop, ps_ifdrop; /* last pcap_stats(), 32-bit */
	uint8_t *buf;
};

struct capture {
	struct ring ring[RING__COUNT];
	unsigned int nrings;
	struct ev_timer *retry;
	capture_cb cb;
	void *arg;
	bool busy;	  /* handing packets over */
	bool dead;	  /* closed from the callback: free when out */
	bool failing;	  /* the last read failed; logged once */
	bool merged;	  /* warned of a packet over the MTU */
	unsigned int mtu; /* of the interface; 0 if unknown ("any") */
	uint64_t received, not_ip, dropped_kernel, dropped_iface;
	char ifname[64];
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Where the IPv4 header starts in a frame: 0 and *off, or -1 if none */
static int ip_offset(int dlt, const uint8_t *f, size_t len, size_t *off)
{
	uint16_t type;

	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return -1;
		type = get16(f + 12);
		*off = 14;
		/* libpcap puts back a tag the NIC took off; skip one */
		if ((type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) &&
		    len >= 18) {
			type = get16(f + 16);
			*off = 18;
		}
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		type = get16(f + 14);
		*off = 16;
		break;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		if (len < 20)
			return -1;
		type = get16(f);
		*off = 20;
		break;
#endif
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		type = ETHERTYPE_IPV4;
		*off = 0;
		break;
	default:
		return -1;
	}
	if (type != ETHERTYPE_IPV4 || len <= *off || f[*off] >> 4 != 4)
		return -1;
	return 0;
}

static bool dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
#endif
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		return true;
	default:
		return false;
	}
}

/* pcap's callback: read the frame ahead into the ring's buffer */
static void on_frame(u_char *user, const struct pcap_pkthdr *h,
		     const u_char *bytes)
{
	struct ring *r = (struct ring *)user;
	struct capture *c = r->c;
	size_t off, len;

	c->received++;
	if (ip_offset(r->dlt, bytes, h->caplen, &off)) {
		c->not_ip++;
		log_debug("capture: %s: dropped a frame without IPv4",
			  c->ifname);
		return;
	}
	/* a frame cut at the snap length goes on: pkt_parse() drops it */
	len = h->caplen - off;
	if (c->mtu && len > c->mtu && !c->merged) {
		log_warnx("capture: %s: a %zu-byte packet, over the MTU of "
			  "%u: the kernel merges received packets (GRO, LRO, "
			  "or GSO from a local peer) into ones too big to "
			  "forward; turn that off (ethtool -K %s gro off lro "
			  "off)",
			  c->ifname, len, c->mtu, c->ifname);
		c->merged = true;
	}
	if (len > r->cap)
		len = r->cap;
	memcpy(r->buf, bytes + off, len);
	r->len = len;
	r->ts = (uint64_t)h->ts.tv_sec * 1000000000u +
		(uint64_t)h->ts.tv_usec * r->ts_scale;
	r->have = true;
}

static void destroy(struct capture *c)
{
	for (unsigned int i = 0; i < RING__COUNT; i++) {
		struct ring *r = &c->ring[i];

		ev_io_free(r->io); /* stops watching before pcap closes it */
		if (r->pc)
			pcap_close(r->pc);
		free(r->buf);
	}
	ev_timer_free(c->retry);
	free(c);
}

/* Watch every ring's fd; -1 if the loop refuses one */
static int watch(struct capture *c)
{
	for (unsigned int i = 0; i < c->nrings; i++)
		if (ev_io_start(c->ring[i].io, EV_READ))
			return -1;
	return 0;
}

static void drain(struct capture *c);

/* After a read error, or while libpcap asks to be called (interface down) */
static void on_retry(struct ev_timer *t, void *arg)
{
	struct capture *c = arg;

	(void)t;
	if (watch(c)) {
		ev_timer_start(c->retry, CAPTURE_RETRY_MS, 0);
		return;
	}
	drain(c);
}

/*
 * A read error (the interface went away) would make a level-triggered fd
 * spin: stop watching for a while, and say so once per streak.
 */
static void read_failed(struct capture *c, struct ring *r)
{
	if (!c->failing)
		log_warnx("capture: %s: %s; retrying every %d ms", c->ifname,
			  pcap_geterr(r->pc), CAPTURE_RETRY_MS);
	c->failing = true;
	for (unsigned int i = 0; i < c->nrings; i++)
		ev_io_stop(c->ring[i].io);
	ev_timer_start(c->retry, CAPTURE_RETRY_MS, 0);
}

/*
 * The ring whose packet read ahead is the oldest, reading one ahead from
 * each ring that has none (unless @more is false); NULL once none has one.
 * A ring that has nothing now is not asked again in this wakeup.
 */
static struct ring *oldest(struct capture *c, bool more, struct ring **failed)
{
	struct ring *best = NULL;
	int n;

	for (unsigned int i = 0; i < c->nrings; i++) {
		struct ring *r = &c->ring[i];

		/* a frame without IPv4 is read and counted, not handed over */
		for (int tries = 0; more && !r->have && !r->empty && tries < 8;
		     tries++) {
			n = pcap_dispatch(r->pc, 1, on_frame, (u_char *)r);
			if (n < 0)
				*failed = r;
			if (n <= 0)
				r->empty = true;
		}
		if (r->have && (!best || r->ts < best->ts))
			best = r;
	}
	return best;
}

/* Hand over what the rings hold, oldest first, up to CAPTURE_BUDGET */
static void drain(struct capture *c)
{
	struct ring *r, *failed = NULL;
	const struct timeval *tmo;
	unsigned int i, n = 0;
	uint64_t ms;

	for (i = 0; i < c->nrings; i++)
		c->ring[i].empty = false;
	c->busy = true;
	/* past the budget, only what was read ahead goes out: nothing
	 * waits in a buffer for a wakeup that may not come */
	while (!c->dead && (r = oldest(c, n < CAPTURE_BUDGET, &failed))) {
		r->have = false;
		n++;
		c->cb(r->buf, r->len, c->arg);
	}
	c->busy = false;
	if (c->dead) {
		destroy(c);
		return;
	}
	if (failed) {
		read_failed(c, failed);
		return;
	}
	if (n > 0 && c->failing) {
		log_info("capture: %s: reading again", c->ifname);
		c->failing = false;
	}
	/* until the interface is seen up again or gone, libpcap needs calls
	 * without the fd becoming readable */
	for (i = 0; i < c->nrings; i++) {
		tmo = pcap_get_required_select_timeout(c->ring[i].pc);
		if (tmo && !ev_timer_active(c->retry)) {
			ms = (uint64_t)tmo->tv_sec * 1000 +
			     (uint64_t)tmo->tv_usec / 1000;
			ev_timer_start(c->retry, ms < 100 ? 100 : ms, 0);
		}
	}
}

static void on_readable(struct ev_io *io, int events, void *arg)
{
	struct ring *r = arg;
	struct capture *c = r->c;

	/* EV_WRITE, never asked for, is an error (POLLERR, such as the
	 * interface going down): the loop stopped watching, the read below
	 * takes the error, so watch again */
	if (events & EV_WRITE)
		ev_io_start(io, EV_READ);
	drain(c);
}

static void log_activate_error(const struct capture *c, pcap_t *pc, int rc)
{
	const char *why = pcap_geterr(pc);

	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		log_error("capture: %s: no such interface (%s)", c->ifname,
			  why);
		break;
	case PCAP_ERROR_PERM_DENIED:
		log_error("capture: %s: permission denied: capturing needs "
			  "CAP_NET_RAW (%s)",
			  c->ifname, why);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		log_error("capture: %s: interface is down", c->ifname);
		break;
	case PCAP_ERROR:
		log_error("capture: %s: %s", c->ifname, why);
		break;
	default:
		log_error("capture: %s: %s (%s)", c->ifname,
			  pcap_statustostr(rc), why);
		break;
	}
}

/* Snap length and ring size, immediate mode, nanosecond timestamps */
static int configure(struct capture *c, struct ring *r, int snaplen,
		     size_t ring)
{
	if (ring < CAPTURE_RING_MIN)
		ring = CAPTURE_RING_MIN;
	if (ring > 1u << 30)
		ring = 1u << 30;
	if (pcap_set_snaplen(r->pc, snaplen) || pcap_set_promisc(r->pc, 0) ||
	    pcap_set_buffer_size(r->pc, (int)ring) ||
	    pcap_set_immediate_mode(r->pc, 1)) {
		log_error("capture: %s: cannot configure: %s", c->ifname,
			  pcap_geterr(r->pc));
		return -1;
	}
	/* microseconds otherwise: ties only blur the order across rings */
	pcap_set_tstamp_precision(r->pc, PCAP_TSTAMP_PRECISION_NANO);
	return 0;
}

/* The interface's MTU, 0 if it has none (the "any" pseudo-interface) */
static unsigned int get_mtu(const char *ifname)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int mtu = 0;

	if (strlen(ifname) < sizeof(ifr.ifr_name))
		memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (fd >= 0 && *ifr.ifr_name && !ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	if (fd >= 0)
		close(fd);
	return mtu > 0 ? (unsigned int)mtu : 0;
}

/* The NAT's filter, and @len_test (frame length, or "") on top */
static int set_filter(struct capture *c, struct ring *r,
		      const struct capture_params *p, const char *len_test)
{
	char addr[INET_ADDRSTRLEN], ports[32], expr[256];
	struct bpf_program prog;
	int rc;

	inet_ntop(AF_INET, &p->ext_addr, addr, sizeof(addr));
	if (p->port_lo == p->port_hi)
		snprintf(ports, sizeof(ports), "port %u", p->port_lo);
	else
		snprintf(ports, sizeof(ports), "portrange %u-%u", p->port_lo,
			 p->port_hi);
	/* non-first fragments carry no ports: let them all through */
	snprintf(expr, sizeof(expr),
		 "ip dst %s and (((tcp or udp) and dst %s) or icmp or "
		 "(ip[6:2] & 0x1fff != 0))%s",
		 addr, ports, len_test);
	if (pcap_compile(r->pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		log_error("capture: %s: filter \"%s\": %s", c->ifname, expr,
			  pcap_geterr(r->pc));
		return -1;
	}
	rc = pcap_setfilter(r->pc, &prog);
	pcap_freecode(&prog);
	if (rc) {
		log_error("capture: %s: cannot set the filter: %s", c->ifname,
			  pcap_geterr(r->pc));
		return -1;
	}
	log_debug("capture: %s: filter \"%s\"", c->ifname, expr);
	return 0;
}

static int activate(struct capture *c, struct ring *r)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int rc = pcap_activate(r->pc), on = 1;
	const char *name;

	if (rc < 0) {
		log_activate_error(c, r->pc, rc);
		return -1;
	}
	if (rc > 0)
		log_warnx("capture: %s: %s%s%s", c->ifname,
			  pcap_statustostr(rc), *pcap_geterr(r->pc) ? ": " : "",
			  pcap_geterr(r->pc));
	if (pcap_setdirection(r->pc, PCAP_D_IN)) {
		log_error("capture: %s: cannot capture inbound only: %s",
			  c->ifname, pcap_geterr(r->pc));
		return -1;
	}
	/* and the kernel does not even clone the packets going out (every
	 * one the NAT sends) for the handle; libpcap's test stays */
	setsockopt(pcap_fileno(r->pc), SOL_PACKET, PACKET_IGNORE_OUTGOING, &on,
		   sizeof(on));
	r->dlt = pcap_datalink(r->pc);
	if (!dlt_supported(r->dlt)) {
		name = pcap_datalink_val_to_name(r->dlt);
		log_error("capture: %s: link type %s is not supported "
			  "(Ethernet, raw IP or Linux cooked only)",
			  c->ifname, name ? name : "unknown");
		return -1;
	}
	if (pcap_setnonblock(r->pc, 1, errbuf)) {
		log_error("capture: %s: %s", c->ifname, errbuf);
		return -1;
	}
	r->ts_scale =
		pcap_get_tstamp_precision(r->pc) == PCAP_TSTAMP_PRECISION_NANO
			? 1
			: 1000;
	return 0;
}

/* Open one ring: frames up to @snaplen bytes that pass @len_test */
static int open_ring(struct ev_loop *l, struct capture *c, struct ring *r,
		     const struct capture_params *p, int snaplen, size_t ring,
		     const char *len_test)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int fd;

	r->c = c;
	r->cap = (size_t)snaplen;
	r->buf = malloc(r->cap);
	r->pc = pcap_create(p->ifname, errbuf);
	if (!r->buf || !r->pc) {
		log_error("capture: %s: %s", c->ifname,
			  r->buf ? errbuf : "out of memory");
		return -1;
	}
	if (configure(c, r, snaplen, ring) || activate(c, r) ||
	    set_filter(c, r, p, len_test))
		return -1;
	fd = pcap_get_selectable_fd(r->pc);
	if (fd < 0) {
		log_error("capture: %s: no selectable fd", c->ifname);
		return -1;
	}
	r->io = ev_io_new(l, fd, on_readable, r);
	if (!r->io) {
		log_error("capture: %s: cannot watch the capture fd",
			  c->ifname);
		return -1;
	}
	return 0;
}

/*
 * Both rings: frames up to the MTU (and link header) in small slots, the
 * merged ones in 64 KiB slots; or one ring if the MTU is unknown or large.
 */
static int open_rings(struct ev_loop *l, struct capture *c,
		      const struct capture_params *p)
{
	size_t ring = p->ring_bytes;
	unsigned int small = c->mtu + CAPTURE_SLACK / 2;
	char len_test[32];

	if (!c->mtu || c->mtu + CAPTURE_SLACK >= CAPTURE_SNAPLEN / 2) {
		c->nrings = 1;
		return open_ring(l, c, &c->ring[0], p, CAPTURE_SNAPLEN, ring,
				 "");
	}
	c->nrings = RING__COUNT;
	/* the slots get the whole slack: libpcap may put a VLAN tag back */
	snprintf(len_test, sizeof(len_test), " and len <= %u", small);
	if (open_ring(l, c, &c->ring[RING_SMALL], p,
		      (int)(c->mtu + CAPTURE_SLACK), ring, len_test))
		return -1;
	snprintf(len_test, sizeof(len_test), " and len > %u", small);
	return open_ring(l, c, &c->ring[RING_MERGED], p, CAPTURE_SNAPLEN,
			 ring / 2, len_test);
}

/**
 * capture_open() - start capturing the NAT's inbound packets
 * @l:		event loop the capture's fds join
 * @p:		interface, external address, port range and ring size:
 *		@ring_bytes (at least 1 MiB) for the ring of packets up to
 *		the MTU, half of it for the ring of merged packets (whose
 *		64 KiB slots take twice their size in memory)
 * @cb:		called from the loop with each IPv4 packet, link header
 *		stripped, in a writable buffer that is the capture's own and
 *		valid until @cb returns; bytes after the IP total length
 *		(link-layer padding) may follow, pkt_parse() trims them.
 *		@cb may call capture_close().
 * @arg:	passed to @cb
 *
 * Captures inbound only, not promiscuous: TCP and UDP to a port in the
 * range, all ICMP, and all non-first fragments, each to the external
 * address.  Each packet is handed over as soon as it is read (immediate
 * mode), in the order the kernel received them.  Interfaces whose link
 * type is not Ethernet, raw IP or Linux cooked (SLL, SLL2; the "any"
 * pseudo-interface) are refused.  Errors are logged naming the interface
 * (no such interface, permission, link type).
 *
 * Return: the capture, or NULL on failure (logged)
 */
struct capture *capture_open(struct ev_loop *l, const struct capture_params *p,
			     capture_cb cb, void *arg)
{
	struct capture *c;

	if (!p->ifname || !*p->ifname || !cb || !p->port_lo ||
	    p->port_lo > p->port_hi) {
		log_error("capture: bad parameters: interface \"%s\", "
			  "ports %u-%u",
			  p->ifname ? p->ifname : "", p->port_lo, p->port_hi);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		log_error("capture: %s: out of memory", p->ifname);
		return NULL;
	}
	c->cb = cb;
	c->arg = arg;
	snprintf(c->ifname, sizeof(c->ifname), "%s", p->ifname);
	c->mtu = get_mtu(c->ifname);
	if (open_rings(l, c, p))
		goto err;
	c->retry = ev_timer_new(l, on_retry, c);
	if (!c->retry || watch(c)) {
		log_error("capture: %s: cannot watch the capture fd",
			  c->ifname);
		goto err;
	}
	log_info("capture: %s: capturing (%s)", c->ifname,
		 c->nrings > 1 ? "packets up to the MTU and merged ones apart"
			       : "one ring");
	return c;
err:
	destroy(c);
	return NULL;
}

/**
 * capture_stats() - counters of a capture
 * @c:		the capture (NULL: all zero)
 * @st:		filled in: @received frames read from the rings, @not_ip of
 *		them without an IPv4 packet (not handed over), and the drops
 *		libpcap reports: @dropped_kernel (a ring full) and
 *		@dropped_iface (the interface's own drops, counted once)
 *
 * Return: nothing; kernel counters keep their last values if pcap_stats()
 * fails
 */
void capture_stats(struct capture *c, struct capture_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	if (!c)
		return;
	for (unsigned int i = 0; i < c->nrings; i++) {
		struct ring *r = &c->ring[i];

		if (pcap_stats(r->pc, &ps))
			continue;
		/* libpcap's counters are 32 bits: keep 64 by the deltas */
		c->dropped_kernel += (unsigned int)(ps.ps_drop - r->ps_drop);
		r->ps_drop = ps.ps_drop;
		/* both handles see the same interface counter */
		if (i == 0)
			c->dropped_iface +=
				(unsigned int)(ps.ps_ifdrop - r->ps_ifdrop);
		r->ps_ifdrop = ps.ps_ifdrop;
	}
	st->received = c->received;
	st->not_ip = c->not_ip;
	st->dropped_kernel = c->dropped_kernel;
	st->dropped_iface = c->dropped_iface;
}

/**
 * capture_close() - stop capturing and free the capture
 * @c:		the capture, or NULL
 *
 * Safe from inside the capture's callback: no more packets are handed
 * over and the capture is freed when the callback returns.
 *
 * Return: nothing
 */
void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->busy) {
		c->dead = true;
		for (unsigned int i = 0; i < c->nrings; i++)
			ev_io_stop(c->ring[i].io);
		ev_timer_stop(c->retry);
		return;
	}
	destroy(c);
}
