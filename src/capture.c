/* SPDX-License-Identifier: MIT */
/* capture.c - picking the NAT's replies off the egress interface (libpcap)
 *
 * Theory of operation: one pcap handle per capture, inbound direction only,
 * with a kernel BPF filter built from the NAT's external address and port
 * range, so the ring only ever holds packets the NAT may want.  The handle
 * is non-blocking and its selectable fd sits in the event loop; each wakeup
 * reads up to CAPTURE_BATCHES * CAPTURE_BATCH packets, so a flood cannot
 * starve the rest of the loop (the fd stays readable and the next turn goes
 * on).  Each packet loses its link header and is copied into a buffer of
 * the capture's own, because the NAT rewrites packets in place and pcap's
 * ring belongs to pcap; the copy costs one memcpy of the packet.
 *
 * Two ring modes (struct capture_params.immediate):
 *   - immediate: libpcap uses TPACKET_V2, every packet is readable at once.
 *     Each ring slot is sized for the snap length (65535 bytes) whenever
 *     the interface is not Ethernet or has any offload on (GRO, TSO, ...),
 *     so the ring then holds ring_bytes / 64 KiB packets only: a 4 MiB
 *     ring on a veth kept 64 of a burst of 5000 small datagrams.
 *   - TPACKET_V3: packets are packed into blocks handed over when full or
 *     after block_timeout_ms; the same ring kept all 5000, at the cost of
 *     up to block_timeout_ms of latency when traffic is light.
 *
 * Receive offloads (GRO, LRO; on a veth, GSO from the peer) hand over TCP
 * segments merged into packets far over the MTU, which the NAT cannot
 * forward; the first such packet is logged with the fix.
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

#define CAPTURE_SNAPLEN	     65535
#define CAPTURE_RING_MIN     (4u << 20)
#define CAPTURE_BLOCK_TMO_MS 10	  /* TPACKET_V3 block timeout by default */
#define CAPTURE_BATCH	     64	  /* packets per pcap_dispatch() */
#define CAPTURE_BATCHES	     64	  /* pcap_dispatch() calls per wakeup */
#define CAPTURE_RETRY_MS     1000 /* after a read error */

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

