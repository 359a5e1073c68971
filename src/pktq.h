/* SPDX-License-Identifier: MIT */
/* pktq.h - a bounded FIFO of packets with the time each arrived */
#ifndef TETHER_PKTQ_H
#define TETHER_PKTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packets stored back to back in one ring of bytes, each after a header */
struct pktq {
	uint8_t *buf;
	size_t cap;
	size_t head;  /* offset of the oldest packet's header */
	size_t tail;  /* offset where the next header goes */
	size_t n;     /* packets held */
	size_t bytes; /* packet bytes held, headers not counted */
};

int pktq_init(struct pktq *q, size_t cap);
void pktq_free(struct pktq *q);
int pktq_push(struct pktq *q, const uint8_t *pkt, size_t len, uint64_t now);
bool pktq_peek(const struct pktq *q, const uint8_t **pkt, size_t *len,
	       uint64_t *when);
void pktq_pop(struct pktq *q);

#endif
