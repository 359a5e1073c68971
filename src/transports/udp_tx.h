/* SPDX-License-Identifier: MIT */
/* udp_tx.h - datagrams to one peer, gathered to leave in one system call
 *
 * The UDP transport gathers what it is asked to send in one loop turn and
 * sends each run of datagrams to one peer with UDP generic segmentation
 * offload (one sendmsg() with UDP_SEGMENT: the kernel cuts the buffer into
 * datagrams of the segment size, past its routing, netfilter and most of
 * its per-packet work), or with sendmmsg() where that is not available.
 * UDP_SEGMENT wants every datagram of a run the same size but the last,
 * which may be shorter: a run ends at a longer datagram, after a shorter
 * one, at another peer, or when full.
 */
#ifndef TETHER_UDP_TX_H
#define TETHER_UDP_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UDP_TX_MAX_SEGS	 64    /* the kernel's UDP_MAX_SEGMENTS */
#define UDP_TX_MAX_BYTES 65000 /* a run's total, under 64 KiB of UDP */
#define UDP_TX_BUF	 65535 /* one datagram alone may be this long */

struct udp_tx {
	const void *to; /* the run's peer (opaque); NULL when empty */
	size_t seg;	/* size of every datagram of the run but the last */
	size_t len;	/* bytes gathered */
	unsigned int n; /* datagrams gathered */
	bool closed;	/* the last is shorter than seg: it ends the run */
	uint8_t buf[UDP_TX_BUF];
};

bool udp_tx_add(struct udp_tx *tx, const void *to, const uint8_t *msg,
		size_t len);
unsigned int udp_tx_send(struct udp_tx *tx, int fd, const struct sockaddr *sa,
			 socklen_t salen, bool *gso, int *err);
void udp_tx_clear(struct udp_tx *tx);

#endif
