/* SPDX-License-Identifier: MIT */
/* ws_frame.c - RFC 6455 frames, client side (see ws_frame.h)
 *
 * Strict: a server's frames must not be masked (5.1), reserved bits need
 * an extension and none is negotiated (5.2), control frames are final and
 * at most 125 bytes (5.5), a 64-bit length has its top bit clear (5.2),
 * continuations come only inside a fragmented message and data frames
 * only outside one (5.4). Text is refused (1003): the tunnel is binary.
 * Every length is checked against max_message before the frame is waited
 * for, so the caller's buffer never needs more than max_message +
 * WS_HEADER_MAX bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "ws_frame.h"

/**
 * ws_rx_init() - receive state for one connection
 * @rx:		the state
 * @max_message:	larger messages (whole or assembled) are refused
 * @max_frags:	messages in more frames are refused
 */
void ws_rx_init(struct ws_rx *rx, size_t max_message, unsigned max_frags)
{
	memset(rx, 0, sizeof(*rx));
	rx->max_message = max_message;
	rx->max_frags = max_frags;
}

void ws_rx_free(struct ws_rx *rx)
{
	free(rx->msg);
	rx->msg = NULL;
	rx->len = rx->cap = 0;
	rx->frags = 0;
}

/* Append a fragment; the total was checked against max_message */
static int append(struct ws_rx *rx, const uint8_t *p, size_t n)
{
	if (!n)
		return 0;
	if (rx->len + n > rx->cap) {
		size_t cap = rx->cap ? rx->cap : 65536;
		uint8_t *m;

		while (cap < rx->len + n)
			cap *= 2;
		if (cap > rx->max_message)
			cap = rx->max_message;
		m = realloc(rx->msg, cap);
		if (!m)
			return -1;
		rx->msg = m;
		rx->cap = cap;
	}
	memcpy(rx->msg + rx->len, p, n);
	rx->len += n;
	return 0;
}

/* A close frame's payload: its status code, or a protocol error */
static long close_code(const uint8_t *p, size_t n, struct ws_event *ev)
{
	unsigned code;

	ev->kind = WS_EV_CLOSE;
	if (!n) {
		ev->code = WS_CLOSE_NO_STATUS;
		return 0;
	}
	if (n == 1)
		return -WS_CLOSE_PROTOCOL;
	code = (unsigned)p[0] << 8 | p[1];
	/* 7.4.1 and 7.4.2: the codes an endpoint may send */
	if (!((code >= 1000 && code <= 1003) ||
	      (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)))
		return -WS_CLOSE_PROTOCOL;
	ev->code = (uint16_t)code;
	return 0;
}

/* A data frame's payload: a whole message, or a fragment kept */
static long data_frame(struct ws_rx *rx, bool fin, unsigned op, uint8_t *p,
		       size_t n, struct ws_event *ev)
{
	if (op == WS_OP_BINARY && fin) {
		ev->kind = WS_EV_MESSAGE;
		ev->data = p;
		ev->len = n;
		return 0;
	}
	if (op == WS_OP_BINARY)
		rx->len = 0;
	if (++rx->frags > rx->max_frags || rx->len + n > rx->max_message)
		return -WS_CLOSE_TOO_BIG;
	if (append(rx, p, n))
		return -WS_CLOSE_TOO_BIG;
	if (!fin)
		return 0;
	rx->frags = 0;
	ev->kind = WS_EV_MESSAGE;
	ev->data = rx->msg ? rx->msg : p; /* empty pieces allocate nothing */
	ev->len = rx->len;
	return 0;
}

/* The header's opcode and flags, checked; 0 or a negative close code */
static long check_header(const struct ws_rx *rx, uint8_t b0, uint8_t b1)
{
	unsigned op = b0 & 0x0f;
	bool fin = b0 & 0x80;

	if (b0 & 0x70 || b1 & 0x80)
		return -WS_CLOSE_PROTOCOL; /* reserved bits; masked by server */
	switch (op) {
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		return fin && (b1 & 0x7f) <= 125 ? 0 : -WS_CLOSE_PROTOCOL;
	case WS_OP_TEXT:
		return -WS_CLOSE_UNSUPPORTED;
	case WS_OP_BINARY:
		return rx->frags ? -WS_CLOSE_PROTOCOL : 0;
	case WS_OP_CONT:
		return rx->frags ? 0 : -WS_CLOSE_PROTOCOL;
	default:
		return -WS_CLOSE_PROTOCOL;
	}
}

