/* SPDX-License-Identifier: MIT */
/* client_state_test.c - the client's states follow its events
 *
 * Every transition is counted (and logged) once; events that change
 * nothing, like a rekey while up, leave the count alone. The log lines
 * themselves are checked end to end by t/e2e/status.sh.
 */
#include <arpa/inet.h>

#include "client_state.h"
#include "log.h"
#include "tap.h"

static struct client_state cs;
static struct noise_assignment as = {.prefix = 24, .mtu = 1380};

/* The state is @want after @changes transitions, entered at @since */
static void expect(enum client_state_id want, uint64_t changes, uint64_t since,
		   const char *after)
{
	is_str(client_state_name(cs.id), client_state_name(want),
	       "after %s: %s", after, client_state_name(want));
	if (cs.changes != changes || cs.since_ms != since)
		printf("#   %llu changes, since %llu\n",
		       (unsigned long long)cs.changes,
		       (unsigned long long)cs.since_ms);
	ok(cs.changes == changes && cs.since_ms == since,
	   "  %llu changes, since %llu", (unsigned long long)changes,
	   (unsigned long long)since);
}

static void test_phone_comes_and_goes(void)
{
	client_state_init(&cs, "phone", "http://169.254.134.89:6354/", 10);
	expect(CLIENT_WAITING, 0, 10, "start");
	client_state_silent(&cs, 20);
	expect(CLIENT_WAITING, 0, 10, "silence before any session");
	client_state_path_open(&cs, "169.254.1.2:40000", 100);
	expect(CLIENT_HANDSHAKING, 1, 100, "the phone connects");
	is_str(cs.peer, "169.254.1.2:40000", "  the phone is named");
	client_state_path_lost(&cs, "closed", 150);
	expect(CLIENT_WAITING, 2, 150, "it goes before the handshake");
	client_state_path_open(&cs, "169.254.1.2:40001", 200);
	client_state_handshake(&cs, &as, 1234, 250);
	expect(CLIENT_UP, 4, 250, "a phone and a handshake");
	ok(cs.ever_up && cs.first_up_ms == 250 && cs.rtt_us == 1234 &&
		   cs.as.mtu == 1380,
	   "  the session, its round trip and assignment are kept");
	client_state_handshake(&cs, &as, 999, 400);
	client_state_heard(&cs, 410);
	expect(CLIENT_UP, 4, 250, "a rekey and data while up");
	ok(cs.first_up_ms == 250 && cs.last_handshake_ms == 400 &&
		   cs.rtt_us == 999,
	   "  the rekey updates the last handshake and round trip only");
	client_state_path_lost(&cs, "closed", 500);
	expect(CLIENT_RECONNECTING, 5, 500, "the phone goes");
	ok(!cs.peer[0], "  no phone named");
	client_state_silent(&cs, 530);
	client_state_heard(&cs, 540); /* in flight from the old path */
	expect(CLIENT_RECONNECTING, 5, 500, "silence, stray data, no phone");
	client_state_path_open(&cs, "169.254.1.2:40002", 600);
	expect(CLIENT_HANDSHAKING, 6, 600, "the phone is back");
	client_state_heard(&cs, 650);
	expect(CLIENT_UP, 7, 650, "data under the old keys");
	client_state_handshake(&cs, &as, 800, 700);
	expect(CLIENT_UP, 7, 650, "then the handshake");
}

static void test_server_silent(void)
{
	client_state_silent(&cs, 1000);
	expect(CLIENT_RECONNECTING, 8, 1000, "the server goes silent");
	client_state_silent(&cs, 1100);
	expect(CLIENT_RECONNECTING, 8, 1000, "silent again");
	client_state_heard(&cs, 1200);
	expect(CLIENT_UP, 9, 1200, "the server is heard again");
	client_state_silent(&cs, 1300);
	client_state_path_open(&cs, "169.254.1.3:50000", 1400);
	expect(CLIENT_HANDSHAKING, 11, 1400,
	       "silent, then a new phone replaces the old");
	client_state_handshake(&cs, &as, 500, 1500);
	expect(CLIENT_UP, 12, 1500, "its handshake");
	client_state_path_open(&cs, "169.254.1.4:50000", 1600);
	expect(CLIENT_HANDSHAKING, 13, 1600, "another phone while up");
}

int main(void)
{
	log_set_level(LOG_LEVEL_SILENT);
	as.addr.s_addr = htonl(0x0a4d0002);
	test_phone_comes_and_goes();
	test_server_silent();
	return tap_done();
}
