/* SPDX-License-Identifier: MIT */
/* websocket.c - the WebSocket transport: libwebsockets on tether's libuv loop
 *
 * One lws context per transport, attached to the role's loop as a foreign
 * loop. A listening transport has a server vhost: the WebSocket on one path,
 * optionally static files at / (the phone's page), per-address connection
 * limits, a handshake timeout and an admit() hook for the Origin check. Every
 * transport has a client vhost for transport_connect().
 *
 * Messages are binary and whole: fragments are assembled up to max_message
 * and at most MAX_FRAGS pieces, beyond which the connection is closed with
 * 1009 (too big). A message that arrives in one piece is handed over without
 * a copy. Sending follows lws's rule of one lws_write() per writeable
 * callback, from a per-connection queue of messages that carry LWS_PRE bytes
 * of headroom.
 *
 * lws 4.1.6 pitfalls handled here: returning -1 from CLIENT_RECEIVE corrupts
 * the heap, so connections are only ever closed from a writeable callback;
 * and with a foreign loop the context must be destroyed twice, the second
 * time after the loop has run lws's handle closes.
 */
#include <errno.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ev_uv.h"
#include "log.h"
#include "transport_impl.h"

#define MAX_FRAGS     256
#define RX_CHUNK      65536
#define IP_SLOTS      4096
#define MAX_FDS	      4096 /* connections lws takes at once, at most */
#define FD_RESERVE    64   /* descriptors left to the rest of the role */
#define DESTROY_TURNS 1000

/* One queued outgoing message, LWS_PRE bytes of headroom before data */
struct ws_msg {
	struct ws_msg *next;
	size_t len;
	uint8_t buf[];
};

struct ws_conn {
	struct tconn c; /* first: tconn_* see this */
	struct ws_transport *wt;
	struct lws *wsi;	     /* NULL once lws has let go */
	struct ws_conn *prev, *next; /* every connection of the transport */
	bool dialled;		     /* we connected out */
	bool in_dial;		     /* inside lws_client_connect_via_info */
	bool gone;		     /* lws let go during that call */
	struct ev_timer *dial_timer; /* dialled: the upgrade must finish */
	bool opened;		     /* open() was reported */
	bool paused;
	bool over;	     /* send() said "past the bound" */
	uint16_t close_code; /* non-zero: close at next writeable */
	struct ws_msg *qhead, *qtail;
	size_t qbytes;
	uint8_t *rx; /* fragments of one message */
	size_t rxlen, rxcap;
	unsigned frags; /* frames of the message so far */
	bool in_frame;	/* the last piece left a frame open */
};

/* Connections per peer address: open addressing, fixed size */
struct ip_slot {
	uint8_t addr[16];
	uint32_t n;
};

struct ws_transport {
	struct transport t; /* first */
	struct lws_context *ctx;
	struct ev_loop *ev;
	uv_loop_t *loop;
	struct lws_vhost *server, *client;
	struct transport_params p;
	char *path, *static_dir, *tls_cert, *tls_key;
	struct lws_http_mount mount;
	lws_retry_bo_t retry;
	struct ws_conn *conns;
	struct ip_slot ips[IP_SLOTS];
	bool destroying;
};

/* The per-connection data lws keeps for accepted connections */
struct ws_pss {
	struct ws_conn *conn;
};

/* Why lws refused the last server certificate: it says so only in its log,
 * and the dial's failure that follows names a bare "SSL err" */
static char cert_refused[64];

static void lws_to_log(int level, const char *line)
{
	static const char verify[] = "SSL error: ";
	size_t n = strlen(line);

	while (n && line[n - 1] == '\n')
		n--;
	if (!strncmp(line, verify, sizeof(verify) - 1)) {
		/* "SSL error: self-signed certificate (preverify_ok=0;...)" */
		line += sizeof(verify) - 1;
		n = strcspn(line, "(\n");
		while (n && line[n - 1] == ' ')
			n--;
		snprintf(cert_refused, sizeof(cert_refused), "%.*s", (int)n,
			 line);
		log_debug("websocket: certificate refused: %s", cert_refused);
		return;
	}
	if (level & LLL_ERR)
		log_warnx("websocket: %.*s", (int)n, line);
	else
		log_debug("websocket: %.*s", (int)n, line);
}

