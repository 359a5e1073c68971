/* SPDX-License-Identifier: MIT */
/* pemfile.h - the PEM files a config names for wss://, checked at start */
#ifndef TETHER_PEMFILE_H
#define TETHER_PEMFILE_H

#define PEM_CERTIFICATE "CERTIFICATE"
#define PEM_PRIVATE_KEY "PRIVATE KEY"

int pemfile_check(const char *key, const char *path, const char *kind);

#endif
