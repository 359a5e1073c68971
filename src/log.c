/* SPDX-License-Identifier: MIT */
/* log.c - leveled logging to stderr, one line per event
 *
 * Lines look like "tether[1234]: warn: message". Debug lines are for
 * per-packet detail and are off unless --verbose or "log_level": "debug".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static enum log_level current = LOG_LEVEL_INFO;

static const char *const names[] = {
	[LOG_LEVEL_DEBUG] = "debug",   [LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARN] = "warn",     [LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_SILENT] = "silent",
};

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

/**
 * log_level_parse() - look up a level by name
 * @name:	"debug", "info", "warn" or "error"
 * @level:	set on success
 *
 * Return: 0 on success, -1 if @name is not a level
 */
int log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < LOG_LEVEL_SILENT; i++) {
		if (!strcmp(name, names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return names[level];
}

static void vlog(enum log_level level, const char *fmt, va_list ap,
		 const char *err) __attribute__((format(printf, 2, 0)));

static void vlog(enum log_level level, const char *fmt, va_list ap,
		 const char *err)
{
	char line[1024];
	int n;

	if (level < current)
		return;
	n = snprintf(line, sizeof(line), "tether[%d]: %s: ", (int)getpid(),
		     names[level]);
	if (n < 0)
		return;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* one write per line so concurrent processes do not interleave */
	if (err)
		fprintf(stderr, "%s: %s\n", line, err);
	else
		fprintf(stderr, "%s\n", line);
}

#define LOG_FN(fn, level)                                                      \
	void fn(const char *fmt, ...)                                          \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vlog(level, fmt, ap, NULL);                                    \
		va_end(ap);                                                    \
	}

LOG_FN(log_debug, LOG_LEVEL_DEBUG)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_warnx, LOG_LEVEL_WARN)
LOG_FN(log_error, LOG_LEVEL_ERROR)

void log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, fmt, ap, err);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	const char *err = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERROR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
