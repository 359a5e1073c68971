/* SPDX-License-Identifier: MIT */
/* conf_diff.c - which keys differ between two configs of one role
 *
 * Walks the role's schema (conf_schema.c) over both configs and compares
 * each stored value by its type, so a key added to the schema is compared
 * without a change here. A list counts as one key: it differs if any item
 * does.
 */
#include <stdio.h>
#include <string.h>

#include "conf_diff.h"
#include "conf_schema.h"

#define PATH_LEN 256

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool same_addr(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	if (a->family == AF_INET6)
		return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
	return true;
}

static bool same_fields(const struct conf_field *fields, const char *a,
			const char *b);

/* One stored value of field @f at @a and @b (a list item's base for
 * fields of list items) */
static bool same_value(const struct conf_field *f, const char *a, const char *b)
{
	const struct prefix *pa, *pb;
	const struct endpoint *ea, *eb;
	const struct conf_url *ua, *ub;
	const struct conf_port_range *ra, *rb;
	const struct conf_list *la, *lb;
	const struct conf_field *item;

	/* nested keys are stored at offsets of their own */
	if (f->type == CONF_OBJECT)
		return same_fields(f->fields, a, b);
	a += f->offset;
	b += f->offset;
	switch (f->type) {
	case CONF_BOOL:
		return *(const bool *)a == *(const bool *)b;
	case CONF_INT:
		return *(const int64_t *)a == *(const int64_t *)b;
	case CONF_ENUM:
		return *(const int *)a == *(const int *)b;
	case CONF_STRING:
		return same_str(*(char *const *)a, *(char *const *)b);
	case CONF_ADDR:
		return same_addr((const struct addr *)a,
				 (const struct addr *)b);
	case CONF_PREFIX:
		pa = (const struct prefix *)a;
		pb = (const struct prefix *)b;
		return pa->len == pb->len && same_addr(&pa->addr, &pb->addr);
	case CONF_ENDPOINT:
		ea = (const struct endpoint *)a;
		eb = (const struct endpoint *)b;
		return ea->port == eb->port && same_addr(&ea->addr, &eb->addr);
	case CONF_PORT_RANGE:
		ra = (const struct conf_port_range *)a;
		rb = (const struct conf_port_range *)b;
		return ra->lo == rb->lo && ra->hi == rb->hi;
	case CONF_URL:
		ua = (const struct conf_url *)a;
		ub = (const struct conf_url *)b;
		return ua->scheme == ub->scheme && ua->port == ub->port &&
		       same_str(ua->host, ub->host) &&
		       same_str(ua->path, ub->path);
	case CONF_KEY:
		return !memcmp(a, b, sizeof(struct conf_key));
	case CONF_OBJECT:
		break;
	case CONF_LIST:
		la = (const struct conf_list *)a;
		lb = (const struct conf_list *)b;
		item = &f->fields[0];
		if (la->n != lb->n)
			return false;
		for (size_t i = 0; i < la->n; i++) {
			const char *ia = (const char *)la->v + i * f->item_size;
			const char *ib = (const char *)lb->v + i * f->item_size;

			if (item->type == CONF_OBJECT
				    ? !same_fields(item->fields, ia, ib)
				    : !same_value(item, ia, ib))
				return false;
		}
		return true;
	}
	return false;
}

static bool same_fields(const struct conf_field *fields, const char *a,
			const char *b)
{
	for (const struct conf_field *f = fields; f->name; f++)
		if (!same_value(f, a, b))
			return false;
	return true;
}

/* Report each differing key under @prefix; returns how many */
static int diff_fields(const struct conf_field *fields, const char *a,
		       const char *b, const char *prefix, conf_diff_cb cb,
		       void *arg)
{
	char path[PATH_LEN];
	int n = 0;

	for (const struct conf_field *f = fields; f->name; f++) {
		snprintf(path, sizeof(path), "%s%s%s", prefix,
			 *prefix ? "." : "", f->name);
		if (f->type == CONF_OBJECT) {
			n += diff_fields(f->fields, a, b, path, cb, arg);
		} else if (!same_value(f, a, b)) {
			cb(path, arg);
			n++;
		}
	}
	return n;
}

/**
 * conf_diff() - the keys whose values differ between two configs
 * @a:		a config
 * @b:		another of the same role
 * @cb:		called with each differing key's path ("tunnel.mtu"; a
 *		list's own path, such as "clients", whatever item differs)
 * @arg:	passed to @cb
 *
 * Return: how many keys differ (0: the same config), -1 if the roles
 * differ
 */
int conf_diff(const struct conf *a, const struct conf *b, conf_diff_cb cb,
	      void *arg)
{
	if (a->role != b->role)
		return -1;
	return diff_fields(conf_schema(a->role), (const char *)a,
			   (const char *)b, "", cb, arg);
}
