/* SPDX-License-Identifier: MIT */
/* ws_frame.h - RFC 6455 frames, client side: parse what a server sends,
 * write what a client sends
 *
 * No I/O: the caller reads bytes into a buffer and asks ws_rx_next() for
 * the next event in it. A frame is parsed only once it is wholly in the
 * buffer, so its payload is handed over as one piece (no copy for a
 * message in one frame). Fragmented messages are assembled here, up to
 * max_message bytes in at most max_frags frames.
 */
#ifndef TETHER_WS_FRAME_H
#define TETHER_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_HEADER_MAX 14 /* 2 + 8 (64-bit length) + 4 (mask) */

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Close codes (RFC 6455 7.4.1) this side sends */
enum {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_NO_STATUS = 1005, /* received close without a code */
	WS_CLOSE_TOO_BIG = 1009,
};

enum ws_event_kind {
	WS_EV_NONE,    /* a fragment, kept: nothing to do yet */
	WS_EV_MESSAGE, /* a whole binary message */
	WS_EV_PING,
	WS_EV_PONG,
	WS_EV_CLOSE,
};

/**
 * struct ws_event - what one frame amounted to
 * @kind:	see enum ws_event_kind
 * @data:	message or control payload: points into the caller's buffer
 *		or into the assembly buffer; valid until the next call
 * @len:	its length
 * @code:	WS_EV_CLOSE: the peer's status code (WS_CLOSE_NO_STATUS when
 *		it sent none)
 */
struct ws_event {
	enum ws_event_kind kind;
	uint8_t *data;
	size_t len;
	uint16_t code;
};

/* Receive state: a fragmented message being assembled */
struct ws_rx {
	size_t max_message;
	unsigned max_frags;
	uint8_t *msg;
	size_t len, cap;
	unsigned frags; /* 0: no fragmented message under way */
};

void ws_rx_init(struct ws_rx *rx, size_t max_message, unsigned max_frags);
void ws_rx_free(struct ws_rx *rx);
long ws_rx_next(struct ws_rx *rx, uint8_t *buf, size_t len,
		struct ws_event *ev);
size_t ws_frame_header(uint8_t *hdr, enum ws_opcode op, size_t len,
		       const uint8_t mask[4]);
void ws_mask(uint8_t *dst, const uint8_t *src, size_t len,
	     const uint8_t mask[4]);

#endif
