/* SPDX-License-Identifier: MIT */
/* clientset.c - the server's clients by id, ids kept as the list changes
 *
 * A client's id indexes the tunnel's and the NAT's per-client state, so a
 * new list (a reload) must not move the clients it keeps. Clients are
 * matched by public key: one in both lists keeps its id, one gone frees
 * its id, one new takes the lowest free id, or the next one past the end.
 * The ids in use therefore never reach past the largest number of clients
 * the server has had at once.
 */
#include <stdlib.h>
#include <string.h>

#include "clientset.h"
#include "log.h"

static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct conf_peer *v = arg;

	return memcmp(v[*(const uint32_t *)a].public_key.b,
		      v[*(const uint32_t *)b].public_key.b,
		      sizeof(struct conf_key));
}

/* Positions of @l's entries sorted by key in *@order (the caller frees
 * it); -1 (logged) if two entries have the same key, or out of memory */
static int sort_by_key(const struct conf_list *l, uint32_t **order)
{
	const struct conf_peer *v = l->v;
	uint32_t *o = calloc(l->n ? l->n : 1, sizeof(*o));

	if (!o) {
		log_error("clients: out of memory");
		return -1;
	}
	for (size_t i = 0; i < l->n; i++)
		o[i] = (uint32_t)i;
	qsort_r(o, l->n, sizeof(*o), key_cmp, (void *)v);
	for (size_t i = 1; i < l->n; i++) {
		if (!key_cmp(&o[i - 1], &o[i], (void *)v)) {
			log_error("clients %s and %s have the same key",
				  v[o[i - 1]].name, v[o[i]].name);
			free(o);
			return -1;
		}
	}
	*order = o;
	return 0;
}

/* Position in @l (through @order) of the entry with @key, or -1 */
static long find_key(const struct conf_list *l, const uint32_t *order,
		     const struct conf_key *key)
{
	const struct conf_peer *v = l->v;
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(key->b, v[order[mid]].public_key.b,
			       sizeof(key->b));

		if (!c)
			return order[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static int grow(struct clientset *cs, size_t want)
{
	size_t cap = cs->cap ? cs->cap : 8;
	const struct conf_peer **v;

	while (cap < want)
		cap *= 2;
	if (cap == cs->cap)
		return 0;
	v = realloc(cs->v, cap * sizeof(*v));
	if (!v) {
		log_error("clients: out of memory");
		return -1;
	}
	memset(v + cs->cap, 0, (cap - cs->cap) * sizeof(*v));
	cs->v = v;
	cs->cap = cap;
	return 0;
}

/**
 * clientset_init() - the first list: each client's id is its position
 * @cs:		the set, zeroed
 * @clients:	struct conf_peer entries; they must outlive their use here
 *
 * Return: 0, or -1 (logged) if two clients have the same key, or out of
 * memory
 */
int clientset_init(struct clientset *cs, const struct conf_list *clients)
{
	uint32_t *order;

	if (sort_by_key(clients, &order))
		return -1;
	free(order);
	if (grow(cs, clients->n))
		return -1;
	for (size_t i = 0; i < clients->n; i++)
		cs->v[i] = &((const struct conf_peer *)clients->v)[i];
	cs->n = clients->n;
	return 0;
}

/**
 * clientset_get() - the client with id @id
 * @cs:	the set
 * @id:	an id
 *
 * Return: its entry, or NULL if the id is free
 */
const struct conf_peer *clientset_get(const struct clientset *cs, uint32_t id)
{
	return id < cs->cap ? cs->v[id] : NULL;
}

/**
 * clientset_update() - take a new list, keeping the ids of known keys
 * @cs:		the set
 * @clients:	the new list; it must outlive its use here (the old one
 *		may be freed once this returns)
 * @ops:	told of each change, once the set has it: removals first,
 *		then the clients kept, then the new ones
 * @arg:	passed to @ops
 * @cnt:	what changed
 *
 * Nothing changes if the new list has two clients with the same key. A
 * new client that @ops->add refuses is not in the set, and counted as
 * failed.
 *
 * Return: 0, or -1 (logged) if the list was not taken
 */
int clientset_update(struct clientset *cs, const struct conf_list *clients,
		     const struct clientset_ops *ops, void *arg,
		     struct clientset_counts *cnt)
{
	const struct conf_peer *nv = clients->v, *old;
	uint32_t *order, *ids, id;
	long j;

	memset(cnt, 0, sizeof(*cnt));
	if (sort_by_key(clients, &order))
		return -1;
	/* ids[j]: the id of new entry j, or UINT32_MAX for a new client */
	ids = malloc((clients->n ? clients->n : 1) * sizeof(*ids));
	if (!ids || grow(cs, clients->n)) {
		log_error("clients: out of memory");
		free(order);
		free(ids);
		return -1;
	}
	memset(ids, 0xff, clients->n * sizeof(*ids));
	for (id = 0; id < cs->cap; id++) {
		if (!cs->v[id])
			continue;
		j = find_key(clients, order, &cs->v[id]->public_key);
		if (j >= 0) {
			ids[j] = id;
			continue;
		}
		old = cs->v[id];
		cs->v[id] = NULL;
		cs->n--;
		ops->remove(id, old, arg);
		cnt->removed++;
	}
	for (size_t k = 0; k < clients->n; k++) {
		if (ids[k] == UINT32_MAX)
			continue;
		old = cs->v[ids[k]];
		cs->v[ids[k]] = &nv[k];
		ops->keep(ids[k], old, &nv[k], arg);
		cnt->kept++;
	}
	id = 0;
	for (size_t k = 0; k < clients->n; k++) {
		if (ids[k] != UINT32_MAX)
			continue;
		while (cs->v[id])
			id++;
		if (ops->add(id, &nv[k], arg)) {
			cnt->failed++;
			continue;
		}
		cs->v[id] = &nv[k];
		cs->n++;
		cnt->added++;
	}
	free(order);
	free(ids);
	return 0;
}

void clientset_free(struct clientset *cs)
{
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}
