/* SPDX-License-Identifier: MIT */
/* netcfg_state.c - the state file of netcfg's changes, for crash recovery
 *
 * The file always lists what is to be undone, oldest first: netcfg.c
 * rewrites it whole (a new file renamed over the old one, so a crash never
 * leaves half a file) before each change, after a change that failed, and
 * after each change it undid; with nothing left to undo it is removed.
 * /run is tmpfs, so there is no fsync. A line that cannot be parsed is
 * named in a warning and skipped: the rest is still undone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "netcfg_dns.h"
#include "netcfg_state.h"
#include "runstate.h"

#define LINE_MAX_LEN 256 /* longer than any line we write */
#define TOKENS_MAX   8

static int parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int parse_ifname(const char *s, struct netcfg_state_rec *r)
{
	if (!*s || strlen(s) >= sizeof(r->ifname) || strchr(s, '/'))
		return -1;
	memcpy(r->ifname, s, strlen(s) + 1);
	return 0;
}

/* The error for @r's line: "why 'token'" */
static int bad(char *why, size_t len, const char *what, const char *tok)
{
	snprintf(why, len, "%s '%s'", what, tok);
	return -1;
}

/* "-": @none, else a number up to @max (after @prefix, if given) */
static int parse_opt(const char *s, const char *prefix, uint32_t max,
		     uint32_t none, uint32_t *v)
{
	if (!strcmp(s, "-")) {
		*v = none;
		return 0;
	}
	if (prefix) {
		if (strncmp(s, prefix, strlen(prefix)))
			return -1;
		s += strlen(prefix);
	}
	return parse_u32(s, max, v);
}

/* rule add inet|inet6 PRIO TABLE|prohibit !MARK|- SUPPRESS|- */
static int parse_rule(char **t, int n, struct netcfg_state_rec *r, char *why,
		      size_t len)
{
	struct netcfg_rule *ru = &r->rule;
	uint32_t v;

	r->kind = NETCFG_STATE_RULE;
	if (n != 7 || strcmp(t[1], "add"))
		return bad(why, len,
			   "want 'rule add FAMILY PRIO ACTION MARK SUPPRESS'",
			   t[0]);
	if (!strcmp(t[2], "inet"))
		ru->family = AF_INET;
	else if (!strcmp(t[2], "inet6"))
		ru->family = AF_INET6;
	else
		return bad(why, len, "bad family", t[2]);
	if (parse_u32(t[3], UINT32_MAX, &ru->priority))
		return bad(why, len, "bad priority", t[3]);
	if (!strcmp(t[4], "prohibit"))
		ru->table = 0;
	else if (parse_u32(t[4], UINT32_MAX, &ru->table) || !ru->table)
		return bad(why, len, "bad table", t[4]);
	if (parse_opt(t[5], "!", UINT32_MAX, 0, &ru->not_fwmark) ||
	    (strcmp(t[5], "-") && !ru->not_fwmark))
		return bad(why, len, "bad mark", t[5]);
	if (parse_opt(t[6], NULL, ru->family == AF_INET ? 32 : 128, UINT32_MAX,
		      &v))
		return bad(why, len, "bad suppress_prefixlength", t[6]);
	ru->suppress = v == UINT32_MAX ? -1 : (int)v;
	return 1;
}

/* sysctl KEY OLD: only net.* keys, as a path under /proc/sys/net */
static int parse_sysctl(char **t, int n, struct netcfg_state_rec *r, char *why,
			size_t len)
{
	const char *k = t[1];

	r->kind = NETCFG_STATE_SYSCTL;
	if (n != 3)
		return bad(why, len, "want 'sysctl KEY VALUE'", t[0]);
	if (strncmp(k, "net.", 4) || strlen(k) >= sizeof(r->key) ||
	    strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(k) ||
	    strstr(k, "..") || k[strlen(k) - 1] == '.')
		return bad(why, len, "bad sysctl", k);
	memcpy(r->key, k, strlen(k) + 1);
	if (parse_u32(t[2], UINT32_MAX, &r->value))
		return bad(why, len, "bad value", t[2]);
	return 1;
}

