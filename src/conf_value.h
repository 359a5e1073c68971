/* SPDX-License-Identifier: MIT */
/* conf_value.h - checking and storing one scalar config value */
#ifndef TETHER_CONF_VALUE_H
#define TETHER_CONF_VALUE_H

#include <jansson.h>

#include "conf_schema.h"

int conf_value_parse(const struct conf_field *f, json_t *v, void *dst,
		     const char **why, json_t **shown);
void conf_value_free(const struct conf_field *f, void *dst);
const char *conf_value_type_name(const json_t *v);
const char *conf_value_mismatch(const struct conf_field *f, const json_t *v);
int conf_url_parse(const char *s, struct conf_url *u, const char **why);

#endif