static struct ws_conn *conn_new(struct ws_transport *wt, struct lws *wsi)
{
	struct ws_conn *wc = calloc(1, sizeof(*wc));

	if (!wc)
		return NULL;
	wc->c.t = &wt->t;
	wc->wt = wt;
	wc->wsi = wsi;
	wc->next = wt->conns;
	if (wt->conns)
		wt->conns->prev = wc;
	wt->conns = wc;
	return wc;
}

static void conn_free(struct ws_conn *wc)
{
	struct ws_transport *wt = wc->wt;

	if (wc->prev)
		wc->prev->next = wc->next;
	else
		wt->conns = wc->next;
	if (wc->next)
		wc->next->prev = wc->prev;
	while (wc->qhead) {
		struct ws_msg *m = wc->qhead;

		wc->qhead = m->next;
		free(m);
	}
	free(wc->rx);
	ev_timer_free(wc->dial_timer);
	free(wc);
}

/* lws has let go of the connection: report and free it */
static void conn_gone(struct ws_conn *wc, const char *why)
{
	struct ws_transport *wt = wc->wt;

	if (wc->dialled && wc->wsi)
		lws_set_opaque_user_data(wc->wsi, NULL);
	wc->wsi = NULL;
	if (wc->in_dial) { /* ws_connect() reports it and frees */
		wc->gone = true;
		return;
	}
	if ((wc->opened || wc->dialled) && wt->t.h->closed)
		wt->t.h->closed(&wc->c, why, wt->t.user);
	conn_free(wc);
}

static void name_from_wsi(struct ws_conn *wc, struct lws *wsi)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = lws_get_socket_fd(wsi);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) ||
	    endpoint_from_sockaddr(&ss, &wc->c.peer))
		snprintf(wc->c.name, sizeof(wc->c.name), "?");
	else
		endpoint_format(&wc->c.peer, wc->c.name, sizeof(wc->c.name));
}

/* Close from the next writeable callback (see the pitfall above) */
static void close_later(struct ws_conn *wc, uint16_t code)
{
	if (!wc->wsi || wc->close_code)
		return;
	wc->close_code = code;
	lws_rx_flow_control(wc->wsi, 0);
	lws_callback_on_writable(wc->wsi);
}

static void deliver(struct ws_conn *wc, uint8_t *msg, size_t len)
{
	struct ws_transport *wt = wc->wt;

	wt->t.counters.msgs_in++;
	wt->t.counters.bytes_in += len;
	wt->t.h->message(&wc->c, msg, len, wt->t.user);
}

/* One piece of a message; assemble and deliver when it is whole.
 * Returns -1 when lws should close the connection now (server side). */
