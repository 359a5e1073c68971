/* SPDX-License-Identifier: MIT */
/* replay.c - sliding-window replay protection for 64-bit message counters
 *
 * The bitmap scheme of RFC 6479, as WireGuard uses it: REPLAY_WORDS words
 * of 64 bits form a ring indexed by counter / 64; bit counter % 64 of its
 * word says whether that counter was seen. When a newer counter arrives,
 * the words between the old and the new front are cleared (at most the
 * whole ring), so advancing costs O(words skipped), never O(counters).
 * Because clearing works a word at a time, only the newest
 * REPLAY_BITS - 64 counters are guaranteed to be remembered; older ones
 * are refused outright.
 *
 * The receive path calls replay_check() before decrypting (cheap refusal
 * of obvious replays) and replay_update() only after the message
 * authenticated, so forged counters can never move the window.
 */
#include <string.h>

#include "replay.h"

/**
 * replay_init() - start a window with no counter seen
 * @r:		the window
 */
void replay_init(struct replay *r)
{
	memset(r, 0, sizeof(*r));
}

/* 0: acceptable; -1: too old; -2: already seen */
static int replay_state(const struct replay *r, uint64_t c)
{
	if (c >= r->next)
		return 0;
	if (r->next - c > REPLAY_WINDOW)
		return -1;
	if (r->map[(c / 64) % REPLAY_WORDS] & (1ULL << (c % 64)))
		return -2;
	return 0;
}

/**
 * replay_check() - would a counter be accepted?
 * @r:		the window, unchanged
 * @counter:	counter of a received message
 *
 * Return: 0 if @counter is newer than any seen or inside the window and
 * not seen yet; -1 if it is older than the window; -2 if already seen.
 * UINT64_MAX is never accepted (-1).
 */
int replay_check(const struct replay *r, uint64_t counter)
{
	if (counter == UINT64_MAX)
		return -1;
	return replay_state(r, counter);
}

/**
 * replay_update() - accept a counter, once
 * @r:		the window
 * @counter:	counter of a message that authenticated
 *
 * Return: as replay_check(); the window records @counter only when 0.
 */
int replay_update(struct replay *r, uint64_t counter)
{
	uint64_t word, front, n, i;
	int ret = replay_check(r, counter);

	if (ret)
		return ret;
	word = counter / 64;
	if (counter >= r->next) {
		/* clear the words the front moves over, then move it */
		front = r->next ? (r->next - 1) / 64 : 0;
		n = word - front;
		if (n > REPLAY_WORDS)
			n = REPLAY_WORDS;
		for (i = 1; i <= n; i++)
			r->map[(front + i) % REPLAY_WORDS] = 0;
		r->next = counter + 1;
	}
	r->map[word % REPLAY_WORDS] |= 1ULL << (counter % 64);
	return 0;
}
