/* SPDX-License-Identifier: MIT */
/* udp.c - the UDP transport: one message per datagram, client straight to
 * server
 *
 * One non-blocking socket per transport. Reads drain the socket in batches
 * with recvmmsg() each loop turn; with UDP_GRO, one buffer may hold
 * several datagrams of one size the kernel merged, handed over one by one. A
 * datagram from an address that has no lasting tconn is handed to the role with
 * a temporary tconn on the stack, so unauthenticated traffic allocates nothing;
 * tconn_keep() makes it lasting once the role has authenticated the peer.
 * Lasting peers live in a hash table keyed by address, so the server finds a
 * peer in O(1). Datagrams to send are gathered in one run per transport
 * (udp_tx.c) and leave when the run cannot take the next one or at the end of
 * the loop turn, with UDP GSO where the kernel has it: one system call and one
 * trip through the stack for up to 64 datagrams.  UDP has no send queue beyond
 * that: a full socket buffer is a counted drop.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "transport_impl.h"
#include "udp_tx.h"

#define BATCH	  16
#define MAX_DGRAM 65535
#define BUCKETS	  1024
#define SOCKBUF	  (4 << 20)

#ifndef UDP_GRO
#define UDP_GRO 104 /* linux/udp.h, Linux 5.0 */
#endif

struct udp_conn {
	struct tconn c; /* first: tconn_* see this */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool lasting;
	bool paused;
	struct udp_conn *next; /* hash chain */
};

struct udp_transport {
	struct transport t; /* first */
	struct ev_loop *loop;
	struct ev_io *io;
	struct ev_timer *opener; /* reports open() for dialled peers */
	struct ev_turn *flusher; /* sends the run at the end of the turn */
	int fd;
	bool gso;
	size_t max_message;
	int fwmark;
	struct udp_conn *pending_open;
	struct udp_conn *bucket[BUCKETS];
	uint8_t *rxbuf; /* BATCH * MAX_DGRAM */
	struct udp_tx *tx;
};

static uint32_t addr_hash(const struct sockaddr_storage *ss)
{
	const uint8_t *p = (const uint8_t *)ss;
	size_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in)
					      : sizeof(struct sockaddr_in6);
	uint32_t h = 2166136261u; /* FNV-1a; the table is not exposed */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h % BUCKETS;
}

static bool addr_equal(const struct sockaddr_storage *a, socklen_t alen,
		       const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

static void name_peer(struct udp_conn *u)
{
	if (endpoint_from_sockaddr(&u->addr, &u->c.peer))
		snprintf(u->c.name, sizeof(u->c.name), "?");
	else
		endpoint_format(&u->c.peer, u->c.name, sizeof(u->c.name));
}

static struct udp_conn *lookup(struct udp_transport *ut,
			       const struct sockaddr_storage *ss, socklen_t len)
{
	for (struct udp_conn *u = ut->bucket[addr_hash(ss)]; u; u = u->next)
		if (addr_equal(&u->addr, u->addrlen, ss, len))
			return u;
	return NULL;
}

static void unlink_conn(struct udp_transport *ut, struct udp_conn *u)
{
	struct udp_conn **pp = &ut->bucket[addr_hash(&u->addr)];

	while (*pp && *pp != u)
		pp = &(*pp)->next;
	if (*pp)
		*pp = u->next;
}

/* One datagram to the role, from a lasting peer or a temporary one */
static void deliver(struct udp_transport *ut,
		    const struct sockaddr_storage *from, socklen_t fromlen,
		    uint8_t *buf, size_t len)
{
	const struct transport_handlers *h = ut->t.h;
	struct udp_conn tmp, *u;

	if (len > ut->max_message) {
		ut->t.counters.drop_too_big++;
		return;
	}
	u = lookup(ut, from, fromlen);
	if (u && u->paused)
		return;
	if (!u) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.c.t = &ut->t;
		memcpy(&tmp.addr, from, fromlen);
		tmp.addrlen = fromlen;
		name_peer(&tmp);
		u = &tmp;
	}
	ut->t.counters.msgs_in++;
	ut->t.counters.bytes_in += len;
	h->message(&u->c, buf, len, ut->t.user);
}

/* The datagram size of what the kernel merged (UDP_GRO), or 0 */
static size_t gro_size(struct msghdr *mh)
{
	struct cmsghdr *cm;
	int size;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_UDP || cm->cmsg_type != UDP_GRO ||
		    cm->cmsg_len < CMSG_LEN(sizeof(size)))
			continue;
		memcpy(&size, CMSG_DATA(cm), sizeof(size));
		return size > 0 ? (size_t)size : 0;
	}
	return 0;
}

/* One received buffer: a datagram, or datagrams of one size (the last
 * may be shorter) that the kernel merged */
static void deliver_all(struct udp_transport *ut, struct mmsghdr *m,
			const struct sockaddr_storage *from, uint8_t *buf)
{
	size_t len = m->msg_len, seg = gro_size(&m->msg_hdr), k;

	if (m->msg_hdr.msg_flags & MSG_TRUNC) {
		ut->t.counters.drop_too_big++;
		return;
	}
	if (!seg || seg > len)
		seg = len;
	do {
		k = len < seg ? len : seg;
		deliver(ut, from, m->msg_hdr.msg_namelen, buf, k);
		buf += k;
		len -= k;
	} while (len);
}

