/* SPDX-License-Identifier: MIT */
/* addr_test.c - parsing and formatting of addresses, prefixes, endpoints */
#include <arpa/inet.h>

#include "addr.h"
#include "tap.h"

static void test_addr(void)
{
	struct addr a;
	char buf[ADDR_STRLEN];

	ok(!addr_parse("192.0.2.1", &a) && a.family == AF_INET, "v4 parses");
	is_str(addr_format(&a, buf, sizeof(buf)), "192.0.2.1", "v4 formats");
	ok(!addr_parse("2001:db8::1", &a) && a.family == AF_INET6,
	   "v6 parses");
	is_str(addr_format(&a, buf, sizeof(buf)), "2001:db8::1", "v6 formats");
	ok(addr_parse("300.1.1.1", &a), "octet 300 refused");
	ok(addr_parse("1.2.3", &a), "three octets refused");
	ok(addr_parse("example.com", &a), "names refused");
	ok(addr_parse("", &a), "empty refused");
}

static void test_prefix(void)
{
	struct prefix p;
	struct addr a;
	const char *why = NULL;
	char buf[ADDR_STRLEN];

	ok(!prefix_parse("198.18.0.0/15", &p, false, &why) && p.len == 15,
	   "v4 prefix parses");
	is_str(prefix_format(&p, buf, sizeof(buf)), "198.18.0.0/15",
	       "v4 prefix formats");
	ok(!prefix_parse("0.0.0.0/0", &p, false, &why) && p.len == 0, "default");
	ok(!prefix_parse("192.0.2.7", &p, false, &why) && p.len == 32,
	   "bare address is a /32");
	ok(!prefix_parse("2001:db8::/32", &p, false, &why) && p.len == 32, "v6");
	ok(prefix_parse("10.0.0.1/8", &p, false, &why), "host bits refused");
	ok(!prefix_parse("10.77.0.2/24", &p, true, &why) && p.len == 24,
	   "host bits kept for an interface address");
	is_str(prefix_format(&p, buf, sizeof(buf)), "10.77.0.2/24",
	       "interface address formats");
	has_str(why, "bits set beyond", "host bits reason");
	ok(prefix_parse("10.0.0.0/33", &p, false, &why), "/33 refused");
	has_str(why, "0..32", "length reason");
	ok(prefix_parse("10.0.0.0/", &p, false, &why), "empty length refused");
	ok(prefix_parse("10.0.0.0/8x", &p, false, &why), "junk length refused");
	ok(prefix_parse("::/129", &p, false, &why), "/129 refused");
	ok(prefix_parse("nonsense/8", &p, false, &why), "bad address refused");

	prefix_parse("198.18.0.0/15", &p, false, &why);
	addr_parse("198.19.255.255", &a);
	ok(prefix_contains(&p, &a), "198.19.255.255 in 198.18/15");
	addr_parse("198.20.0.0", &a);
	ok(!prefix_contains(&p, &a), "198.20.0.0 not in 198.18/15");
	addr_parse("::1", &a);
	ok(!prefix_contains(&p, &a), "families never match");
	prefix_parse("0.0.0.0/0", &p, false, &why);
	addr_parse("203.0.113.9", &a);
	ok(prefix_contains(&p, &a), "/0 contains everything");
}

static void test_endpoint(void)
{
	struct endpoint e;
	const char *why = NULL;
	char buf[ADDR_STRLEN];

	ok(!endpoint_parse("169.254.134.89:6354", &e, &why) &&
		   e.port == 6354, "v4 endpoint");
	is_str(endpoint_format(&e, buf, sizeof(buf)), "169.254.134.89:6354",
	       "v4 endpoint formats");
	ok(!endpoint_parse("[::]:8080", &e, &why) && e.port == 8080 &&
		   e.addr.family == AF_INET6, "v6 endpoint");
	is_str(endpoint_format(&e, buf, sizeof(buf)), "[::]:8080",
	       "v6 endpoint formats");
	ok(endpoint_parse("0.0.0.0:70000", &e, &why), "port 70000 refused");
	has_str(why, "1..65535", "port reason");
	ok(endpoint_parse("0.0.0.0:0", &e, &why), "port 0 refused");
	ok(endpoint_parse("0.0.0.0", &e, &why), "missing port refused");
	ok(endpoint_parse("::1:80", &e, &why), "bare v6 refused");
	ok(endpoint_parse("[1.2.3.4]:80", &e, &why), "bracketed v4 refused");
	ok(endpoint_parse("[::1]80", &e, &why), "missing colon refused");
	ok(endpoint_parse("1.2.3.4:", &e, &why), "empty port refused");
	ok(endpoint_parse("1.2.3.4:8x", &e, &why), "junk port refused");
}

int main(void)
{
	test_addr();
	test_prefix();
	test_endpoint();
	return tap_done();
}
