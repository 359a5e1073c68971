/* SPDX-License-Identifier: MIT */
/* pemfile.c - the PEM files a config names for wss://, checked at start
 *
 * libwebsockets reads the certificate, key and CA files itself, and only
 * when it creates a vhost; what it says when one is missing or garbled
 * names neither the config key nor, for a CA file, any failure at all
 * (the dial fails later, for every connection). So a role checks each file
 * first: it exists, it can be read, it holds a PEM block of the right kind.
 * Whether a key matches its certificate is left to libwebsockets, which
 * refuses to listen and says so.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "pemfile.h"

#define PEM_MAX (1 << 20)

/* Does the file's text have a "-----BEGIN ...@kind-----" line? (A key
 * may be "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"; an encrypted
 * one is refused, as no one could type its passphrase.) */
static bool has_block(FILE *f, const char *kind)
{
	char line[256];
	size_t total = 0, k = strlen(kind);

	while (total < PEM_MAX && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");

		total += n + 1;
		line[n] = '\0';
		if (strncmp(line, "-----BEGIN ", 11) || n < 11 + k + 5 ||
		    strcmp(line + n - 5, "-----") ||
		    strncmp(line + n - 5 - k, kind, k) ||
		    strstr(line, "ENCRYPTED"))
			continue;
		return true;
	}
	return false;
}

/**
 * pemfile_check() - can the file named by config key @key be used?
 * @key:	the config key, for messages ("server: tls.cert")
 * @path:	the file
 * @kind:	PEM_CERTIFICATE or PEM_PRIVATE_KEY
 *
 * A private key that other users may read is accepted with a warning.
 *
 * Return: 0, or -1 (logged, naming @key and @path)
 */
int pemfile_check(const char *key, const char *path, const char *kind)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	bool ok;

	if (!f) {
		log_error("%s %s: %s", key, path, strerror(errno));
		return -1;
	}
	ok = has_block(f, kind);
	if (!ok)
		log_error("%s %s: %s", key, path,
			  ferror(f) ? strerror(errno)
			  : strcmp(kind, PEM_PRIVATE_KEY)
				  ? "no PEM certificate in it"
				  : "no unencrypted PEM private key in it");
	else if (!strcmp(kind, PEM_PRIVATE_KEY) && !fstat(fileno(f), &st) &&
		 st.st_mode & (S_IRGRP | S_IROTH))
		log_warnx("%s %s: a private key readable by other users "
			  "(mode %03o); run chmod 600 %s",
			  key, path, (unsigned)(st.st_mode & 0777), path);
	fclose(f);
	return ok ? 0 : -1;
}
