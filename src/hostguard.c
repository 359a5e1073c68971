/* SPDX-License-Identifier: MIT */
/* hostguard.c - keeping the server's own kernel out of the NAT's port range
 *
 * Theory of operation.  The NAT's replies reach the server's own stack as
 * well as the capture, and the stack has no socket for them: it would
 * answer TCP with RST and UDP with ICMP port unreachable, killing every
 * flow.  Two guards, both per network namespace (verified by the tests):
 *
 *  1. An nftables table "inet tether" whose chain on the prerouting hook
 *     at priority raw (-300) drops TCP and UDP to the external address with
 *     a destination port in the range.  Prerouting at -300 runs before
 *     conntrack (-200), so the replies create no conntrack entries either;
 *     an input-hook chain would run after conntrack whatever its priority.
 *     The capture is not affected: AF_PACKET sees packets before netfilter.
 *     Non-first fragments have no ports and are not matched: they wait in
 *     the stack's reassembly queue for a first fragment this rule dropped
 *     and expire silently (no time-exceeded without the first fragment).
 *     ICMP is not dropped because the stack answers none of what the NAT
 *     gets back: echo replies and ICMP errors are never answered (RFC 1122
 *     3.2.2), and an error about a NAT flow finds no socket, so it does not
 *     touch the stack's path MTU cache either.  Echo requests to the
 *     external address are the host's to answer.
 *     A chain on the output hook at priority raw exempts what the NAT
 *     sends (TCP and UDP from the range, echo requests with an id in it)
 *     from conntrack: the stack never sees the replies, so it would keep
 *     an entry per NAT flow, fill the host's conntrack table and, seeing
 *     one direction only, call later TCP segments invalid (which a
 *     "ct state invalid drop" rule would drop).
 *  2. The range is added to net.ipv4.ip_local_reserved_ports, so the stack
 *     never picks one of these ports as an ephemeral port for a local
 *     socket (whose replies the rule above would drop).  Programs that
 *     bind such a port explicitly are not stopped.
 *
 * The table is created with "create", which fails if it exists: one server
 * per namespace, and a second one is refused.  What was done is written to
 * a state file (/run/tether/hostguard.NETNS) before the reserved ports
 * change, so
 * hostguard_cleanup() can undo a crashed run.  Reserved ports are handled
 * as sets: removal takes away exactly the ports this guard added (those of
 * the range that were not reserved before), so changes others made in the
 * meantime survive.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostguard.h"
#include "log.h"
#include "nftcmd.h"
#include "runstate.h"

#define HOSTGUARD_RESERVED "/proc/sys/net/ipv4/ip_local_reserved_ports"
#define HOSTGUARD_TABLE	   "inet tether"
#define RESERVED_MAX	   (1 << 20) /* longest list we read */
#define RESERVED_WRITE_MAX 4000	     /* the kernel takes a page at most */

struct portset {
	uint64_t w[65536 / 64];
};

struct hostguard {
	struct nft_ctx *nft;
	int rp_fd; /* the namespace's reserved ports, kept open */
	uint16_t lo, hi;
	char *orig; /* reserved ports before, as the kernel says */
	bool table, state, reserved;
};

/* --- port sets ------------------------------------------------------------ */

static void ps_set(struct portset *s, unsigned int lo, unsigned int hi, bool on)
{
	for (unsigned int p = lo; p <= hi; p++) {
		if (on)
			s->w[p / 64] |= 1ull << (p % 64);
		else
			s->w[p / 64] &= ~(1ull << (p % 64));
	}
}

static bool ps_test(const struct portset *s, unsigned int p)
{
	return s->w[p / 64] >> (p % 64) & 1;
}

static int parse_port(const char **sp, unsigned int *port)
{
	const char *s = *sp;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long)(*s++ - '0');
		if (v > 65535)
			return -1;
	}
	*sp = s;
	*port = (unsigned int)v;
	return 0;
}

