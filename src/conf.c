/* SPDX-License-Identifier: MIT */
/* conf.c - loading a role's JSON config: validation, defaults, errors
 *
 * conf_load() walks the role's schema (conf_schema.c) over the parsed file.
 * Every problem is reported, not just the first, each naming the file, the
 * key path and the rejected value:
 *
 *	server.json: "nat.port_range": 70000 is not a port (1..65535)
 *
 * Keys the schema does not know are errors too (a typo must not silently
 * fall back to a default), with the closest known key as a suggestion.
 * While walking, it builds the effective config (defaults filled in) that
 * --check-config prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conf_schema.h"
#include "conf_value.h"
#include "log.h"

#define CONF_MAX_SIZE (1 << 20)
#define PATH_MAX_LEN  256

static const char *const role_names[] = {
	[CONF_ROLE_CLIENT] = "client",
	[CONF_ROLE_SERVER] = "server",
	[CONF_ROLE_RELAY] = "relay",
};

/**
 * conf_role_parse() - look up a role that has a config by name
 * @name:	"client", "server" or "relay"
 * @role:	result
 *
 * Return: 0 on success, -1 if @name has no config schema
 */
int conf_role_parse(const char *name, enum conf_role *role)
{
	for (int i = 0; i < CONF_ROLE_MAX; i++) {
		if (!strcmp(name, role_names[i])) {
			*role = (enum conf_role)i;
			return 0;
		}
	}
	return -1;
}

const char *conf_role_name(enum conf_role role)
{
	return role_names[role];
}

struct walk {
	const char *file;
	int errors;
	bool has_secret;
};

static void report(struct walk *w, const char *path, json_t *shown, bool secret,
		   const char *why)
{
	char *text = NULL;

	if (!secret)
		text = json_dumps(shown, JSON_ENCODE_ANY | JSON_COMPACT);
	if (text && strlen(text) > 80)
		strcpy(text + 72, "...\"");
	log_error("%s: \"%s\": %s %s", w->file, path, text ? text : "(hidden)",
		  why);
	free(text);
	w->errors++;
}

/* Levenshtein distance, for "did you mean"; keys are short */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 64 || lb >= 64)
		return 64;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j],
			       best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void join(char *out, const char *prefix, const char *name)
{
	if (*prefix)
		snprintf(out, PATH_MAX_LEN, "%s.%s", prefix, name);
	else
		snprintf(out, PATH_MAX_LEN, "%s", name);
}

static void report_unknown(struct walk *w, const struct conf_field *fields,
			   const char *prefix, const char *key)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	char path[PATH_MAX_LEN], hint[PATH_MAX_LEN];

	for (const struct conf_field *f = fields; f->name; f++) {
		size_t d = distance(key, f->name);

		if (d < best_d) {
			best_d = d;
			best = f->name;
		}
	}
	join(path, prefix, key);
	if (best && best_d <= 1 + strlen(key) / 3) {
		join(hint, prefix, best);
		log_error("%s: unknown key \"%s\" (did you mean \"%s\"?)",
			  w->file, path, hint);
	} else {
		log_error("%s: unknown key \"%s\"", w->file, path);
	}
	w->errors++;
}

static json_t *walk_object(struct walk *w, const struct conf_field *fields,
			   json_t *obj, char *base, const char *prefix);

/* One list: a C array of items, each checked against fields[0] */
static json_t *walk_list(struct walk *w, const struct conf_field *f, json_t *v,
			 char *base, const char *path)
{
	struct conf_list *list = (struct conf_list *)(base + f->offset);
	const struct conf_field *item = &f->fields[0];
	json_t *out = json_array(), *elem;
	char ipath[PATH_MAX_LEN + 24];
	size_t i, n = json_array_size(v);

	if ((long long)n < f->min || (long long)n > f->max) {
		char why[80];

		snprintf(why, sizeof(why),
			 "has %zu entries (%lld..%lld allowed)", n, f->min,
			 f->max);
		report(w, path, v, false, why);
		return out;
	}
	list->v = n ? calloc(n, f->item_size) : NULL;
	if (n && !list->v) {
		report(w, path, v, false, "cannot be stored: out of memory");
		return out;
	}
	list->n = n;
	json_array_foreach(v, i, elem)
	{
		char *ibase = (char *)list->v + i * f->item_size;
		const char *why;
		json_t *shown;

		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (item->type == CONF_OBJECT) {
			if (!json_is_object(elem)) {
				report(w, ipath, elem, false,
				       conf_value_mismatch(item, elem));
				continue;
			}
			json_array_append_new(out,
					      walk_object(w, item->fields, elem,
							  ibase, ipath));
		} else if (conf_value_parse(item, elem, ibase + item->offset,
					    &why, &shown)) {
			report(w, ipath, shown, false, why);
		} else {
			json_array_append(out, elem);
		}
	}
	return out;
}

