/* SPDX-License-Identifier: MIT */
/* dhcpd_test.c - the client's DHCP settings, checked, and dnsmasq's arguments
 *
 * The dhcp keys load with their defaults; dhcpd_check() accepts a pool in
 * 169.254.1.0-169.254.254.255 that leaves the listen address out, and
 * refuses everything else with the key named; dnsmasq's command line is
 * DHCP only, on the interface only, with neither router nor DNS option,
 * its files where the client says.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "dhcpd.h"
#include "log.h"

#include "tap.h"

#define KEY "sMpPCgKdCDkLd0EU8WFTzx8PhKzsMwHPPZl+P6dMblk="

/* A client config: @extra are more keys ("" for none), which may give
 * another server_url */
static int load(struct conf *c, const char *extra)
{
	char json[1024];

	snprintf(json, sizeof(json),
		 "{%s\"private_key\": \"" KEY "\", "
		 "\"server_public_key\": \"" KEY "\"%s%s}",
		 strstr(extra, "server_url")
			 ? ""
			 : "\"server_url\": \"ws://203.0.113.1:8080/\", ",
		 *extra ? ", " : "", extra);
	return conf_load_buffer("test.json", json, strlen(json),
				CONF_ROLE_CLIENT, c);
}

static void defaults(void)
{
	struct conf c;
	char p[ADDR_STRLEN];

	is(load(&c, ""), 0, "a client config without \"dhcp\" loads");
	ok(!c.client.dhcp_enabled, "dhcp is off by default");
	is_str(prefix_format(&c.client.dhcp_pool, p, sizeof(p)),
	       "169.254.200.0/24", "the default pool");
	is(c.client.dhcp_lease_time, 3600, "the default lease time");
	conf_free(&c);
	ok(load(&c, "\"dhcp\": {\"lease_time\": 60}"),
	   "a lease shorter than dnsmasq's 2 minutes is refused");
	conf_free(&c);
	ok(load(&c, "\"dhcp\": {\"enabled\": \"yes\"}"),
	   "dhcp.enabled is a boolean");
	conf_free(&c);
}

static void accepted(const char *extra)
{
	struct conf c;
	char why[256] = "";

	if (ok(!load(&c, extra), "loads: %s", extra))
		is(dhcpd_check(&c.client, why, sizeof(why)), 0,
		   "accepted: %s %s", extra, why);
	conf_free(&c);
}

static void refused(const char *extra, const char *reason)
{
	struct conf c;
	char why[256] = "";

	if (ok(!load(&c, extra), "loads: %s", extra)) {
		is(dhcpd_check(&c.client, why, sizeof(why)), -1, "refused: %s",
		   extra);
		has_str(why, reason, "  because %s", reason);
	}
	conf_free(&c);
}

static void checks(void)
{
	accepted("\"interface\": \"wlan0\"");
	accepted("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		 "\"169.254.1.0/24\"}");
	accepted("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		 "\"169.254.254.252/30\"}");
	accepted("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		 "\"169.254.64.0/18\"}");
	accepted(
		"\"interface\": \"wlan0\", \"listen\": \"169.254.199.255:80\"");
	accepted("\"interface\": \"wlan0\", \"listen\": \"169.254.201.0:80\"");

	refused("", "needs \"interface\"");
	refused("\"interface\": \"a,b\"", "comma");
	refused("\"interface\": \"wlan0\", \"server_url\": "
		"\"udp://203.0.113.1:8080\"",
		"udp://");
	refused("\"interface\": \"wlan0\", \"listen\": \"192.0.2.1:6354\"",
		"\"listen\" in 169.254.0.0/16");
	refused("\"interface\": \"wlan0\", \"listen\": \"[fe80::1]:6354\"",
		"\"listen\" in 169.254.0.0/16");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"fe80::/64\"}",
		"not IPv4");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"192.0.2.0/24\"}",
		"not inside 169.254.1.0-169.254.254.255");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"169.254.0.0/24\"}",
		"RFC 3927");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"169.254.255.0/24\"}",
		"RFC 3927");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"169.254.0.0/16\"}",
		"RFC 3927");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"169.254.128.0/17\"}",
		"RFC 3927");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"169.0.0.0/8\"}",
		"not inside");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"169.254.7.4/31\"}",
		"too small");
	refused("\"interface\": \"wlan0\", \"dhcp\": {\"pool\": "
		"\"169.254.134.0/24\"}",
		"holds the client's own \"listen\" address 169.254.134.89");
	refused("\"interface\": \"wlan0\", \"listen\": \"169.254.200.255:80\"",
		"holds the client's own");
}

/* Is @want one of @a's arguments? */
static bool has_arg(const struct dhcpd_args *a, const char *want)
{
	for (size_t i = 0; a->argv[i]; i++)
		if (!strcmp(a->argv[i], want))
			return true;
	return false;
}

static void args(void)
{
	static const char *const want[] = {
		"--keep-in-foreground",
		"--conf-file=/dev/null",
		"--port=0",
		"--interface=wifi0",
		"--bind-interfaces",
		"--dhcp-range=169.254.10.1,169.254.10.254,255.255.0.0,600",
		"--dhcp-option=3",
		"--dhcp-option=6",
		"--dhcp-leasefile=/run/tether/dnsmasq-leases.4026531840",
		"--pid-file=/run/tether/dnsmasq-pid.4026531840",
		"--log-facility=-",
		"--user=root",
		"--group=root",
	};
	struct dhcpd_args a;
	struct conf c;
	char path[300];
	size_t n;

	if (!ok(!load(&c, "\"interface\": \"wifi0\", \"dhcp\": {\"enabled\": "
			  "true, \"pool\": \"169.254.10.0/24\", "
			  "\"lease_time\": 600}"),
		"a DHCP config loads"))
		return;
	is(dhcpd_args(&a, &c.client, "/run/tether/dnsmasq-leases.4026531840",
		      "/run/tether/dnsmasq-pid.4026531840"),
	   0, "dnsmasq's arguments fit");
	is_str(a.argv[0], "dnsmasq", "the program is dnsmasq, from PATH");
	for (n = 0; a.argv[n]; n++)
		printf("#   %s\n", a.argv[n]);
	is(n, 1 + sizeof(want) / sizeof(want[0]), "%zu arguments", n);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ok(has_arg(&a, want[i]), "dnsmasq gets %s", want[i]);

	is(dhcpd_args(&a, &c.client, "/a", "/b"), 0, "short paths fit");
	ok(has_arg(&a, "--dhcp-leasefile=/a") && has_arg(&a, "--pid-file=/b"),
	   "the paths are the ones given");
	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	is(dhcpd_args(&a, &c.client, path, path), -1,
	   "paths that do not fit are refused, not cut");
	conf_free(&c);

	if (!ok(!load(&c, "\"interface\": \"wifi0\", \"dhcp\": {\"pool\": "
			  "\"169.254.254.252/30\"}"),
		"a /30 loads"))
		return;
	dhcpd_args(&a, &c.client, "/a", "/b");
	ok(has_arg(&a, "--dhcp-range=169.254.254.253,169.254.254.254,"
		       "255.255.0.0,3600"),
	   "a /30 hands out its two middle addresses");
	conf_free(&c);
}

int main(void)
{
	log_set_level(LOG_LEVEL_SILENT);
	defaults();
	checks();
	args();
	return tap_done();
}
