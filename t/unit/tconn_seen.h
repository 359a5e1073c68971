/* SPDX-License-Identifier: MIT */
/* tconn_seen.h - transport handlers for the unit tests that record what
 * they saw (opens, closes, messages, drains) and stop the loop each time */
#ifndef TETHER_T_TCONN_SEEN_H
#define TETHER_T_TCONN_SEEN_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "looptest.h"
#include "transport.h"

/* What the handlers saw */
struct seen {
	int opened, closed, messages, drained;
	char last_why[160];
	uint8_t *buf;		/* concatenation of received messages */
	size_t len;
	struct tconn *conn;	/* latest connection */
	bool echo;		/* send every message back */
	const char *refuse_origin;
	const char *origin_seen;
};

static inline void h_open(struct tconn *c, void *user)
{
	struct seen *s = user;

	s->opened++;
	s->conn = c;
	ev_loop_stop(loop);
}

static inline void h_message(struct tconn *c, uint8_t *msg, size_t len,
			     void *user)
{
	struct seen *s = user;

	s->buf = realloc(s->buf, s->len + len + 1);
	memcpy(s->buf + s->len, msg, len);
	s->len += len;
	s->messages++;
	if (s->echo)
		tconn_send(c, msg, len);
	ev_loop_stop(loop);
}

static inline void h_closed(struct tconn *c, const char *why, void *user)
{
	struct seen *s = user;

	s->closed++;
	snprintf(s->last_why, sizeof(s->last_why), "%s", why);
	if (s->conn == c)
		s->conn = NULL;
	ev_loop_stop(loop);
}

static inline void h_drained(struct tconn *c, void *user)
{
	struct seen *s = user;

	(void)c;
	s->drained++;
	ev_loop_stop(loop);
}

static inline void reset(struct seen *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

#endif
