/* SPDX-License-Identifier: MIT */
/* u32set_test.c - the sorted set of distinct values kernel-NAT mode keeps
 * its quotas in: adding, finding, deleting, growing past its first size,
 * against a plain array as the model
 */
#include <stdlib.h>

#include "tap.h"
#include "u32set.h"

static bool sorted(const struct u32set *s)
{
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i - 1] >= s->v[i])
			return false;
	return true;
}

static void test_basic(void)
{
	struct u32set s = {0};

	ok(!u32set_has(&s, 5), "an empty set has nothing");
	is(u32set_add(&s, 1024), 1, "1024 added");
	is(u32set_add(&s, 3), 1, "3 added");
	is(u32set_add(&s, 1024), 0, "1024 again: there already");
	is(u32set_add(&s, 0), 1, "0 added");
	is(u32set_add(&s, UINT32_MAX), 1, "the largest value added");
	is(s.n, 4, "four values");
	ok(sorted(&s) && s.v[0] == 0 && s.v[1] == 3 && s.v[2] == 1024,
	   "in order");
	ok(u32set_has(&s, 3) && !u32set_has(&s, 4), "3 is in, 4 is not");
	u32set_del(&s, 3);
	ok(!u32set_has(&s, 3) && s.n == 3 && sorted(&s), "3 deleted");
	u32set_del(&s, 3);
	is(s.n, 3, "deleting it again changes nothing");
	u32set_del(&s, UINT32_MAX);
	ok(!u32set_has(&s, UINT32_MAX) && s.n == 2, "the last one deleted");
	u32set_free(&s);
	ok(!s.v && !s.n, "freed");
}

/* Random adds and deletes, far past the first allocation */
static void test_random(void)
{
	static bool model[512];
	struct u32set s = {0};
	int bad = 0;
	size_t n = 0;

	srand(7);
	for (int i = 0; i < 20000; i++) {
		uint32_t x = (uint32_t)(rand() % 512);

		if (rand() % 3) {
			bad += u32set_add(&s, x) != !model[x];
			n += !model[x];
			model[x] = true;
		} else {
			u32set_del(&s, x);
			n -= model[x];
			model[x] = false;
		}
	}
	for (uint32_t x = 0; x < 512; x++)
		bad += u32set_has(&s, x) != model[x];
	is(bad, 0, "20000 random changes: the set agrees with the model");
	ok(s.n == n && sorted(&s), "%zu values, in order", n);
	u32set_free(&s);
}

int main(void)
{
	test_basic();
	test_random();
	return tap_done();
}
