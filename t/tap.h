/* SPDX-License-Identifier: MIT */
/* tap.h - a tiny TAP producer for tether's C unit tests
 *
 * Each test program includes this header, calls ok()/is()/... and ends with
 * `return tap_done();`. Output is TAP version 13, read by automake's
 * tap-driver.sh, so every assertion is one reported test point.
 */
#ifndef TETHER_TAP_H
#define TETHER_TAP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline int tap_ok(int cond, const char *file, int line,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline int tap_ok(int cond, const char *file, int line,
			 const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

/* ok(cond, "name %d", ...) - one test point */
#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* is(got, want, name...) - integer equality, prints both on failure */
#define is(got, want, ...)                                                   \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (!ok(g_ == w_, __VA_ARGS__))                              \
			printf("#   got %lld, want %lld\n", g_, w_);         \
	} while (0)

/* is_str(got, want, name...) - string equality */
#define is_str(got, want, ...)                                               \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		if (!ok(g_ && w_ && !strcmp(g_, w_), __VA_ARGS__))           \
			printf("#   got \"%s\", want \"%s\"\n",              \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");      \
	} while (0)

/* has_str(haystack, needle, name...) - substring check */
#define has_str(hay, needle, ...)                                            \
	do {                                                                 \
		const char *h_ = (hay), *n_ = (needle);                      \
		if (!ok(h_ && n_ && strstr(h_, n_), __VA_ARGS__))            \
			printf("#   \"%s\" does not contain \"%s\"\n",       \
			       h_ ? h_ : "(null)", n_ ? n_ : "(null)");      \
	} while (0)

/* tap_done() - print the plan; return the exit status for main() */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* A file's text (at most 64 KiB), in a buffer the next call reuses; ""
 * if it cannot be read */
static inline const char *slurp(const char *path)
{
	static char slurp_buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(slurp_buf, 1, sizeof(slurp_buf) - 1, f);
		fclose(f);
	}
	slurp_buf[n] = '\0';
	return slurp_buf;
}

#endif
