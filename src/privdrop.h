/* SPDX-License-Identifier: MIT */
/* privdrop.h - becoming an unprivileged user, with the capabilities kept */
#ifndef TETHER_PRIVDROP_H
#define TETHER_PRIVDROP_H

#include <stdint.h>
#include <sys/types.h>

struct privdrop_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

int privdrop_lookup(const char *name, struct privdrop_user *u);
int privdrop(const struct privdrop_user *u, uint64_t keep, const char *who);

#endif
