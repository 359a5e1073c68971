/* SPDX-License-Identifier: MIT */
/* resolv.h - the laptop's resolver: who manages it, and /etc/resolv.conf
 *
 * Three ways to set the resolver, chosen by who manages /etc/resolv.conf
 * (what its comments say): systemd-resolved (resolvectl, per link),
 * resolvconf (a record per interface), or nobody (the file is replaced,
 * and the previous one kept aside to be put back). resolv.c holds the
 * choice and the texts, resolv_file.c the file itself.
 */
#ifndef TETHER_RESOLV_H
#define TETHER_RESOLV_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define RESOLV_CONF	       "/etc/resolv.conf"
#define RESOLV_INTERFACE_ORDER "/etc/resolvconf/interface-order"
#define RESOLV_MAX	       65536 /* a longer file is not a resolv.conf */

enum resolv_method {
	RESOLV_AUTO, /* whichever manages /etc/resolv.conf */
	RESOLV_RESOLVED,
	RESOLV_RESOLVCONF,
	RESOLV_FILE,
};

/* resolv.c */
const char *resolv_method_name(enum resolv_method m);
enum resolv_method resolv_manager(const char *text);
enum resolv_method resolv_detect(void);
int resolv_record_name(const char *order, const char *ifname, char *buf,
		       size_t len);
int resolv_text(struct in_addr server, char *buf, size_t len);
bool resolv_is_ours(const char *text, size_t len);

/* resolv_file.c */
char *resolv_file_read(const char *path, bool follow, size_t *len);
int resolv_file_save(const char *conf, const char *saved);
int resolv_file_write(const char *conf, const char *text);
int resolv_file_restore(const char *conf, const char *saved);

#endif
