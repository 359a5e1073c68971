/* SPDX-License-Identifier: MIT */
/* udp_tx.c - datagrams to one peer, gathered to leave in one system call
 *
 * See udp_tx.h.  The run is one buffer: datagram i starts at i * seg.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>

#include "udp_tx.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103 /* linux/udp.h, Linux 4.18 */
#endif

/**
 * udp_tx_add() - append a datagram to the run if it may join it
 * @tx:		the run
 * @to:		the datagram's peer
 * @msg:	the datagram
 * @len:	its length, at most UDP_TX_BUF
 *
 * An empty run takes any datagram; a run takes one more to the same peer
 * while it has room (UDP_TX_MAX_SEGS, UDP_TX_MAX_BYTES) and the datagram
 * is no longer than the first, after none that was shorter.
 *
 * Return: true if appended; false if the run must be sent first
 */
bool udp_tx_add(struct udp_tx *tx, const void *to, const uint8_t *msg,
		size_t len)
{
	if (len > UDP_TX_BUF)
		return false;
	if (tx->n) {
		if (to != tx->to || tx->closed || len > tx->seg ||
		    tx->n >= UDP_TX_MAX_SEGS ||
		    tx->len + len > UDP_TX_MAX_BYTES)
			return false;
		tx->closed = len < tx->seg;
	} else {
		tx->to = to;
		tx->seg = len;
	}
	memcpy(tx->buf + tx->len, msg, len);
	tx->len += len;
	tx->n++;
	return true;
}

/* One datagram per message, as many as the kernel takes */
static unsigned int send_each(struct udp_tx *tx, int fd,
			      const struct sockaddr *sa, socklen_t salen,
			      int *err)
{
	struct mmsghdr m[UDP_TX_MAX_SEGS];
	struct iovec iov[UDP_TX_MAX_SEGS];
	unsigned int i, done = 0;
	int k;

	for (i = 0; i < tx->n; i++) {
		iov[i].iov_base = tx->buf + i * tx->seg;
		iov[i].iov_len =
			i + 1 < tx->n ? tx->seg : tx->len - i * tx->seg;
		memset(&m[i], 0, sizeof(m[i]));
		m[i].msg_hdr.msg_name = (void *)sa;
		m[i].msg_hdr.msg_namelen = salen;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < tx->n) {
		k = sendmmsg(fd, m + done, tx->n - done,
			     MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k <= 0) {
			*err = k < 0 ? errno : EAGAIN;
			break;
		}
		done += (unsigned int)k;
	}
	return done;
}

/**
 * udp_tx_send() - send the run to its peer (the run stays: see clear)
 * @tx:		the run
 * @fd:		a UDP socket
 * @sa:		the peer's address
 * @salen:	its length
 * @gso:	in: try UDP_SEGMENT; out: false once the kernel or the path
 *		refused it (the run then went out one datagram at a time)
 * @err:	set to the errno of the first datagram the kernel did not
 *		take, 0 if it took them all
 *
 * Never blocks.
 *
 * Return: how many datagrams of the run the kernel took, from the first
 */
unsigned int udp_tx_send(struct udp_tx *tx, int fd, const struct sockaddr *sa,
			 socklen_t salen, bool *gso, int *err)
{
	char ctl[CMSG_SPACE(sizeof(uint16_t))] = {0};
	struct iovec iov = {.iov_base = tx->buf, .iov_len = tx->len};
	struct msghdr m = {
		.msg_name = (void *)sa,
		.msg_namelen = salen,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *cm;
	uint16_t seg = (uint16_t)tx->seg;

	*err = 0;
	if (!tx->n)
		return 0;
	if (tx->n == 1 || !*gso)
		return send_each(tx, fd, sa, salen, err);
	m.msg_control = ctl;
	m.msg_controllen = sizeof(ctl);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	if (sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return tx->n;
	*err = errno;
	switch (*err) {
	case EIO:    /* a device without checksum offload */
	case EINVAL: /* a segment over the path MTU: GSO never
		      * fragments, plain datagrams do */
	case EMSGSIZE:
	case ENOPROTOOPT: /* a kernel without UDP GSO */
	case EOPNOTSUPP:
		*gso = false;
		*err = 0;
		return send_each(tx, fd, sa, salen, err);
	default:
		return 0;
	}
}

/* Empty the run */
void udp_tx_clear(struct udp_tx *tx)
{
	tx->to = NULL;
	tx->seg = tx->len = 0;
	tx->n = 0;
	tx->closed = false;
}
