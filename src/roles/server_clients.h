/* SPDX-License-Identifier: MIT */
/* server_clients.h - the server's clients, and taking a new list on SIGHUP */
#ifndef TETHER_SERVER_CLIENTS_H
#define TETHER_SERVER_CLIENTS_H

#include "clientset.h"
#include "conf.h"
#include "ev.h"
#include "nat.h"
#include "tunnel.h"

struct knat;
struct privsep;

struct server_clients {
	struct clientset set;	 /* the clients by id */
	const struct conf *base; /* the config the server started with */
	struct conf *latest;	 /* the last one reloaded, or NULL */
	struct ev_loop *loop;
	struct tunnel_server *tunnel; /* what a change is applied to */
	struct nat *nat;
	struct knat *knat; /* kernel-NAT mode instead of nat */
	struct privsep *keeper; /* opens the file; NULL: open it here */
	/* the rest of what the server keeps per client, for a client a
	 * reload adds (@old NULL) or keeps: -1 leaves an added one out */
	int (*setup)(uint32_t id, const struct conf_peer *old,
		     const struct conf_peer *p, void *arg);
	void *arg;
};

void server_clients_quota(struct server_clients *sc, uint32_t id);
void server_clients_reload(struct server_clients *sc);
void server_clients_free(struct server_clients *sc);

#endif
