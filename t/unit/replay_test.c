/* SPDX-License-Identifier: MIT */
/* replay_test.c - the replay window against a slow, obviously right model */
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "tap.h"

/*
 * The model remembers every counter it accepted (a sorted-free bitmap over
 * a bounded range) and applies the rule of doc/PROTOCOL.md 4.1 literally.
 */
#define MODEL_RANGE (1 << 22)

struct model {
	uint8_t *seen;
	uint64_t top; /* highest accepted + 1, 0: none */
};

static int model_update(struct model *m, uint64_t c)
{
	if (m->top && c + REPLAY_WINDOW < m->top)
		return -1;
	if (m->seen[c])
		return -2;
	m->seen[c] = 1;
	if (c + 1 > m->top)
		m->top = c + 1;
	return 0;
}

/* xorshift: reproducible sequences */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_model(void)
{
	struct model m = {.seen = calloc(MODEL_RANGE, 1), .top = 0};
	struct replay r;
	uint64_t c = 0, ops = 0, mismatch = 0, accepted = 0, refused = 0;
	uint64_t recent[256] = {0};
	int a, b;

	replay_init(&r);
	while (c < MODEL_RANGE - 5000) {
		uint64_t x, pick = rng() % 100;
		uint64_t hi = m.top ? m.top - 1 : 0;

		if (pick < 50) /* in order */
			x = ++c;
		else if (pick < 65) /* one already received, maybe old */
			x = recent[rng() % 256];
		else if (pick < 85) /* within about a window behind */
			x = hi > 2100 ? hi - rng() % 2100 : rng() % (hi + 1);
		else if (pick < 95) /* a little ahead, leaving gaps */
			x = c += 1 + rng() % 100;
		else /* far ahead */
			x = c += 1 + rng() % 3000;
		recent[rng() % 256] = x;
		if (x >= MODEL_RANGE)
			break;
		b = replay_check(&r, x);
		a = replay_update(&r, x);
		if (a != model_update(&m, x) || a != b)
			mismatch++;
		if (a == 0)
			accepted++;
		else
			refused++;
		ops++;
	}
	is(mismatch, 0, "%llu random operations agree with the model",
	   (unsigned long long)ops);
	ok(accepted > 1000 && refused > 1000,
	   "the sequence exercised both answers (%llu/%llu)",
	   (unsigned long long)accepted, (unsigned long long)refused);
	free(m.seen);
}

static void test_edges(void)
{
	struct replay r;
	uint64_t i;
	int all = 1;

	replay_init(&r);
	is(replay_update(&r, 0), 0, "counter 0 is accepted first");
	is(replay_update(&r, 0), -2, "counter 0 again is a replay");
	is(replay_update(&r, REPLAY_WINDOW), 0, "the window's far edge");
	is(replay_update(&r, 1), 0, "1 is still inside (exactly the window)");
	is(replay_update(&r, REPLAY_WINDOW + 1), 0, "advance by one");
	is(replay_check(&r, 1), -1, "1 is now outside: too old");
	is(replay_update(&r, 2), 0, "2 is the oldest inside");

	replay_init(&r);
	for (i = 0; i < 10 * REPLAY_BITS; i++)
		if (replay_update(&r, i))
			all = 0;
	ok(all, "%d counters in order are all accepted", 10 * REPLAY_BITS);
	for (i = 10 * REPLAY_BITS - REPLAY_WINDOW; i < 10 * REPLAY_BITS; i++)
		if (replay_check(&r, i) != -2)
			all = 0;
	ok(all, "and the last window of them are remembered");

	replay_init(&r);
	replay_update(&r, 5);
	is(replay_update(&r, 5 + 64 * REPLAY_WORDS * 7), 0,
	   "a jump much longer than the ring");
	is(replay_check(&r, 5 + 64 * REPLAY_WORDS * 7 - 1), 0,
	   "the counter just before it was never seen");
	is(replay_check(&r, 5 + 64 * REPLAY_WORDS * 6), -1,
	   "old ones: too old");

	replay_init(&r);
	is(replay_update(&r, UINT64_MAX), -1, "UINT64_MAX is never accepted");
	is(replay_update(&r, UINT64_MAX - 1), 0, "UINT64_MAX - 1 is");
	is(replay_update(&r, UINT64_MAX - 1), -2, "once");
	is(replay_update(&r, 0), -1, "and 0 is then far too old");

	replay_init(&r);
	replay_update(&r, 1000);
	is(replay_check(&r, 999), 0, "999 unseen below 1000");
	is(replay_check(&r, 1000), -2, "1000 seen");
	is(replay_check(&r, 1001), 0, "1001 ahead");
	is(replay_check(&r, 0), 0, "0 inside the window, unseen");
}

int main(void)
{
	test_edges();
	test_model();
	return tap_done();
}
