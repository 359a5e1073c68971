/* SPDX-License-Identifier: MIT */
/* ws_handshake.c - the client's side of the WebSocket opening handshake
 *
 * The request is what a browser sends, minus cookies and extensions: no
 * subprotocol, no permessage-deflate. The response must be HTTP/1.1 101
 * with Upgrade: websocket, Connection: upgrade and the Sec-WebSocket-Accept
 * that RFC 6455 4.2.2 derives from our key (SHA-1, see sha1.h); a server
 * that picks an extension or a subprotocol we did not offer is refused
 * (4.1, points 5 and 6). Header lines end in CRLF or a bare LF; folded or
 * malformed lines are refused.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_req.h"
#include "sha1.h"
#include "ws_handshake.h"

static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* A fresh Sec-WebSocket-Key: 16 random bytes, base64 */
void ws_handshake_key(char key[WS_KEY_LEN + 1])
{
	uint8_t raw[16];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(key, WS_KEY_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_ORIGINAL);
}

/**
 * ws_handshake_request() - the upgrade request
 * @buf:	where to write it
 * @size:	its size
 * @host:	the Host header's value ("name:port", IPv6 in brackets)
 * @path:	the request target, starting with '/'
 * @origin:	the Origin header's value, or NULL for none
 * @key:	from ws_handshake_key()
 *
 * Return: the request's length, or -1 if it does not fit or a value holds
 * a line break
 */
int ws_handshake_request(char *buf, size_t size, const char *host,
			 const char *path, const char *origin, const char *key)
{
	int n;

	if (strpbrk(host, "\r\n") || strpbrk(path, "\r\n ") ||
	    (origin && strpbrk(origin, "\r\n")))
		return -1;
	n = snprintf(buf, size,
		     "GET %s HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Key: %s\r\n"
		     "Sec-WebSocket-Version: 13\r\n"
		     "%s%s%s"
		     "\r\n",
		     path, host, key, origin ? "Origin: " : "",
		     origin ? origin : "", origin ? "\r\n" : "");
	return n > 0 && (size_t)n < size ? n : -1;
}

/* Does the comma-separated @v (@n bytes) hold the token @tok? */
static bool has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);

	while (n) {
		size_t l = 0, e;

		while (n && (*v == ' ' || *v == '\t' || *v == ',')) {
			v++;
			n--;
		}
		while (l < n && v[l] != ',')
			l++;
		e = l;
		while (e && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e == tl && !strncasecmp(v, tok, tl))
			return true;
		v += l;
		n -= l;
	}
	return false;
}

/* The status line: "HTTP/1.1 101" then a space or the line's end */
static bool status_ok(const char *l, size_t n, const char **why)
{
	if (n < 12 || memcmp(l, "HTTP/1.1 ", 9)) {
		*why = "not an HTTP/1.1 response";
		return false;
	}
	if (memcmp(l + 9, "101", 3) || (n > 12 && l[12] != ' ')) {
		*why = "the server did not switch protocols (HTTP status "
		       "other than 101)";
		return false;
	}
	return true;
}

struct seen {
	bool upgrade, connection, accept;
};

/* One header line; false (with @why) if it makes the response bad */
static bool header(const char *l, size_t n, const char *accept, struct seen *s,
		   const char **why)
{
	const char *colon = memchr(l, ':', n), *v;
	size_t name, vn;

	if (!colon || colon == l || *l == ' ' || *l == '\t') {
		*why = "malformed header line";
		return false;
	}
	name = (size_t)(colon - l);
	if (memchr(l, ' ', name) || memchr(l, '\t', name)) {
		*why = "malformed header line";
		return false;
	}
	v = colon + 1;
	vn = n - name - 1;
	while (vn && (*v == ' ' || *v == '\t')) {
		v++;
		vn--;
	}
	while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	for (size_t i = 0; i < vn; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t') {
			*why = "control byte in a header";
			return false;
		}
#define IS(h) (name == sizeof(h) - 1 && !strncasecmp(l, h, name))
	if (IS("Upgrade"))
		s->upgrade |= has_token(v, vn, "websocket");
	else if (IS("Connection"))
		s->connection |= has_token(v, vn, "upgrade");
	else if (IS("Sec-WebSocket-Accept"))
		s->accept |= vn == strlen(accept) && !memcmp(v, accept, vn);
	else if (IS("Sec-WebSocket-Extensions") ||
		 IS("Sec-WebSocket-Protocol")) {
		*why = "the server chose an extension or subprotocol not "
		       "offered";
		return false;
	}
#undef IS
	return true;
}

/**
 * ws_handshake_response() - check the server's answer to the upgrade
 * @buf:	bytes received so far (frames may follow the head)
 * @len:	their count
 * @key:	the Sec-WebSocket-Key that was sent
 * @why:	set when the answer is refused
 *
 * Return: the length of the response head (the frames start there) when
 * it is complete and accepts the upgrade; 0 if more bytes are needed;
 * -1 if refused (@why says why)
 */
long ws_handshake_response(const char *buf, size_t len, const char *key,
			   const char **why)
{
	char cat[WS_KEY_LEN + sizeof(guid)], accept[32];
	uint8_t digest[SHA1_LEN];
	struct seen s = {false, false, false};
	size_t end = http_head_end(buf, 0, len), pos = 0;
	bool first = true;

	if (!end) {
		if (len < WS_RESPONSE_MAX)
			return 0;
		*why = "response head too long";
		return -1;
	}
	if (end > WS_RESPONSE_MAX) {
		*why = "response head too long";
		return -1;
	}
	snprintf(cat, sizeof(cat), "%s%s", key, guid);
	sha1(cat, strlen(cat), digest);
	sodium_bin2base64(accept, sizeof(accept), digest, sizeof(digest),
			  sodium_base64_VARIANT_ORIGINAL);
	while (pos < end) {
		const char *l = buf + pos, *nl = memchr(l, '\n', end - pos);
		size_t n = (size_t)(nl - l);

		pos += n + 1;
		if (n && l[n - 1] == '\r')
			n--;
		if (!n)
			break; /* the empty line that ends the head */
		if (memchr(l, '\r', n) || memchr(l, '\0', n)) {
			*why = "stray byte in the response head";
			return -1;
		}
		if (first ? !status_ok(l, n, why)
			  : !header(l, n, accept, &s, why))
			return -1;
		first = false;
	}
	if (first) {
		*why = "not an HTTP/1.1 response";
		return -1;
	}
	if (!s.upgrade || !s.connection) {
		*why = "no Upgrade: websocket and Connection: upgrade";
		return -1;
	}
	if (!s.accept) {
		*why = "wrong or missing Sec-WebSocket-Accept";
		return -1;
	}
	return (long)end;
}
