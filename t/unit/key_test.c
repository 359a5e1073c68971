/* SPDX-License-Identifier: MIT */
/* key_test.c - key generation, public key derivation and base64 parsing */
#include <string.h>

#include <sodium.h>

#include "key.h"
#include "tap.h"

/* RFC 7748 section 6.1: Alice's key pair */
static const char alice_priv_hex[] =
	"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
static const char alice_pub_hex[] =
	"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

static void unhex(uint8_t *out, size_t len, const char *hex)
{
	sodium_hex2bin(out, len, hex, strlen(hex), NULL, NULL, NULL);
}

/* 40 base64 zeros: 30 bytes; the tests vary the last 4 characters */
#define A40 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

int main(void)
{
	uint8_t priv[KEY_LEN], pub[KEY_LEN], want[KEY_LEN], back[KEY_LEN];
	char b64[KEY_B64_LEN + 1], bad[64];
	int i, distinct = 1;

	if (sodium_init() < 0)
		return 1;

	unhex(priv, sizeof(priv), alice_priv_hex);
	unhex(want, sizeof(want), alice_pub_hex);
	is(key_public(pub, priv), 0, "key_public succeeds on RFC 7748 key");
	ok(!memcmp(pub, want, KEY_LEN), "key_public matches RFC 7748 6.1");

	key_generate(priv);
	ok((priv[0] & 7) == 0 && (priv[31] & 0xc0) == 0x40,
	   "key_generate clamps");
	for (i = 0; i < 100; i++) {
		key_generate(back);
		if (!memcmp(back, priv, KEY_LEN))
			distinct = 0;
	}
	ok(distinct, "100 generated keys differ from the first");

	key_to_base64(b64, priv);
	is(strlen(b64), KEY_B64_LEN, "base64 is 44 characters");
	is(b64[43], '=', "base64 ends with '='");
	is(key_from_base64(back, b64), 0, "base64 round trip parses");
	ok(!memcmp(back, priv, KEY_LEN), "base64 round trip is identical");

	/* a key wg(8) would print for 32 zero bytes, and its neighbours */
	memset(priv, 0, sizeof(priv));
	key_to_base64(b64, priv);
	is_str(b64, A40 "AAA=", "zero key encodes as wg does");
	memset(back, 0xff, sizeof(back));
	is(key_from_base64(back, A40 "AAB="), -1,
	   "non-canonical last character (stray low bits) is rejected");
	ok(back[0] == 0xff, "rejected parse leaves the key untouched");
	is(key_from_base64(back, A40 "AAE="), 0, "canonical neighbour parses");
	is(back[31], 1, "and decodes to ...01");
	is(key_from_base64(back, A40 "AAA"), -1, "43 characters are rejected");
	is(key_from_base64(back, A40 "AAA=="), -1,
	   "45 characters are rejected");
	is(key_from_base64(back, A40 "AA=="), -1,
	   "two padding characters (31 bytes) are rejected");
	is(key_from_base64(back, A40 "AAAA"), -1, "no padding is rejected");
	is(key_from_base64(back, A40 "!AA="), -1, "'!' is rejected");
	is(key_from_base64(back, A40 "-AA="), -1, "URL-safe '-' is rejected");
	is(key_from_base64(back, " " A40 "AA="), -1,
	   "leading space is rejected");
	is(key_from_base64(back, A40 "AAA=\n"), -1,
	   "trailing newline is rejected");
	is(key_from_base64(back, ""), -1, "empty string is rejected");
	is(key_from_base64(back, NULL), -1, "NULL is rejected");
	memset(bad, 'A', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = 0;
	is(key_from_base64(back, bad), -1, "63 characters are rejected");
	is(key_from_base64(back, A40 "AA=A"), -1,
	   "padding in the middle is rejected");
	is(key_from_base64(back, A40 "AAA="), 0, "canonical zero key parses");
	return tap_done();
}
