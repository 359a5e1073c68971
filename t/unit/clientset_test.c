/* SPDX-License-Identifier: MIT */
/* clientset_test.c - client ids across reloads, and which keys changed
 *
 * clientset: the first list's ids are positions; a new list keeps the id
 * of each key it still has, frees the others' and gives new keys the
 * lowest free ids; a list with a key twice changes nothing. conf_diff:
 * which keys of two server configs differ.
 */
#include <stdio.h>
#include <string.h>

#include "clientset.h"
#include "conf_diff.h"
#include "log.h"
#include "tap.h"

#define SK "sMpPCgKdCDkLd0EU8WFTzx8PhKzsMwHPPZl+P6dMblk="
#define KA "zcxrCFc3gOMx1Z+YVp8oSUjATY0FP0PlmaBe4rHv2Rk="
#define KB "2FPoWcgpjGeZRqccxUJC23My9olk3626d9+q/6z7kU4="
#define KC "PnZYxVNBtr0HiUlxoyKwoUmfw5f+1FBw+6CCjINFDDs="
#define KD "g+2uwzDPCFZszyB3OHn0WYjyYcNew4nxVCUp5BuRZzc="
#define KE "9H/KiGS5dy1gpvTFeR+hTjPwfUWn2VId43/ztcfI2Q0="

/* A server config with key @sk serving @clients (JSON list members) */
static int load_key(struct conf *c, const char *sk, const char *clients,
		    const char *more)
{
	char json[2048];

	snprintf(json, sizeof(json),
		 "{\"private_key\": \"%s\", %s \"clients\": [%s]}", sk, more,
		 clients);
	return conf_load_buffer("test.json", json, strlen(json),
				CONF_ROLE_SERVER, c);
}

static int load(struct conf *c, const char *clients, const char *more)
{
	return load_key(c, SK, clients, more);
}

#define CL(name, key) "{\"name\": \"" name "\", \"public_key\": \"" key "\"}"

/* What the ops saw, as "-a +b =c" in order */
static char seen[256];
static const struct clientset *watched;
static int refuse_id = -1;

static void note(char op, uint32_t id, const char *name)
{
	size_t n = strlen(seen);

	snprintf(seen + n, sizeof(seen) - n, "%s%c%s%u", n ? " " : "", op, name,
		 id);
}

static void on_remove(uint32_t id, const struct conf_peer *old, void *arg)
{
	(void)arg;
	ok(!clientset_get(watched, id), "%s's id %u is free during remove",
	   old->name, id);
	note('-', id, old->name);
}

static void on_keep(uint32_t id, const struct conf_peer *old,
		    const struct conf_peer *p, void *arg)
{
	(void)arg;
	ok(clientset_get(watched, id) == p &&
		   !memcmp(&old->public_key, &p->public_key,
			   sizeof(p->public_key)),
	   "%s kept: the set has the new entry, with the same key", p->name);
	note('=', id, p->name);
}

static int on_add(uint32_t id, const struct conf_peer *p, void *arg)
{
	(void)arg;
	if ((int)id == refuse_id)
		return -1;
	note('+', id, p->name);
	return 0;
}

static const struct clientset_ops ops = {
	.remove = on_remove,
	.keep = on_keep,
	.add = on_add,
};

