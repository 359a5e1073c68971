/* SPDX-License-Identifier: MIT */
/* netcfg_state_test.c - the client's state file: lines, files, bad input
 *
 * Records (addresses, routes, links, rules, sysctls) survive a
 * format/parse round trip; every kind of malformed line is refused with
 * the rejected word in the reason; a file with bad lines
 * is read with those lines skipped and their numbers named in the log;
 * random lines never crash the parser. Files live in a private temporary
 * directory, not in /run/tether.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netcfg_state.h"

#include "state_lines.h"
#include "tap.h"

static char dir[] = "/tmp/netcfg_state_test.XXXXXX";

static void lines(void)
{
	struct netcfg_state_rec r;
	char why[128], long_line[400];
	long pid = 0;

	round_trip("addr add wifi0 169.254.134.89/16");
	round_trip("addr add tether0 10.77.0.2/24");
	round_trip("addr add tether0 2001:db8:77::2/64");
	round_trip("route add tether0 203.0.113.0/24 254");
	round_trip("route add tether0 0.0.0.0/0 1000");
	round_trip("link tether0 mtu 1500 up 0");
	round_trip("link tether0 mtu 0 up 1");
	round_trip("rule add inet 32764 6354 !6354 -");
	round_trip("rule add inet 32763 254 - 0");
	round_trip("rule add inet6 32764 prohibit !6354 -");
	round_trip("rule add inet6 32763 254 - 128");
	round_trip("sysctl net.ipv4.conf.all.src_valid_mark 0");
	round_trip("sysctl net.ipv6.conf.wifi0.disable_ipv6 4294967295");

	is(netcfg_state_parse_line("addr\tadd  wifi0\t169.254.1.1/16\n", &r,
				   NULL, why, sizeof(why)),
	   1, "tabs, runs of blanks and the newline are fine");
	is_str(r.ifname, "wifi0", "  the interface is read");
	is(r.ifindex, 0, "  the index is left to be looked up");
	is(netcfg_state_parse_line("rule add inet6 32764 prohibit !6354 -", &r,
				   NULL, why, sizeof(why)),
	   1, "a rule is read");
	ok(r.kind == NETCFG_STATE_RULE && r.rule.family == AF_INET6 &&
		   r.rule.priority == 32764 && !r.rule.table &&
		   r.rule.not_fwmark == 6354 && r.rule.suppress == -1,
	   "  with its family, priority, action, mark and no suppress");
	is(netcfg_state_parse_line("sysctl net.ipv4.conf.all.src_valid_mark 1",
				   &r, NULL, why, sizeof(why)),
	   1, "a sysctl is read");
	ok(r.kind == NETCFG_STATE_SYSCTL &&
		   !strcmp(r.key, "net.ipv4.conf.all.src_valid_mark") &&
		   r.value == 1,
	   "  with its key and old value");
	is(netcfg_state_parse_line("", &r, NULL, why, sizeof(why)), 0,
	   "an empty line is nothing");
	is(netcfg_state_parse_line("# route add x 1.0.0.0/8 254", &r, NULL, why,
				   sizeof(why)),
	   0, "a comment is nothing");
	is(netcfg_state_parse_line("pid 4242\n", &r, &pid, why, sizeof(why)), 0,
	   "a pid line is no record");
	is(pid, 4242, "  but gives the pid");
	is(netcfg_state_parse_line("netns 4026531840", &r, &pid, why,
				   sizeof(why)),
	   0, "a netns line is no record");

	refused("frob tether0", "unknown record 'frob'");
	refused("addr add wifi0", "want 'addr add IFNAME PREFIX'");
	refused("addr del wifi0 169.254.1.1/16", "want 'addr add");
	refused("addr add wifi0 notanaddress/16",
		"bad prefix 'notanaddress/16'");
	refused("addr add wifi0 169.254.1.1", "bad prefix '169.254.1.1'");
	refused("addr add wifi0 169.254.1.1/33", "bad prefix");
	refused("addr add averyverylongifname 10.0.0.1/8",
		"bad interface name 'averyverylongifname'");
	refused("addr add a/b 10.0.0.1/8", "bad interface name 'a/b'");
	refused("route add tether0 203.0.113.0/24", "want 'route add");
	refused("route add tether0 203.0.113.0/24 0", "bad table '0'");
	refused("route add tether0 203.0.113.0/24 main", "bad table 'main'");
	refused("route add tether0 203.0.113.0/24 99999999999",
		"bad table '99999999999'");
	refused("route add tether0 203.0.113.1/24 254",
		"bad prefix '203.0.113.1/24'");
	refused("link tether0 mtu 1500", "want 'link IFNAME mtu N up 0|1'");
	refused("link tether0 mtu -1 up 0", "bad mtu '-1'");
	refused("link tether0 mtu 1500 up 2", "up must be 0 or 1, got '2'");
	refused("link tether0 mtu 1500 down 0", "want 'link");
	refused("rule add inet 32764 6354 !6354", "want 'rule add FAMILY");
	refused("rule del inet 32764 6354 !6354 -", "want 'rule add");
	refused("rule add ipx 32764 6354 !6354 -", "bad family 'ipx'");
	refused("rule add inet high 6354 !6354 -", "bad priority 'high'");
	refused("rule add inet 32764 0 !6354 -", "bad table '0'");
	refused("rule add inet 32764 main !6354 -", "bad table 'main'");
	refused("rule add inet 32764 6354 6354 -", "bad mark '6354'");
	refused("rule add inet 32764 6354 !0 -", "bad mark '!0'");
	refused("rule add inet 32764 6354 ! -", "bad mark '!'");
	refused("rule add inet 32763 254 - 33",
		"bad suppress_prefixlength '33'");
	refused("rule add inet6 32763 254 - 129",
		"bad suppress_prefixlength '129'");
	refused("rule add inet6 32763 254 - -1",
		"bad suppress_prefixlength '-1'");
	refused("sysctl net.ipv4.conf.all.src_valid_mark",
		"want 'sysctl KEY VALUE'");
	refused("sysctl kernel.panic 0", "bad sysctl 'kernel.panic'");
	refused("sysctl net.ipv4.conf.all/../../x 0", "bad sysctl");
	refused("sysctl net..ipv4 0", "bad sysctl 'net..ipv4'");
	refused("sysctl net.ipv4.Conf 0", "bad sysctl 'net.ipv4.Conf'");
	refused("sysctl net.ipv4.conf.all.src_valid_mark -1", "bad value '-1'");
	refused("sysctl net.ipv4.conf.all.src_valid_mark 1x", "bad value '1x'");
	refused("pid", "want a number after 'pid'");
	refused("pid -5", "want a number after 'pid'");
	refused("a b c d e f g h i j", "too many words at 'i'");
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	refused(long_line, "line longer than");
}

/* Stderr into @path while @fn runs, for the log lines */
static void capture(const char *path, void (*fn)(void *), void *arg)
{
	int saved = dup(2);

	fflush(stderr);
	if (saved < 0 || !freopen(path, "w", stderr)) {
		printf("Bail out! capturing stderr\n");
		exit(1);
	}
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
}

