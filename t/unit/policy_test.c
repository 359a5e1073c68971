/* SPDX-License-Identifier: MIT */
/* policy_test.c - the server's egress policy: built-in denials, deny, allow */
#include <arpa/inet.h>

#include "policy.h"
#include "tap.h"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

int main(void)
{
	struct prefix allow, deny;
	const char *why;
	uint32_t own = ip("203.0.113.1");
	struct policy *p;
	static const char *const denied[] = {
		"0.1.2.3", "10.1.2.3", "100.64.0.1", "127.0.0.1",
		"169.254.169.254", "172.16.5.5", "172.31.255.255",
		"192.168.1.1", "224.0.0.251", "239.1.1.1", "240.0.0.1",
		"255.255.255.255", "203.0.113.1",
	};
	static const char *const allowed[] = {
		"203.0.113.2", "192.0.2.2", "198.18.0.2", "172.32.0.1",
		"100.128.0.1", "8.8.8.8",
	};

	p = policy_new(NULL, 0, NULL, 0, &own, 1);
	ok(p != NULL, "policy with defaults");
	for (size_t i = 0; i < sizeof(denied) / sizeof(*denied); i++)
		ok(!policy_allows(p, ip(denied[i])), "%s denied by default",
		   denied[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(*allowed); i++)
		ok(policy_allows(p, ip(allowed[i])), "%s allowed by default",
		   allowed[i]);
	policy_free(p);

	prefix_parse("198.18.0.0/15", &deny, false, &why);
	prefix_parse("10.9.0.0/16", &allow, false, &why);
	p = policy_new(&allow, 1, &deny, 1, NULL, 0);
	ok(!policy_allows(p, ip("198.19.1.1")), "configured deny applies");
	ok(policy_allows(p, ip("10.9.3.4")), "configured allow beats default");
	ok(!policy_allows(p, ip("10.8.3.4")), "the rest of 10/8 stays denied");
	policy_free(p);
	return tap_done();
}
