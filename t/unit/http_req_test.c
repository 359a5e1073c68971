/* SPDX-License-Identifier: MIT */
/* http_req_test.c - finding and parsing an HTTP/1.x request head */
#include <string.h>

#include "http_req.h"
#include "tap.h"

/* Parse @s as a whole head; Return: as http_req_parse() */
static int parse(struct http_req *r, const char *s)
{
	return http_req_parse(r, s, strlen(s));
}

static void test_head_end(void)
{
	const char *h = "GET / HTTP/1.1\r\nHost: a\r\n\r\nextra";
	size_t want = strlen(h) - 5, got = 0;

	is(http_head_end(h, 0, strlen(h)), want,
	   "CRLF head ends at its empty line");
	is(http_head_end("GET / HTTP/1.0\n\nx", 0, 17), 16,
	   "bare LF ends a head too");
	is(http_head_end("GET / HTTP/1.0\r\nA: b\r\n", 0, 22), 0,
	   "no empty line yet: incomplete");
	is(http_head_end("\r\n", 0, 2), 2,
	   "an empty first line is a head (malformed)");
	/* one byte at a time, each call searching only the new byte */
	for (size_t i = 0; i < strlen(h) && !got; i++)
		got = http_head_end(h, i, i + 1);
	is(got, want, "found when it trickles in a byte at a time");
}

static void test_good(void)
{
	struct http_req r;

	ok(!parse(&r, "GET /status HTTP/1.1\r\nHost: 127.0.0.1:6355\r\n"
		      "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"),
	   "curl's request parses");
	ok(r.method == HTTP_GET && r.path_len == 7 &&
		   !memcmp(r.path, "/status", 7) && r.host_local,
	   "GET /status, host local");
	ok(!parse(&r, "HEAD /status?x=1 HTTP/1.0\n\n"),
	   "HTTP/1.0 without Host, bare LFs");
	ok(r.method == HTTP_HEAD && r.path_len == 7 && r.host_local,
	   "HEAD, the query string is not part of the path");
	ok(!parse(&r, "DELETE / HTTP/1.1\r\nhOsT:\t[::1]:80 \r\n\r\n"),
	   "another method, Host in any case, OWS around it");
	ok(r.method == HTTP_OTHER && r.host_local, "an IPv6 literal is local");
	ok(!parse(&r, "GET / HTTP/1.1\r\nHost: LocalHost\r\n\r\n") &&
		   r.host_local,
	   "localhost without port is local");
	ok(!parse(&r, "GET / HTTP/1.1\r\nHost: rebind.example:6355\r\n\r\n") &&
		   !r.host_local,
	   "a DNS name is not (rebinding)");
	ok(!parse(&r, "GET / HTTP/1.1\r\nHost: 127.0.0.1:99999999\r\n\r\n") &&
		   !r.host_local,
	   "nor an address with a bad port");
	ok(!parse(&r, "GET / HTTP/1.1\r\nHost: ::1\r\n\r\n") && !r.host_local,
	   "nor an unbracketed IPv6 address");
	ok(!parse(&r,
		  "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: \x80\xff\r\n\r\n"),
	   "obs-text in a value is allowed");
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET  /status HTTP/1.0\r\n\r\n",
		"GET status HTTP/1.0\r\n\r\n",
		"GET * HTTP/1.0\r\n\r\n",
		"GET http://127.0.0.1/status HTTP/1.0\r\n\r\n",
		"GET /status HTTP/2.0\r\n\r\n",
		"GET /status HTTP/1.1x\r\n\r\n",
		"GET /status HTTP/1.\r\n\r\n",
		"get /status HTTP/1.0\r\n\r\n",
		"ABCDEFGHIJKLMNOPQ / HTTP/1.0\r\n\r\n",
		"GET /sta\x01tus HTTP/1.0\r\n\r\n",
		"GET /status HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.0\r\nA: b\r\n folded\r\n\r\n",
		"GET / HTTP/1.0\r\nNo colon\r\n\r\n",
		"GET / HTTP/1.0\r\n: empty name\r\n\r\n",
		"GET / HTTP/1.0\r\nA: b\rc\r\n\r\n",
		"GET / HTTP/1.0\r\nA: b\x7f\r\n\r\n",
		"GET / HTTP/1.0\r\nA : b\r\n\r\n",
		"GET / HTTP/1.0\r\nA: b\r\n",
		"\r\n",
	};
	struct http_req r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(parse(&r, bad[i]) == -1, "malformed %zu is refused", i);
	ok(http_req_parse(&r, "GET / HTTP/1.0\0\r\n\r\n", 19) == -1,
	   "a NUL in the request line is refused");
}

int main(void)
{
	test_head_end();
	test_good();
	test_bad();
	return tap_done();
}