static int receive(struct ws_conn *wc, struct lws *wsi, uint8_t *in, size_t len)
{
	struct ws_transport *wt = wc->wt;
	bool first = lws_is_first_fragment(wsi);
	bool last = lws_is_final_fragment(wsi) &&
		    !lws_remaining_packet_payload(wsi);

	if (wc->close_code)
		return 0;
	if (first && last) {
		if (len > wt->p.max_message)
			goto too_big;
		deliver(wc, in, len);
		return 0;
	}
	if (first) {
		wc->rxlen = wc->frags = 0;
		wc->in_frame = false;
	}
	/* lws hands over frames in pieces; a new frame starts when the
	 * previous piece finished its frame */
	if (!wc->in_frame)
		wc->frags++;
	wc->in_frame = lws_remaining_packet_payload(wsi) != 0;
	if (wc->frags > MAX_FRAGS || wc->rxlen + len > wt->p.max_message)
		goto too_big;
	if (wc->rxlen + len > wc->rxcap) {
		size_t cap = wc->rxcap ? wc->rxcap : RX_CHUNK;
		uint8_t *rx;

		while (cap < wc->rxlen + len)
			cap *= 2;
		if (cap > wt->p.max_message)
			cap = wt->p.max_message;
		rx = realloc(wc->rx, cap);
		if (!rx)
			goto too_big;
		wc->rx = rx;
		wc->rxcap = cap;
	}
	memcpy(wc->rx + wc->rxlen, in, len);
	wc->rxlen += len;
	if (last) {
		deliver(wc, wc->rx, wc->rxlen);
		wc->rxlen = 0;
	}
	return 0;
too_big:
	wt->t.counters.drop_too_big++;
	log_debug("websocket: %s: message too big or too fragmented",
		  wc->c.name);
	if (wc->dialled) {
		close_later(wc, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
		return 0;
	}
	/* a server may close from RECEIVE, and only then does lws send the
	 * close frame carrying the code */
	lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
	wc->close_code = LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
	return -1;
}

/* Write one queued message; returns -1 to make lws close the connection */
static int writeable(struct ws_conn *wc, struct lws *wsi)
{
	struct ws_transport *wt = wc->wt;
	struct ws_msg *m = wc->qhead;
	size_t bound = wt->p.queue_bytes;

	if (wc->close_code) {
		lws_close_reason(wsi, wc->close_code, NULL, 0);
		return -1;
	}
	if (!m)
		return 0;
	if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_BINARY) <
	    (int)m->len)
		return -1;
	wt->t.counters.msgs_out++;
	wt->t.counters.bytes_out += m->len;
	wc->qhead = m->next;
	if (!wc->qhead)
		wc->qtail = NULL;
	wc->qbytes -= m->len;
	free(m);
	if (wc->qhead)
		lws_callback_on_writable(wsi);
	if (wc->over && wc->qbytes <= bound / 2) {
		wc->over = false;
		if (wt->t.h->drained)
			wt->t.h->drained(&wc->c, wt->t.user);
	}
	return 0;
}

/* Find (or with @add, claim) the slot of a 16-byte address key */
static struct ip_slot *ip_slot(struct ws_transport *wt, const uint8_t key[16],
			       bool add)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	for (uint32_t i = 0; i < IP_SLOTS; i++) {
		struct ip_slot *s = &wt->ips[(h + i) % IP_SLOTS];

		if (s->n && !memcmp(s->addr, key, 16))
			return s;
		if (!s->n) {
			if (!add)
				return NULL;
			memcpy(s->addr, key, 16);
			return s;
		}
	}
	return NULL;
}

/* Drop one connection from a slot. An emptied slot would cut the probe
 * chains that run through it, so the rest of its cluster is re-inserted. */
static void ip_release(struct ws_transport *wt, struct ip_slot *s)
{
	uint32_t i = (uint32_t)(s - wt->ips);

	if (--s->n)
		return;
	for (uint32_t j = (i + 1) % IP_SLOTS; wt->ips[j].n;
	     j = (j + 1) % IP_SLOTS) {
		struct ip_slot moved = wt->ips[j];

		wt->ips[j].n = 0;
		ip_slot(wt, moved.addr, true)->n = moved.n;
	}
}

/* An address as a 16-byte key (IPv4 as v4-mapped IPv6) */
static bool addr_key(const struct sockaddr_storage *ss, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr,
		       4);
		return true;
	}
	if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* The key of a connection's peer */
static bool peer_key(struct lws *wsi, uint8_t key[16])
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = lws_get_socket_fd(wsi);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len))
		return false;
	return addr_key(&ss, key);
}

/* Network-level events of accepted connections (lws sends them to
 * protocols[0]): the per-address limit, before any HTTP is parsed */
static int server_network_event(struct ws_transport *wt, struct lws *wsi,
				enum lws_callback_reasons reason, void *user)
{
	uint8_t key[16];
	struct ip_slot *s;

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
		/* no connection wsi yet: lws passes the accepted address */
		const struct lws_filter_network_conn_args *a = user;

