/* SPDX-License-Identifier: MIT */
/* wheel_test.c - the timer wheel: due order, raised timers, removal, jumps */
#include <stddef.h>

#include "tap.h"
#include "wheel.h"

struct rec {
	int payload;
	struct wheel_node tw;
};

static struct rec recs[64];
static struct wheel w;

static void add(uint32_t i, uint32_t expire)
{
	recs[i].tw.expire = expire;
	wheel_add(&w, i);
}

/* Every record due at @now, as a bit mask of indices (< 32). */
static uint32_t due(uint32_t now)
{
	uint32_t i, mask = 0;

	while ((i = wheel_next_due(&w, now)) != WHEEL_NIL)
		mask |= 1u << i;
	return mask;
}

int main(void)
{
	uint32_t i, all = 1;

	ok(wheel_init(&w, 0, recs, sizeof(recs[0]), 0) < 0, "order 0 refused");
	is(wheel_init(&w, 3, recs, sizeof(recs[0]),
		      offsetof(struct rec, tw)), 0, "8-slot wheel");
	add(0, 5);
	add(1, 5);
	add(2, 7);
	add(3, 100);		/* more than a turn away */
	is(w.count, 4, "four on the wheel");
	is(due(4), 0, "nothing due at 4");
	is(due(5), 0x3, "0 and 1 due at 5");
	is(due(6), 0, "nothing at 6");
	recs[2].tw.expire = 9;	/* raised: no wheel call needed */
	is(due(8), 0, "raised timer not due at 8");
	is(due(9), 0x4, "raised timer due at 9");
	is(due(99), 0, "far timer not due at 99 (re-filed each turn)");
	is(due(100), 0x8, "far timer due at 100");
	is(w.count, 0, "wheel empty");

	add(4, 110);
	add(5, 110);
	add(6, 111);
	wheel_del(&w, 5);
	wheel_del(&w, 5);
	is(w.count, 2, "deleted one (twice is harmless)");
	is(due(1000), 0x50, "a long jump finds both others");

	/* deleting from the list being scanned */
	add(7, 1002);
	add(8, 1002);
	add(9, 1002);
	i = wheel_next_due(&w, 1002);
	ok(i >= 7 && i <= 9, "first of three due");
	wheel_del(&w, i == 8 ? 9 : 8);
	is(due(1002) | 1u << i | 1u << (i == 8 ? 9 : 8), 0x380,
	   "deleted mid-scan: the rest come out once");

	/* many timers, one per second over several turns */
	for (i = 0; i < 64; i++)
		add(i, 2000 + i * 3);
	for (i = 0; i < 64; i++) {
		uint32_t got = wheel_next_due(&w, 2000 + i * 3);

		all &= got == i && wheel_next_due(&w, 2000 + i * 3) ==
				   WHEEL_NIL;
	}
	ok(all, "64 timers over 24 turns, each at its second");
	is(due(100000), 0, "nothing left");
	is(wheel_next_due(&w, 5), WHEEL_NIL, "clock going back: nothing");
	wheel_free(&w);
	return tap_done();
}
