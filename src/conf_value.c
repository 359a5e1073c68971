/* SPDX-License-Identifier: MIT */
/* conf_value.c - checking and storing one scalar config value
 *
 * Each parser either stores the value or sets a reason that reads after the
 * value in the error line: `"tun.mtu": 70000 is out of range (576..9000)`.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "conf_value.h"
#include "key.h"

/**
 * conf_value_type_name() - a JSON value's type, as a user would say it
 * @v:	value
 *
 * Return: "a string", "an integer", ...
 */
const char *conf_value_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "an unknown value";
}

static const char *expected(enum conf_type t)
{
	switch (t) {
	case CONF_OBJECT:
		return "an object";
	case CONF_LIST:
	case CONF_PORT_RANGE:
		return "a list";
	case CONF_BOOL:
		return "true or false";
	case CONF_INT:
		return "an integer";
	default:
		return "a string";
	}
}

/* Reasons that name a type need a buffer; one call at a time is enough. */
static char why_buf[160];

/**
 * conf_value_mismatch() - the reason for a value of the wrong JSON type
 * @f:	the field
 * @v:	the value
 *
 * Return: e.g. "is a string, expected an integer" (valid until next call)
 */
const char *conf_value_mismatch(const struct conf_field *f, const json_t *v)
{
	snprintf(why_buf, sizeof(why_buf), "is %s, expected %s",
		 conf_value_type_name(v), expected(f->type));
	return why_buf;
}

static int parse_int(const struct conf_field *f, json_t *v, int64_t *dst,
		     const char **why)
{
	json_int_t i = json_integer_value(v);

	if (i < f->min || i > f->max) {
		snprintf(why_buf, sizeof(why_buf),
			 "is out of range (%lld..%lld)", f->min, f->max);
		*why = why_buf;
		return -1;
	}
	*dst = i;
	return 0;
}

static int parse_enum(const struct conf_field *f, const char *s, int *dst,
		      const char **why)
{
	size_t n = 0;

	for (int i = 0; f->choices[i]; i++) {
		if (!strcmp(s, f->choices[i])) {
			*dst = i;
			return 0;
		}
	}
	n = (size_t)snprintf(why_buf, sizeof(why_buf), "is not one of:");
	for (int i = 0; f->choices[i] && n < sizeof(why_buf); i++)
		n += (size_t)snprintf(why_buf + n, sizeof(why_buf) - n, "%s %s",
				      i ? "," : "", f->choices[i]);
	*why = why_buf;
	return -1;
}

static int parse_string(const struct conf_field *f, const char *s, char **dst,
			const char **why)
{
	size_t len = strlen(s);

	if (!len) {
		*why = "is empty";
		return -1;
	}
	if (f->max && len > (size_t)f->max) {
		snprintf(why_buf, sizeof(why_buf),
			 "is too long (at most %lld characters)", f->max);
		*why = why_buf;
		return -1;
	}
	*dst = strdup(s);
	if (!*dst) {
		*why = "cannot be stored: out of memory";
		return -1;
	}
	return 0;
}

static int parse_port(json_t *v, uint16_t *port)
{
	json_int_t i;

	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	if (i < 1 || i > 65535)
		return -1;
	*port = (uint16_t)i;
	return 0;
}

static int parse_port_range(json_t *v, struct conf_port_range *r,
			    const char **why, json_t **shown)
{
	if (json_array_size(v) != 2) {
		*why = "is not a [low, high] port range";
		return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		json_t *p = json_array_get(v, i);

		if (parse_port(p, i ? &r->hi : &r->lo)) {
			*shown = p;
			*why = "is not a port (1..65535)";
			return -1;
		}
	}
	if (r->lo > r->hi) {
		*why = "has its low port above its high port";
		return -1;
	}
	return 0;
}

static int parse_key(const char *s, struct conf_key *k, const char **why)
{
	if (key_from_base64(k->b, s)) {
		*why = "is not a base64 32-byte key (see tether genkey)";
		return -1;
	}
	return 0;
}

static bool host_ok(const char *h, size_t len)
{
	if (!len || len > 253)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-_:", h[i]))
			return false;
	return true;
}

static const char *const scheme_names[] = {
	[URL_WS] = "ws",
	[URL_WSS] = "wss",
	[URL_UDP] = "udp",
};

/**
 * conf_url_parse() - parse "scheme://host[:port][/path]"
 * @s:		text; scheme ws, wss or udp; IPv6 hosts in brackets
 * @u:		result; host and path are malloc'd
 * @why:	on failure, a short reason
 *
 * ws and wss default to ports 80 and 443; udp needs a port and no path.
 *
 * Return: 0 on success, -2 for an unknown scheme, -1 for other errors
 */