static int parse_record(char **t, int n, struct netcfg_state_rec *r, char *why,
			size_t len)
{
	const char *pwhy;
	uint32_t v;

	if (!strcmp(t[0], "link")) {
		r->kind = NETCFG_STATE_LINK;
		if (n != 6 || strcmp(t[2], "mtu") || strcmp(t[4], "up"))
			return bad(why, len, "want 'link IFNAME mtu N up 0|1'",
				   t[0]);
		if (parse_ifname(t[1], r))
			return bad(why, len, "bad interface name", t[1]);
		if (parse_u32(t[3], 65535, &r->mtu))
			return bad(why, len, "bad mtu", t[3]);
		if (parse_u32(t[5], 1, &v))
			return bad(why, len, "up must be 0 or 1, got", t[5]);
		r->was_up = v;
		return 1;
	}
	if (!strcmp(t[0], "rule"))
		return parse_rule(t, n, r, why, len);
	if (!strcmp(t[0], "sysctl"))
		return parse_sysctl(t, n, r, why, len);
	if (!strcmp(t[0], "dns"))
		return netcfg_dns_parse(t, n, r, why, len);
	if (strcmp(t[0], "addr") && strcmp(t[0], "route"))
		return bad(why, len, "unknown record", t[0]);
	r->kind = *t[0] == 'a' ? NETCFG_STATE_ADDR : NETCFG_STATE_ROUTE;
	if (n != (r->kind == NETCFG_STATE_ADDR ? 4 : 5) || strcmp(t[1], "add"))
		return bad(why, len,
			   r->kind == NETCFG_STATE_ADDR
				   ? "want 'addr add IFNAME PREFIX'"
				   : "want 'route add IFNAME PREFIX TABLE'",
			   t[0]);
	if (parse_ifname(t[2], r))
		return bad(why, len, "bad interface name", t[2]);
	if (prefix_parse(t[3], &r->p, r->kind == NETCFG_STATE_ADDR, &pwhy) ||
	    !strchr(t[3], '/'))
		return bad(why, len, "bad prefix", t[3]);
	if (r->kind == NETCFG_STATE_ROUTE &&
	    (parse_u32(t[4], UINT32_MAX, &r->table) || !r->table))
		return bad(why, len, "bad table", t[4]);
	return 1;
}

/**
 * netcfg_state_parse_line() - parse one line of a state file
 * @line:	the line, with or without its newline
 * @r:		the record, if it is one
 * @pid:	set from a "pid N" line, or NULL
 * @why:	on failure, what is wrong (with the rejected word)
 * @len:	size of @why
 *
 * Return: 1 and @r filled for a record, 0 for a comment, blank, "pid" or
 * "netns" line, -1 and @why set for anything else
 */
int netcfg_state_parse_line(const char *line, struct netcfg_state_rec *r,
			    long *pid, char *why, size_t len)
{
	char buf[LINE_MAX_LEN], *t[TOKENS_MAX], *save = NULL, *tok;
	size_t l = strcspn(line, "\n");
	uint32_t v;
	int n = 0;

	memset(r, 0, sizeof(*r));
	if (l >= sizeof(buf)) {
		snprintf(why, len, "line longer than %zu bytes", sizeof(buf));
		return -1;
	}
	memcpy(buf, line, l);
	buf[l] = '\0';
	if (buf[strspn(buf, " \t")] == '#')
		return 0;
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == TOKENS_MAX)
			return bad(why, len, "too many words at", tok);
		t[n++] = tok;
	}
	if (!n)
		return 0;
	if (!strcmp(t[0], "pid") || !strcmp(t[0], "netns")) {
		if (n != 2 || parse_u32(t[1], UINT32_MAX, &v))
			return bad(why, len, "want a number after", t[0]);
		if (pid && *t[0] == 'p')
			*pid = (long)v;
		return 0;
	}
	return parse_record(t, n, r, why, len);
}

/**
 * netcfg_state_format() - a record as a line of the state file
 * @r:		the record
 * @buf:	where to put the line (without newline)
 * @len:	size of @buf
 *
 * Return: 0, or -1 if @buf is too small
 */
