/* SPDX-License-Identifier: MIT */
/* key.h - X25519 static keys: generate, derive public, base64 in and out */
#ifndef TETHER_KEY_H
#define TETHER_KEY_H

#include <stdint.h>

#define KEY_LEN	    32
#define KEY_B64_LEN 44 /* characters, without the terminating NUL */

void key_generate(uint8_t priv[KEY_LEN]);
int key_public(uint8_t pub[KEY_LEN], const uint8_t priv[KEY_LEN]);
void key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN]);
int key_from_base64(uint8_t key[KEY_LEN], const char *b64);

#endif
