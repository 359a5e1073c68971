/* SPDX-License-Identifier: MIT */
/* client_dns.h - the client's resolver while the tunnel is up */
#ifndef TETHER_CLIENT_DNS_H
#define TETHER_CLIENT_DNS_H

#include <netinet/in.h>

#include "conf.h"
#include "netcfg.h"

void client_dns_up(struct netcfg *nc, const struct conf_client *cf, int ifindex,
		   struct in_addr announced);

#endif
