/* SPDX-License-Identifier: MIT */
/* http_fuzz.c - libFuzzer harness: arbitrary bytes as an HTTP request
 *
 * The head is found the same whether the bytes come at once or in two
 * reads; a head that parses yields a path inside it that is a clean
 * origin-form path without its query.
 */
#include <string.h>

#include "fuzz.h"
#include "http_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so that reading past it is caught */
	char *buf = malloc(size ? size : 1);
	size_t end, half = size / 2, e;
	struct http_req r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	end = http_head_end(buf, 0, size);
	e = http_head_end(buf, 0, half);
	CHECK(e ? e == end : http_head_end(buf, half, size) == end);
	if (end && !http_req_parse(&r, buf, end)) {
		CHECK(r.path >= buf && r.path + r.path_len <= buf + end);
		CHECK(r.path_len >= 1 && r.path[0] == '/');
		for (size_t i = 0; i < r.path_len; i++)
			CHECK(r.path[i] > 0x20 && r.path[i] < 0x7f &&
			      r.path[i] != '?');
		CHECK(r.method <= HTTP_OTHER);
	}
	http_req_parse(&r, buf, size); /* not a head: must not crash */
	free(buf);
	return 0;
}