		if (!wt->p.max_per_ip || !addr_key(&a->cli_addr, key))
			return 0;
		s = ip_slot(wt, key, false);
		if (s && s->n >= wt->p.max_per_ip) {
			wt->t.counters.refused++;
			return 1;
		}
		return 0;
	}
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		if (!wt->p.max_per_ip || !peer_key(wsi, key))
			return 0;
		s = ip_slot(wt, key, true);
		if (!s) {
			wt->t.counters.refused++;
			return -1;
		}
		s->n++;
		lws_set_opaque_user_data(wsi, s);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		s = lws_get_opaque_user_data(wsi);
		if (s) {
			lws_set_opaque_user_data(wsi, NULL);
			ip_release(wt, s);
		}
		return 0;
	default:
		return 0;
	}
}

static bool path_ok(struct ws_transport *wt, struct lws *wsi)
{
	char uri[256];

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
		return false;
	return !strcmp(uri, wt->path);
}

static int server_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len)
{
	struct lws_vhost *vh = lws_get_vhost(wsi);
	struct ws_transport *wt = vh ? lws_vhost_user(vh) : NULL;
	struct ws_pss *pss = user;
	struct ws_conn *wc = pss ? pss->conn : NULL;
	char origin[256];

	if (!wt)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (server_network_event(wt, wsi, reason, user))
			return 1;
		break;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		if (!path_ok(wt, wsi)) {
			wt->t.counters.refused++;
			lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND,
					       NULL);
			return 1;
		}
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
		int n;

		if (wt->destroying || !path_ok(wt, wsi)) {
			wt->t.counters.refused++;
			return 1;
		}
		wc = conn_new(wt, wsi);
		if (!wc)
			return 1;
		name_from_wsi(wc, wsi);
		n = lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN);
		if (wt->t.h->admit &&
		    !wt->t.h->admit(&wc->c, n > 0 ? origin : NULL,
				    wt->t.user)) {
			wt->t.counters.refused++;
			log_debug("websocket: %s refused (origin %s)",
				  wc->c.name, n > 0 ? origin : "none");
			conn_free(wc);
			return 1;
		}
		pss->conn = wc;
		return 0;
	}
	case LWS_CALLBACK_ESTABLISHED:
		if (!wc)
			return -1;
		wc->opened = true;
		wt->t.counters.conns++;
		if (wt->t.h->open)
			wt->t.h->open(&wc->c, wt->t.user);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		return wc ? receive(wc, wsi, in, len) : 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return wc ? writeable(wc, wsi) : 0;
	case LWS_CALLBACK_CLOSED:
		if (wc) {
			pss->conn = NULL;
			conn_gone(wc, "closed");
		}
		return 0;
	default:
		break;
	}
	/* plain HTTP: the static file mount and lws's own housekeeping */
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int client_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len)
{
	/* lws may call before it has bound our user data to the wsi (an
	 * early failure); the opaque pointer is set from the start */
	struct ws_conn *wc = user ? user : lws_get_opaque_user_data(wsi);

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (wc) {
			char why[160];

			if (cert_refused[0])
				snprintf(why, sizeof(why),
					 "connect failed: the server's "
					 "certificate is not trusted: %s",
					 cert_refused);
			else
				snprintf(why, sizeof(why), "connect failed: %s",
					 in ? (const char *)in
					    : "unknown error");
			cert_refused[0] = '\0';
			conn_gone(wc, why);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		ev_timer_stop(wc->dial_timer);
		wc->opened = true;
		wc->wt->t.counters.conns++;
		if (wc->wt->t.h->open)
			wc->wt->t.h->open(&wc->c, wc->wt->t.user);
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		receive(wc, wsi, in, len); /* never -1 here: see above */
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return wc ? writeable(wc, wsi) : 0;
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (wc)
			conn_gone(wc, "closed");
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		/* the last word on a wsi: if nothing reported its end yet
		 * (some early failures do not), do it now */
		wc = lws_get_opaque_user_data(wsi);
		if (wc && wc->wsi == wsi)
			conn_gone(wc, "connection failed");
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols server_protocols[] = {
	{"tether", server_callback, sizeof(struct ws_pss), RX_CHUNK, 0, NULL,
	 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}};

static const struct lws_protocols client_protocols[] = {
	{"tether-client", client_callback, 0, RX_CHUNK, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}};

static void ws_destroy(struct transport *t);

/* How many descriptors lws may use. It stops accepting at that many (the
 * kernel's backlog waits), but if the process runs out first accept()
 * fails with EMFILE on every loop turn: a busy loop. So the soft limit is
 * raised towards what lws needs, as far as the hard limit allows, and lws
 * is kept FD_RESERVE below whatever it ends up being. */
static unsigned fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = MAX_FDS + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024 - FD_RESERVE; /* the usual soft limit */
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 2 * FD_RESERVE)
		return FD_RESERVE;
	return rl.rlim_cur - FD_RESERVE < MAX_FDS
		       ? (unsigned)(rl.rlim_cur - FD_RESERVE)
		       : MAX_FDS;
}