static void on_readable(struct ev_io *io, int events, void *arg)
{
	struct udp_transport *ut = arg;
	struct sockaddr_storage from[BATCH];
	char ctl[BATCH][CMSG_SPACE(sizeof(int))];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	int n;

	(void)io;
	(void)events;
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = ut->rxbuf + (size_t)i * MAX_DGRAM;
		iov[i].iov_len = MAX_DGRAM;
		memset(&m[i].msg_hdr, 0, sizeof(m[i].msg_hdr));
		m[i].msg_hdr.msg_name = &from[i];
		m[i].msg_hdr.msg_namelen = sizeof(from[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_control = ctl[i];
		m[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
	}
	n = recvmmsg(ut->fd, m, BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_debug("udp: recvmmsg: %s", strerror(errno));
		return;
	}
	/* a handler may free the transport's peers, never the transport */
	for (int i = 0; i < n; i++)
		deliver_all(ut, &m[i], &from[i], iov[i].iov_base);
}

static int open_socket(struct udp_transport *ut, int family)
{
	int fd, buf = SOCKBUF, on = 1;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("udp: socket");
		return -1;
	}
	/* FORCE works as root, the plain one caps at rmem_max otherwise */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	/* merged datagrams in one read where the kernel can (Linux 5.0) */
	setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
	if (ut->fwmark &&
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &ut->fwmark, sizeof(int))) {
		log_warn("udp: SO_MARK %d", ut->fwmark);
		close(fd);
		return -1;
	}
	ut->io = ev_io_new(ut->loop, fd, on_readable, ut);
	if (!ut->io || ev_io_start(ut->io, EV_READ)) {
		log_error("udp: cannot watch the socket");
		ev_io_free(ut->io);
		ut->io = NULL;
		close(fd);
		return -1;
	}
	ut->fd = fd;
	return 0;
}

static void udp_destroy(struct transport *t);
static void on_turn(struct ev_turn *t, void *arg);

static struct transport *udp_create(struct ev_loop *l,
				    const struct transport_params *p)
{
	struct udp_transport *ut = calloc(1, sizeof(*ut));
	struct sockaddr_storage ss;
	socklen_t len;
	char name[ADDR_STRLEN];

	if (!ut)
		return NULL;
	ut->loop = l;
	ut->fd = -1;
	ut->fwmark = p->fwmark;
	ut->max_message = p->max_message ? p->max_message : MAX_DGRAM;
	ut->gso = true;
	ut->rxbuf = malloc((size_t)BATCH * MAX_DGRAM);
	ut->tx = calloc(1, sizeof(*ut->tx));
	ut->flusher = ev_turn_new(l, on_turn, ut);
	if (!ut->rxbuf || !ut->tx || !ut->flusher)
		goto err;
	if (!p->listen)
		return &ut->t;
	if (open_socket(ut, p->listen->addr.family))
		goto err;
	endpoint_to_sockaddr(p->listen, &ss, &len);
	if (bind(ut->fd, (struct sockaddr *)&ss, len)) {
		log_warn("udp: cannot listen on %s",
			 endpoint_format(p->listen, name, sizeof(name)));
		goto err;
	}
	log_info("udp: listening on %s",
		 endpoint_format(p->listen, name, sizeof(name)));
	return &ut->t;
err:
	udp_destroy(&ut->t);
	return NULL;
}

static struct udp_conn *add_conn(struct udp_transport *ut,
				 const struct sockaddr_storage *ss,
				 socklen_t len)
{
	struct udp_conn *u = calloc(1, sizeof(*u));
	uint32_t b;

	if (!u)
		return NULL;
	u->c.t = &ut->t;
	memcpy(&u->addr, ss, len);
	u->addrlen = len;
	u->lasting = true;
	name_peer(u);
	b = addr_hash(&u->addr);
	u->next = ut->bucket[b];
	ut->bucket[b] = u;
	return u;
}

static void report_open(struct ev_timer *tm, void *arg)
{
	struct udp_transport *ut = arg;
	struct udp_conn *u = ut->pending_open;

	(void)tm;
	ut->pending_open = NULL;
	if (u && ut->t.h->open)
		ut->t.h->open(&u->c, ut->t.user);
}

static struct tconn *udp_connect(struct transport *t,
				 const struct conf_url *url, const char *origin,
				 void *data)
{
	struct udp_transport *ut = (struct udp_transport *)t;
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai;
	struct udp_conn *u;
	char port[8];
	int err;

	(void)origin;
	snprintf(port, sizeof(port), "%u", url->port);
	err = getaddrinfo(url->host, port, &hints, &ai);
	if (err) {
		log_error("udp: %s: %s", url->host, gai_strerror(err));
		return NULL;
	}
	if (ut->fd < 0 && open_socket(ut, ai->ai_family)) {
		freeaddrinfo(ai);
		return NULL;
	}
	u = add_conn(ut, (struct sockaddr_storage *)ai->ai_addr,
		     ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!u)
		return NULL;
	u->c.data = data;
	if (!ut->opener)
		ut->opener = ev_timer_new(ut->loop, report_open, ut);
	if (!ut->opener) {
		unlink_conn(ut, u);
		free(u);
		return NULL;
	}
	ut->pending_open = u;
	ev_timer_start(ut->opener, 0, 0);
	ut->t.counters.conns++;
	return &u->c;
}

