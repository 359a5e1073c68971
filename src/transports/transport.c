/* SPDX-License-Identifier: MIT */
/* transport.c - the transport interface, dispatched to its modules */
#include "log.h"
#include "transport_impl.h"

static const struct transport_ops *const modules[] = {
	[TRANSPORT_WEBSOCKET] = &transport_websocket_ops,
	[TRANSPORT_UDP] = &transport_udp_ops,
	[TRANSPORT_WS_CLIENT] = &transport_ws_client_ops,
};

/**
 * transport_new() - create a transport, listening if @p->listen is set
 * @l:		event loop
 * @p:		parameters (copied where needed)
 * @h:		event handlers; must outlive the transport
 * @user:	passed to every handler
 *
 * Return: the transport, or NULL (logged) on failure
 */
struct transport *transport_new(struct ev_loop *l,
				const struct transport_params *p,
				const struct transport_handlers *h, void *user)
{
	struct transport *t = modules[p->kind]->create(l, p);

	if (!t)
		return NULL;
	t->ops = modules[p->kind];
	t->h = h;
	t->user = user;
	return t;
}

/**
 * transport_connect() - dial out to @url
 * @t:		transport
 * @url:	ws://, wss:// or udp:// URL matching the transport's kind
 * @origin:	WebSocket Origin header to send, or NULL
 * @data:	the connection's tconn_data(), set before any handler runs
 *
 * The open() or closed() handler reports the outcome, always from the
 * loop, never from inside this call.
 *
 * Return: the connection, or NULL (logged) if it could not even start
 */
/* transport_link() - put @c (its t set) at the head of its transport's
 * list of connections; transport_unlink() takes it out again */
void transport_link(struct tconn *c)
{
	c->prev = NULL;
	c->next = c->t->conns;
	if (c->next)
		c->next->prev = c;
	c->t->conns = c;
}

void transport_unlink(struct tconn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->t->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
}

struct tconn *transport_connect(struct transport *t, const struct conf_url *url,
				const char *origin, void *data)
{
	return t->ops->connect(t, url, origin, data);
}

const struct transport_counters *transport_counters(const struct transport *t)
{
	return &t->counters;
}

/* The port the transport listens on (useful after listening on port 0) */
int transport_port(const struct transport *t)
{
	return t->ops->port(t);
}

/* Close every connection (their closed() handlers run) and free @t */
void transport_free(struct transport *t)
{
	if (t)
		t->ops->destroy(t);
}

/**
 * tconn_send() - queue one message on a connection
 * @c:		connection
 * @msg:	message bytes (copied)
 * @len:	length, at most the transport's max_message
 *
 * Return: 0 if queued; 1 if queued but the queue is now past its bound
 * (pause the source until drained()); -ENOBUFS if refused because the
 * queue is at twice its bound (counted); -EMSGSIZE if @len is too big;
 * -ENOTCONN if the connection is not open
 */
int tconn_send(struct tconn *c, const uint8_t *msg, size_t len)
{
	return c->t->ops->send(c, msg, len);
}

/* Stop (or resume) delivering received messages: back-pressure */
void tconn_pause(struct tconn *c, bool paused)
{
	c->t->ops->pause(c, paused);
}

/* Close; the closed() handler follows, from the loop */
void tconn_close(struct tconn *c)
{
	c->t->ops->close(c);
}

/**
 * tconn_keep() - make the temporary connection of a UDP message lasting
 * @c:	the tconn given to a message() handler
 *
 * For connection-oriented transports @c already lasts and is returned.
 *
 * Return: a lasting connection to the same peer, or NULL on out of memory
 */
struct tconn *tconn_keep(struct tconn *c)
{
	return c->t->ops->keep(c);
}

void tconn_set_data(struct tconn *c, void *data)
{
	c->data = data;
}

void *tconn_data(const struct tconn *c)
{
	return c->data;
}

/* The peer's address and port; family 0 when the transport cannot tell */
const struct endpoint *tconn_peer(const struct tconn *c)
{
	return &c->peer;
}

/**
 * tconn_mtu() - the largest message worth sending on @c at once
 * @c:	connection
 *
 * Return: for UDP, what fits one unfragmented datagram on a 1500-byte
 * path; for WebSocket, the transport's max_message
 */
size_t tconn_mtu(const struct tconn *c)
{
	return c->t->ops->mtu(c);
}

/* "address:port" of the peer, for logs */
const char *tconn_name(const struct tconn *c)
{
	return c->name;
}
