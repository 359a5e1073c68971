/* SPDX-License-Identifier: MIT */
/* runstate.c - per-network-namespace state files in /run/tether */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "log.h"
#include "runstate.h"

/**
 * runstate_netns() - the identity of our network namespace
 *
 * Return: the inode of /proc/self/ns/net, or 0 if it cannot be read
 */
unsigned long long runstate_netns(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return 0;
	return (unsigned long long)st.st_ino;
}

/**
 * runstate_path() - the state file of a role in this network namespace
 * @name:	what keeps the state: "client", "hostguard"
 * @buf:	where to put the path
 * @len:	size of @buf
 *
 * Return: @buf, holding RUNSTATE_DIR/NAME.NETNS
 */
const char *runstate_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, RUNSTATE_DIR "/%s.%llu", name, runstate_netns());
	return buf;
}

/**
 * runstate_mkdir() - create RUNSTATE_DIR, mode 0700, if it is not there
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int runstate_mkdir(void)
{
	if (mkdir(RUNSTATE_DIR, 0700) && errno != EEXIST) {
		log_warn("%s", RUNSTATE_DIR);
		return -1;
	}
	return 0;
}