/* One key: check the value (or the default) and store it under @base */
static json_t *walk_field(struct walk *w, const struct conf_field *f, json_t *v,
			  char *base, const char *path)
{
	const char *why;
	json_t *shown;

	if (f->type == CONF_OBJECT) {
		if (v && !json_is_object(v)) {
			report(w, path, v, false, conf_value_mismatch(f, v));
			return json_object();
		}
		return walk_object(w, f->fields, v, base, path);
	}
	if (f->type == CONF_LIST) {
		if (!json_is_array(v)) {
			report(w, path, v, false, conf_value_mismatch(f, v));
			return json_array();
		}
		return walk_list(w, f, v, base, path);
	}
	if (conf_value_parse(f, v, base + f->offset, &why, &shown)) {
		report(w, path, shown, f->secret, why);
		return NULL;
	}
	if (f->secret)
		return json_string("(hidden)");
	return json_incref(v);
}

/* Walk @fields over @obj (NULL: all defaults); returns the effective object */
static json_t *walk_object(struct walk *w, const struct conf_field *fields,
			   json_t *obj, char *base, const char *prefix)
{
	json_t *out = json_object(), *v;
	const char *key;
	char path[PATH_MAX_LEN];

	json_object_foreach(obj, key, v)
	{
		const struct conf_field *f;

		for (f = fields; f->name && strcmp(f->name, key); f++)
			;
		if (!f->name)
			report_unknown(w, fields, prefix, key);
	}
	for (const struct conf_field *f = fields; f->name; f++) {
		json_t *dflt = NULL, *eff;

		join(path, prefix, f->name);
		v = obj ? json_object_get(obj, f->name) : NULL;
		if (v && f->secret)
			w->has_secret = true;
		if (!v && f->type != CONF_OBJECT) {
			if (!f->def) {
				log_error("%s: missing required key \"%s\"",
					  w->file, path);
				w->errors++;
				continue;
			}
			v = dflt = json_loads(f->def, JSON_DECODE_ANY, NULL);
		}
		eff = walk_field(w, f, v, base, path);
		if (eff)
			json_object_set_new(out, f->name, eff);
		json_decref(dflt);
	}
	return out;
}

static void free_fields(const struct conf_field *fields, char *base)
{
	for (const struct conf_field *f = fields; f->name; f++) {
		if (f->type == CONF_OBJECT) {
			free_fields(f->fields, base);
		} else if (f->type == CONF_LIST) {
			struct conf_list *l =
				(struct conf_list *)(base + f->offset);
			const struct conf_field *item = &f->fields[0];

			for (size_t i = 0; i < l->n; i++) {
				char *ib = (char *)l->v + i * f->item_size;

				if (item->type == CONF_OBJECT)
					free_fields(item->fields, ib);
				else
					conf_value_free(item,
							ib + item->offset);
			}
			free(l->v);
			l->v = NULL;
			l->n = 0;
		} else {
			conf_value_free(f, base + f->offset);
		}
	}
}

/* Walk the role's schema over @root; shared by files and buffers */
static int conf_apply(const char *name, json_t *root, mode_t mode,
		      enum conf_role role, struct conf *c, char **effective)
{
	struct walk w = {.file = name};
	json_t *out;

	out = walk_object(&w, conf_schema(role), root, (char *)c, "");
	if (!w.errors && w.has_secret && (mode & (S_IRGRP | S_IROTH)))
		log_warnx("%s: holds a private key but is readable by other "
			  "users (mode %03o); run chmod 600 %s",
			  name, (unsigned)(mode & 0777), name);
	if (!w.errors && effective)
		*effective = json_dumps(out, JSON_INDENT(2));
	json_decref(out);
	if (w.errors) {
		log_error("%s: %d error%s in the %s config", name, w.errors,
			  w.errors == 1 ? "" : "s", role_names[role]);
		return -1;
	}
	return 0;
}