static int make_server(struct ws_transport *wt, const struct endpoint *ep)
{
	struct lws_context_creation_info info;
	char host[ADDR_STRLEN], name[ADDR_STRLEN];

	memset(&info, 0, sizeof(info));
	addr_format(&ep->addr, host, sizeof(host));
	info.vhost_name = "server";
	info.port = ep->port;
	/* lws binds to an interface name or an address; "0.0.0.0" and "::"
	 * mean every address */
	if (strcmp(host, "0.0.0.0") && strcmp(host, "::"))
		info.iface = host;
	if (ep->addr.family == AF_INET)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.protocols = server_protocols;
	info.user = wt;
	info.timeout_secs = wt->p.handshake_timeout_s;
	info.timeout_secs_ah_idle = wt->p.handshake_timeout_s;
	info.retry_and_idle_policy = &wt->retry;
	if (wt->static_dir) {
		wt->mount.mountpoint = "/";
		wt->mount.mountpoint_len = 1;
		wt->mount.origin = wt->static_dir;
		wt->mount.def = "index.html";
		wt->mount.origin_protocol = LWSMPRO_FILE;
		info.mounts = &wt->mount;
	}
	if (wt->tls_cert) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.alpn = "http/1.1"; /* no WebSocket over h2 */
		info.ssl_cert_filepath = wt->tls_cert;
		info.ssl_private_key_filepath = wt->tls_key;
	}
	wt->server = lws_create_vhost(wt->ctx, &info);
	if (!wt->server && wt->tls_cert) {
		/* lws said why just before: a key that does not match */
		log_error("websocket: cannot listen on %s with certificate %s "
			  "and key %s",
			  endpoint_format(ep, name, sizeof(name)), wt->tls_cert,
			  wt->tls_key);
		return -1;
	}
	if (!wt->server) {
		log_error("websocket: cannot listen on %s",
			  endpoint_format(ep, name, sizeof(name)));
		return -1;
	}
	log_info("websocket: listening on %s%s, path %s",
		 wt->tls_cert ? "wss://" : "ws://",
		 endpoint_format(ep, name, sizeof(name)), wt->path);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static struct transport *ws_create(struct ev_loop *l,
				   const struct transport_params *p)
{
	struct ws_transport *wt = calloc(1, sizeof(*wt));
	struct lws_context_creation_info info;
	void *loops[1] = {ev_uv_loop(l)};

	if (!wt)
		return NULL;
	lws_set_log_level(
		LLL_ERR | LLL_WARN |
			(log_get_level() == LOG_LEVEL_DEBUG ? LLL_NOTICE : 0),
		lws_to_log);
	wt->p = *p;
	wt->ev = l;
	wt->loop = loops[0];
	wt->path = strdup(p->path ? p->path : "/");
	wt->static_dir = dup_or_null(p->static_dir);
	wt->tls_cert = dup_or_null(p->tls_cert);
	wt->tls_key = dup_or_null(p->tls_key);
	if (!wt->path || (p->static_dir && !wt->static_dir) ||
	    (p->tls_cert && !wt->tls_cert) || (p->tls_key && !wt->tls_key))
		goto err;
	wt->retry.secs_since_valid_ping = (uint16_t)p->ping_interval_s;
	wt->retry.secs_since_valid_hangup =
		(uint16_t)(p->ping_interval_s ? 3 * p->ping_interval_s : 0);
	wt->retry.jitter_percent = 20;

	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_LIBUV |
		       LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		       LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN |
		       (p->tls_cert ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
	info.foreign_loops = loops;
	info.pcontext = &wt->ctx;
	info.timeout_secs = p->handshake_timeout_s;
	info.retry_and_idle_policy = &wt->retry;
	info.pt_serv_buf_size = 128 * 1024;
	info.fd_limit_per_thread = fd_limit();
	wt->ctx = lws_create_context(&info);
	if (!wt->ctx) {
		log_error("websocket: cannot create the lws context");
		goto err;
	}
	if (p->listen && make_server(wt, p->listen))
		goto err;
	memset(&info, 0, sizeof(info));
	info.vhost_name = "client";
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = client_protocols;
	info.user = wt;
	info.retry_and_idle_policy = &wt->retry;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.client_ssl_ca_filepath = p->tls_ca;
	wt->client = lws_create_vhost(wt->ctx, &info);
	if (!wt->client) {
		log_error("websocket: cannot create the client vhost");
		goto err;
	}
	return &wt->t;
err:
	ws_destroy(&wt->t);
	return NULL;
}

/* A dialled connection that has not opened in time: lws would otherwise
 * wait forever on some peers (a plain ws:// client on a TLS port) */
static void on_dial_timeout(struct ev_timer *tm, void *arg)
{
	struct ws_conn *wc = arg;

	(void)tm;
	/* while the context is being destroyed lws owns every wsi */
	if (!wc->opened && wc->wsi && !wc->wt->destroying)
		lws_set_timeout(wc->wsi,
				PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE,
				LWS_TO_KILL_ASYNC);
}

static struct tconn *ws_connect(struct transport *t, const struct conf_url *url,
				const char *origin, void *data)
{
	struct ws_transport *wt = (struct ws_transport *)t;
	struct lws_client_connect_info i;
	struct ws_conn *wc;
	char host[300];

	if (url->scheme != URL_WS && url->scheme != URL_WSS)
		return NULL;
	wc = conn_new(wt, NULL);
	if (!wc)
		return NULL;
	wc->c.data = data;
	wc->dialled = true;
	wc->dial_timer = ev_timer_new(wt->ev, on_dial_timeout, wc);
	if (!wc->dial_timer) {
		conn_free(wc);
		return NULL;
	}
	ev_timer_start(wc->dial_timer,
		       (uint64_t)(wt->p.handshake_timeout_s
					  ? wt->p.handshake_timeout_s
					  : 10) *
			       1000,
		       0);
	snprintf(wc->c.name, sizeof(wc->c.name), "%.40s:%u", url->host,
		 url->port);
	if (strchr(url->host, ':'))
		snprintf(host, sizeof(host), "[%s]:%u", url->host, url->port);
	else
		snprintf(host, sizeof(host), "%s:%u", url->host, url->port);
	memset(&i, 0, sizeof(i));
	i.context = wt->ctx;
	i.vhost = wt->client;
	i.address = url->host;
	i.port = url->port;
	i.path = url->path;
	i.host = host;
	i.origin = origin;
	i.protocol = NULL; /* as a browser: no subprotocol */
	i.local_protocol_name = client_protocols[0].name;
	i.userdata = wc;
	i.opaque_user_data = wc;
	i.pwsi = &wc->wsi;
	i.retry_and_idle_policy = &wt->retry;
	if (url->scheme == URL_WSS)
		/* the certificate is verified as a browser would: the
		 * system's CAs and tls_ca, the name (or IP address) of the
		 * URL; the tunnel inside authenticates the server anyway */
		i.ssl_connection = LCCSCF_USE_SSL;
	wc->in_dial = true;
	if (!lws_client_connect_via_info(&i) || wc->gone) {
		log_warnx("websocket: cannot dial %s", wc->c.name);
		if (wc->wsi)
			lws_set_opaque_user_data(wc->wsi, NULL);
		conn_free(wc);
		return NULL;
	}
	wc->in_dial = false;
	return &wc->c;
}

static int ws_send(struct tconn *c, const uint8_t *msg, size_t len)
{
	struct ws_conn *wc = (struct ws_conn *)c;
	struct ws_transport *wt = wc->wt;
	struct ws_msg *m;

	if (len > wt->p.max_message)
		return -EMSGSIZE;
	if (!wc->wsi || !wc->opened || wc->close_code)
		return -ENOTCONN;
	if (wc->qbytes + len > 2 * wt->p.queue_bytes) {
		wt->t.counters.drop_queue_full++;
		return -ENOBUFS;
	}
	m = malloc(sizeof(*m) + LWS_PRE + len);
	if (!m) {
		wt->t.counters.drop_queue_full++;
		return -ENOBUFS;
	}
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, msg, len);
	if (wc->qtail)
		wc->qtail->next = m;
	else
		wc->qhead = m;
	wc->qtail = m;
	wc->qbytes += len;
	lws_callback_on_writable(wc->wsi);
	if (wc->qbytes > wt->p.queue_bytes) {
		wc->over = true;
		return 1;
	}
	return 0;
}

