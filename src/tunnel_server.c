/* SPDX-License-Identifier: MIT */
/* tunnel_server.c - the public end of the tunnel: many clients, one each
 *
 * Theory of operation. Each client listed in the config has one entry
 * here, found by its static public key (binary search over a sorted
 * array) when an initiation arrives, and by key-pair index (idx.c) when
 * data arrives. An initiation is rate-limited by source address, then
 * processed entirely on the stack: a bad mac1, an unknown key or a stale
 * timestamp costs no state and gets no answer. An accepted initiation
 * (re)binds the client to the connection it came on; so does any data
 * message that authenticates, which is how a client roams between paths
 * (a new phone WebSocket, a new UDP address).
 *
 * A client whose path closes, or who goes silent, keeps its session,
 * inner address and NAT state for linger_ms; a handshake in that time
 * resumes all of it. After that the session is cleared and the role is
 * told (gone) so it can free the NAT state.
 *
 * The list of clients can change while the server runs (a reload): a
 * client added gets the id the role gives it, one removed loses its
 * session and path at once. Entries are allocated one by one, so the
 * pointers the index table, the connections and the timers hold stay
 * valid while the table of ids grows.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "idx.h"
#include "log.h"
#include "pkt_gro.h"
#include "ratelimit.h"
#include "tunnel.h"
#include "tunnel_out.h"

struct ts_peer {
	struct tunnel_server *ts;
	uint32_t id;
	char *name;
	uint8_t key[NOISE_KEY_LEN];
	bool active; /* has a session (maybe lingering) */
	struct session s;
	uint8_t last_ts[NOISE_TIMESTAMP_LEN];
	struct tconn *path;
	struct tunnel_out out;
	struct ev_timer *timer;
	uint64_t silent_since; /* path lost or dead: linger start */
	bool lingering;
	uint64_t since_ms;     /* the session's first handshake */
	uint64_t handshake_ms; /* its latest */
	uint64_t handshakes;
	struct noise_assignment as; /* the latest handshake's */
	struct ts_peer *next_dirty;
	bool dirty;
};

struct tunnel_server {
	struct ev_loop *loop;
	const struct tunnel_server_handlers *h;
	void *user;
	struct noise_static me;
	struct ts_peer **peers; /* by id; NULL: no such client */
	size_t cap;		/* ids below this */
	uint32_t *by_key;	/* ids of the clients, sorted by key */
	size_t nkeys;
	struct idx_table idx;
	struct ratelimit rl;
	struct session_limits lim;
	uint64_t linger_ms;
	size_t max_message;
	struct ts_peer *dirty;
	struct pkt_gro *gro; /* joins clients' TCP segments; NULL: off */
	struct tunnel_stats st;
};

/* The client with id @id, or NULL */
static struct ts_peer *peer_get(const struct tunnel_server *ts, uint32_t id)
{
	return id < ts->cap ? ts->peers[id] : NULL;
}

