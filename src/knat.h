/* SPDX-License-Identifier: MIT */
/* knat.h - kernel-NAT mode: the server's kernel NATs its clients' packets
 *
 * The alternative to the userspace NAT (nat.h), for "nat": {"mode":
 * "kernel"}. The server writes each client's packets, moved to that
 * session's own pool address (knat_pool.h), into a TUN device of its own;
 * the kernel forwards them and nftables source-NATs them out of the
 * egress interface (knat_nft.h). Replies come back through the TUN, are
 * moved back to the client's inner address and handed to the caller.
 * Everything it changes on the host is undone by knat_close(), and what a
 * crashed run left by knat_cleanup() or the next knat_open().
 */
#ifndef TETHER_KNAT_H
#define TETHER_KNAT_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ev.h"
#include "pkt.h"

#define KNAT_TUN "tether-knat" /* the TUN device; one server per netns */

struct knat;

/* An IP packet for client session @session, moved to its inner address */
typedef void (*knat_deliver_cb)(uint32_t session, uint8_t *pkt, size_t len,
				void *arg);

/**
 * enum knat_verdict - what became of an outbound packet
 * @KNAT_SENT:	handed to the kernel
 * @KNAT_REFUSE: no pool address left for the session: answer the client
 *		with ICMP 3/13 (the packet is unchanged)
 * @KNAT_DROP:	dropped (counted by reason)
 */
enum knat_verdict {
	KNAT_SENT,
	KNAT_REFUSE,
	KNAT_DROP,
};

struct knat *knat_open(struct ev_loop *l, const struct conf_server *cf,
		       const char *egress_if, uint32_t ext_addr,
		       knat_deliver_cb deliver, void *arg);
enum knat_verdict knat_outbound(struct knat *k, uint32_t session,
				struct pkt *p, size_t gso);
void knat_session_gone(struct knat *k, uint32_t session);
int knat_client(struct knat *k, uint32_t id, uint32_t quota);
long knat_client_removed(struct knat *k, uint32_t id);
void knat_log_counters(const struct knat *k);
void knat_hand_over(struct knat *k);
void knat_undo_host(struct knat *k);
void knat_close(struct knat *k);
int knat_cleanup(void);

#endif
