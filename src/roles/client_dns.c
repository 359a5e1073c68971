/* SPDX-License-Identifier: MIT */
/* client_dns.c - the client's resolver: the server's, or the configured one
 *
 * When the tunnel comes up, the DNS server the server announced in the
 * handshake (or "dns.server" of the config, which wins) becomes the
 * laptop's resolver, reached through the tunnel, as "dns.method" says
 * (netcfg_dns.c); netcfg undoes it with the rest. "off" leaves the
 * resolver alone.
 */
#include <arpa/inet.h>

#include "client_dns.h"
#include "log.h"
#include "netcfg_dns.h"

/* the config's methods are resolv.h's, plus "off" */
_Static_assert((int)CONF_DNS_AUTO == (int)RESOLV_AUTO &&
		       (int)CONF_DNS_RESOLVED == (int)RESOLV_RESOLVED &&
		       (int)CONF_DNS_RESOLVCONF == (int)RESOLV_RESOLVCONF &&
		       (int)CONF_DNS_FILE == (int)RESOLV_FILE,
	       "enum conf_dns_method follows enum resolv_method");

/**
 * client_dns_up() - use the tunnel's DNS server while the tunnel is up
 * @nc:		the client's netcfg
 * @cf:		the client config
 * @ifindex:	the TUN device
 * @announced:	the server's DNS server, INADDR_ANY for none
 *
 * A failure is logged, and leaves the resolver as it was: the tunnel
 * works without it.
 */
void client_dns_up(struct netcfg *nc, const struct conf_client *cf, int ifindex,
		   struct in_addr announced)
{
	const char *from = "announced by the server";
	struct in_addr server = announced;
	char a[INET_ADDRSTRLEN], what[256];

	if (cf->dns_method == CONF_DNS_OFF) {
		log_info("client: DNS left as it is (dns.method is off)");
		return;
	}
	if (cf->dns_server.family == AF_INET) {
		server = cf->dns_server.v4;
		from = "dns.server";
	}
	if (server.s_addr == INADDR_ANY) {
		log_info("client: DNS left as it is: the server announces no "
			 "DNS server and dns.server is not set");
		return;
	}
	inet_ntop(AF_INET, &server, a, sizeof(a));
	if (netcfg_dns_set(nc, ifindex, server,
			   (enum resolv_method)cf->dns_method, what,
			   sizeof(what)))
		log_error("client: could not make %s (%s) the resolver (see "
			  "above): DNS left as it is",
			  a, from);
	else
		log_info("client: DNS: %s (%s) set %s", a, from, what);
}