int conf_url_parse(const char *s, struct conf_url *u, const char **why)
{
	const char *sep = strstr(s, "://"), *host, *hend, *p;
	unsigned long port = 0;
	size_t i;

	memset(u, 0, sizeof(*u));
	for (i = 0; sep && i < sizeof(scheme_names) / sizeof(*scheme_names);
	     i++)
		if ((size_t)(sep - s) == strlen(scheme_names[i]) &&
		    !strncmp(s, scheme_names[i], (size_t)(sep - s)))
			break;
	if (!sep || i == sizeof(scheme_names) / sizeof(*scheme_names)) {
		*why = "is not a ws://, wss:// or udp:// URL";
		return -2;
	}
	u->scheme = (enum url_scheme)i;
	host = sep + 3;
	if (*host == '[') {
		hend = strchr(host, ']');
		if (!hend) {
			*why = "has an unterminated [IPv6] host";
			return -1;
		}
		host++;
		p = hend + 1;
	} else {
		hend = host + strcspn(host, ":/");
		p = hend;
	}
	if (!host_ok(host, (size_t)(hend - host))) {
		*why = "has an invalid host";
		return -1;
	}
	if (*p == ':') {
		char *end;

		port = strtoul(p + 1, &end, 10);
		if (end == p + 1 || port < 1 || port > 65535) {
			*why = "has a port outside 1..65535";
			return -1;
		}
		p = end;
	}
	if (*p && *p != '/') {
		*why = "has junk after the host";
		return -1;
	}
	if (u->scheme == URL_UDP && (!port || *p)) {
		*why = "must be udp://host:port with no path";
		return -1;
	}
	if (!port)
		port = u->scheme == URL_WSS ? 443 : 80;
	u->port = (uint16_t)port;
	u->host = strndup(host, (size_t)(hend - host));
	u->path = strdup(*p ? p : (u->scheme == URL_UDP ? "" : "/"));
	if (!u->host || !u->path) {
		free(u->host);
		free(u->path);
		*why = "cannot be stored: out of memory";
		return -1;
	}
	return 0;
}

/* "ws", "wss" or "udp" */
const char *conf_url_scheme(const struct conf_url *u)
{
	return scheme_names[u->scheme];
}

static bool scheme_allowed(const struct conf_field *f, enum url_scheme s)
{
	for (int i = 0; f->schemes[i]; i++)
		if (!strcmp(f->schemes[i], scheme_names[s]))
			return true;
	return false;
}

static int parse_url(const struct conf_field *f, const char *s,
		     struct conf_url *u, const char **why)
{
	int ret = conf_url_parse(s, u, why);
	size_t n;

	if (ret == -1)
		return -1;
	if (!ret && scheme_allowed(f, u->scheme))
		return 0;
	if (!ret)
		conf_value_free(f, u);
	/* name the schemes this key takes: "is not a ws:// or wss:// URL" */
	n = (size_t)snprintf(why_buf, sizeof(why_buf), "is not a");
	for (int i = 0; f->schemes[i] && n < sizeof(why_buf); i++)
		n += (size_t)snprintf(why_buf + n, sizeof(why_buf) - n,
				      "%s %s://",
				      !i		  ? ""
				      : f->schemes[i + 1] ? ","
							  : " or",
				      f->schemes[i]);
	if (n < sizeof(why_buf))
		snprintf(why_buf + n, sizeof(why_buf) - n, " URL");
	*why = why_buf;
	return -1;
}

/* The JSON type a scalar field wants */
static bool type_ok(const struct conf_field *f, const json_t *v)
{
	switch (f->type) {
	case CONF_BOOL:
		return json_is_boolean(v);
	case CONF_INT:
		return json_is_integer(v);
	case CONF_PORT_RANGE:
		return json_is_array(v);
	default:
		return json_is_string(v);
	}
}

/**
 * conf_value_parse() - check one scalar JSON value and store it
 * @f:		the field (not CONF_OBJECT or CONF_LIST)
 * @v:		the value from the file or the default
 * @dst:	where the field's C value lives
 * @why:	on failure, the reason, to be printed after the value
 * @shown:	on failure, the value to quote (@v unless a part of it)
 *
 * Return: 0 on success, -1 on error
 */
int conf_value_parse(const struct conf_field *f, json_t *v, void *dst,
		     const char **why, json_t **shown)
{
	const char *s = json_string_value(v);
	const char *w = NULL;

	*shown = v;
	if (json_is_null(v) && f->nullable)
		return 0;
	if (!type_ok(f, v)) {
		*why = conf_value_mismatch(f, v);
		return -1;
	}
	switch (f->type) {
	case CONF_BOOL:
		*(bool *)dst = json_is_true(v);
		return 0;
	case CONF_INT:
		return parse_int(f, v, dst, why);
	case CONF_STRING:
		return parse_string(f, s, dst, why);
	case CONF_ENUM:
		return parse_enum(f, s, dst, why);
	case CONF_ADDR:
		if (addr_parse(s, dst)) {
			*why = "is not an IP address";
			return -1;
		}
		if (f->ipv4 && ((struct addr *)dst)->family != AF_INET) {
			*why = "is not an IPv4 address";
			return -1;
		}
		return 0;
	case CONF_PREFIX:
		if (prefix_parse(s, dst, f->host_prefix, &w)) {
			*why = w;
			return -1;
		}
		return 0;
	case CONF_ENDPOINT:
		if (endpoint_parse(s, dst, &w)) {
			*why = w;
			return -1;
		}
		return 0;
	case CONF_PORT_RANGE:
		return parse_port_range(v, dst, why, shown);
	case CONF_URL:
		return parse_url(f, s, dst, why);
	case CONF_KEY:
		return parse_key(s, dst, why);
	case CONF_OBJECT:
	case CONF_LIST:
		break;
	}
	*why = "has a type this build cannot check";
	return -1;
}

/**
 * conf_value_free() - release what conf_value_parse() allocated
 * @f:		the field
 * @dst:	where the field's C value lives
 */
void conf_value_free(const struct conf_field *f, void *dst)
{
	if (f->type == CONF_STRING) {
		free(*(char **)dst);
		*(char **)dst = NULL;
	} else if (f->type == CONF_URL) {
		struct conf_url *u = dst;

		free(u->host);
		free(u->path);
		u->host = u->path = NULL;
	} else if (f->type == CONF_KEY) {
		sodium_memzero(dst, sizeof(struct conf_key));
	}
}
