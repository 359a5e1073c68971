/* SPDX-License-Identifier: MIT */
/* dhcpd_args.c - the DHCP settings checked, and dnsmasq's command line
 *
 * The pool must lie in 169.254.1.0-169.254.254.255 (RFC 3927 keeps the
 * first and last 256 link-local addresses from hosts) and must not hold
 * the client's own listen address; it hands out its addresses but the
 * first and the last, with netmask 255.255.0.0, so the phone has the
 * listen address, and phones that chose their own link-local address,
 * on-link.
 *
 * dnsmasq runs with no config file, DNS off (--port=0), bound to the
 * interface alone, in the foreground (the client owns it), logging to
 * standard error (the client's log). Left to itself it hands out a router
 * (itself) and, with DNS on, a DNS server: empty options 3 and 6 send
 * neither. It keeps root: a switch to another user would clear the
 * parent-death signal that ends it with the client (child.c).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dhcpd.h"

#define LINK_LOCAL   0xa9fe0000u /* 169.254.0.0/16 */
#define LINK_LOCAL_M 0xffff0000u

static uint32_t mask(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

static int bad(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/**
 * dhcpd_check() - can the client serve DHCP with this config?
 * @cf:		the client's config, with dhcp.enabled
 * @why:	on failure, what is wrong, naming the keys
 * @len:	size of @why
 *
 * Return: 0, or -1 with @why set
 */
int dhcpd_check(const struct conf_client *cf, char *why, size_t len)
{
	const struct prefix *p = &cf->dhcp_pool;
	uint32_t first, last, self;
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	if (!cf->interface)
		return bad(why, len,
			   "dhcp needs \"interface\": the Wi-Fi the phone "
			   "joins");
	if (strchr(cf->interface, ','))
		return bad(why, len,
			   "dhcp cannot serve \"interface\" %s: dnsmasq reads "
			   "a comma as a list",
			   cf->interface);
	if (cf->server_url.scheme == URL_UDP)
		return bad(why, len,
			   "dhcp is for the phone, and a udp:// \"server_url\" "
			   "has none");
	self = ntohl(cf->listen.addr.v4.s_addr);
	addr_format(&cf->listen.addr, a, sizeof(a));
	if (cf->listen.addr.family != AF_INET ||
	    (self & LINK_LOCAL_M) != LINK_LOCAL)
		return bad(why, len,
			   "dhcp needs \"listen\" in 169.254.0.0/16, on-link "
			   "for the phone's lease, not %s",
			   a);
	prefix_format(p, b, sizeof(b));
	if (p->addr.family != AF_INET)
		return bad(why, len, "\"dhcp.pool\" %s is not IPv4", b);
	first = ntohl(p->addr.v4.s_addr) & mask(p->len);
	last = first | ~mask(p->len);
	if (p->len < 16 || (first & LINK_LOCAL_M) != LINK_LOCAL ||
	    !(first >> 8 & 0xff) || (last >> 8 & 0xff) == 0xff)
		return bad(why, len,
			   "\"dhcp.pool\" %s is not inside "
			   "169.254.1.0-169.254.254.255 (RFC 3927 keeps the "
			   "first and last 256 link-local addresses)",
			   b);
	if (p->len > 30)
		return bad(why, len,
			   "\"dhcp.pool\" %s is too small: a /30 holds two "
			   "leases",
			   b);
	if (self >= first && self <= last)
		return bad(why, len,
			   "\"dhcp.pool\" %s holds the client's own \"listen\" "
			   "address %s",
			   b, a);
	return 0;
}

/* Append one argument, printf-style; -1 once out of room */
static int arg(struct dhcpd_args *a, size_t *n, size_t *off, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));

static int arg(struct dhcpd_args *a, size_t *n, size_t *off, const char *fmt,
	       ...)
{
	size_t room = sizeof(a->buf) - *off;
	va_list ap;
	int w;

	if (*n == DHCPD_ARGC)
		return -1;
	va_start(ap, fmt);
	w = vsnprintf(a->buf + *off, room, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= room)
		return -1;
	a->argv[(*n)++] = a->buf + *off;
	a->argv[*n] = NULL;
	*off += (size_t)w + 1;
	return 0;
}

static const char *v4(uint32_t host, char *buf, size_t len)
{
	struct in_addr in = {.s_addr = htonl(host)};

	return inet_ntop(AF_INET, &in, buf, (socklen_t)len);
}

/**
 * dhcpd_args() - dnsmasq's command line for a config that dhcpd_check() took
 * @a:		where to build it
 * @cf:		the client's config
 * @leases:	dnsmasq's lease file
 * @pidfile:	dnsmasq's pid file
 *
 * Return: 0, or -1 if it does not fit (a path too long)
 */
int dhcpd_args(struct dhcpd_args *a, const struct conf_client *cf,
	       const char *leases, const char *pidfile)
{
	uint32_t first =
		ntohl(cf->dhcp_pool.addr.v4.s_addr) & mask(cf->dhcp_pool.len);
	uint32_t last = first | ~mask(cf->dhcp_pool.len);
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	size_t n = 0, off = 0;

	v4(first + 1, lo, sizeof(lo));
	v4(last - 1, hi, sizeof(hi));
	memset(a, 0, sizeof(*a));
	if (arg(a, &n, &off, "dnsmasq") ||
	    arg(a, &n, &off, "--keep-in-foreground") ||
	    arg(a, &n, &off, "--conf-file=/dev/null") ||
	    arg(a, &n, &off, "--port=0") ||
	    arg(a, &n, &off, "--interface=%s", cf->interface) ||
	    arg(a, &n, &off, "--bind-interfaces") ||
	    arg(a, &n, &off, "--dhcp-range=%s,%s,255.255.0.0,%lld", lo, hi,
		(long long)cf->dhcp_lease_time) ||
	    arg(a, &n, &off, "--dhcp-option=3") ||
	    arg(a, &n, &off, "--dhcp-option=6") ||
	    arg(a, &n, &off, "--dhcp-leasefile=%s", leases) ||
	    arg(a, &n, &off, "--pid-file=%s", pidfile) ||
	    arg(a, &n, &off, "--log-facility=-") ||
	    arg(a, &n, &off, "--user=root") || arg(a, &n, &off, "--group=root"))
		return -1;
	return 0;
}
