/* SPDX-License-Identifier: MIT */
/* client_state.c - the client's state, as its log and status tell it
 *
 * The role reports events (a path opened or was lost, a handshake
 * completed, a message from the server authenticated, the server went
 * silent); each updates a few facts, and the state is a function of them:
 *
 *   no path,  never up               waiting       (for the phone)
 *   no path,  a session before       reconnecting  (phone lost)
 *   path,     server not heard on it handshaking   (phone connected)
 *   path,     heard, then silent     reconnecting  (server silent)
 *   path,     heard                  up            (session up)
 *
 * so the state cannot disagree with what happened. The server is heard
 * on a path by a handshake response, or by data under the session's keys:
 * a new path resumes the session with a handshake, but data keeps
 * flowing under the current keys even if that handshake is lost. Each
 * change of state is logged once, at info level, with the event that
 * caused it; events that change nothing (a rekey while up, every data
 * message) log nothing.
 */
#include <stdio.h>
#include <string.h>

#include "client_state.h"
#include "log.h"

static const char *const names[CLIENT_STATE__COUNT] = {
	[CLIENT_WAITING] = "waiting",
	[CLIENT_HANDSHAKING] = "handshaking",
	[CLIENT_UP] = "up",
	[CLIENT_RECONNECTING] = "reconnecting",
};

const char *client_state_name(enum client_state_id id)
{
	return id < CLIENT_STATE__COUNT ? names[id] : "?";
}

static enum client_state_id derive(const struct client_state *cs)
{
	if (!cs->path)
		return cs->ever_up ? CLIENT_RECONNECTING : CLIENT_WAITING;
	if (!cs->confirmed)
		return CLIENT_HANDSHAKING;
	return cs->silent ? CLIENT_RECONNECTING : CLIENT_UP;
}

/* Move to the state the facts now imply; log it, with @why, if new */
static void update(struct client_state *cs, const char *why, uint64_t now)
{
	enum client_state_id id = derive(cs);

	if (id == cs->id)
		return;
	cs->id = id;
	cs->since_ms = now;
	cs->changes++;
	log_info("client: state %s: %s", names[id], why);
}

/**
 * client_state_init() - start waiting for the path
 * @cs:		state
 * @noun:	what the path is, for the log ("phone"); kept
 * @where:	where it is expected (a URL), for the log
 * @now:	event loop time, ms
 */
void client_state_init(struct client_state *cs, const char *noun,
		       const char *where, uint64_t now)
{
	memset(cs, 0, sizeof(*cs));
	cs->noun = noun;
	cs->id = CLIENT_WAITING;
	cs->since_ms = now;
	log_info("client: state %s: waiting for the %s (%s)",
		 names[CLIENT_WAITING], noun, where);
}

/* A path (a new one replaces the old): handshaking on it */
void client_state_path_open(struct client_state *cs, const char *name,
			    uint64_t now)
{
	char why[128];

	snprintf(cs->peer, sizeof(cs->peer), "%s", name);
	cs->path = true;
	cs->confirmed = false;
	cs->silent = false; /* a new path: the server gets a new chance */
	snprintf(why, sizeof(why), "%s %s connected, handshaking", cs->noun,
		 name);
	update(cs, why, now);
}

/* The path is gone, for reason @why; the session is kept */
void client_state_path_lost(struct client_state *cs, const char *why,
			    uint64_t now)
{
	char line[192];

	snprintf(line, sizeof(line), "%s %s lost (%s)%s", cs->noun, cs->peer,
		 why, cs->ever_up ? "; session kept" : "");
	cs->path = false;
	cs->confirmed = false;
	cs->peer[0] = '\0';
	update(cs, line, now);
}

/**
 * client_state_handshake() - a handshake completed (the first, or a rekey)
 * @cs:		state
 * @as:		the server's assignment
 * @rtt_us:	initiation sent to response received, microseconds
 * @now:	event loop time, ms
 */
void client_state_handshake(struct client_state *cs,
			    const struct noise_assignment *as, uint64_t rtt_us,
			    uint64_t now)
{
	char why[160];

	if (!cs->ever_up)
		cs->first_up_ms = now;
	cs->ever_up = true;
	cs->as = *as;
	cs->rtt_us = rtt_us;
	cs->last_handshake_ms = now;
	cs->confirmed = cs->path;
	cs->silent = false;
	snprintf(why, sizeof(why), "session up via %s, round trip %.1f ms",
		 cs->peer, (double)rtt_us / 1000);
	update(cs, why, now);
}

/* A data message from the server authenticated: it is heard on the path */
void client_state_heard(struct client_state *cs, uint64_t now)
{
	char why[128];

	if (cs->confirmed && !cs->silent)
		return; /* up already: the common case, per message */
	cs->confirmed = cs->path;
	cs->silent = false;
	snprintf(why, sizeof(why), "the server is heard via %s", cs->peer);
	update(cs, why, now);
}

/* Nothing authenticated came from the server for the dead-path time */
void client_state_silent(struct client_state *cs, uint64_t now)
{
	cs->silent = true;
	update(cs, "nothing heard from the server; session kept", now);
}
