/* SPDX-License-Identifier: MIT */
/* nlx.c - one netlink request and its replies, synchronously (libmnl)
 *
 * Each request carries NLM_F_ACK and we read until its ack, each dump
 * until NLMSG_DONE, skipping any reply with another sequence number (left
 * over from an earlier exchange). The kernel's errno is returned, and its
 * extended-ack text, when it gives one, kept in x->ext for the caller's
 * report. A dump that changed while it was read (NLM_F_DUMP_INTR) fails
 * with EAGAIN so the caller can start it afresh.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nlx.h"

/**
 * nlx_open() - open and bind a netlink socket
 * @x:		the exchange, zeroed or not
 * @bus:	NETLINK_ROUTE, NETLINK_NETFILTER, ...
 *
 * Return: 0, or -1 with errno set (nothing to close then)
 */
int nlx_open(struct nlx *x, int bus)
{
	int one = 1, err;

	x->ext[0] = '\0';
	x->nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!x->nl)
		return -1;
	if (mnl_socket_bind(x->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		mnl_socket_close(x->nl);
		x->nl = NULL;
		errno = err;
		return -1;
	}
	/* best effort: shorter errors, with the kernel's explanation */
	mnl_socket_setsockopt(x->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(x->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	x->portid = mnl_socket_get_portid(x->nl);
	x->seq = (uint32_t)time(NULL);
	return 0;
}

void nlx_close(struct nlx *x)
{
	if (x->nl)
		mnl_socket_close(x->nl);
	x->nl = NULL;
}

/* Keep the kernel's extended-ack message, if the error carries one */
static void keep_ext_ack(struct nlx *x, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) != NLMSGERR_ATTR_MSG ||
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		snprintf(x->ext, sizeof(x->ext), "%s", mnl_attr_get_str(a));
	}
}

struct exchange {
	uint32_t seq;
	nlx_reply_cb cb;
	void *arg;
	int err;		/* the kernel's errno for the request */
	bool torn;		/* a dump changed while it was read */
};

/* Walk one datagram of replies. Return: true when the exchange is over */
static bool walk(struct nlx *x, size_t len, struct exchange *ex)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)x->buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		size_t plen = mnl_nlmsg_get_payload_len(nlh);

		if (nlh->nlmsg_seq != ex->seq || nlh->nlmsg_pid != x->portid)
			continue;	/* a stale reply */
		switch (nlh->nlmsg_type) {
		case NLMSG_ERROR:
			if (plen < sizeof(*e)) {
				ex->err = EBADMSG;
				return true;
			}
			ex->err = e->error < 0 ? -e->error : 0;
			if (ex->err)
				keep_ext_ack(x, nlh);
			return true;
		case NLMSG_DONE:
			/* newer kernels say why a dump stopped early */
			if (plen >= sizeof(int) && e->error < 0)
				ex->err = -e->error;
			return true;
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			break;
		default:
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				ex->torn = true;
			if (ex->cb)
				ex->cb(nlh, ex->arg);
		}
	}
	return false;
}

/**
 * nlx_msg() - start a request in x->buf
 * @x:		the exchange
 * @type:	RTM_NEWRULE, ...
 * @flags:	NLM_F_DUMP, or NLM_F_CREATE | NLM_F_EXCL, ... (NLM_F_ACK and
 *		NLM_F_REQUEST are added)
 *
 * Return: the message header, for its extra header and attributes
 */
struct nlmsghdr *nlx_msg(struct nlx *x, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(x->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	/* every request is acked; a dump ends with NLMSG_DONE instead */
	if (flags != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	return nlh;
}

/**
 * nlx_talk() - send the message built in x->buf, read the replies
 * @x:		the exchange
 * @cb:		gets every data message, or NULL
 * @arg:	for @cb
 *
 * Return: 0, or -1 with the kernel's errno (EAGAIN: the dump was torn by a
 * concurrent change, try again)
 */
int nlx_talk(struct nlx *x, nlx_reply_cb cb, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)x->buf;
	struct exchange ex = { .seq = ++x->seq, .cb = cb, .arg = arg };
	ssize_t n;

	x->ext[0] = '\0';
	nlh->nlmsg_seq = ex.seq;
	if (mnl_socket_sendto(x->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(x->nl, x->buf, sizeof(x->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
	} while (n < 0 || !walk(x, (size_t)n, &ex));
	if (!ex.err && ex.torn)
		ex.err = EAGAIN;
	errno = ex.err;
	return ex.err ? -1 : 0;
}