struct read_args {
	const char *path;
	struct netcfg_state_file sf;
	int ret;
};

static void do_read(void *arg)
{
	struct read_args *a = arg;

	a->ret = netcfg_state_read(a->path, &a->sf);
}

static void files(void)
{
	char path[128], logp[128], big[1000];
	struct netcfg_state_rec recs[5];
	struct read_args a;
	char why[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/client.1", dir);
	snprintf(logp, sizeof(logp), "%s/log", dir);
	a = (struct read_args){.path = path};
	do_read(&a);
	is(a.ret, 0, "no file: nothing to read");

	netcfg_state_parse_line("addr add wifi0 169.254.134.89/16", &recs[0],
				NULL, why, sizeof(why));
	netcfg_state_parse_line("link tether0 mtu 1500 up 0", &recs[1], NULL,
				why, sizeof(why));
	netcfg_state_parse_line("route add tether0 203.0.113.0/24 254",
				&recs[2], NULL, why, sizeof(why));
	netcfg_state_parse_line("sysctl net.ipv4.conf.all.src_valid_mark 0",
				&recs[3], NULL, why, sizeof(why));
	netcfg_state_parse_line("rule add inet 32764 6354 !6354 -", &recs[4],
				NULL, why, sizeof(why));
	is(netcfg_state_write(path, recs, 5), 0, "a file of five records");
	has_str(slurp(path),
		"addr add wifi0 169.254.134.89/16\n"
		"link tether0 mtu 1500 up 0\n"
		"route add tether0 203.0.113.0/24 254\n"
		"sysctl net.ipv4.conf.all.src_valid_mark 0\n"
		"rule add inet 32764 6354 !6354 -\n",
		"  holds them, oldest first");
	do_read(&a);
	is(a.ret, 1, "  is read back");
	is(a.sf.n, 5, "  with its five records");
	is(a.sf.bad, 0, "  and no bad line");
	is(a.sf.pid, getpid(), "  naming the writer");
	ok(a.sf.n == 5 &&
		   !memcmp(&a.sf.recs[2].p, &recs[2].p, sizeof(recs[2].p)) &&
		   a.sf.recs[2].table == 254,
	   "  the route is the same");
	ok(a.sf.n == 5 && !memcmp(&a.sf.recs[4].rule, &recs[4].rule,
				  sizeof(recs[4].rule)),
	   "  the rule is the same");
	ok(a.sf.n == 5 && !strcmp(a.sf.recs[3].key, recs[3].key) &&
		   a.sf.recs[3].value == 0,
	   "  the sysctl is the same");
	free(a.sf.recs);

	is(netcfg_state_write(path, NULL, 0), 0, "no records left");
	ok(access(path, F_OK) && access(logp, F_OK),
	   "  removes the file (and leaves no temporary one)");
	is(netcfg_state_write(path, NULL, 0), 0, "  twice is fine");

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	f = fopen(path, "w");
	fprintf(f,
		"# a comment\npid 1\naddr add wifi0 169.254.134.89/16\n"
		"addr add wifi0 bogus\n%s\nroute add tether0 "
		"203.0.113.0/24 254\nlink tether0 mtu 1500 up 7",
		big);
	fclose(f);
	capture(logp, do_read, &a);
	is(a.ret, 1, "a file with bad lines is read");
	is(a.sf.n, 2, "  with its two good records");
	is(a.sf.bad, 3, "  and three bad lines skipped");
	has_str(slurp(logp), "line 4: bad prefix 'bogus' (line ignored)",
		"  the bad prefix is named with its line number");
	has_str(slurp(logp), "line 5: line longer than",
		"  the long line is named as one line");
	has_str(slurp(logp), "line 7: up must be 0 or 1",
		"  the last line, without newline, is counted");
	free(a.sf.recs);
	unlink(path);
	unlink(logp);
}

/* Random words from the grammar's alphabet: no crash, sane results */
static void noise(void)
{
	/* clang-format off */
	static const char *words[] = {
		"addr", "add", "route", "link", "mtu", "up", "0", "1", "254",
		"wifi0", "10.0.0.0/8", "::/0", "1.2.3.4/40", "pid", "#", "",
		"99999999999999999999", "-", "/", "\t", "rule", "inet",
		"inet6", "prohibit", "!6354", "!", "128", "sysctl",
		"net.ipv4.conf.all.src_valid_mark", "net..x",
	};
	/* clang-format on */
	const size_t nw = sizeof(words) / sizeof(words[0]);
	struct netcfg_state_rec r;
	char line[256], why[128], back[256];
	int bad = 0;

	srand(1);
	for (int i = 0; i < 20000; i++) {
		size_t off = 0;
		int ret, n = rand() % 9;

		line[0] = '\0';
		for (int w = 0; w < n; w++)
			off += (size_t)snprintf(line + off, sizeof(line) - off,
						"%s ", words[rand() % nw]);
		why[0] = '\0';
		ret = netcfg_state_parse_line(line, &r, NULL, why, sizeof(why));
		if ((ret < 0 && !*why) ||
		    (ret == 1 && netcfg_state_format(&r, back, sizeof(back))))
			bad++;
	}
	is(bad, 0, "20000 random lines: refused with a reason, or formattable");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	lines();
	files();
	noise();
	rmdir(dir);
	return tap_done();
}
