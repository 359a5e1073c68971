/* SPDX-License-Identifier: MIT */
/* noise_pair.h - test helpers: a client and a server that handshake */
#ifndef TETHER_NOISE_PAIR_H
#define TETHER_NOISE_PAIR_H

#include <arpa/inet.h>
#include <string.h>

#include <sodium.h>

#include "key.h"
#include "noise.h"

struct pair {
	struct noise_static client;
	struct noise_static server;
	struct noise_keypair ckp;    /* the client's keys */
	struct noise_keypair skp;    /* the server's keys */
	struct noise_assignment as;  /* what the server assigns */
	struct noise_assignment got; /* what the client received */
	uint64_t ts_sec;	     /* next timestamp to use */
};

static inline void pair_assignment(struct noise_assignment *as)
{
	memset(as, 0, sizeof(*as));
	inet_pton(AF_INET, "10.77.0.2", &as->addr);
	as->prefix = 24;
	as->mtu = 1400;
	inet_pton(AF_INET, "10.77.0.1", &as->dns);
}

static inline void pair_init(struct pair *p)
{
	uint8_t k[KEY_LEN];

	memset(p, 0, sizeof(*p));
	key_generate(k);
	noise_static_init(&p->client, k);
	key_generate(k);
	noise_static_init(&p->server, k);
	sodium_memzero(k, sizeof(k));
	pair_assignment(&p->as);
	p->ts_sec = 1700000000;
}

static inline void pair_timestamp(struct pair *p,
				  uint8_t ts[NOISE_TIMESTAMP_LEN])
{
	struct timespec t = {.tv_sec = (time_t)p->ts_sec++, .tv_nsec = 0};

	noise_timestamp(ts, &t);
}

/* A whole handshake; 0 on success, else the first failing step's error */
static inline int pair_handshake(struct pair *p, uint32_t cidx, uint32_t sidx)
{
	uint8_t init[NOISE_INITIATION_LEN], resp[NOISE_RESPONSE_LEN];
	uint8_t ts[NOISE_TIMESTAMP_LEN];
	struct noise_handshake chs, shs;
	int err;

	pair_timestamp(p, ts);
	err = noise_initiation_create(&chs, &p->client, p->server.pub, cidx, ts,
				      init);
	if (!err)
		err = noise_initiation_consume(&shs, &p->server, init,
					       sizeof(init));
	if (!err && memcmp(shs.rs, p->client.pub, NOISE_KEY_LEN))
		err = -1;
	if (!err)
		err = noise_response_create(&shs, sidx, &p->as, resp, &p->skp);
	if (!err)
		err = noise_response_consume(&chs, &p->client, resp,
					     sizeof(resp), &p->got, &p->ckp);
	noise_handshake_clear(&chs);
	noise_handshake_clear(&shs);
	return err;
}

/* Allocated heap bytes, to show that a code path allocates nothing */
#if defined(__SANITIZE_ADDRESS__)
#define PAIR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAIR_ASAN 1
#endif
#endif
#ifdef PAIR_ASAN
/* from <sanitizer/allocator_interface.h>, which gcc does not ship */
size_t __sanitizer_get_current_allocated_bytes(void);
static inline size_t pair_heap_bytes(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
#include <malloc.h>
static inline size_t pair_heap_bytes(void)
{
	return mallinfo2().uordblks;
}
#endif

#endif