struct capture {
	pcap_t *pc;
	struct ev_io *io;
	struct ev_timer *retry;
	capture_cb cb;
	void *arg;
	int dlt;
	bool busy;	  /* inside pcap_dispatch() */
	bool dead;	  /* closed from the callback: free when out */
	bool failing;	  /* the last read failed; logged once */
	bool merged;	  /* warned of a packet over the MTU */
	unsigned int mtu; /* of the interface; 0 if unknown ("any") */
	uint64_t received, not_ip, dropped_kernel, dropped_iface;
	unsigned int ps_drop, ps_ifdrop; /* last pcap_stats(), 32-bit */
	char ifname[64];
	uint8_t buf[CAPTURE_SNAPLEN]; /* the packet handed to the callback */
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

static void on_frame(u_char *user, const struct pcap_pkthdr *h,
		     const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	size_t off, len;

	if (c->dead)
		return;
	c->received++;
	if (ip_offset(c->dlt, bytes, h->caplen, &off)) {
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
	if (len > sizeof(c->buf))
		len = sizeof(c->buf);
	memcpy(c->buf, bytes + off, len);
	c->cb(c->buf, len, c->arg);
}

static void destroy(struct capture *c)
{
	ev_io_free(c->io); /* stops watching before pcap closes the fd */
	ev_timer_free(c->retry);
	if (c->pc)
		pcap_close(c->pc);
	free(c);
}

static void on_readable(struct ev_io *io, int events, void *arg);

/* After a read error, or while libpcap asks to be called (interface down) */
static void on_retry(struct ev_timer *t, void *arg)
{
	struct capture *c = arg;

	(void)t;
	if (ev_io_start(c->io, EV_READ)) {
		ev_timer_start(c->retry, CAPTURE_RETRY_MS, 0);
		return;
	}
	on_readable(c->io, 0, c);
}

/*
 * A read error (the interface went away) would make a level-triggered fd
 * spin: stop watching for a while, and say so once per streak.
 */
static void read_failed(struct capture *c)
{
	if (!c->failing)
		log_warnx("capture: %s: %s; retrying every %d ms", c->ifname,
			  pcap_geterr(c->pc), CAPTURE_RETRY_MS);
	c->failing = true;
	ev_io_stop(c->io);
	ev_timer_start(c->retry, CAPTURE_RETRY_MS, 0);
}

static void on_readable(struct ev_io *io, int events, void *arg)
{
	const struct timeval *tmo;
	struct capture *c = arg;
	uint64_t ms;
	int i, n = 0;

	(void)io;
	c->busy = true;
	for (i = 0; i < CAPTURE_BATCHES && !c->dead; i++) {
		n = pcap_dispatch(c->pc, CAPTURE_BATCH, on_frame, (u_char *)c);
		if (n < CAPTURE_BATCH)
			break;
	}
	c->busy = false;
	if (c->dead) {
		destroy(c);
		return;
	}
	if (n == PCAP_ERROR) {
		read_failed(c);
		return;
	}
	if (n > 0 && c->failing) {
		log_info("capture: %s: reading again", c->ifname);
		c->failing = false;
	}
	/* EV_WRITE, never asked for, is an error (POLLERR, such as the
	 * interface going down): the loop stopped watching, pcap_dispatch()
	 * has taken the error, so watch again */
	if (events & EV_WRITE)
		ev_io_start(c->io, EV_READ);
	/* until the interface is seen up again or gone, libpcap needs calls
	 * without the fd becoming readable */
	tmo = pcap_get_required_select_timeout(c->pc);
	if (tmo && !ev_timer_active(c->retry)) {
		ms = (uint64_t)tmo->tv_sec * 1000 +
		     (uint64_t)tmo->tv_usec / 1000;
		ev_timer_start(c->retry, ms < 100 ? 100 : ms, 0);
	}
}

static void log_activate_error(const struct capture *c, int rc)
{
	const char *why = pcap_geterr(c->pc);

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

static int configure(struct capture *c, const struct capture_params *p)
{
	size_t ring = p->ring_bytes < CAPTURE_RING_MIN ? CAPTURE_RING_MIN
						       : p->ring_bytes;
	int tmo = p->block_timeout_ms > 0 ? p->block_timeout_ms
					  : CAPTURE_BLOCK_TMO_MS;

	if (ring > 1u << 30)
		ring = 1u << 30;
	if (pcap_set_snaplen(c->pc, CAPTURE_SNAPLEN) ||
	    pcap_set_promisc(c->pc, 0) ||
	    pcap_set_buffer_size(c->pc, (int)ring))
		goto err;
	/* immediate mode makes libpcap choose TPACKET_V2; else V3 */
	if (p->immediate ? pcap_set_immediate_mode(c->pc, 1)
			 : pcap_set_timeout(c->pc, tmo))
		goto err;
	return 0;
err:
	log_error("capture: %s: cannot configure: %s", c->ifname,
		  pcap_geterr(c->pc));
	return -1;
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

static int set_filter(struct capture *c, const struct capture_params *p)
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
		 "(ip[6:2] & 0x1fff != 0))",
		 addr, ports);
	if (pcap_compile(c->pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		log_error("capture: %s: filter \"%s\": %s", c->ifname, expr,
			  pcap_geterr(c->pc));
		return -1;
	}
	rc = pcap_setfilter(c->pc, &prog);
	pcap_freecode(&prog);
	if (rc) {
		log_error("capture: %s: cannot set the filter: %s", c->ifname,
			  pcap_geterr(c->pc));
		return -1;
	}
	log_debug("capture: %s: filter \"%s\"", c->ifname, expr);
	return 0;
}

static int activate(struct capture *c)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int rc = pcap_activate(c->pc);
	const char *name;

	if (rc < 0) {
		log_activate_error(c, rc);
		return -1;
	}
	if (rc > 0)
		log_warnx("capture: %s: %s%s%s", c->ifname,
			  pcap_statustostr(rc), *pcap_geterr(c->pc) ? ": " : "",
			  pcap_geterr(c->pc));
	if (pcap_setdirection(c->pc, PCAP_D_IN)) {
		log_error("capture: %s: cannot capture inbound only: %s",
			  c->ifname, pcap_geterr(c->pc));
		return -1;
	}
	c->dlt = pcap_datalink(c->pc);
	if (!dlt_supported(c->dlt)) {
		name = pcap_datalink_val_to_name(c->dlt);
		log_error("capture: %s: link type %s is not supported "
			  "(Ethernet, raw IP or Linux cooked only)",
			  c->ifname, name ? name : "unknown");
		return -1;
	}
	if (pcap_setnonblock(c->pc, 1, errbuf)) {
		log_error("capture: %s: %s", c->ifname, errbuf);
		return -1;
	}
	return 0;
}

/**
 * capture_open() - start capturing the NAT's inbound packets
 * @l:		event loop the capture's fd joins
 * @p:		interface, external address, port range and ring settings;
 *		ring_bytes below 4 MiB means 4 MiB, block_timeout_ms <= 0
 *		means 10 ms (TPACKET_V3 only)
 * @cb:		called from the loop with each IPv4 packet, link header
 *		stripped, in a writable buffer that is the capture's own and
 *		valid until @cb returns; bytes after the IP total length
 *		(link-layer padding) may follow, pkt_parse() trims them.
 *		@cb may call capture_close().
 * @arg:	passed to @cb
 *
 * Captures inbound only, not promiscuous: TCP and UDP to a port in the
 * range, all ICMP, and all non-first fragments, each to the external
 * address.  Interfaces whose link type is not Ethernet, raw IP or Linux
 * cooked (SLL, SLL2; the "any" pseudo-interface) are refused.  Errors are
 * logged naming the interface (no such interface, permission, link type).
 *
 * Return: the capture, or NULL on failure (logged)
 */
struct capture *capture_open(struct ev_loop *l, const struct capture_params *p,
			     capture_cb cb, void *arg)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c;
	int fd;

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
	c->pc = pcap_create(p->ifname, errbuf);
	if (!c->pc) {
		log_error("capture: %s: %s", c->ifname, errbuf);
		goto err;
	}
	if (configure(c, p) || activate(c) || set_filter(c, p))
		goto err;
	c->mtu = get_mtu(c->ifname);
	fd = pcap_get_selectable_fd(c->pc);
	if (fd < 0) {
		log_error("capture: %s: no selectable fd", c->ifname);
		goto err;
	}
	c->io = ev_io_new(l, fd, on_readable, c);
	c->retry = ev_timer_new(l, on_retry, c);
	if (!c->io || !c->retry || ev_io_start(c->io, EV_READ)) {
		log_error("capture: %s: cannot watch the capture fd",
			  c->ifname);
		goto err;
	}
	log_info("capture: %s: capturing (%s)", c->ifname,
		 p->immediate ? "immediate" : "TPACKET_V3");
	return c;
err:
	destroy(c);
	return NULL;
}

/**
 * capture_stats() - counters of a capture
 * @c:		the capture (NULL: all zero)
 * @st:		filled in: @received frames read from the ring, @not_ip of
 *		them without an IPv4 packet (not handed over), and the drops
 *		libpcap reports: @dropped_kernel (ring full) and
 *		@dropped_iface (the interface's own drops)
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
	if (!pcap_stats(c->pc, &ps)) {
		/* libpcap's counters are 32 bits: keep 64 by the deltas */
		c->dropped_kernel += (unsigned int)(ps.ps_drop - c->ps_drop);
		c->dropped_iface += (unsigned int)(ps.ps_ifdrop - c->ps_ifdrop);
		c->ps_drop = ps.ps_drop;
		c->ps_ifdrop = ps.ps_ifdrop;
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
 * Safe from inside the capture's callback: the rest of the batch is
 * skipped and the capture is freed when pcap_dispatch() returns.
 *
 * Return: nothing
 */
void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->busy) {
		c->dead = true;
		ev_io_stop(c->io);
		pcap_breakloop(c->pc);
		return;
	}
	destroy(c);
}
