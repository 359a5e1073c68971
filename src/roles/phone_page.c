/* SPDX-License-Identifier: MIT */
/* phone_page.c - what the client serves and allows the phone's page
 *
 * The client serves the page (webapp/: HTML, one script, one stylesheet)
 * from the "webapp" directory, and beside it PHONE_PAGE_INFO_PATH, a JSON
 * document made from the config that tells the page where the server is:
 *
 *	{"server_url": "wss://tether.example.org/websocket/"}
 *
 * The page opens its WebSocket to this laptop from where it loaded that
 * document, so the laptop's own address need not be known here.
 *
 * Which pages may open the laptop's WebSocket (its Origin header): none at
 * all (the C relay, any non-browser client); this laptop's own page; the
 * page of any other laptop on the Wi-Fi (an http:// origin on a link-local
 * address: one phone relays for several laptops); and the page as the
 * server serves it (the origin of the server's URL). A page from anywhere
 * else on the web is refused. The tunnel is end-to-end encrypted, so a
 * page can only carry or drop its messages; the check keeps arbitrary
 * sites out of the way of the phone's connection.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "phone_page.h"

/* An Origin header's parts: "http://host[:port]" */
struct origin {
	bool https;
	char host[256]; /* without the brackets of an IPv6 address */
	unsigned port;
};

/* Parse an Origin header. Return: 0, or -1 if it is not one we know */
static int origin_parse(const char *s, struct origin *o)
{
	const char *h, *end;
	char *tail;
	size_t n;

	if (!strncmp(s, "http://", 7)) {
		o->https = false;
		h = s + 7;
	} else if (!strncmp(s, "https://", 8)) {
		o->https = true;
		h = s + 8;
	} else {
		return -1;
	}
	if (*h == '[') {
		end = strchr(++h, ']');
		if (!end)
			return -1;
		n = (size_t)(end++ - h);
	} else {
		end = h + strcspn(h, ":");
		n = (size_t)(end - h);
	}
	if (!n || n >= sizeof(o->host))
		return -1;
	memcpy(o->host, h, n);
	o->host[n] = '\0';
	o->port = o->https ? 443 : 80;
	if (!*end)
		return 0;
	if (*end != ':' || !end[1])
		return -1;
	o->port = (unsigned)strtoul(end + 1, &tail, 10);
	return *tail || !o->port || o->port > 65535 ? -1 : 0;
}

static bool same_addr(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

/**
 * phone_page_origin_ok() - may a page from @origin open the WebSocket?
 * @cf:		client config
 * @origin:	the request's Origin header, NULL when it has none
 *
 * Return: true for the origins the file comment lists
 */
bool phone_page_origin_ok(const struct conf_client *cf, const char *origin)
{
	const struct conf_url *u = &cf->server_url;
	struct origin o;
	struct addr a;

	if (!origin)
		return true;
	if (origin_parse(origin, &o))
		return false;
	if (!o.https && !addr_parse(o.host, &a)) {
		if (a.family == AF_INET &&
		    (ntohl(a.v4.s_addr) & 0xffff0000u) == 0xa9fe0000u)
			return true; /* 169.254.0.0/16: a laptop's page */
		if (same_addr(&a, &cf->listen.addr) &&
		    o.port == cf->listen.port)
			return true;
	}
	return o.https == (u->scheme == URL_WSS) && o.port == u->port &&
	       !strcasecmp(o.host, u->host);
}

/**
 * phone_page_info() - the JSON the page reads at PHONE_PAGE_INFO_PATH
 * @cf:	client config
 *
 * Return: a string to free(), or NULL when out of memory
 */
char *phone_page_info(const struct conf_client *cf)
{
	const struct conf_url *u = &cf->server_url;
	bool v6 = strchr(u->host, ':') != NULL;
	char url[600];
	json_t *j;
	char *s, *body;

	snprintf(url, sizeof(url), "%s://%s%s%s:%u%s", conf_url_scheme(u),
		 v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, u->path);
	j = json_pack("{ss}", "server_url", url);
	if (!j)
		return NULL;
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s || asprintf(&body, "%s\n", s) < 0)
		body = NULL;
	free(s);
	return body;
}

/**
 * phone_page_check() - warn when the page cannot be served
 * @cf:	client config
 *
 * The client runs without it (the C relay needs no page), but a phone
 * that opens the laptop's address would get "404 Not Found".
 */
void phone_page_check(const struct conf_client *cf)
{
	char path[4200];

	if (!cf->webapp)
		return;
	snprintf(path, sizeof(path), "%s/index.html", cf->webapp);
	if (access(path, R_OK))
		log_warn("client: the phone's page is missing: %s (\"webapp\")",
			 path);
}