int netcfg_state_format(const struct netcfg_state_rec *r, char *buf, size_t len)
{
	const struct netcfg_rule *ru = &r->rule;
	char p[ADDR_STRLEN], act[16], mark[16], sup[8];
	int n = -1;

	switch (r->kind) {
	case NETCFG_STATE_LINK:
		n = snprintf(buf, len, "link %s mtu %u up %d", r->ifname,
			     r->mtu, r->was_up);
		break;
	case NETCFG_STATE_ADDR:
		n = snprintf(buf, len, "addr add %s %s", r->ifname,
			     prefix_format(&r->p, p, sizeof(p)));
		break;
	case NETCFG_STATE_ROUTE:
		n = snprintf(buf, len, "route add %s %s %u", r->ifname,
			     prefix_format(&r->p, p, sizeof(p)), r->table);
		break;
	case NETCFG_STATE_RULE:
		snprintf(act, sizeof(act), "%u", ru->table);
		snprintf(mark, sizeof(mark), "!%u", ru->not_fwmark);
		snprintf(sup, sizeof(sup), "%d", ru->suppress);
		n = snprintf(buf, len, "rule add %s %u %s %s %s",
			     ru->family == AF_INET6 ? "inet6" : "inet",
			     ru->priority, ru->table ? act : "prohibit",
			     ru->not_fwmark ? mark : "-",
			     ru->suppress >= 0 ? sup : "-");
		break;
	case NETCFG_STATE_SYSCTL:
		n = snprintf(buf, len, "sysctl %s %u", r->key, r->value);
		break;
	case NETCFG_STATE_DNS:
		n = netcfg_dns_format(r, buf, len);
		break;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/**
 * netcfg_state_write() - replace the state file with a list of records
 * @path:	the file
 * @recs:	what is to be undone, oldest first
 * @n:		how many; 0 removes the file
 *
 * The directory must exist (runstate_mkdir()).
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int netcfg_state_write(const char *path, const struct netcfg_state_rec *recs,
		       size_t n)
{
	char tmp[256], line[LINE_MAX_LEN];
	FILE *f = NULL;
	int fd = -1, err;

	if (!n) {
		if (unlink(path) && errno != ENOENT) {
			log_warn("netcfg: %s", path);
			return -1;
		}
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto err;
	f = fdopen(fd, "w");
	if (!f)
		goto err;
	fd = -1;
	fprintf(f,
		"# tether: changes to undo if it died, oldest first\n"
		"pid %ld\nnetns %llu\n",
		(long)getpid(), runstate_netns());
	for (size_t i = 0; i < n; i++) {
		if (netcfg_state_format(&recs[i], line, sizeof(line))) {
			errno = ENAMETOOLONG;
			goto err;
		}
		fprintf(f, "%s\n", line);
	}
	err = fclose(f);
	f = NULL;
	if (err || rename(tmp, path))
		goto err;
	return 0;
err:
	err = errno;
	log_warn("netcfg: writing %s", path);
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = err;
	return -1;
}

static int append(struct netcfg_state_file *sf,
		  const struct netcfg_state_rec *r, size_t *cap)
{
	struct netcfg_state_rec *recs;
	size_t c;

	if (sf->n == *cap) {
		c = *cap ? 2 * *cap : 8;
		recs = realloc(sf->recs, c * sizeof(*recs));
		if (!recs)
			return -1;
		sf->recs = recs;
		*cap = c;
	}
	sf->recs[sf->n++] = *r;
	return 0;
}

/**
 * netcfg_state_read() - read a state file back
 * @path:	the file
 * @sf:		what it says; free @sf->recs
 *
 * Malformed lines are logged with their line numbers, counted in
 * @sf->bad and skipped.
 *
 * Return: 1 if the file was read, 0 if there is none, -1 with errno set
 * if it could not be read (logged)
 */
int netcfg_state_read(const char *path, struct netcfg_state_file *sf)
{
	char line[LINE_MAX_LEN], why[128];
	struct netcfg_state_rec r;
	size_t lineno = 0, cap = 0;
	bool partial = false;
	FILE *f;
	int err;

	memset(sf, 0, sizeof(*sf));
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		log_warn("netcfg: %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		bool cont = partial;
		int ret;

		partial = !strchr(line, '\n') && !feof(f);
		if (cont)
			continue; /* the rest of a long line */
		lineno++;
		ret = -1;
		if (partial)
			snprintf(why, sizeof(why), "line longer than %zu bytes",
				 sizeof(line) - 2);
		else
			ret = netcfg_state_parse_line(line, &r, &sf->pid, why,
						      sizeof(why));
		if (ret < 0) {
			log_warnx("netcfg: %s line %zu: %s (line ignored)",
				  path, lineno, why);
			sf->bad++;
		} else if (ret > 0 && append(sf, &r, &cap)) {
			goto err;
		}
	}
	if (ferror(f))
		goto err;
	fclose(f);
	return 1;
err:
	err = errno;
	log_warn("netcfg: reading %s", path);
	fclose(f);
	free(sf->recs);
	memset(sf, 0, sizeof(*sf));
	errno = err;
	return -1;
}

/**
 * netcfg_state_writer_runs() - does the tether that wrote a file still run?
 * @sf:		the file as read
 *
 * Return: true if its "pid" is a running tether process other than us
 */
bool netcfg_state_writer_runs(const struct netcfg_state_file *sf)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (sf->pid <= 0 || sf->pid == (long)getpid() ||
	    (kill((pid_t)sf->pid, 0) && errno != EPERM))
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", sf->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "tether\n");
}

/**
 * netcfg_state_describe() - a file's records on one line, for the log
 * @sf:		the file as read
 * @what:	"addr add wifi0 169.254.134.89/16, ..." (cut at @len)
 * @len:	size of @what
 */
void netcfg_state_describe(const struct netcfg_state_file *sf, char *what,
			   size_t len)
{
	char line[LINE_MAX_LEN];
	size_t off = 0;

	*what = '\0';
	for (size_t i = 0; i < sf->n && off < len; i++) {
		if (netcfg_state_format(&sf->recs[i], line, sizeof(line)))
			continue;
		off += (size_t)snprintf(what + off, len - off, "%s%s",
					off ? ", " : "", line);
	}
}
