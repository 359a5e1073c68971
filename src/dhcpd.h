/* SPDX-License-Identifier: MIT */
/* dhcpd.h - DHCP for the phone: dnsmasq, run by the client
 *
 * With "dhcp": {"enabled": true} the client runs dnsmasq on its Wi-Fi
 * interface, DHCP only: leases from dhcp.pool, inside 169.254.0.0/16 with
 * netmask 255.255.0.0, and no router and no DNS server in them, so an
 * Android phone keeps mobile data for the internet while it reaches the
 * client's page on-link. dnsmasq's lease and pid files live in
 * /run/tether per network namespace and are removed when it stops, or by
 * dhcpd_cleanup() after a crash.
 */
#ifndef TETHER_DHCPD_H
#define TETHER_DHCPD_H

#include <stddef.h>

#include "conf.h"

struct dhcpd;
struct ev_loop;

#define DHCPD_ARGC    16  /* at most, with the program's name */
#define DHCPD_ARGS_SZ 512 /* room for the formatted arguments */

/* dnsmasq's command line; argv points into buf */
struct dhcpd_args {
	char *argv[DHCPD_ARGC + 1];
	char buf[DHCPD_ARGS_SZ];
};

int dhcpd_check(const struct conf_client *cf, char *why, size_t len);
int dhcpd_args(struct dhcpd_args *a, const struct conf_client *cf,
	       const char *leases, const char *pidfile);

int dhcpd_conf_ok(const struct conf_client *cf);
struct dhcpd *dhcpd_start(struct ev_loop *l, const struct conf_client *cf,
			  void (*died)(void *arg), void *arg);
void dhcpd_stop(struct dhcpd *d);
int dhcpd_cleanup(void);

#endif
