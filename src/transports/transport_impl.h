/* SPDX-License-Identifier: MIT */
/* transport_impl.h - what a transport module provides (transports only)
 *
 * Each module embeds struct transport and struct tconn as the first member
 * of its own structs and fills a struct transport_ops; transport.c
 * dispatches the public calls through it.
 */
#ifndef TETHER_TRANSPORT_IMPL_H
#define TETHER_TRANSPORT_IMPL_H

#include "transport.h"

struct transport_ops {
	struct transport *(*create)(struct ev_loop *l,
				    const struct transport_params *p);
	struct tconn *(*connect)(struct transport *t,
				 const struct conf_url *url, const char *origin,
				 void *data);
	void (*destroy)(struct transport *t);
	int (*send)(struct tconn *c, const uint8_t *msg, size_t len);
	void (*pause)(struct tconn *c, bool paused);
	void (*close)(struct tconn *c);
	struct tconn *(*keep)(struct tconn *c);
	int (*port)(const struct transport *t);
	size_t (*mtu)(const struct tconn *c);
};

struct transport {
	const struct transport_ops *ops;
	const struct transport_handlers *h;
	void *user;
	struct transport_counters counters;
	struct tconn *conns; /* a module's connections, if it lists them */
};

struct tconn {
	struct transport *t;
	void *data;
	struct endpoint peer; /* family 0 when unknown */
	char name[ADDR_STRLEN];
	struct tconn *prev, *next; /* in t->conns */
};

void transport_link(struct tconn *c);
void transport_unlink(struct tconn *c);

extern const struct transport_ops transport_websocket_ops;
extern const struct transport_ops transport_udp_ops;
extern const struct transport_ops transport_ws_client_ops;

#endif
