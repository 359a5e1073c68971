/* SPDX-License-Identifier: MIT */
/* client_status.h - the client's status document */
#ifndef TETHER_CLIENT_STATUS_H
#define TETHER_CLIENT_STATUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "client_state.h"
#include "conf.h"
#include "transport.h"
#include "tunnel.h"

/* What the document is made of, gathered by the role for each request */
struct client_status_view {
	const struct conf_client *cf;
	const struct client_state *state;
	const struct tunnel_client *tunnel;
	const struct transport *transport;
	const char *tun_name;
	uint64_t tun_read, tun_written; /* packets */
	uint64_t tun_read_gso;		/* of tun_read: TCP GSO packets */
	uint64_t tun_unreachables;	/* ICMP answers written */
	const uint64_t *drops;		/* the role's own, by reason */
	const char *const *drop_names;
	size_t ndrops;
	uint64_t now_ms; /* event loop time */
};

json_t *client_status_json(const struct client_status_view *v);

#endif
