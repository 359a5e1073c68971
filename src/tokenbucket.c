/* SPDX-License-Identifier: MIT */
/* tokenbucket.c - a byte-rate policer in exact integer arithmetic
 *
 * The server limits each client's bandwidth with two of these, one per
 * direction. A packet passes if the bucket holds its size in tokens, and
 * takes them; otherwise it is dropped, never queued, so a client over its
 * rate costs no memory and TCP sees the loss and slows down. Tokens come
 * back at the rate, up to the burst.
 *
 * Tokens are counted in millibytes, so that a millisecond of a rate given
 * in bytes per second is a whole number of them: no rounding drifts, at
 * any rate and however often the bucket is asked. The clock is the caller's
 * (milliseconds, monotonic), which lets the unit test use a fake one.
 */
#include "tokenbucket.h"

/**
 * tokenbucket_init() - a full bucket
 * @tb:		the bucket
 * @rate:	bytes per second; 0 lets everything through
 * @burst:	bytes that may pass at once after an idle time
 * @now_ms:	the caller's clock
 */
void tokenbucket_init(struct tokenbucket *tb, uint64_t rate, uint64_t burst,
		      uint64_t now_ms)
{
	tb->rate = rate;
	tb->cap = burst * 1000;
	tb->tokens = tb->cap;
	tb->at_ms = now_ms;
}

/* Add the tokens earned since the last call, up to the burst */
static void refill(struct tokenbucket *tb, uint64_t now_ms)
{
	uint64_t dt;

	if (now_ms <= tb->at_ms)
		return; /* same millisecond, or a clock that went back */
	dt = now_ms - tb->at_ms;
	tb->at_ms = now_ms;
	/* bytes/s times ms is millibytes; a long idle time fills it up
	 * without the product overflowing */
	if (dt >= (tb->cap - tb->tokens) / tb->rate + 1)
		tb->tokens = tb->cap;
	else
		tb->tokens += dt * tb->rate;
}

/**
 * tokenbucket_take() - may a packet of @bytes pass now?
 * @tb:		the bucket
 * @bytes:	its size
 * @now_ms:	the caller's clock
 *
 * Return: true if it may (its tokens are taken), false if it must be
 * dropped (nothing is taken)
 */
bool tokenbucket_take(struct tokenbucket *tb, size_t bytes, uint64_t now_ms)
{
	uint64_t need = (uint64_t)bytes * 1000;

	if (!tb->rate)
		return true;
	refill(tb, now_ms);
	if (tb->tokens < need)
		return false;
	tb->tokens -= need;
	return true;
}
