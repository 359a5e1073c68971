/* SPDX-License-Identifier: MIT */
/* conf_diff.h - which keys differ between two configs of one role */
#ifndef TETHER_CONF_DIFF_H
#define TETHER_CONF_DIFF_H

#include "conf.h"

typedef void (*conf_diff_cb)(const char *path, void *arg);

int conf_diff(const struct conf *a, const struct conf *b, conf_diff_cb cb,
	      void *arg);

#endif
