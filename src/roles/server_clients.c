/* SPDX-License-Identifier: MIT */
/* server_clients.c - the server's clients, and taking a new list on SIGHUP
 *
 * A reload reads the config file again (through the privileged keeper
 * when the server runs unprivileged: the file is root's) and takes only
 * its "clients": the clientset matches the new list to the old by key.
 * A client no longer listed loses its session, its path and its NAT
 * mappings (in kernel-NAT mode: the kernel's flows from its pool address)
 * at once; a new one can handshake from now on; one in both lists keeps
 * its session untouched, with its new name and mapping quota.
 * A changed address cannot be given to a running session, so that
 * client's session is closed and the next one gets the new address.
 * Every other key needs a restart: a change to one is named in the log
 * and not applied. A file that does not load changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>

#include "conf_diff.h"
#include "knat.h"
#include "log.h"
#include "privsep.h"
#include "server_clients.h"

/* The mapping quota of client @p */
static int64_t quota_of(const struct server_clients *sc,
			const struct conf_peer *p)
{
	return p->max_mappings ? p->max_mappings
			       : sc->base->server.nat_mappings_per_client;
}

/* Give client @p, id @id, a mapping quota of its own */
static void set_quota(struct server_clients *sc, uint32_t id,
		      const struct conf_peer *p, int64_t quota)
{
	if (sc->knat ? knat_client(sc->knat, id, (uint32_t)quota)
		     : nat_session_set_quota(sc->nat, id, (uint32_t)quota))
		log_warnx("server: client %s: no room for its own mapping "
			  "quota",
			  p->name);
}

/**
 * server_clients_quota() - give client @id its own mapping quota, if set
 * @sc:	the clients
 * @id:	a client's id; a free id is fine
 *
 * Call after nat_session_remove(), which forgets a quota of its own.
 */
void server_clients_quota(struct server_clients *sc, uint32_t id)
{
	const struct conf_peer *p = clientset_get(&sc->set, id);

	if (p && p->max_mappings)
		set_quota(sc, id, p, p->max_mappings);
}

static int add_peer(struct server_clients *sc, uint32_t id,
		    const struct conf_peer *p)
{
	struct tunnel_peer tp = {.name = p->name,
				 .public_key = p->public_key.b};

	return tunnel_server_add(sc->tunnel, id, &tp);
}

static void on_remove(uint32_t id, const struct conf_peer *old, void *arg)
{
	struct server_clients *sc = arg;
	long n = sc->knat ? 0 : nat_session_count(sc->nat, id);
	const char *what = sc->knat ? "flow" : "mapping";

	tunnel_server_remove(sc->tunnel, id);
	if (sc->knat)
		n = knat_client_removed(sc->knat, id);
	else /* gone() did this if it had a session; a quota stays */
		nat_session_remove(sc->nat, id, ev_now(sc->loop));
	if (n < 0)
		log_error("server: SIGHUP: client %s removed: session closed; "
			  "its flows could not be deleted (see above)",
			  old->name);
	else
		log_info("server: SIGHUP: client %s removed: session closed, "
			 "%ld %s%s freed",
			 old->name, n, what, n == 1 ? "" : "s");
}

static bool same_address(const struct prefix *a, const struct prefix *b)
{
	if (a->len != b->len || a->addr.family != b->addr.family)
		return false;
	if (a->addr.family == AF_INET6)
		return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
	return a->addr.v4.s_addr == b->addr.v4.s_addr;
}

static void on_keep(uint32_t id, const struct conf_peer *old,
		    const struct conf_peer *p, void *arg)
{
	struct server_clients *sc = arg;

	if (!same_address(&old->address, &p->address)) {
		tunnel_server_remove(sc->tunnel, id);
		if (add_peer(sc, id, p))
			log_error("server: SIGHUP: client %s lost", p->name);
		log_info("server: SIGHUP: client %s: new address; session "
			 "closed, the next one gets it",
			 p->name);
	} else if (strcmp(old->name, p->name) &&
		   tunnel_server_rename(sc->tunnel, id, p->name)) {
		log_warnx("server: SIGHUP: client %s: out of memory for its "
			  "new name %s",
			  old->name, p->name);
	}
	if (old->max_mappings != p->max_mappings)
		set_quota(sc, id, p, quota_of(sc, p));
	if (sc->setup(id, old, p, sc->arg))
		log_error("server: SIGHUP: client %s: out of memory for its "
			  "new settings",
			  p->name);
}

static int on_add(uint32_t id, const struct conf_peer *p, void *arg)
{
	struct server_clients *sc = arg;

	/* kernel-NAT mode makes room for it, and its quota's set */
	if (sc->knat && knat_client(sc->knat, id, (uint32_t)quota_of(sc, p)))
		return -1;
	if (add_peer(sc, id, p))
		return -1;
	if (sc->setup(id, NULL, p, sc->arg)) {
		log_error("server: SIGHUP: client %s: out of memory", p->name);
		tunnel_server_remove(sc->tunnel, id);
		return -1;
	}
	if (!sc->knat && p->max_mappings)
		set_quota(sc, id, p, p->max_mappings);
	log_info("server: SIGHUP: client %s added", p->name);
	return 0;
}

static const struct clientset_ops reload_ops = {
	.remove = on_remove,
	.keep = on_keep,
	.add = on_add,
};

static void restart_only(const char *key, void *arg)
{
	(void)arg;
	if (strcmp(key, "clients"))
		log_warnx("server: SIGHUP: \"%s\" changed; that takes a "
			  "restart: not applied",
			  key);
}

/**
 * server_clients_reload() - read the config again and take its clients
 * @sc:	the clients
 *
 * Everything is logged; on any error nothing changes.
 */
void server_clients_reload(struct server_clients *sc)
{
	const char *path = sc->base->path;
	struct clientset_counts n;
	struct conf *c = calloc(1, sizeof(*c));
	int fd;

	log_info("server: SIGHUP: reading %s", path);
	if (!c) {
		log_error("server: SIGHUP: out of memory; nothing changed");
		return;
	}
	fd = sc->keeper ? privsep_open_config(sc->keeper)
			: open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && !sc->keeper)
		log_error("server: SIGHUP: %s: %s", path, strerror(errno));
	if (fd < 0 || conf_load_fd(fd, path, CONF_ROLE_SERVER, c))
		goto refused;
	conf_diff(sc->base, c, restart_only, NULL);
	if (clientset_update(&sc->set, &c->server.clients, &reload_ops, sc, &n))
		goto refused;
	log_info("server: SIGHUP: %zu client%s: %zu added, %zu removed, "
		 "%zu kept%s",
		 sc->set.n, sc->set.n == 1 ? "" : "s", n.added, n.removed,
		 n.kept, n.failed ? " (some could not be added)" : "");
	/* the set points into the new config now */
	if (sc->latest)
		conf_free(sc->latest);
	free(sc->latest);
	sc->latest = c;
	return;
refused:
	log_error("server: SIGHUP: %s not taken; nothing changed", path);
	conf_free(c);
	free(c);
}

void server_clients_free(struct server_clients *sc)
{
	clientset_free(&sc->set);
	if (sc->latest)
		conf_free(sc->latest);
	free(sc->latest);
	sc->latest = NULL;
}
