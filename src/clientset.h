/* SPDX-License-Identifier: MIT */
/* clientset.h - the server's clients by id, ids kept as the list changes */
#ifndef TETHER_CLIENTSET_H
#define TETHER_CLIENTSET_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

struct clientset {
	const struct conf_peer **v; /* by id; NULL: a free id */
	size_t cap;		    /* ids below this */
	size_t n;		    /* clients */
};

struct clientset_ops {
	/* @old is no longer listed: stop serving it */
	void (*remove)(uint32_t id, const struct conf_peer *old, void *arg);
	/* listed before as @old and now as @p (the same key) */
	void (*keep)(uint32_t id, const struct conf_peer *old,
		     const struct conf_peer *p, void *arg);
	/* @p is new: serve it as @id; -1 if it cannot be (logged) */
	int (*add)(uint32_t id, const struct conf_peer *p, void *arg);
};

struct clientset_counts {
	size_t added, removed, kept, failed;
};

int clientset_init(struct clientset *cs, const struct conf_list *clients);
const struct conf_peer *clientset_get(const struct clientset *cs, uint32_t id);
int clientset_update(struct clientset *cs, const struct conf_list *clients,
		     const struct clientset_ops *ops, void *arg,
		     struct clientset_counts *cnt);
void clientset_free(struct clientset *cs);

#endif
