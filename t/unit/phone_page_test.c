/* SPDX-License-Identifier: MIT */
/* phone_page_test.c - which pages may open the laptop's WebSocket, and the
 * settings the page reads */
#include <stdlib.h>

#include "phone_page.h"
#include "tap.h"

/* A client config with just what phone_page.c reads */
static void client(struct conf_client *cf, enum url_scheme scheme, char *host,
		   uint16_t port, char *path, const char *listen)
{
	const char *why;

	cf->server_url = (struct conf_url){scheme, host, port, path};
	if (endpoint_parse(listen, &cf->listen, &why))
		abort();
}

int main(void)
{
	struct conf_client cf = {0};
	char *info;
	static const char *const laptops[] = {
		"http://169.254.134.89:6354", /* its own page */
		"http://169.254.1.3:6354",    /* another laptop's */
		"http://169.254.1.3",
		"http://169.254.255.254:80",
	};
	static const char *const others[] = {
		"http://evil.example",
		"https://evil.example",
		"null",
		"",
		"http://10.1.2.3:6354",
		"http://169.255.1.3:6354",
		"https://169.254.1.3:6354",
		"ws://169.254.1.3:6354",
		"http://169.254.1.3:",
		"http://169.254.1.3:0",
		"http://169.254.1.3:99999",
		"http://169.254.1.3:6354/x",
		"http://169.254.1.3/",
		"http://[fe80::1]:6354",
		"http://",
		"http://[169.254.1.3",
		"https://198.51.100.1:8080",
		"http://198.51.100.1:8081",
		"http://169.254.1.3.evil.example",
	};

	client(&cf, URL_WS, "198.51.100.1", 8080, "/websocket/",
	       "169.254.134.89:6354");
	ok(phone_page_origin_ok(&cf, NULL),
	   "no Origin (the C relay): admitted");
	for (size_t i = 0; i < sizeof(laptops) / sizeof(*laptops); i++)
		ok(phone_page_origin_ok(&cf, laptops[i]),
		   "a laptop's page %s: admitted", laptops[i]);
	for (size_t i = 0; i < sizeof(others) / sizeof(*others); i++)
		ok(!phone_page_origin_ok(&cf, others[i]), "\"%s\": refused",
		   others[i]);
	ok(phone_page_origin_ok(&cf, "http://198.51.100.1:8080"),
	   "the server's page (ws:// server, http:// page): admitted");

	/* the server serves the page: its origin is the server URL's */
	client(&cf, URL_WSS, "Tether.Example.org", 443, "/websocket/",
	       "192.168.1.10:6354");
	ok(phone_page_origin_ok(&cf, "https://tether.example.org"),
	   "the server's page (https, default port, any case): admitted");
	ok(phone_page_origin_ok(&cf, "https://tether.example.org:443"),
	   "with its port written out: admitted");
	ok(!phone_page_origin_ok(&cf, "http://tether.example.org"),
	   "over http while the server is wss: refused");
	ok(!phone_page_origin_ok(&cf, "https://tether.example.org:8443"),
	   "on another port: refused");
	ok(!phone_page_origin_ok(&cf, "https://tether.example.org.evil"),
	   "a longer name: refused");
	ok(phone_page_origin_ok(&cf, "http://192.168.1.10:6354"),
	   "a laptop on a private address: its own page admitted");
	ok(!phone_page_origin_ok(&cf, "http://192.168.1.10:6355"),
	   "the same address on another port: refused");
	ok(!phone_page_origin_ok(&cf, "http://192.168.1.11:6354"),
	   "another private address: refused");

	client(&cf, URL_WS, "198.51.100.1", 8080, "/websocket/",
	       "169.254.134.89:6354");
	info = phone_page_info(&cf);
	is_str(info, "{\"server_url\":\"ws://198.51.100.1:8080/websocket/\"}\n",
	       "the page's settings name the server");
	free(info);
	client(&cf, URL_WSS, "2001:db8::1", 443, "/a\"b", "[::1]:6354");
	info = phone_page_info(&cf);
	is_str(info, "{\"server_url\":\"wss://[2001:db8::1]:443/a\\\"b\"}\n",
	       "an IPv6 server in brackets, the URL escaped as JSON");
	free(info);
	ok(phone_page_origin_ok(&cf, "http://[::1]:6354"),
	   "an IPv6 laptop's own page: admitted");
	return tap_done();
}