static void conf_init(struct conf *c, const char *name, enum conf_role role)
{
	memset(c, 0, sizeof(*c));
	c->role = role;
	c->path = name;
}

/* Parse JSON text and apply the schema; @mode is the file's permissions */
static int load_text(const char *name, const char *text, size_t len,
		     mode_t mode, enum conf_role role, struct conf *c,
		     char **effective)
{
	json_error_t err;
	json_t *root;
	int ret = -1;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		log_error("%s:%d:%d: invalid JSON: %s", name, err.line,
			  err.column, err.text);
		return -1;
	}
	if (json_is_object(root))
		ret = conf_apply(name, root, mode, role, c, effective);
	else
		log_error("%s: the top level is %s, expected an object", name,
			  conf_value_type_name(root));
	json_decref(root);
	return ret;
}

/* Read a whole regular file of at most CONF_MAX_SIZE bytes; closes @fp */
static char *read_stream(FILE *fp, const char *path, size_t *len,
			 mode_t *mode)
{
	struct stat st;
	char *buf = NULL;

	if (fstat(fileno(fp), &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > CONF_MAX_SIZE) {
		log_error("%s: not a regular file of at most %d bytes", path,
			  CONF_MAX_SIZE);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		log_error("%s: out of memory", path);
		goto out;
	}
	*len = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		log_error("%s: cannot read config: %s", path, strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	*mode = st.st_mode;
out:
	fclose(fp);
	return buf;
}

static char *read_file(const char *path, size_t *len, mode_t *mode)
{
	FILE *fp = fopen(path, "re");

	if (!fp) {
		log_error("%s: cannot open config: %s", path, strerror(errno));
		return NULL;
	}
	return read_stream(fp, path, len, mode);
}

/* Load @text (freed here) as conf_load() does */
static int load_read(const char *path, char *text, size_t len, mode_t mode,
		     enum conf_role role, struct conf *c, char **effective)
{
	int ret;

	if (!text)
		return -1;
	ret = load_text(path, text, len, mode, role, c, effective);
	free(text);
	return ret;
}

/**
 * conf_load() - read, validate and store a role's config file
 * @path:	the JSON file
 * @role:	whose schema applies
 * @c:		result; release with conf_free() whatever this returns
 * @effective:	if not NULL, set to the effective config as indented JSON
 *		(defaults filled in, secrets hidden); the caller frees it
 *
 * Every error is logged with the file, key path and rejected value.
 *
 * Return: 0 on success, -1 if the file is unusable (a config error)
 */
int conf_load(const char *path, enum conf_role role, struct conf *c,
	      char **effective)
{
	size_t len = 0;
	mode_t mode = 0;
	char *text;

	conf_init(c, path, role);
	text = read_file(path, &len, &mode);
	return load_read(path, text, len, mode, role, c, effective);
}

/**
 * conf_load_fd() - like conf_load(), from a file opened already
 * @fd:		the file, open for reading (by a process that may open it);
 *		closed here
 * @path:	its name, for messages and struct conf.path
 * @role:	whose schema applies
 * @c:		result; release with conf_free() whatever this returns
 *
 * Return: 0 on success, -1 if the file is unusable (a config error)
 */
int conf_load_fd(int fd, const char *path, enum conf_role role,
		 struct conf *c)
{
	size_t len = 0;
	mode_t mode = 0;
	FILE *fp = fdopen(fd, "r");
	char *text;

	conf_init(c, path, role);
	if (!fp) {
		log_error("%s: cannot read config: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	text = read_stream(fp, path, &len, &mode);
	return load_read(path, text, len, mode, role, c, NULL);
}

/**
 * conf_load_buffer() - like conf_load(), from memory (tests, fuzzing)
 * @name:	what error messages call the buffer
 * @text:	JSON text, not necessarily NUL-terminated
 * @len:	its length
 * @role:	whose schema applies
 * @c:		result; release with conf_free() whatever this returns
 *
 * Return: 0 on success, -1 on a config error
 */
int conf_load_buffer(const char *name, const char *text, size_t len,
		     enum conf_role role, struct conf *c)
{
	conf_init(c, name, role);
	return load_text(name, text, len, 0600, role, c, NULL);
}

/**
 * conf_free() - release everything conf_load() stored in @c
 * @c:	a config, loaded or partly loaded
 */
void conf_free(struct conf *c)
{
	free_fields(conf_schema(c->role), (char *)c);
}
