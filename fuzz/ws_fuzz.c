/* SPDX-License-Identifier: MIT */
/* ws_fuzz.c - libFuzzer harness: what a WebSocket server sends the client
 *
 * The first input byte picks the parser: odd, the rest is the answer to
 * the opening handshake (for the fixed key of RFC 6455's example); even,
 * the rest is a stream of frames, parsed until it ends or is refused.
 * A head that is accepted lies within the input and is found the same
 * from any prefix that holds it. A frame is reported only once it is
 * wholly there (one byte less waits); what it yields lies in the input
 * or the assembly buffer and is never longer than the limit.
 */
#include <string.h>

#include "fuzz.h"
#include "ws_frame.h"
#include "ws_handshake.h"

#define MAX_MESSAGE 4096
#define MAX_FRAGS   8

static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";

static void response(const char *buf, size_t size)
{
	const char *why = NULL;
	long n = ws_handshake_response(buf, size, key, &why);

	CHECK(n >= -1 && n <= (long)size);
	CHECK(n != -1 || why);
	if (n > 0) {
		CHECK(buf[n - 1] == '\n');
		CHECK(ws_handshake_response(buf, (size_t)n, key, &why) == n);
		CHECK(!ws_handshake_response(buf, (size_t)n - 1, key, &why));
	}
}

static void frames(uint8_t *buf, size_t size)
{
	struct ws_rx rx;
	size_t off = 0;

	ws_rx_init(&rx, MAX_MESSAGE, MAX_FRAGS);
	while (off < size) {
		struct ws_event ev, ev2;
		struct ws_rx before = rx; /* a frame is taken whole or not */
		long n = ws_rx_next(&rx, buf + off, size - off, &ev);

		if (n <= 0) {
			CHECK(n == 0 || n == -1002 || n == -1003 || n == -1009);
			break;
		}
		CHECK((size_t)n <= size - off);
		CHECK(!ws_rx_next(&before, buf + off, (size_t)n - 1, &ev2));
		if (ev.kind == WS_EV_MESSAGE) {
			CHECK(ev.len <= MAX_MESSAGE);
			CHECK((ev.data >= buf + off &&
			       ev.data + ev.len <= buf + off + n) ||
			      (ev.data == rx.msg && ev.len <= rx.cap));
		}
		if (ev.kind == WS_EV_PING || ev.kind == WS_EV_PONG)
			CHECK(ev.len <= 125);
		off += (size_t)n;
	}
	ws_rx_free(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so that reading past it is caught */
	uint8_t *buf;

	if (!size)
		return 0;
	buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1)
		response((const char *)buf, size - 1);
	else
		frames(buf, size - 1);
	free(buf);
	return 0;
}
