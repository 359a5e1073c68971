/* SPDX-License-Identifier: MIT */
/* key.c - X25519 static keys: generate, derive public, base64 in and out
 *
 * Keys are written the way wg(8) writes them: 32 bytes as standard base64
 * with padding, 44 characters. Decoding accepts only that canonical form,
 * so one key has exactly one spelling in a config file: libsodium 1.0.18
 * ignores stray low bits in the last character, so the decoded key is
 * encoded again and compared. libsodium's codec and sodium_memcmp() run in
 * constant time, which matters because private keys go through them.
 */
#include <string.h>

#include <sodium.h>

#include "key.h"

static void key_clamp(uint8_t k[KEY_LEN])
{
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
}

/**
 * key_generate() - make a new X25519 private key
 * @priv:	receives 32 random bytes, clamped as RFC 7748 describes
 */
void key_generate(uint8_t priv[KEY_LEN])
{
	randombytes_buf(priv, KEY_LEN);
	key_clamp(priv);
}

/**
 * key_public() - compute the X25519 public key of a private key
 * @pub:	receives the public key
 * @priv:	private key (clamped or not; X25519 clamps it anyway)
 *
 * Return: 0, or -1 if the result is the all-zero point (never for a key
 * from key_generate()); @pub is then zeroed.
 */
int key_public(uint8_t pub[KEY_LEN], const uint8_t priv[KEY_LEN])
{
	uint8_t k[KEY_LEN];
	int ret = 0;

	memcpy(k, priv, KEY_LEN);
	key_clamp(k);
	if (crypto_scalarmult_base(pub, k) || sodium_is_zero(pub, KEY_LEN)) {
		memset(pub, 0, KEY_LEN);
		ret = -1;
	}
	sodium_memzero(k, sizeof(k));
	return ret;
}

/**
 * key_to_base64() - write a key as 44 base64 characters
 * @out:	receives the characters and a terminating NUL
 * @key:	the 32-byte key
 */
void key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[KEY_LEN])
{
	sodium_bin2base64(out, KEY_B64_LEN + 1, key, KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
}

/**
 * key_from_base64() - parse a key written as 44 base64 characters
 * @key:	receives the 32-byte key; untouched on error
 * @b64:	NUL-terminated string; no whitespace is allowed around it
 *
 * Return: 0, or -1 if @b64 is not exactly 44 characters of the standard
 * alphabet ending in '=' that decode canonically to 32 bytes.
 */
int key_from_base64(uint8_t key[KEY_LEN], const char *b64)
{
	char again[KEY_B64_LEN + 1];
	uint8_t k[KEY_LEN];
	const char *end = NULL;
	size_t n = 0;
	int ret = -1;

	if (!b64 || strnlen(b64, KEY_B64_LEN + 1) != KEY_B64_LEN ||
	    b64[KEY_B64_LEN - 1] != '=')
		return -1;
	if (sodium_base642bin(k, sizeof(k), b64, KEY_B64_LEN, NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) == 0 &&
	    n == KEY_LEN && end == b64 + KEY_B64_LEN) {
		key_to_base64(again, k);
		if (sodium_memcmp(again, b64, KEY_B64_LEN) == 0) {
			memcpy(key, k, KEY_LEN);
			ret = 0;
		}
	}
	sodium_memzero(k, sizeof(k));
	sodium_memzero(again, sizeof(again));
	return ret;
}
