/* SPDX-License-Identifier: MIT */
/* client_state.h - the client's state, as its log and status tell it */
#ifndef TETHER_CLIENT_STATE_H
#define TETHER_CLIENT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "noise.h"

enum client_state_id {
	CLIENT_WAITING,	     /* no phone (no path) yet */
	CLIENT_HANDSHAKING,  /* a path is open; the server not heard on it */
	CLIENT_UP,	     /* the server heard on this path */
	CLIENT_RECONNECTING, /* had a session; phone lost or server silent */
	CLIENT_STATE__COUNT
};

/*
 * What the events so far say; the state follows from it. Times are the
 * event loop's milliseconds; rtt_us is the last handshake's round trip.
 */
struct client_state {
	enum client_state_id id;
	uint64_t since_ms;    /* when it entered this state */
	uint64_t changes;     /* transitions so far */
	const char *noun;     /* "phone" or "UDP socket": what the path is */
	bool path;	      /* a path is open */
	bool confirmed;	      /* the server was heard on it */
	bool silent;	      /* nothing heard from the server for a while */
	bool ever_up;	      /* a session was established */
	uint64_t first_up_ms; /* the first handshake */
	uint64_t last_handshake_ms;
	uint64_t rtt_us;
	struct noise_assignment as; /* valid once ever_up */
	char peer[72];		    /* the path's name while open */
};

void client_state_init(struct client_state *cs, const char *noun,
		       const char *where, uint64_t now);
void client_state_path_open(struct client_state *cs, const char *name,
			    uint64_t now);
void client_state_path_lost(struct client_state *cs, const char *why,
			    uint64_t now);
void client_state_handshake(struct client_state *cs,
			    const struct noise_assignment *as, uint64_t rtt_us,
			    uint64_t now);
void client_state_heard(struct client_state *cs, uint64_t now);
void client_state_silent(struct client_state *cs, uint64_t now);
const char *client_state_name(enum client_state_id id);

#endif