/* Where @key is in by_key, or where it would go; *@found says which */
static size_t key_pos(const struct tunnel_server *ts,
		      const uint8_t key[NOISE_KEY_LEN], bool *found)
{
	size_t lo = 0, hi = ts->nkeys;

	*found = false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(key, ts->peers[ts->by_key[mid]]->key,
			       NOISE_KEY_LEN);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static struct ts_peer *find_key(struct tunnel_server *ts,
				const uint8_t key[NOISE_KEY_LEN])
{
	bool found;
	size_t i = key_pos(ts, key, &found);

	return found ? ts->peers[ts->by_key[i]] : NULL;
}

static void retire(void *arg, uint32_t index)
{
	struct ts_peer *p = arg;

	idx_free(&p->ts->idx, index);
}

static void end_session(struct ts_peer *p)
{
	struct tunnel_server *ts = p->ts;

	log_info("tunnel: %s: session ended", p->name);
	session_clear(&p->s);
	p->active = false;
	p->lingering = false;
	if (p->path && tconn_data(p->path) == p)
		tconn_set_data(p->path, NULL);
	p->path = NULL;
	ev_timer_stop(p->timer);
	ts->h->gone(p->id, ts->user);
}

static void start_linger(struct ts_peer *p, uint64_t now, const char *why)
{
	if (p->lingering)
		return;
	p->lingering = true;
	p->silent_since = now;
	log_info("tunnel: %s: %s; keeping the session for %llu s", p->name, why,
		 (unsigned long long)p->ts->linger_ms / 1000);
}

static void tick(struct ts_peer *p)
{
	struct tunnel_server *ts = p->ts;
	uint64_t now = ev_now(ts->loop), next;
	unsigned int act;

	if (!p->active)
		return;
	if (p->lingering && now - p->silent_since >= ts->linger_ms) {
		end_session(p);
		return;
	}
	act = session_tick(&p->s, now, &next);
	if (act & SESSION_ACT_KEEPALIVE && p->path)
		tunnel_out_flush(&p->out, &p->s, p->path, now, &ts->st, true);
	if (act & SESSION_ACT_DEAD)
		start_linger(p, now, "silent");
	session_tick(&p->s, now, &next);
	if (p->lingering && p->silent_since + ts->linger_ms < next)
		next = p->silent_since + ts->linger_ms;
	ev_timer_start(p->timer, next > now ? next - now : 1, 0);
}

static void on_timer(struct ev_timer *t, void *arg)
{
	(void)t;
	tick(arg);
}

/* Make @c the path of @p, taking it from any other client */
static void bind_path(struct ts_peer *p, struct tconn *c)
{
	struct ts_peer *old;

	if (p->path == c)
		return;
	c = tconn_keep(c);
	if (!c)
		return;
	old = tconn_data(c);
	if (old && old != p)
		old->path = NULL;
	if (p->path && tconn_data(p->path) == p)
		tconn_set_data(p->path, NULL);
	tconn_set_data(c, p);
	p->path = c;
	p->lingering = false;
	log_debug("tunnel: %s: path %s", p->name, tconn_name(c));
}

static void handle_initiation(struct tunnel_server *ts, struct tconn *c,
			      uint8_t *msg, size_t len, uint64_t now)
{
	uint8_t out[NOISE_RESPONSE_LEN];
	const struct endpoint *src = tconn_peer(c);
	struct noise_assignment as = {0};
	struct noise_handshake hs;
	struct noise_keypair kp;
	struct ts_peer *p;
	enum noise_err err;
	uint32_t index;
	bool resumed;

	if (!ratelimit_allow(&ts->rl, &src->addr, sizeof(src->addr), now)) {
		ts->st.drops[TUNNEL_DROP_RATELIMIT]++;
		return;
	}
	err = noise_initiation_consume(&hs, &ts->me, msg, len);
	if (err) {
		ts->st.noise_drops[err]++;
		ts->st.drops[TUNNEL_DROP_HANDSHAKE]++;
		goto out;
	}
	p = find_key(ts, hs.rs);
	if (!p) {
		ts->st.drops[TUNNEL_DROP_UNKNOWN_KEY]++;
		goto out;
	}
	if (!noise_timestamp_newer(hs.timestamp, p->last_ts)) {
		ts->st.drops[TUNNEL_DROP_STALE]++;
		goto out;
	}
	resumed = p->active;
	if (ts->h->assign(p->id, resumed, &as, ts->user))
		goto out;
	if (ts->h->gso_packet)
		as.flags |= NOISE_AS_GSO;
	index = idx_alloc(&ts->idx, p);
	if (!index)
		goto out;
	err = noise_response_create(&hs, index, &as, out, &kp);
	if (err) {
		idx_free(&ts->idx, index);
		ts->st.noise_drops[err]++;
		goto out;
	}
	memcpy(p->last_ts, hs.timestamp, NOISE_TIMESTAMP_LEN);
	if (!p->active) {
		session_init(&p->s, &ts->lim, false, now);
		p->s.on_retire = retire;
		p->s.retire_arg = p;
		p->active = true;
		p->since_ms = now;
		p->handshakes = 0;
	}
	p->handshake_ms = now;
	p->handshakes++;
	p->as = as;
	session_install(&p->s, &kp, now);
	noise_keypair_clear(&kp);
	bind_path(p, c);
	if (p->path && tconn_send(p->path, out, sizeof(out)) < 0)
		ts->st.drops[TUNNEL_DROP_QUEUE_FULL]++;
	ts->st.handshakes++;
	log_info("tunnel: %s: %s session via %s", p->name,
		 resumed ? "resumed its" : "new", tconn_name(c));
	tick(p);
out:
	noise_handshake_clear(&hs);
}

/* A client's packet to the role: as it came (@gso 0) or a TCP packet of
 * many segments (a GSO entry, or a run pkt_gro.c joined) */
static void deliver(struct tunnel_server *ts, uint32_t id, uint8_t *pkt,
		    size_t len, size_t gso)
{
	if (!gso) {
		ts->h->packet(id, pkt, len, ts->user);
		return;
	}
	if (!ts->h->gso_packet) {
		ts->st.drops[TUNNEL_DROP_GSO]++;
		return;
	}
	ts->h->gso_packet(id, pkt, len, gso, ts->user);
}

/* What pkt_gro.c emits: a packet as it came, or a run it joined */
static void joined(uint32_t id, uint8_t *pkt, size_t len, size_t gso,
		   void *arg)
{
	struct tunnel_server *ts = arg;

	if (gso) {
		ts->st.joined_runs++;
		ts->st.joined_segments += ts->gro->segs;
	}
	deliver(ts, id, pkt, len, gso);
}

/**
 * tunnel_server_join_segments() - join runs of clients' TCP segments
 * @ts:	tunnel
 * @on:	whether to; the role says so when its output takes GSO packets
 *
 * Runs of in-order segments of one flow that come from one client within a
 * loop turn reach the gso_packet handler as one packet (pkt_gro.c): over
 * UDP the client sends a bulk TCP flow as MTU-sized segments.
 *
 * Return: 0, or -1 out of memory (logged; it stays off)
 */
int tunnel_server_join_segments(struct tunnel_server *ts, bool on)
{
	if (!on) {
		if (ts->gro)
			pkt_gro_flush(ts->gro);
		free(ts->gro);
		ts->gro = NULL;
		return 0;
	}
	if (ts->gro)
		return 0;
	ts->gro = malloc(sizeof(*ts->gro));
	if (!ts->gro) {
		log_warnx("tunnel: no memory to join TCP segments");
		return -1;
	}
	pkt_gro_init(ts->gro, joined, ts);
	return 0;
}

static void handle_data(struct tunnel_server *ts, struct tconn *c, uint8_t *msg,
			size_t len, uint64_t now)
{
	struct session_iter it;
	const uint8_t *pkt;
	struct ts_peer *p;
	uint32_t index;
	size_t plen;

	if (session_msg_index(msg, len, &index) != SESSION_OK ||
	    !(p = idx_lookup(&ts->idx, index))) {
		ts->st.drops[TUNNEL_DROP_UNKNOWN_INDEX]++;
		return;
	}
	if (session_open(&p->s, msg, len, now, &it) != SESSION_OK)
		return; /* counted by the session */
	if (p->path != c)
		bind_path(p, c);
	if (p->lingering) {
		p->lingering = false;
		tick(p);
	}
	while (session_iter_next(&it, &pkt, &plen)) {
		if (!ts->gro) {
			deliver(ts, p->id, (uint8_t *)pkt, plen, it.gso);
		} else if (!it.gso) {
			pkt_gro_add(ts->gro, p->id, (uint8_t *)pkt, plen);
		} else {
			pkt_gro_flush(ts->gro); /* order holds */
			deliver(ts, p->id, (uint8_t *)pkt, plen, it.gso);
		}
	}
}

/**
 * tunnel_server_receive() - a message from some connection
 * @ts:		tunnel
 * @c:		where it came from (a temporary UDP tconn is fine)
 * @msg:	message bytes, decrypted in place
 * @len:	length
 */
void tunnel_server_receive(struct tunnel_server *ts, struct tconn *c,
			   uint8_t *msg, size_t len)
{
	uint64_t now = ev_now(ts->loop);

	switch (wire_type(msg, len)) {
	case WIRE_INITIATION:
		handle_initiation(ts, c, msg, len, now);
		break;
	case WIRE_DATA:
		handle_data(ts, c, msg, len, now);
		break;
	default:
		ts->st.drops[TUNNEL_DROP_BAD_TYPE]++;
		break;
	}
}

/**
 * tunnel_server_closed() - a connection is gone
 * @ts:	tunnel
 * @c:	the connection; its client, if any, starts to linger
 */
void tunnel_server_closed(struct tunnel_server *ts, struct tconn *c)
{
	struct ts_peer *p = tconn_data(c);

	if (!p || p->path != c)
		return;
	p->path = NULL;
	tconn_set_data(c, NULL);
	start_linger(p, ev_now(ts->loop), "path closed");
	tick(p);
}

/**
 * tunnel_server_send() - batch an IP packet for client @id
 * @ts:		tunnel
 * @id:		client
 * @pkt:	packet
 * @len:	length
 *
 * Return: 0; 1 if that client's transport is past its bound; -1 if the
 * packet was dropped (counted).
 */
int tunnel_server_send(struct tunnel_server *ts, uint32_t id,
		       const uint8_t *pkt, size_t len)
{
	struct ts_peer *p = peer_get(ts, id);
	int ret;

	if (!p || !p->active) {
		ts->st.drops[TUNNEL_DROP_NO_SESSION]++;
		return -1;
	}
	ret = tunnel_out_add(&p->out, &p->s, p->path, pkt, len,
			     ev_now(ts->loop), &ts->st);
	if (tunnel_out_pending(&p->out) && !p->dirty) {
		p->dirty = true;
		p->next_dirty = ts->dirty;
		ts->dirty = p;
	}
	return ret;
}

/* Hand over the run of segments being joined, then send every client's
 * batch; call once per loop turn after sending */
void tunnel_server_flush(struct tunnel_server *ts)
{
	uint64_t now = ev_now(ts->loop);

	if (ts->gro)
		pkt_gro_flush(ts->gro);

	while (ts->dirty) {
		struct ts_peer *p = ts->dirty;

		ts->dirty = p->next_dirty;
		p->dirty = false;
		tunnel_out_flush(&p->out, &p->s, p->path, now, &ts->st, false);
	}
}

bool tunnel_server_connected(const struct tunnel_server *ts, uint32_t id)
{
	const struct ts_peer *p = peer_get(ts, id);

	return p && p->active && p->path && !p->lingering;
}

/**
 * tunnel_server_offline_ms() - how long client @id has been unreachable
 * @ts:	tunnel
 * @id:	client
 *
 * Return: ms since its path closed or went silent (its session lingers);
 * 0 if it has a path, or no session at all
 */
uint64_t tunnel_server_offline_ms(const struct tunnel_server *ts, uint32_t id)
{
	const struct ts_peer *p = peer_get(ts, id);

	if (!p || !p->active || !p->lingering)
		return 0;
	return ev_now(ts->loop) - p->silent_since;
}

const struct session_stats *
tunnel_server_session_stats(const struct tunnel_server *ts, uint32_t id)
{
	const struct ts_peer *p = peer_get(ts, id);

	return p ? &p->s.stats : NULL;
}

/**
 * tunnel_server_peer() - what the status shows of client @id's session
 * @ts:	tunnel
 * @id:	client
 * @pi:	filled in; pi->path is valid until the loop runs again
 *
 * Return: true if @id has a session (maybe lingering without a path)
 */
bool tunnel_server_peer(const struct tunnel_server *ts, uint32_t id,
			struct tunnel_peer_info *pi)
{
	const struct ts_peer *p = peer_get(ts, id);

	if (!p || !p->active)
		return false;
	pi->connected = tunnel_server_connected(ts, id);
	pi->path = p->path ? tconn_name(p->path) : NULL;
	pi->since_ms = p->since_ms;
	pi->handshake_ms = p->handshake_ms;
	pi->handshakes = p->handshakes;
	pi->as = p->as;
	pi->stats = &p->s.stats;
	return true;
}

const struct tunnel_stats *tunnel_server_stats(const struct tunnel_server *ts)
{
	return &ts->st;
}

/* Free one client's entry; its session and path are already gone */
static void peer_free(struct ts_peer *p)
{
	if (p->active)
		session_clear(&p->s);
	if (p->path && tconn_data(p->path) == p)
		tconn_set_data(p->path, NULL);
	ev_timer_free(p->timer);
	tunnel_out_free(&p->out);
	free(p->name);
	free(p);
}

/* Make ids below @want valid; the tables grow by doubling */
static int grow(struct tunnel_server *ts, size_t want)
{
	size_t cap = ts->cap ? ts->cap : 8;
	struct ts_peer **peers;
	uint32_t *by_key;

	while (cap < want)
		cap *= 2;
	if (cap == ts->cap)
		return 0;
	peers = realloc(ts->peers, cap * sizeof(*peers));
	if (!peers)
		return -1;
	memset(peers + ts->cap, 0, (cap - ts->cap) * sizeof(*peers));
	ts->peers = peers;
	by_key = realloc(ts->by_key, cap * sizeof(*by_key));
	if (!by_key)
		return -1;
	ts->by_key = by_key;
	ts->cap = cap;
	return 0;
}

/**
 * tunnel_server_add() - serve one more client
 * @ts:		tunnel
 * @id:		its id, not in use; what the handlers are called with
 * @peer:	its name and public key
 *
 * Return: 0, or -1 (logged) if another client has that key or id, or on
 * out of memory
 */
int tunnel_server_add(struct tunnel_server *ts, uint32_t id,
		      const struct tunnel_peer *peer)
{
	struct ts_peer *p;
	bool found;
	size_t pos = key_pos(ts, peer->public_key, &found);

	if (found) {
		log_error("tunnel: clients %s and %s have the same key",
			  ts->peers[ts->by_key[pos]]->name, peer->name);
		return -1;
	}
	if (peer_get(ts, id)) {
		log_error("tunnel: client %s: id %u in use", peer->name, id);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!p || grow(ts, (size_t)id + 1))
		goto err;
	p->ts = ts;
	p->id = id;
	p->name = strdup(peer->name);
	memcpy(p->key, peer->public_key, NOISE_KEY_LEN);
	p->timer = ev_timer_new(ts->loop, on_timer, p);
	if (!p->name || !p->timer || tunnel_out_init(&p->out, ts->max_message))
		goto err;
	memmove(&ts->by_key[pos + 1], &ts->by_key[pos],
		(ts->nkeys - pos) * sizeof(*ts->by_key));
	ts->by_key[pos] = id;
	ts->nkeys++;
	ts->peers[id] = p;
	return 0;
err:
	log_error("tunnel: client %s: out of memory", peer->name);
	if (p)
		peer_free(p);
	return -1;
}

/**
 * tunnel_server_remove() - stop serving client @id
 * @ts:	tunnel
 * @id:	the client; an unused id is fine
 *
 * Its session ends at once (the gone handler is called) and its path is
 * closed; its id is free again.
 */
void tunnel_server_remove(struct tunnel_server *ts, uint32_t id)
{
	struct ts_peer *p = peer_get(ts, id), **pp;
	struct tconn *path;
	bool found;
	size_t pos;

	if (!p)
		return;
	if (ts->gro)
		pkt_gro_flush(ts->gro); /* its run goes while it is known */
	path = p->path;
	if (p->active)
		end_session(p);
	if (path && !tconn_data(path))
		tconn_close(path);
	for (pp = &ts->dirty; *pp; pp = &(*pp)->next_dirty) {
		if (*pp == p) {
			*pp = p->next_dirty;
			break;
		}
	}
	pos = key_pos(ts, p->key, &found);
	memmove(&ts->by_key[pos], &ts->by_key[pos + 1],
		(ts->nkeys - pos - 1) * sizeof(*ts->by_key));
	ts->nkeys--;
	ts->peers[id] = NULL;
	peer_free(p);
}

/**
 * tunnel_server_rename() - the name client @id goes by in the log
 * @ts:		tunnel
 * @id:		the client
 * @name:	its new name
 *
 * Return: 0, or -1 if there is no such client or on out of memory
 */
int tunnel_server_rename(struct tunnel_server *ts, uint32_t id,
			 const char *name)
{
	struct ts_peer *p = peer_get(ts, id);
	char *copy;

	if (!p || !(copy = strdup(name)))
		return -1;
	free(p->name);
	p->name = copy;
	return 0;
}

/**
 * tunnel_server_new() - the public end of the tunnel
 * @l:		event loop
 * @p:		our key, the clients (ids 0, 1, ...), message size, linger
 *		time, limits
 * @h:		handlers; must outlive the tunnel
 * @user:	passed to the handlers
 *
 * Return: the tunnel, or NULL (logged) on failure; duplicate client keys
 * are an error.
 */
struct tunnel_server *tunnel_server_new(struct ev_loop *l,
					const struct tunnel_server_params *p,
					const struct tunnel_server_handlers *h,
					void *user)
{
	struct tunnel_server *ts = calloc(1, sizeof(*ts));

	if (!ts)
		return NULL;
	ts->loop = l;
	ts->h = h;
	ts->user = user;
	ts->linger_ms = p->linger_ms;
	ts->max_message = p->max_message;
	idx_init(&ts->idx);
	if (p->limits)
		ts->lim = *p->limits;
	else
		session_limits_default(&ts->lim);
	if (noise_static_init(&ts->me, p->private_key)) {
		log_error("tunnel: the private key is not usable");
		goto err;
	}
	if (ratelimit_init(&ts->rl, RATELIMIT_RATE, RATELIMIT_BURST,
			   RATELIMIT_GLOBAL_RATE, RATELIMIT_GLOBAL_BURST) ||
	    grow(ts, p->npeers))
		goto err;
	for (uint32_t i = 0; i < p->npeers; i++)
		if (tunnel_server_add(ts, i, &p->peers[i]))
			goto err;
	return ts;
err:
	tunnel_server_free(ts);
	return NULL;
}

void tunnel_server_free(struct tunnel_server *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->cap; i++)
		if (ts->peers[i])
			peer_free(ts->peers[i]);
	idx_destroy(&ts->idx);
	noise_static_clear(&ts->me);
	free(ts->peers);
	free(ts->by_key);
	free(ts->gro);
	free(ts);
}