static void test_ids(void)
{
	struct clientset cs = {0};
	struct clientset_counts n;
	struct conf c1, c2, c3, c4;

	watched = &cs;
	is(load(&c1, CL("a", KA) "," CL("b", KB) "," CL("c", KC), ""), 0,
	   "first config loads");
	is(clientset_init(&cs, &c1.server.clients), 0, "init");
	is(cs.n, 3, "three clients");
	is_str(clientset_get(&cs, 1)->name, "b", "ids are positions");
	ok(!clientset_get(&cs, 3), "id 3 is free");
	ok(!clientset_get(&cs, 100000), "an id far out is free");

	/* b goes, d and e come, c moves to the front, a is renamed */
	is(load(&c2,
		CL("c", KC) "," CL("d", KD) "," CL("a2", KA) "," CL("e", KE),
		""),
	   0, "second config loads");
	seen[0] = '\0';
	is(clientset_update(&cs, &c2.server.clients, &ops, NULL, &n), 0,
	   "update");
	is_str(seen, "-b1 =c2 =a20 +d1 +e3",
	       "removals, then kept ids, then new ones in the lowest free ids");
	ok(n.added == 2 && n.removed == 1 && n.kept == 2 && !n.failed,
	   "counts: 2 added, 1 removed, 2 kept");
	is(cs.n, 4, "four clients");
	is_str(clientset_get(&cs, 0)->name, "a2", "a kept id 0, new name");
	is_str(clientset_get(&cs, 2)->name, "c", "c kept id 2");
	conf_free(&c1); /* the set no longer points into it */

	/* a key twice: refused, nothing changes */
	is(load(&c3, CL("x", KA) "," CL("y", KA), ""), 0,
	   "a config with a key twice loads (the server refuses it)");
	seen[0] = '\0';
	is(clientset_update(&cs, &c3.server.clients, &ops, NULL, &n), -1,
	   "a key twice: refused");
	is_str(seen, "", "no op was called");
	is_str(clientset_get(&cs, 3)->name, "e", "e still has id 3");
	conf_free(&c3);

	/* all go but e; a new one whose add fails leaves its id free */
	is(load(&c4, CL("e", KE) "," CL("b", KB), ""), 0, "fourth loads");
	refuse_id = 0;
	seen[0] = '\0';
	is(clientset_update(&cs, &c4.server.clients, &ops, NULL, &n), 0,
	   "update");
	is_str(seen, "-a20 -d1 -c2 =e3", "three removed, e kept, b refused");
	is(n.failed, 1, "one failed");
	is(cs.n, 1, "one client");
	ok(!clientset_get(&cs, 0), "the refused client's id is free");
	conf_free(&c2);
	conf_free(&c4);
	clientset_free(&cs);

	is(load(&c1, CL("a", KA) "," CL("b", KA), ""), 0, "key twice loads");
	is(clientset_init(&cs, &c1.server.clients), -1,
	   "init with a key twice: refused");
	clientset_free(&cs);
	conf_free(&c1);
}

static char diffs[256];

static void on_diff(const char *path, void *arg)
{
	size_t n = strlen(diffs);

	(void)arg;
	snprintf(diffs + n, sizeof(diffs) - n, "%s%s", n ? " " : "", path);
}

static void test_diff(void)
{
	static const char client[] = "{\"server_url\": \"udp://h:1\", "
				     "\"private_key\": \"" KA "\", "
				     "\"server_public_key\": \"" KB "\"}";
	struct conf a, b, r;

	is(load(&a, CL("a", KA), "\"tunnel\": {\"mtu\": 1400},"), 0, "a");
	is(load(&b, CL("a", KA), "\"tunnel\": {\"mtu\": 1400},"), 0, "b");
	diffs[0] = '\0';
	is(conf_diff(&a, &b, on_diff, NULL), 0, "the same config: no change");
	conf_free(&b);

	is(load(&b, CL("a2", KA) "," CL("b", KB),
		"\"tunnel\": {\"mtu\": 1300}, \"egress\": {\"deny\": "
		"[\"192.0.2.0/24\"]}, \"user\": \"root\","),
	   0, "b changed");
	diffs[0] = '\0';
	is(conf_diff(&a, &b, on_diff, NULL), 4, "four keys differ");
	is_str(diffs, "clients tunnel.mtu egress.deny user",
	       "named by their paths, a list as a whole");
	conf_free(&b);

	is(load_key(&b, KB, CL("a", KA), "\"tunnel\": {\"mtu\": 1400},"), 0,
	   "b with another private key");
	diffs[0] = '\0';
	is(conf_diff(&a, &b, on_diff, NULL), 1, "one key differs");
	is_str(diffs, "private_key", "the private key");
	conf_free(&b);
	is(conf_load_buffer("r.json", client, strlen(client), CONF_ROLE_CLIENT,
			    &r),
	   0, "a client config");
	is(conf_diff(&a, &r, on_diff, NULL), -1, "roles differ: -1");
	conf_free(&r);
	conf_free(&a);
}

int main(void)
{
	log_set_level(LOG_LEVEL_SILENT);
	test_ids();
	test_diff();
	return tap_done();
}