/* "1-3,5" as the kernel writes it, spaces and a newline allowed */
static int ps_parse(struct portset *set, const char *s)
{
	unsigned int lo, hi;

	memset(set, 0, sizeof(*set));
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			return 0;
		if (parse_port(&s, &lo))
			return -1;
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_port(&s, &hi) || hi < lo)
				return -1;
		}
		ps_set(set, lo, hi, true);
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
}

static int ps_format(const struct portset *set, char *out, size_t size)
{
	size_t n = 0;
	unsigned int p = 0, q;
	int k;

	out[0] = '\0';
	while (p < 65536) {
		if (!ps_test(set, p)) {
			p++;
			continue;
		}
		for (q = p; q + 1 < 65536 && ps_test(set, q + 1); q++)
			;
		if (q == p)
			k = snprintf(out + n, size - n, "%s%u", n ? "," : "",
				     p);
		else
			k = snprintf(out + n, size - n, "%s%u-%u", n ? "," : "",
				     p, q);
		if (k < 0 || (size_t)k >= size - n)
			return -1;
		n += (size_t)k;
		p = q + 1;
	}
	return 0;
}

/* --- net.ipv4.ip_local_reserved_ports ------------------------------------- */

/* The whole list, newline stripped; NULL on failure (logged) */
static char *reserved_read(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *bigger;
	ssize_t n;

	if (!buf || lseek(fd, 0, SEEK_SET) < 0)
		goto err;
	for (;;) {
		if (len + 1 == cap) {
			if (cap >= RESERVED_MAX) {
				errno = EFBIG;
				goto err;
			}
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				goto err;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0)
			goto err;
		if (!n)
			break;
		len += (size_t)n;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	return buf;
err:
	log_warn("hostguard: reading %s", HOSTGUARD_RESERVED);
	free(buf);
	return NULL;
}

static int reserved_write(int fd, const struct portset *set)
{
	char buf[RESERVED_WRITE_MAX + 2];
	size_t len;

	if (ps_format(set, buf, RESERVED_WRITE_MAX)) {
		log_error("hostguard: %s: the list would be too long",
			  HOSTGUARD_RESERVED);
		return -1;
	}
	len = strlen(buf);
	buf[len++] = '\n'; /* an empty list is a lone newline */
	if (lseek(fd, 0, SEEK_SET) < 0 || write(fd, buf, len) != (ssize_t)len) {
		log_warn("hostguard: writing %s", HOSTGUARD_RESERVED);
		return -1;
	}
	return 0;
}

/*
 * Take lo..hi out of the reserved ports, except those reserved in @orig,
 * the list before the guard: the ports the guard added, no others.
 */
static int reserved_restore(int fd, const char *orig, unsigned int lo,
			    unsigned int hi)
{
	struct portset *cur = NULL, *before = NULL;
	char *now = reserved_read(fd);
	int ret = -1;

	if (!now)
		return -1;
	cur = malloc(sizeof(*cur));
	before = malloc(sizeof(*before));
	if (!cur || !before || ps_parse(cur, now) || ps_parse(before, orig)) {
		log_error("hostguard: cannot restore %s from \"%s\" to \"%s\"",
			  HOSTGUARD_RESERVED, now, orig);
		goto out;
	}
	for (unsigned int p = lo; p <= hi; p++)
		if (!ps_test(before, p))
			ps_set(cur, p, p, false);
	ret = reserved_write(fd, cur);
out:
	free(cur);
	free(before);
	free(now);
	return ret;
}

static int reserved_open(void)
{
	int fd = open(HOSTGUARD_RESERVED, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		log_warn("hostguard: %s", HOSTGUARD_RESERVED);
	return fd;
}

/* --- nftables ------------------------------------------------------------- */

static struct nft_ctx *nft_open(void)
{
	return nftcmd_open("hostguard");
}

static int nft_run(struct nft_ctx *nft, const char *what, const char *cmd)
{
	return nftcmd_run(nft, "hostguard", what, cmd, NULL);
}

/* 1 if the table exists, 0 if not, -1 if nftables cannot tell */
static int table_exists(struct nft_ctx *nft)
{
	return nftcmd_table_exists(nft, "hostguard", HOSTGUARD_TABLE);
}

static int table_create(struct nft_ctx *nft, uint32_t addr, unsigned int lo,
			unsigned int hi)
{
	char a[INET_ADDRSTRLEN], ports[32], cmd[1024];

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	if (lo == hi)
		snprintf(ports, sizeof(ports), "%u", lo);
	else
		snprintf(ports, sizeof(ports), "%u-%u", lo, hi);
	/* one transaction: all of it or nothing */
	snprintf(cmd, sizeof(cmd),
		 "create table " HOSTGUARD_TABLE "\n"
		 "add chain " HOSTGUARD_TABLE " in { type filter hook "
		 "prerouting priority raw; policy accept; }\n"
		 "add rule " HOSTGUARD_TABLE " in ip daddr %s "
		 "meta l4proto { tcp, udp } th dport %s drop "
		 "comment \"replies to the userspace NAT\"\n"
		 "add chain " HOSTGUARD_TABLE " out { type filter hook "
		 "output priority raw; policy accept; }\n"
		 "add rule " HOSTGUARD_TABLE " out ip saddr %s "
		 "meta l4proto { tcp, udp } th sport %s notrack "
		 "comment \"sent by the userspace NAT\"\n"
		 "add rule " HOSTGUARD_TABLE " out ip saddr %s "
		 "icmp type echo-request icmp id %s notrack "
		 "comment \"sent by the userspace NAT\"\n",
		 a, ports, a, ports, a, ports);
	return nft_run(nft, "creating table " HOSTGUARD_TABLE, cmd);
}

static int table_delete(struct nft_ctx *nft)
{
	return nft_run(nft, "deleting table " HOSTGUARD_TABLE,
		       "delete table " HOSTGUARD_TABLE);
}

/* --- the state file ------------------------------------------------------- */

struct state {
	unsigned long long netns; /* inode of our network namespace */
	unsigned int lo, hi;
	char *orig;
};

/* One state file per network namespace: servers in different namespaces
 * (tests, containers) do not refuse each other */
static const char *state_path(void)
{
	static char path[64];

	return runstate_path("hostguard", path, sizeof(path));
}

static int state_write(uint32_t addr, unsigned int lo, unsigned int hi,
		       const char *orig)
{
	char a[INET_ADDRSTRLEN];
	FILE *f;
	int fd;

	if (runstate_mkdir())
		return -1;
	fd = open(state_path(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		if (errno == EEXIST)
			log_error("hostguard: %s exists: another tether server "
				  "is running, or one crashed (its cleanup "
				  "removes it)",
				  state_path());
		else
			log_warn("hostguard: %s", state_path());
		return -1;
	}
	f = fdopen(fd, "w");
	if (!f) {
		log_warn("hostguard: %s", state_path());
		close(fd);
		unlink(state_path());
		return -1;
	}
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	fprintf(f,
		"# tether hostguard: what to undo if the server died\n"
		"pid %ld\nnetns %llu\naddr %s\nports %u-%u\nreserved %s\n",
		(long)getpid(), runstate_netns(), a, lo, hi, orig);
	if (fclose(f)) {
		log_warn("hostguard: %s", state_path());
		unlink(state_path());
		return -1;
	}
	return 0;
}

static int state_parse_line(struct state *st, char *line, bool *ports)
{
	char *val = strchr(line, ' ');
	const char *p;

	line[strcspn(line, "\n")] = '\0';
	if (!*line || *line == '#')
		return 0;
	if (!val)
		return -1;
	*val++ = '\0';
	if (!strcmp(line, "netns")) {
		st->netns = strtoull(val, NULL, 10);
	} else if (!strcmp(line, "ports")) {
		p = val;
		if (parse_port(&p, &st->lo) || *p++ != '-' ||
		    parse_port(&p, &st->hi) || *p || !st->lo || st->hi < st->lo)
			return -1;
		*ports = true;
	} else if (!strcmp(line, "reserved")) {
		free(st->orig);
		st->orig = strdup(val);
		if (!st->orig)
			return -1;
	}
	return 0; /* pid, addr: for people reading the file */
}

/* 1 and @st filled, 0 if there is no state file, -1 if it is bad */
static int state_read(struct state *st)
{
	char line[8192];
	bool ports = false;
	int ret = 1;
	FILE *f;

	memset(st, 0, sizeof(*st));
	f = fopen(state_path(), "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		log_warn("hostguard: %s", state_path());
		return -1;
	}
	while (ret > 0 && fgets(line, sizeof(line), f)) {
		/* a line longer than any we write is not ours */
		if ((!strchr(line, '\n') && !feof(f)) ||
		    state_parse_line(st, line, &ports))
			ret = -1;
	}
	fclose(f);
	if (ret > 0 && (!ports || !st->orig))
		ret = -1;
	if (ret < 0) {
		log_error("hostguard: %s is not a state file of ours",
			  state_path());
		free(st->orig);
		st->orig = NULL;
	}
	return ret;
}

/* --- the API -------------------------------------------------------------- */

/* Undo what @g did, newest first; 0 or -1 if something stayed */
static int undo(struct hostguard *g)
{
	int ret = 0;

	if (g->reserved && reserved_restore(g->rp_fd, g->orig, g->lo, g->hi))
		ret = -1;
	g->reserved = false;
	if (g->table && table_delete(g->nft))
		ret = -1;
	g->table = false;
	if (g->state && unlink(state_path()) && errno != ENOENT) {
		log_warn("hostguard: %s", state_path());
		ret = -1;
	}
	g->state = false;
	return ret;
}

static void hostguard_free(struct hostguard *g)
{
	if (g->nft)
		nft_ctx_free(g->nft);
	if (g->rp_fd >= 0)
		close(g->rp_fd);
	free(g->orig);
	free(g);
}

/**
 * hostguard_install() - keep the local stack away from the NAT's ports
 * @ext_addr:	the NAT's external address, network byte order
 * @port_lo:	first port of the NAT's range, 1..65535
 * @port_hi:	last port, >= @port_lo
 *
 * Creates the nftables table "inet tether" that drops inbound TCP and UDP
 * to @ext_addr and a port in the range (before conntrack) and keeps what
 * the NAT sends from there out of conntrack, records what it does in
 * /run/tether/hostguard.NETNS, and adds the range to the network
 * namespace's net.ipv4.ip_local_reserved_ports.  Refuses, changing
 * nothing, if the table or the state file exists already (another server,
 * or the leftovers of a crashed one: hostguard_cleanup()).  Needs
 * CAP_NET_ADMIN and write access to /proc/sys and /run.
 *
 * Return: the guard, or NULL (logged) if any part failed; what had been
 * done is undone then
 */
struct hostguard *hostguard_install(uint32_t ext_addr, uint16_t port_lo,
				    uint16_t port_hi)
{
	struct hostguard *g;
	struct portset *set = NULL;
	int exists;

	if (!port_lo || port_lo > port_hi) {
		log_error("hostguard: bad port range %u-%u", port_lo, port_hi);
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	set = malloc(sizeof(*set));
	if (!g || !set) {
		log_error("hostguard: out of memory");
		free(g);
		free(set);
		return NULL;
	}
	g->rp_fd = -1;
	g->lo = port_lo;
	g->hi = port_hi;
	g->nft = nft_open();
	if (!g->nft)
		goto err;
	exists = table_exists(g->nft);
	if (exists) {
		if (exists > 0)
			log_error("hostguard: nftables table " HOSTGUARD_TABLE
				  " exists: another tether server is running, "
				  "or one crashed (its cleanup removes it)");
		goto err;
	}
	g->rp_fd = reserved_open();
	if (g->rp_fd < 0)
		goto err;
	g->orig = reserved_read(g->rp_fd);
	if (!g->orig)
		goto err;
	if (strlen(g->orig) > RESERVED_WRITE_MAX || ps_parse(set, g->orig)) {
		log_error("hostguard: %s: cannot parse \"%s\"",
			  HOSTGUARD_RESERVED, g->orig);
		goto err;
	}
	if (table_create(g->nft, ext_addr, port_lo, port_hi))
		goto err;
	g->table = true;
	if (state_write(ext_addr, port_lo, port_hi, g->orig))
		goto err;
	g->state = true;
	ps_set(set, port_lo, port_hi, true);
	if (reserved_write(g->rp_fd, set))
		goto err;
	g->reserved = true;
	free(set);
	log_info("hostguard: ports %u-%u reserved and closed to the local "
		 "stack (nftables table " HOSTGUARD_TABLE ")",
		 port_lo, port_hi);
	return g;
err:
	undo(g);
	hostguard_free(g);
	free(set);
	return NULL;
}

/**
 * hostguard_remove() - undo hostguard_install() and free the guard
 * @g:		the guard, or NULL
 *
 * Deletes the table, takes back the reserved ports the guard added (ports
 * others reserved meanwhile stay) and removes the state file.  Call it in
 * the network namespace the guard was installed in.
 *
 * Return: nothing; failures are logged
 */
void hostguard_remove(struct hostguard *g)
{
	if (!g)
		return;
	undo(g);
	hostguard_free(g);
}

/**
 * hostguard_forget() - free the guard, leaving its changes in place
 * @g:		the guard, or NULL
 *
 * For a process that leaves the undoing to another one that has the same
 * guard: the server, once its privileged keeper (privsep.c) holds it.
 */
void hostguard_forget(struct hostguard *g)
{
	if (g)
		hostguard_free(g);
}

/**
 * hostguard_cleanup() - undo what a server that died left behind
 *
 * Reads /run/tether/hostguard.NETNS, if there is one, takes the reserved
 * ports it names back out and removes it, then deletes the nftables table
 * "inet tether" if it exists.  Run it only when no tether server is
 * running in this network namespace: it cannot tell a live guard from a
 * leftover.  A state file written in another network namespace is left
 * alone.
 *
 * Return: 1 if something was undone, 0 if nothing was left, -1 on failure
 * (logged)
 */
int hostguard_cleanup(void)
{
	struct nft_ctx *nft;
	struct state st;
	unsigned long long netns = runstate_netns();
	int done = 0, ret = 0, fd, exists;

	switch (state_read(&st)) {
	case 1:
		if (st.netns && netns && st.netns != netns) {
			log_error("hostguard: %s belongs to another network "
				  "namespace; left alone",
				  state_path());
			ret = -1;
			break;
		}
		fd = reserved_open();
		if (fd < 0 || reserved_restore(fd, st.orig, st.lo, st.hi)) {
			ret = -1;
		} else if (unlink(state_path())) {
			log_warn("hostguard: %s", state_path());
			ret = -1;
		} else {
			log_info("hostguard: ports %u-%u no longer reserved",
				 st.lo, st.hi);
			done = 1;
		}
		if (fd >= 0)
			close(fd);
		break;
	case 0:
		break;
	default:
		/* unusable: nothing to restore from, so do not keep it */
		if (!unlink(state_path()))
			log_info("hostguard: removed %s", state_path());
		ret = -1;
		break;
	}
	free(st.orig);
	nft = nft_open();
	if (!nft)
		return -1;
	exists = table_exists(nft);
	if (exists < 0 || (exists > 0 && table_delete(nft))) {
		ret = -1;
	} else if (exists > 0) {
		log_info("hostguard: deleted nftables table " HOSTGUARD_TABLE);
		done = 1;
	}
	nft_ctx_free(nft);
	return ret < 0 ? -1 : done;
}
