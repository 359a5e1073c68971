/* SPDX-License-Identifier: MIT */
/* conf_test.c - config loading: values reach the structs, defaults apply */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conf_value.h"
#include "log.h"
#include "tap.h"

#define KEY "sMpPCgKdCDkLd0EU8WFTzx8PhKzsMwHPPZl+P6dMblk="

static int load(const char *json, enum conf_role role, struct conf *c)
{
	return conf_load_buffer("test.json", json, strlen(json), role, c);
}

static void test_client_defaults(void)
{
	struct conf c;
	char buf[ADDR_STRLEN];

	is(load("{\"server_url\": \"ws://192.0.2.1:8080/websocket/\","
		"\"private_key\": \"" KEY "\", \"server_public_key\": \"" KEY
		"\"}", CONF_ROLE_CLIENT, &c), 0, "minimal client loads");
	is(c.client.server_url.scheme, URL_WS, "scheme ws");
	is_str(c.client.server_url.host, "192.0.2.1", "url host");
	is(c.client.server_url.port, 8080, "url port");
	is_str(c.client.server_url.path, "/websocket/", "url path");
	is_str(endpoint_format(&c.client.listen, buf, sizeof(buf)),
	       "169.254.134.89:6354", "listen default");
	ok(c.client.interface == NULL, "interface default null");
	is_str(c.client.tun_name, "tether0", "tun name default");
	is(c.client.tun_mtu, 1380, "mtu default");
	is(c.client.routes.n, 1, "one default route");
	is_str(prefix_format(c.client.routes.v, buf, sizeof(buf)), "0.0.0.0/0",
	       "default route is 0/0");
	is(c.log_level, LOG_LEVEL_INFO, "log level default info");
	is(c.client.private_key.b[0], 0xb0, "key decoded");
	conf_free(&c);
}

static void test_server_values(void)
{
	struct conf c;
	struct conf_peer *p;

	is(load("{\"private_key\": \"" KEY "\", \"log_level\": \"debug\","
		"\"clients\": [{\"name\": \"a\", \"public_key\": \"" KEY "\"},"
		"{\"name\": \"b\", \"public_key\": \"" KEY "\","
		" \"max_mappings\": 10}],"
		"\"nat\": {\"port_range\": [20000, 20999],"
		" \"filtering\": \"endpoint-independent\","
		" \"timeouts\": {\"udp\": 120}},"
		"\"egress\": {\"address\": \"203.0.113.1\"}}",
		CONF_ROLE_SERVER, &c), 0, "server loads");
	is(c.log_level, LOG_LEVEL_DEBUG, "log level debug");
	is(c.server.clients.n, 2, "two clients");
	p = c.server.clients.v;
	is_str(p[0].name, "a", "first client name");
	is(p[0].max_mappings, 0, "first client quota default");
	is(p[1].max_mappings, 10, "second client quota");
	is(c.server.nat_ports.lo, 20000, "port range low");
	is(c.server.nat_ports.hi, 20999, "port range high");
	is(c.server.nat_filtering, CONF_FILTER_ENDPOINT, "filtering");
	is(c.server.nat_mode, CONF_NAT_USERSPACE, "mode default");
	is(c.server.nat_udp_timeout, 120, "udp timeout");
	is(c.server.nat_tcp_established_timeout, 7440, "tcp default");
	is(c.server.nat_icmp_timeout, 60, "icmp default");
	is(c.server.egress_address.family, AF_INET, "egress address");
	ok(c.server.egress_interface == NULL, "egress interface default");
	is(c.server.listen.port, 8080, "listen default port");
	conf_free(&c);
}

static void test_errors_free_cleanly(void)
{
	struct conf c;

	/* partly stored values must be freed without leaks (ASan checks) */
	ok(load("{\"private_key\": \"" KEY "\", \"clients\": [{\"name\":"
		" \"a\", \"public_key\": \"x\"}, 7]}", CONF_ROLE_SERVER,
		&c) < 0, "bad client list refused");
	conf_free(&c);
	ok(load("[1]", CONF_ROLE_RELAY, &c) < 0, "top-level list refused");
	conf_free(&c);
	ok(load("{\"a\":", CONF_ROLE_RELAY, &c) < 0, "truncated JSON");
	conf_free(&c);
	ok(load("{\"server_url\": \"udp://192.0.2.1:1\"}", CONF_ROLE_RELAY,
		&c) < 0, "relay refuses udp");
	conf_free(&c);
}

static void test_urls(void)
{
	struct conf_url u;
	const char *why;

	ok(!conf_url_parse("wss://example.org/x", &u, &why) && u.port == 443,
	   "wss default port");
	free(u.host);
	free(u.path);
	ok(!conf_url_parse("ws://[2001:db8::1]:81", &u, &why) &&
		   u.port == 81 && !strcmp(u.host, "2001:db8::1") &&
		   !strcmp(u.path, "/"), "v6 host, default path");
	free(u.host);
	free(u.path);
	ok(!conf_url_parse("udp://192.0.2.1:9000", &u, &why) &&
		   u.scheme == URL_UDP && !*u.path, "udp url");
	free(u.host);
	free(u.path);
	ok(conf_url_parse("udp://192.0.2.1", &u, &why), "udp needs a port");
	ok(conf_url_parse("http://x", &u, &why), "http refused");
	ok(conf_url_parse("ws://", &u, &why), "empty host refused");
	ok(conf_url_parse("ws://a b/", &u, &why), "space refused");
	ok(conf_url_parse("ws://h:0/", &u, &why), "port 0 refused");
	ok(conf_url_parse("ws://h:1x", &u, &why), "junk after port refused");
	ok(conf_url_parse("ws://[::1", &u, &why), "open bracket refused");
}

int main(void)
{
	/* errors are expected here; the shell tests check their wording */
	log_set_level(LOG_LEVEL_SILENT);
	test_client_defaults();
	test_server_values();
	test_errors_free_cleanly();
	test_urls();
	return tap_done();
}
