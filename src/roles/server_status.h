/* SPDX-License-Identifier: MIT */
/* server_status.h - the server's status document */
#ifndef TETHER_SERVER_STATUS_H
#define TETHER_SERVER_STATUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "clientset.h"
#include "conf.h"
#include "nat.h"
#include "transport.h"
#include "tunnel.h"

/* What the document is made of, gathered by the role for each request */
struct server_status_view {
	const struct conf_server *cf;
	const struct clientset *clients; /* by id: cf's list may be stale */
	const struct tunnel_server *tunnel;
	const struct nat *nat;
	const struct transport *ws, *udp; /* udp may be NULL */
	const char *egress_if;
	uint32_t ext_addr;
	uint64_t forwarded, returned; /* packets */
	uint64_t gso_whole, gso_split, gso_lookups; /* egress_gso.c */
	const uint64_t *drops;	      /* the role's own, by reason */
	const char *const *drop_names;
	size_t ndrops;
	uint64_t started_ms, now_ms; /* event loop time */
};

json_t *server_status_json(const struct server_status_view *v);

#endif
