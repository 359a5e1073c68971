/* SPDX-License-Identifier: MIT */
/* tunnel_out.h - packing packets into sealed messages on one connection */
#ifndef TETHER_TUNNEL_OUT_H
#define TETHER_TUNNEL_OUT_H

#include "session.h"
#include "transport.h"
#include "tunnel.h"

/* One peer's outgoing message under construction */
struct tunnel_out {
	uint8_t *buf;
	size_t cap;
	struct session_batch b;
	bool open; /* b is initialised on buf */
};

int tunnel_out_init(struct tunnel_out *o, size_t cap);
void tunnel_out_free(struct tunnel_out *o);
int tunnel_out_add(struct tunnel_out *o, struct session *s, struct tconn *path,
		   const uint8_t *pkt, size_t len, uint64_t now,
		   struct tunnel_stats *st);
int tunnel_out_add_gso(struct tunnel_out *o, struct session *s,
		       struct tconn *path, const uint8_t *pkt, size_t len,
		       size_t gso, uint64_t now, struct tunnel_stats *st);
size_t tunnel_out_max_gso(const struct tunnel_out *o, struct tconn *path);
int tunnel_out_flush(struct tunnel_out *o, struct session *s,
		     struct tconn *path, uint64_t now, struct tunnel_stats *st,
		     bool keepalive);
bool tunnel_out_pending(const struct tunnel_out *o);

#endif
