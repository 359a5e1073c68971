/* SPDX-License-Identifier: MIT */
/* log.h - leveled logging to stderr, one line per event */
#ifndef TETHER_LOG_H
#define TETHER_LOG_H

#include <stdnoreturn.h>

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_SILENT, /* nothing at all: tests and fuzzers */
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_level_parse(const char *name, enum log_level *level);
const char *log_level_name(enum log_level level);

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
/* log_warn() appends strerror(errno); log_warnx() does not */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
/* fatal()/fatalx(): log and exit(1); only before the event loop runs */
noreturn void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