/* Send the gathered run; what the kernel does not take is a counted drop */
static void flush(struct udp_transport *ut)
{
	const struct udp_conn *u = ut->tx->to;
	unsigned int k;
	int err;

	if (!u)
		return;
	k = udp_tx_send(ut->tx, ut->fd, (const struct sockaddr *)&u->addr,
			u->addrlen, &ut->gso, &err);
	ut->t.counters.msgs_out += k;
	ut->t.counters.bytes_out +=
		k == ut->tx->n ? ut->tx->len : (uint64_t)k * ut->tx->seg;
	ut->t.counters.drop_queue_full += ut->tx->n - k;
	if (err && err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS)
		log_debug("udp: %s: %s", u->c.name, strerror(err));
	udp_tx_clear(ut->tx);
}

static void on_turn(struct ev_turn *t, void *arg)
{
	struct udp_transport *ut = arg;

	flush(ut);
	ev_turn_stop(t);
}

/* Gathered into the run; sent by the end of this loop turn */
static int udp_send(struct tconn *c, const uint8_t *msg, size_t len)
{
	struct udp_conn *u = (struct udp_conn *)c;
	struct udp_transport *ut = (struct udp_transport *)c->t;

	if (len > ut->max_message || len > UDP_TX_BUF)
		return -EMSGSIZE;
	if (ut->fd < 0)
		return -ENOTCONN;
	if (!udp_tx_add(ut->tx, u, msg, len)) {
		flush(ut);
		udp_tx_add(ut->tx, u, msg, len);
	}
	/* a temporary peer lives on deliver()'s stack: send at once */
	if (!u->lasting)
		flush(ut);
	/* spin: a send from another turn hook must not wait for the poll */
	else if (ut->tx->n == 1)
		ev_turn_start(ut->flusher, true);
	return 0;
}

static void udp_pause(struct tconn *c, bool paused)
{
	struct udp_conn *u = (struct udp_conn *)c;

	u->paused = paused;
}

static void udp_close(struct tconn *c)
{
	struct udp_transport *ut = (struct udp_transport *)c->t;
	struct udp_conn *u = (struct udp_conn *)c;

	if (!u->lasting)
		return;
	if (ut->tx->to == u)
		flush(ut);
	if (ut->pending_open == u)
		ut->pending_open = NULL;
	unlink_conn(ut, u);
	if (ut->t.h->closed)
		ut->t.h->closed(c, "closed", ut->t.user);
	free(u);
}

static struct tconn *udp_keep(struct tconn *c)
{
	struct udp_transport *ut = (struct udp_transport *)c->t;
	struct udp_conn *u = (struct udp_conn *)c, *k;

	if (u->lasting)
		return c;
	k = lookup(ut, &u->addr, u->addrlen);
	if (!k) {
		k = add_conn(ut, &u->addr, u->addrlen);
		if (k)
			ut->t.counters.conns++;
	}
	return k ? &k->c : NULL;
}

static int udp_port(const struct transport *t)
{
	const struct udp_transport *ut = (const struct udp_transport *)t;
	struct sockaddr_storage ss;
	struct endpoint e;
	socklen_t len = sizeof(ss);

	if (ut->fd < 0 || getsockname(ut->fd, (struct sockaddr *)&ss, &len) ||
	    endpoint_from_sockaddr(&ss, &e))
		return -1;
	return e.port;
}

/* One datagram, unfragmented, on a 1500-byte path (less IP and UDP) */
static size_t udp_mtu(const struct tconn *c)
{
	const struct udp_transport *ut = (const struct udp_transport *)c->t;
	size_t mtu =
		c->peer.addr.family == AF_INET6 ? 1500 - 40 - 8 : 1500 - 20 - 8;

	return mtu < ut->max_message ? mtu : ut->max_message;
}

static void udp_destroy(struct transport *t)
{
	struct udp_transport *ut = (struct udp_transport *)t;

	for (int b = 0; b < BUCKETS; b++)
		while (ut->bucket[b])
			udp_close(&ut->bucket[b]->c);
	if (ut->tx)
		flush(ut);
	ev_turn_free(ut->flusher);
	ev_timer_free(ut->opener);
	ev_io_free(ut->io);
	if (ut->fd >= 0)
		close(ut->fd);
	free(ut->rxbuf);
	free(ut->tx);
	free(ut);
}

const struct transport_ops transport_udp_ops = {
	.create = udp_create,
	.connect = udp_connect,
	.destroy = udp_destroy,
	.send = udp_send,
	.pause = udp_pause,
	.close = udp_close,
	.keep = udp_keep,
	.port = udp_port,
	.mtu = udp_mtu,
};
