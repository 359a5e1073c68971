/* SPDX-License-Identifier: MIT */
/* ws_test.c - the WebSocket client's pure parts: SHA-1 (RFC 3174's test
 * vectors), the opening handshake (RFC 6455's example key) and frames
 *
 * Frames are checked whole and split at every byte (a frame is reported
 * only once it is all there), with each length encoding, the refusals
 * (masked by the server, reserved bits, unknown opcodes, text, bad control
 * frames, disordered continuations, oversize before the payload has even
 * arrived) and fragmented messages with a ping in the middle.
 */
#include <stdlib.h>
#include <string.h>

#include "sha1.h"
#include "tap.h"
#include "ws_frame.h"
#include "ws_handshake.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha1(void)
{
	static const struct {
		const char *in;
		size_t repeat;
		const char *want;
	} v[] = {
		/* RFC 3174 section 7.3, TEST1 to TEST4 */
		{"abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		 "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
		{"a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
		{"0123456701234567012345670123456701234567012345670123456701"
		 "234567",
		 10, "dea356a2cddd90c7a7ecedc5ebb563934f460452"},
		/* the padding's edges: empty, 55, 56 and 64 bytes */
		{"", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"x", 55, "cef734ba81a024479e09eb5a75b6ddae62e6abf1"},
		{"x", 56, "901305367c259952f4e7af8323f480d59f81335b"},
		{"x", 64, "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163"},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t l = strlen(v[i].in), n = l * v[i].repeat;
		char *buf = malloc(n + 1), got[41];
		uint8_t d[SHA1_LEN];

		for (size_t r = 0; r < v[i].repeat; r++)
			memcpy(buf + r * l, v[i].in, l);
		sha1(buf, n, d);
		hex(d, sizeof(d), got);
		is_str(got, v[i].want, "sha1: vector %zu (%zu bytes)", i, n);
		free(buf);
	}
}

static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";

/* A response head around @middle (header lines, CRLF each) */
static long response(const char *status, const char *middle, const char **why)
{
	static char buf[16384];

	snprintf(buf, sizeof(buf), "%s\r\n%s\r\n", status, middle);
	return ws_handshake_response(buf, strlen(buf), key, why);
}

#define GOOD_HEADERS                                                           \
	"Upgrade: websocket\r\nConnection: Upgrade\r\n"                        \
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"

static void test_handshake(void)
{
	char k[WS_KEY_LEN + 1], k2[WS_KEY_LEN + 1], req[1024], big[9000];
	const char *why = NULL;
	const char ok_head[] =
		"HTTP/1.1 101 Switching Protocols\r\n" GOOD_HEADERS
		"\r\n\x82\x01x";
	int n;

	ws_handshake_key(k);
	ws_handshake_key(k2);
	is(strlen(k), WS_KEY_LEN, "handshake: key is 24 base64 characters");
	ok(strcmp(k, k2), "handshake: keys differ");
	n = ws_handshake_request(req, sizeof(req), "198.51.100.1:8080",
				 "/websocket/", NULL, key);
	ok(n > 0 && strstr(req, "GET /websocket/ HTTP/1.1\r\n") == req &&
		   strstr(req, "\r\nHost: 198.51.100.1:8080\r\n") &&
		   strstr(req, "\r\nUpgrade: websocket\r\n") &&
		   strstr(req, "\r\nConnection: Upgrade\r\n") &&
		   strstr(req, "\r\nSec-WebSocket-Key: "
			       "dGhlIHNhbXBsZSBub25jZQ==\r\n") &&
		   strstr(req, "\r\nSec-WebSocket-Version: 13\r\n") &&
		   !strstr(req, "Origin") && !strcmp(req + n - 4, "\r\n\r\n"),
	   "handshake: request");
	n = ws_handshake_request(req, sizeof(req), "h:1", "/", "http://o", key);
	ok(n > 0 && strstr(req, "\r\nOrigin: http://o\r\n"),
	   "handshake: request with Origin");
	is(ws_handshake_request(req, sizeof(req), "h\r\nX: y", "/", NULL, key),
	   -1, "handshake: a line break in Host refused");
	is(ws_handshake_request(req, sizeof(req), "h", "/a b", NULL, key), -1,
	   "handshake: a space in the path refused");
	is(ws_handshake_request(req, 40, "h", "/", NULL, key), -1,
	   "handshake: a request that does not fit refused");

	is(ws_handshake_response(ok_head, sizeof(ok_head) - 1, key, &why),
	   (long)sizeof(ok_head) - 4,
	   "handshake: RFC 6455's example accepted; frames start after it");
	for (size_t i = 0; i < sizeof(ok_head) - 4; i++)
		if (ws_handshake_response(ok_head, i, key, &why)) {
			ok(0,
			   "handshake: incomplete head at %zu not waited for",
			   i);
			break;
		}
	is(response("HTTP/1.1 101",
		    "upgrade: WebSocket\nconnection: keep-alive, upgrade\n"
		    "sec-websocket-accept:s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  \n",
		    &why) > 0,
	   1, "handshake: case, bare LF, token lists, spaces accepted");
	is(response("HTTP/1.1 200 OK", GOOD_HEADERS, &why), -1,
	   "handshake: 200 refused");
	is(response("HTTP/1.0 101 x", GOOD_HEADERS, &why), -1,
	   "handshake: HTTP/1.0 refused");
	is(response("HTTP/1.1 1010", GOOD_HEADERS, &why), -1,
	   "handshake: status 1010 refused");
	is(response("HTTP/1.1 101",
		    "Upgrade: websocket\r\nConnection: Upgrade\r\n", &why),
	   -1, "handshake: missing accept refused");
	is(response("HTTP/1.1 101",
		    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n",
		    &why),
	   -1, "handshake: wrong accept refused");
	ok(why && strstr(why, "Accept"), "handshake: ... and says so (%s)",
	   why ? why : "");
	is(response("HTTP/1.1 101",
		    "Upgrade: h2c\r\nConnection: Upgrade\r\n"
		    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n",
		    &why),
	   -1, "handshake: Upgrade other than websocket refused");
	is(response("HTTP/1.1 101",
		    GOOD_HEADERS
		    "Sec-WebSocket-Extensions: permessage-deflate\r\n",
		    &why),
	   -1, "handshake: an extension not offered refused");
	is(response("HTTP/1.1 101",
		    GOOD_HEADERS "Sec-WebSocket-Protocol: chat\r\n", &why),
	   -1, "handshake: a subprotocol not offered refused");
	is(response("HTTP/1.1 101", GOOD_HEADERS " folded\r\n", &why), -1,
	   "handshake: folded line refused");
	is(response("HTTP/1.1 101", GOOD_HEADERS "X\r: y\r\n", &why), -1,
	   "handshake: stray CR refused");
	is(response("HTTP/1.1 101", GOOD_HEADERS "X : y\r\n", &why), -1,
	   "handshake: space before the colon refused");
	is(ws_handshake_response("\r\n", 2, key, &why), -1,
	   "handshake: empty head refused");
	memset(big, 'a', sizeof(big));
	is(ws_handshake_response(big, sizeof(big), key, &why), -1,
	   "handshake: endless head refused at 8 KiB");
}

static uint8_t *frame(uint8_t *p, uint8_t b0, const uint8_t *pl, size_t n)
{
	*p++ = b0;
	if (n < 126) {
		*p++ = (uint8_t)n;
	} else if (n <= 0xffff) {
		*p++ = 126;
		*p++ = (uint8_t)(n >> 8);
		*p++ = (uint8_t)n;
	} else {
		*p++ = 127;
		for (int i = 7; i >= 0; i--)
			*p++ = (uint8_t)((uint64_t)n >> (8 * i));
	}
	memcpy(p, pl, n);
	return p + n;
}

/* One frame alone: its result, checking that every prefix waits */
static long one(struct ws_rx *rx, uint8_t *buf, size_t len, struct ws_event *ev)
{
	for (size_t i = 0; i < len; i++) {
		long n = ws_rx_next(rx, buf, i, ev);

		if (n)
			return n < 0 ? n : -9999; /* whole too early */
	}
	return ws_rx_next(rx, buf, len, ev);
}

static void test_frames(void)
{
	static uint8_t pl[70000], buf[80000], msg[70000];
	static const size_t sizes[] = {0, 1, 125, 126, 65535, 65536, 69999};
	struct ws_rx rx;
	struct ws_event ev;
	uint8_t *p, mask[4] = {0x12, 0x34, 0x56, 0x78};
	long n;

	for (size_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 7 + 3);
	ws_rx_init(&rx, 69999, 4);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t s = sizes[i],
		       len = (size_t)(frame(buf, 0x82, pl, s) - buf);

		n = one(&rx, buf, len, &ev);
		ok(n == (long)len && ev.kind == WS_EV_MESSAGE && ev.len == s &&
			   ev.data == buf + len - s && !memcmp(ev.data, pl, s),
		   "frame: %zu-byte message, whole only, no copy", s);
	}
	/* what we send, read back: header and mask */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t s = sizes[i],
		       h = ws_frame_header(buf, WS_OP_BINARY, s, mask);

		ws_mask(buf + h, pl, s, mask);
		ws_mask(msg, buf + h, s, mask);
		ok(h == (s < 126     ? 6
			 : s < 65536 ? 8
				     : 14) &&
			   buf[0] == 0x82 && (buf[1] & 0x80) &&
			   !memcmp(buf + h - 4, mask, 4) &&
			   !memcmp(msg, pl, s) &&
			   (s < 8 || memcmp(buf + h, pl, s)),
		   "frame: sent %zu bytes: header %zu, masked, unmasks back", s,
		   h);
	}
	/* two frames in a row, then a partial third */
	p = frame(buf, 0x82, pl, 10);
	p = frame(p, 0x8a, pl, 3);
	p = frame(p, 0x82, pl, 300);
	n = ws_rx_next(&rx, buf, (size_t)(p - buf) - 1, &ev);
	is(n, 12, "frame: first of several");
	n += ws_rx_next(&rx, buf + n, (size_t)(p - buf) - 1 - (size_t)n, &ev);
	ok(n == 17 && ev.kind == WS_EV_PONG && ev.len == 3,
	   "frame: a pong next");
	is(ws_rx_next(&rx, buf + n, (size_t)(p - buf) - 1 - (size_t)n, &ev), 0,
	   "frame: the third waits for its last byte");

	/* refusals */
	struct {
		uint8_t b[12];
		size_t len;
		long want;
		const char *name;
	} bad[] = {
		{{0x82, 0x81, 1, 2, 3, 4, 'x'},
		 7,
		 -1002,
		 "masked by the server"},
		{{0xc2, 0x01, 'x'}, 3, -1002, "RSV1 without extension"},
		{{0xa2, 0x01, 'x'}, 3, -1002, "RSV2"},
		{{0x92, 0x01, 'x'}, 3, -1002, "RSV3"},
		{{0x83, 0x00}, 2, -1002, "opcode 3"},
		{{0x87, 0x00}, 2, -1002, "opcode 7"},
		{{0x8b, 0x00}, 2, -1002, "opcode 0xb"},
		{{0x8f, 0x00}, 2, -1002, "opcode 0xf"},
		{{0x81, 0x01, 'x'}, 3, -1003, "text"},
		{{0x09, 0x00}, 2, -1002, "fragmented ping"},
		{{0x89, 0x7e, 0x00, 0x7e}, 4, -1002, "126-byte ping"},
		{{0x88, 0x01, 0x03}, 3, -1002, "close with a 1-byte code"},
		{{0x88, 0x02, 0x03, 0xed}, 4, -1002, "close code 1005 sent"},
		{{0x88, 0x02, 0x03, 0xe7}, 4, -1002, "close code 999"},
		{{0x88, 0x02, 0x13, 0x88}, 4, -1002, "close code 5000"},
		{{0x80, 0x01, 'x'}, 3, -1002, "continuation out of a message"},
		{{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0},
		 10,
		 -1002,
		 "64-bit length with its top bit set"},
		{{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0x11, 0x70},
		 10,
		 -1009,
		 "70000 bytes: too big, refused from the header"},
		{{0x82, 0x7e, 0xff, 0xff},
		 4,
		 -1009,
		 "65535 bytes over a 60000 limit"},
	};
	ws_rx_free(&rx);
	ws_rx_init(&rx, 69999, 4);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ws_rx r2;

		ws_rx_init(&r2,
			   i == sizeof(bad) / sizeof(bad[0]) - 1 ? 60000
								 : 69999,
			   4);
		is(ws_rx_next(&r2, bad[i].b, bad[i].len, &ev), bad[i].want,
		   "frame: refused: %s", bad[i].name);
		ws_rx_free(&r2);
	}
	/* close frames */
	n = ws_rx_next(&rx, (uint8_t *)"\x88\x00", 2, &ev);
	ok(n == 2 && ev.kind == WS_EV_CLOSE && ev.code == 1005,
	   "frame: close without a code: 1005");
	n = ws_rx_next(&rx, (uint8_t *)"\x88\x04\x03\xe8ok", 6, &ev);
	ok(n == 6 && ev.kind == WS_EV_CLOSE && ev.code == 1000,
	   "frame: close 1000 with a reason");
	n = ws_rx_next(&rx, (uint8_t *)"\x89\x02hi", 4, &ev);
	ok(n == 4 && ev.kind == WS_EV_PING && ev.len == 2 &&
		   !memcmp(ev.data, "hi", 2),
	   "frame: ping with its payload");

	/* fragmented: 3 pieces with a ping between, assembled */
	p = frame(buf, 0x02, pl, 30000);
	p = frame(p, 0x89, pl, 5);
	p = frame(p, 0x00, pl + 30000, 30000);
	p = frame(p, 0x80, pl + 60000, 9999);
	{
		static const size_t flen[4] = {30004, 7, 30004, 10003};
		size_t off = 0;
		int events[4] = {-1, -1, -1, -1}, k = 0;

		while (k < 4) {
			n = one(&rx, buf + off, flen[k], &ev);
			if (n <= 0)
				break;
			events[k++] = ev.kind;
			off += (size_t)n;
		}
		ok(k == 4 && events[0] == WS_EV_NONE &&
			   events[1] == WS_EV_PING && events[2] == WS_EV_NONE &&
			   events[3] == WS_EV_MESSAGE && ev.len == 69999 &&
			   !memcmp(ev.data, pl, 69999),
		   "frame: fragmented message assembled around a ping");
	}
	p = frame(buf, 0x02, pl, 10);
	frame(p, 0x82, pl, 10);
	ok(ws_rx_next(&rx, buf, 12, &ev) == 12 &&
		   ws_rx_next(&rx, buf + 12, 12, &ev) == -1002,
	   "frame: a new message inside a fragmented one refused");
	ws_rx_free(&rx);
	ws_rx_init(&rx, 69999, 4);
	p = frame(buf, 0x02, pl, 40000);
	frame(p, 0x80, pl, 30000);
	ok(ws_rx_next(&rx, buf, 40004, &ev) == 40004 &&
		   ws_rx_next(&rx, buf + 40004, 30004, &ev) == -1009,
	   "frame: fragments adding up past the limit refused");
	ws_rx_free(&rx);
	ws_rx_init(&rx, 69999, 4);
	p = buf;
	p = frame(p, 0x02, pl, 1);
	for (int i = 0; i < 4; i++)
		p = frame(p, 0x00, pl, 1);
	n = 0;
	for (int i = 0; i < 5; i++) {
		long r = ws_rx_next(&rx, buf + 3 * i, 3, &ev);

		n = r;
		if (r < 0)
			break;
	}
	is(n, -1009, "frame: a fifth fragment over max_frags 4 refused");
	ws_rx_free(&rx);
}

int main(void)
{
	test_sha1();
	test_handshake();
	test_frames();
	return tap_done();
}
