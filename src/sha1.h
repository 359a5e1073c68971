/* SPDX-License-Identifier: MIT */
/* sha1.h - SHA-1 (RFC 3174), for the WebSocket handshake's accept check only
 *
 * SHA-1 is broken for collision resistance. It is here because RFC 6455
 * makes Sec-WebSocket-Accept the SHA-1 of the client's key and a fixed
 * GUID: a check that the server speaks WebSocket, not a secret or an
 * authentication (the tunnel inside is authenticated by Noise). libsodium,
 * tether's crypto library, has no SHA-1. Never use this for anything else.
 */
#ifndef TETHER_SHA1_H
#define TETHER_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_LEN 20

void sha1(const void *data, size_t len, uint8_t out[SHA1_LEN]);

#endif
