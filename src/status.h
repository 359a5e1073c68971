/* SPDX-License-Identifier: MIT */
/* status.h - a local HTTP endpoint that answers GET /status with JSON
 *
 * The role hands over a callback that builds the document (a jansson
 * object) when a request asks for it; everything else about HTTP stays in
 * status.c. One request per connection, with bounded connections,
 * request size and time, so a flood or a slow client costs bounded
 * memory and never blocks the event loop.
 */
#ifndef TETHER_STATUS_H
#define TETHER_STATUS_H

#include <jansson.h>
#include <stddef.h>

#include "addr.h"
#include "ev.h"

struct status;

/* Build the document (a new reference), or NULL (answered with 500) */
typedef json_t *(*status_json_fn)(void *arg);

/* Bounds; a zero field takes the default (STATUS_DEFAULT_*) */
struct status_params {
	const struct endpoint *listen;
	unsigned max_conns;  /* connections at once; more get 503 */
	size_t max_request;  /* request head; longer gets 431 */
	unsigned timeout_ms; /* from accept to the last byte sent */
};

#define STATUS_DEFAULT_MAX_CONNS   16
#define STATUS_DEFAULT_MAX_REQUEST 4096
#define STATUS_DEFAULT_TIMEOUT_MS  5000

struct status *status_new(struct ev_loop *l, const struct status_params *p,
			  status_json_fn fn, void *arg);
int status_start(struct ev_loop *l, const struct endpoint *listen,
		 status_json_fn fn, void *arg, struct status **st);
int status_port(const struct status *st);
void status_free(struct status *st);

#endif
