/* SPDX-License-Identifier: MIT */
/* ws_handshake.h - the client's side of the WebSocket opening handshake
 * (RFC 6455 4.1): the upgrade request, and the check of the answer
 */
#ifndef TETHER_WS_HANDSHAKE_H
#define TETHER_WS_HANDSHAKE_H

#include <stddef.h>

#define WS_KEY_LEN	24   /* base64 of 16 random bytes */
#define WS_RESPONSE_MAX 8192 /* longer response heads are refused */

void ws_handshake_key(char key[WS_KEY_LEN + 1]);
int ws_handshake_request(char *buf, size_t size, const char *host,
			 const char *path, const char *origin, const char *key);
long ws_handshake_response(const char *buf, size_t len, const char *key,
			   const char **why);

#endif