/**
 * ws_rx_next() - the next frame in a buffer of received bytes
 * @rx:		receive state
 * @buf:	bytes received and not consumed yet, starting at a frame
 * @len:	their count
 * @ev:		filled when a frame was consumed
 *
 * Return: the bytes of the frame consumed (@ev says what it was); 0 if the
 * frame has not wholly arrived yet; or a negative close code (-1002
 * protocol error, -1003 text, -1009 too big) after which the connection
 * must be closed
 */
long ws_rx_next(struct ws_rx *rx, uint8_t *buf, size_t len, struct ws_event *ev)
{
	size_t hlen = 2;
	uint64_t plen;
	unsigned op;
	long ret;

	if (len < 2)
		return 0;
	ret = check_header(rx, buf[0], buf[1]);
	if (ret)
		return ret;
	op = buf[0] & 0x0f;
	plen = buf[1] & 0x7f;
	if (plen == 126) {
		hlen = 4;
		if (len < hlen)
			return 0;
		plen = (uint64_t)buf[2] << 8 | buf[3];
	} else if (plen == 127) {
		hlen = 10;
		if (len < hlen)
			return 0;
		plen = 0;
		for (int i = 2; i < 10; i++)
			plen = plen << 8 | buf[i];
		if (plen >> 63)
			return -WS_CLOSE_PROTOCOL;
	}
	if (plen > rx->max_message)
		return -WS_CLOSE_TOO_BIG;
	if (len - hlen < plen)
		return 0;
	memset(ev, 0, sizeof(*ev));
	switch (op) {
	case WS_OP_CLOSE:
		ret = close_code(buf + hlen, (size_t)plen, ev);
		break;
	case WS_OP_PING:
	case WS_OP_PONG:
		ev->kind = op == WS_OP_PING ? WS_EV_PING : WS_EV_PONG;
		ev->data = buf + hlen;
		ev->len = (size_t)plen;
		break;
	default:
		ret = data_frame(rx, buf[0] & 0x80, op, buf + hlen,
				 (size_t)plen, ev);
	}
	return ret ? ret : (long)(hlen + plen);
}

/**
 * ws_frame_header() - the header of a final frame, client to server
 * @hdr:	at least WS_HEADER_MAX bytes
 * @op:		opcode
 * @len:	payload length
 * @mask:	the frame's masking key (RFC 6455 5.3: fresh and random)
 *
 * Return: the header's length
 */
size_t ws_frame_header(uint8_t *hdr, enum ws_opcode op, size_t len,
		       const uint8_t mask[4])
{
	size_t n = 2;

	hdr[0] = 0x80 | (uint8_t)op;
	if (len < 126) {
		hdr[1] = 0x80 | (uint8_t)len;
	} else if (len <= 0xffff) {
		hdr[1] = 0x80 | 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		n = 4;
	} else {
		hdr[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			hdr[9 - i] = (uint8_t)((uint64_t)len >> (8 * i));
		n = 10;
	}
	memcpy(hdr + n, mask, 4);
	return n + 4;
}

/**
 * ws_mask() - copy a payload, masked (RFC 6455 5.3)
 * @dst:	destination, @len bytes (may be @src)
 * @src:	payload
 * @len:	its length
 * @mask:	the frame's masking key
 */
void ws_mask(uint8_t *dst, const uint8_t *src, size_t len,
	     const uint8_t mask[4])
{
	uint64_t m8, w;
	size_t i = 0;

	/* eight bytes at a time: the key repeated, same byte order */
	for (int k = 0; k < 8; k++)
		((uint8_t *)&m8)[k] = mask[k & 3];
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, src + i, 8);
		w ^= m8;
		memcpy(dst + i, &w, 8);
	}
	for (; i < len; i++)
		dst[i] = src[i] ^ mask[i & 3];
}