static void ws_pause(struct tconn *c, bool paused)
{
	struct ws_conn *wc = (struct ws_conn *)c;

	if (wc->paused == paused || !wc->wsi || wc->close_code)
		return;
	wc->paused = paused;
	lws_rx_flow_control(wc->wsi, !paused);
}

static void ws_close(struct tconn *c)
{
	close_later((struct ws_conn *)c, LWS_CLOSE_STATUS_NORMAL);
}

static struct tconn *ws_keep(struct tconn *c)
{
	return c;
}

static size_t ws_mtu(const struct tconn *c)
{
	return ((const struct ws_transport *)c->t)->p.max_message;
}

static int ws_port(const struct transport *t)
{
	const struct ws_transport *wt = (const struct ws_transport *)t;

	return wt->server ? lws_get_vhost_listen_port(wt->server) : -1;
}

static void count_handle(uv_handle_t *h, void *arg)
{
	struct {
		void *ctx;
		int n;
	} *w = arg;

	if (h->type == UV_POLL || h->data == w->ctx)
		w->n++;
}

static int count_lws_handles(struct ws_transport *wt, uv_loop_t *loop)
{
	struct {
		void *ctx;
		int n;
	} w = {wt->ctx, 0};

	uv_walk(loop, count_handle, &w);
	return w.n;
}

