/* SPDX-License-Identifier: MIT */
/* conf_schema.h - the declarative description of each role's config keys */
#ifndef TETHER_CONF_SCHEMA_H
#define TETHER_CONF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

enum conf_type {
	CONF_OBJECT,	 /* nested keys: .fields */
	CONF_LIST,	 /* struct conf_list of .fields[0] items */
	CONF_BOOL,	 /* bool */
	CONF_INT,	 /* int64_t in .min..max */
	CONF_STRING,	 /* char *, malloc'd (NULL when null) */
	CONF_ENUM,	 /* int: index into .choices */
	CONF_ADDR,	 /* struct addr */
	CONF_PREFIX,	 /* struct prefix */
	CONF_ENDPOINT,	 /* struct endpoint */
	CONF_PORT_RANGE, /* struct conf_port_range, JSON [lo, hi] */
	CONF_URL,	 /* struct conf_url */
	CONF_KEY,	 /* struct conf_key, base64 */
};

struct conf_field {
	const char *name;
	enum conf_type type;
	size_t offset;		    /* into struct conf, or into a list item */
	const char *def;	    /* default as JSON text; NULL: required */
	long long min, max;	    /* CONF_INT value, CONF_LIST length */
	const char *const *choices; /* CONF_ENUM, NULL-terminated */
	const struct conf_field *fields; /* CONF_OBJECT, CONF_LIST */
	size_t item_size;		 /* CONF_LIST */
	bool nullable;	  /* JSON null is allowed (means "unset") */
	bool secret;	  /* holds a private key */
	bool host_prefix; /* CONF_PREFIX: an address with its network's
			   * length ("10.77.0.2/24"), host bits allowed */
	const char *const *schemes; /* CONF_URL: allowed schemes */
	bool ipv4;		    /* CONF_ADDR: IPv4 only */
};

/* The top-level keys of @role's config, terminated by a NULL name */
const struct conf_field *conf_schema(enum conf_role role);

#endif
