/* SPDX-License-Identifier: MIT */
/* selftest_browser.h - the selftest's phone as the real page in Chromium */
#ifndef TETHER_SELFTEST_BROWSER_H
#define TETHER_SELFTEST_BROWSER_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/* The browser, and the page the laptop's client serves it */
struct selftest_browser {
	char exe[PATH_MAX];    /* /usr/bin/chromium */
	char version[64];      /* "Chromium 156.0.8078.79" */
	char webapp[PATH_MAX]; /* the page's directory */
};

int selftest_browser_webapp(char *buf, size_t len);
int selftest_browser_find(struct selftest_browser *b);
pid_t selftest_browser_start(const struct selftest_browser *b, int nsfd,
			     const char *dir, const char *log);

#endif