static void ws_destroy(struct transport *t)
{
	struct ws_transport *wt = (struct ws_transport *)t;

	wt->destroying = true;
	/* no dial timer may fire into lws while the loop turns below */
	for (struct ws_conn *wc = wt->conns; wc; wc = wc->next)
		if (wc->dial_timer)
			ev_timer_stop(wc->dial_timer);
	if (wt->ctx) {
		uv_loop_t *loop = wt->loop;

		/* the first destroy closes connections (their closed()
		 * handlers run) and starts closing lws's uv handles; the loop
		 * must turn for those, then the second destroy frees */
		lws_context_destroy(wt->ctx);
		for (int i = 0; wt->ctx && loop && i < DESTROY_TURNS &&
				count_lws_handles(wt, loop);
		     i++)
			uv_run(loop, UV_RUN_NOWAIT);
		if (wt->ctx)
			lws_context_destroy(wt->ctx);
	}
	while (wt->conns)
		conn_gone(wt->conns, "transport closed");
	free(wt->path);
	free(wt->static_dir);
	free(wt->tls_cert);
	free(wt->tls_key);
	free(wt);
}

const struct transport_ops transport_websocket_ops = {
	.create = ws_create,
	.connect = ws_connect,
	.destroy = ws_destroy,
	.send = ws_send,
	.pause = ws_pause,
	.close = ws_close,
	.keep = ws_keep,
	.port = ws_port,
	.mtu = ws_mtu,
};
