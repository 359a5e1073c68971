/* SPDX-License-Identifier: MIT */
/* selftest.c - the selftest role: the whole system, on one machine
 *
 * `tether --role=selftest` builds a laptop, a second laptop, a phone, a
 * server and the internet in network namespaces (selftest_topo.c), starts
 * the internet's services (selftest_svc.c) and, from this same binary with
 * generated keys and configs, a tether server, a client on the laptop and
 * a relay on the phone in place of the phone's page. Then it runs its
 * checks from the laptop (selftest_check.c, selftest_probe.c), each printed
 * as it runs, prints a table, and removes everything it made, also when a
 * check fails or a signal comes. With --keep everything stays up to be
 * explored, until `tether --role=selftest --cleanup`.
 *
 * The phone is started by start_phone() alone: the C relay now; a headless
 * browser running the real page can take its place there.
 */
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "key.h"
#include "log.h"
#include "roles.h"
#include "runstate.h"
#include "selftest.h"
#include "selftest_check.h"
#include "selftest_laptop.h"
#include "selftest_probe.h"
#include "selftest_proc.h"
#include "selftest_svc.h"
#include "selftest_topo.h"

#define PAYLOAD_BYTES (32u << 20)
#define READY_S	      15   /* to listen, or for a tunnel to come up */
#define STOP_MS	      5000 /* for a role to exit on SIGTERM */
#define PHONE_GONE_MS 1000 /* how long the relay stays dead */
#define LOG_LINES     12   /* of each log, after a failure */

/* What the selftest starts, in the order it starts them */
enum proc {
	PROC_SERVICES,
	PROC_SERVER,
	PROC_LAPTOP,
	PROC_LAPTOP2,
	PROC_PHONE,
	PROC__COUNT
};

static const struct {
	const char *name; /* its config and log: NAME.json, NAME.log */
	enum selftest_host host;
	const char *role; /* NULL: the built-in services */
} procs[PROC__COUNT] = {
	[PROC_SERVICES] = {"internet", SELFTEST_INTERNET, NULL},
	[PROC_SERVER] = {"server", SELFTEST_SERVER, "server"},
	[PROC_LAPTOP] = {"laptop", SELFTEST_LAPTOP, "client"},
	[PROC_LAPTOP2] = {"laptop2", SELFTEST_LAPTOP2, "client"},
	[PROC_PHONE] = {"phone", SELFTEST_PHONE, "relay"},
};

struct selftest {
	pid_t run; /* names the namespaces and the run directory */
	char dir[64];
	int nsfd[SELFTEST_HOSTS];
	pid_t pid[PROC__COUNT]; /* 0: not running */
	struct selftest_payload payload;
	struct selftest_env env; /* for the checks */
};

static bool keep;

/* --keep: leave everything up */
void selftest_set_keep(bool k)
{
	keep = k;
}

/* --- the run's files and processes ------------------------------------ */

static void path_of(const struct selftest *st, enum proc p, const char *ext,
		    char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", st->dir, procs[p].name, ext);
}

static int write_config(const struct selftest *st, enum proc p, const char *fmt,
			...) LOG_PRINTF(3, 4);

/* Write a role's config, mode 600 (it holds a private key) */
static int write_config(const struct selftest *st, enum proc p, const char *fmt,
			...)
{
	char path[96];
	va_list ap;
	int fd, n;

	path_of(st, p, "json", path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("selftest: %s", path);
		return -1;
	}
	va_start(ap, fmt);
	n = vdprintf(fd, fmt, ap);
	va_end(ap);
	close(fd);
	return n < 0 ? -1 : 0;
}

struct keypair {
	char priv[KEY_B64_LEN + 1], pub[KEY_B64_LEN + 1];
};

static int keypair(struct keypair *kp)
{
	uint8_t k[KEY_LEN], pub[KEY_LEN];
	int ret;

	key_generate(k);
	ret = key_public(pub, k);
	key_to_base64(kp->priv, k);
	key_to_base64(kp->pub, pub);
	sodium_memzero(k, sizeof(k));
	return ret;
}

/* Keys for the server and both laptops, and every role's config */
static int write_configs(const struct selftest *st)
{
	struct keypair srv, lap, lap2;
	int ret = -1;

	if (keypair(&srv) || keypair(&lap) || keypair(&lap2))
		goto out;
	if (write_config(
		    st, PROC_SERVER,
		    "{\n\t\"private_key\": \"%s\",\n"
		    "\t\"listen\": \"" SELFTEST_SERVER_ADDR ":%d\",\n"
		    "\t\"udp_listen\": \"" SELFTEST_SERVER_ADDR ":%d\",\n"
		    "\t\"clients\": [\n"
		    "\t\t{ \"name\": \"laptop\", \"public_key\": \"%s\" },\n"
		    "\t\t{ \"name\": \"laptop2\", \"public_key\": \"%s\" }\n"
		    "\t],\n"
		    "\t\"tunnel\": { \"dns\": \"" SELFTEST_INTERNET_ADDR
		    "\" },\n"
		    "\t\"egress\": {\n\t\t\"interface\": \"egr0\",\n"
		    "\t\t\"address\": \"" SELFTEST_EGRESS_ADDR "\",\n"
		    "\t\t\"deny\": [\"" SELFTEST_DENIED_PREFIX "\"]\n\t}\n}\n",
		    srv.priv, SELFTEST_SERVER_PORT, SELFTEST_SERVER_PORT,
		    lap.pub, lap2.pub) ||
	    /* the laptop: through the phone, every other setting its default */
	    write_config(st, PROC_LAPTOP,
			 "{\n\t\"server_url\": \"ws://" SELFTEST_SERVER_ADDR
			 ":%d/websocket/\",\n"
			 "\t\"private_key\": \"%s\",\n"
			 "\t\"server_public_key\": \"%s\",\n"
			 "\t\"interface\": \"wifi0\"\n}\n",
			 SELFTEST_SERVER_PORT, lap.priv, srv.pub) ||
	    write_config(st, PROC_LAPTOP2,
			 "{\n\t\"server_url\": \"udp://" SELFTEST_SERVER_ADDR
			 ":%d\",\n"
			 "\t\"private_key\": \"%s\",\n"
			 "\t\"server_public_key\": \"%s\"\n}\n",
			 SELFTEST_SERVER_PORT, lap2.priv, srv.pub) ||
	    write_config(st, PROC_PHONE,
			 "{\n\t\"server_url\": \"ws://" SELFTEST_SERVER_ADDR
			 ":%d/websocket/\"\n}\n",
			 SELFTEST_SERVER_PORT))
		goto out;
	ret = 0;
out:
	sodium_memzero(&srv, sizeof(srv));
	sodium_memzero(&lap, sizeof(lap));
	sodium_memzero(&lap2, sizeof(lap2));
	return ret;
}

/* Start a role (this binary with its config) or the services */
static int start(struct selftest *st, enum proc p)
{
	char conf[96], log[96], role[32];
	char *argv[] = {"tether", role, "-c", conf, NULL, NULL};
	int nsfd = st->nsfd[procs[p].host];

	path_of(st, p, "log", log, sizeof(log));
	path_of(st, p, "json", conf, sizeof(conf));
	snprintf(role, sizeof(role), "--role=%s",
		 procs[p].role ? procs[p].role : "");
	if (log_get_level() == LOG_LEVEL_DEBUG)
		argv[4] = "--verbose";
	st->pid[p] = procs[p].role
			     ? selftest_proc_exec(nsfd, log, argv)
			     : selftest_svc_start(nsfd, log, &st->payload);
	if (st->pid[p] > 0)
		return 0;
	st->pid[p] = 0;
	return -1;
}

/* The phone: what connects the laptop's client to the server */
static int start_phone(struct selftest *st)
{
	return start(st, PROC_PHONE);
}

/* Has @p ended? Then say so and forget it */
static bool ended(struct selftest *st, enum proc p)
{
	int status;

	if (!st->pid[p] || !selftest_proc_exited(st->pid[p], &status))
		return !st->pid[p];
	st->pid[p] = 0;
	log_error("selftest: %s ended (wait status %#x): see %s.log",
		  procs[p].name, (unsigned)status, procs[p].name);
	return true;
}

/* Wait until @p listens on a port */
static int listening(struct selftest *st, enum proc p, const char *proto,
		     uint16_t port)
{
	for (int i = 0; i < READY_S * 50; i++) {
		if (ended(st, p) || selftest_proc_signalled())
			return -1;
		if (selftest_proc_listening(st->pid[p], proto, port))
			return 0;
		selftest_proc_sleep(20);
	}
	log_error("selftest: %s does not listen on %s port %u after %d s",
		  procs[p].name, proto, port, READY_S);
	return -1;
}

/* Did the client's log say "tunnel up"? Its details into @up */
static bool said_up(const struct selftest *st, enum proc p, char *up)
{
	static const char mark[] = "client: tunnel up: ";
	char path[96], line[512];
	bool found = false;
	FILE *f;

	path_of(st, p, "log", path, sizeof(path));
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *m = strstr(line, mark);

		if (m) {
			m[strcspn(m, "\n")] = '\0';
			snprintf(up, SELFTEST_WHY, "%s", m + strlen(mark));
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* Wait until a client's tunnel is up. Return: 0, or -1 (why in @up) */
static int tunnel_up(struct selftest *st, enum proc p, char *up)
{
	for (int i = 0; i < READY_S * 50; i++) {
		if (said_up(st, p, up))
			return 0;
		if (ended(st, p) || selftest_proc_sleep(20))
			break;
	}
	snprintf(up, SELFTEST_WHY, "no \"tunnel up\" in %s.log after %d s",
		 procs[p].name, READY_S);
	return -1;
}

/* The topology, the services, the server and the laptop's client */
static int setup(struct selftest *st)
{
	double t0 = selftest_probe_now();

	if (selftest_topo_build(st->run, st->nsfd))
		return -1;
	printf("setup laptop, laptop2, phone, server, internet: network "
	       "namespaces " SELFTEST_NS_PREFIX "%d-* (%.2f s)\n",
	       (int)st->run, selftest_probe_now() - t0);
	if (write_configs(st))
		return -1;
	selftest_svc_payload(&st->payload, PAYLOAD_BYTES);
	if (start(st, PROC_SERVICES) ||
	    listening(st, PROC_SERVICES, "tcp", SELFTEST_HTTP_PORT) ||
	    listening(st, PROC_SERVICES, "tcp", SELFTEST_ECHO_PORT) ||
	    listening(st, PROC_SERVICES, "udp", SELFTEST_ECHO_PORT) ||
	    listening(st, PROC_SERVICES, "udp", SELFTEST_DNS_PORT))
		return -1;
	printf("setup internet " SELFTEST_INTERNET_ADDR
	       ": HTTP, DNS (" SELFTEST_DNS_NAME "), TCP and UDP echo\n");
	if (start(st, PROC_SERVER) ||
	    listening(st, PROC_SERVER, "tcp", SELFTEST_SERVER_PORT) ||
	    listening(st, PROC_SERVER, "udp", SELFTEST_SERVER_PORT))
		return -1;
	printf("setup server: tether --role=server on ws and udp "
	       "" SELFTEST_SERVER_ADDR ":%d, NAT as " SELFTEST_EGRESS_ADDR "\n",
	       SELFTEST_SERVER_PORT);
	if (start(st, PROC_LAPTOP) ||
	    listening(st, PROC_LAPTOP, "tcp", SELFTEST_CLIENT_PORT))
		return -1;
	printf("setup laptop: tether --role=client, waiting for the phone at "
	       "http://" SELFTEST_CLIENT_ADDR ":%d/\n",
	       SELFTEST_CLIENT_PORT);
	return 0;
}

/* --- the checks -------------------------------------------------------- */

/* The phone connects the laptop's client to the server */
static bool handshake(struct selftest *st, struct selftest_outcome *o)
{
	double t0 = selftest_probe_now();
	char up[SELFTEST_WHY];
	bool ok = false;

	selftest_check_begin(o, "handshake");
	if (start_phone(st))
		snprintf(o->figure, sizeof(o->figure),
			 "the relay did not start");
	else if (tunnel_up(st, PROC_LAPTOP, up))
		snprintf(o->figure, sizeof(o->figure), "%s", up);
	else
		ok = snprintf(o->figure, sizeof(o->figure),
			      "up %.2f s after the phone came: %s",
			      selftest_probe_now() - t0, up) > 0;
	selftest_check_end(o, ok);
	return ok;
}

/* The relay resume's steps: 1, the phone goes; 2, it comes back */
static int step_resume(void *arg, int n)
{
	struct selftest *st = arg;

	if (n == 1) {
		selftest_proc_stop(st->pid[PROC_PHONE], SIGKILL, 0);
		st->pid[PROC_PHONE] = 0;
		return 0;
	}
	return n == 2 && !selftest_proc_sleep(PHONE_GONE_MS) ? start_phone(st)
							     : -1;
}

/* The second laptop's step: its client, until its tunnel is up */
static int step_laptop2(void *arg, int n)
{
	struct selftest *st = arg;
	char up[SELFTEST_WHY];

	return n == 1 && !start(st, PROC_LAPTOP2)
		       ? tunnel_up(st, PROC_LAPTOP2, up)
		       : -1;
}

/* Every check runs in the laptop's namespace, after the handshake */
static const struct {
	const char *name;
	int timeout_s;
	int (*run)(void *arg, char *figure);
	int (*step)(void *arg, int n);
} checks[] = {
	{"tcp fetch", 15, selftest_laptop_fetch, NULL},
	{"bulk transfer", 45, selftest_laptop_bulk, NULL},
	{"udp echo", 15, selftest_laptop_udp, NULL},
	{"dns", 10, selftest_laptop_dns, NULL},
	{"ping", 25, selftest_laptop_ping, NULL},
	{"relay resume", 30, selftest_laptop_resume, step_resume},
	{"second laptop", 30, selftest_laptop_second, step_laptop2},
	{"egress policy", 15, selftest_laptop_egress, NULL},
};

#define NCHECKS (1 + sizeof(checks) / sizeof(checks[0]))

static void run_checks(struct selftest *st, bool ready,
		       struct selftest_outcome *out)
{
	bool up;

	out[0].name = "handshake";
	up = ready && !selftest_proc_signalled() && handshake(st, &out[0]);
	for (size_t i = 1; i < NCHECKS; i++) {
		struct selftest_check c = {
			.name = checks[i - 1].name,
			.nsfd = st->nsfd[SELFTEST_LAPTOP],
			.timeout_s = checks[i - 1].timeout_s,
			.run = checks[i - 1].run,
			.arg = &st->env,
			.step = checks[i - 1].step,
			.step_arg = st,
		};

		out[i].name = c.name;
		if (up && !selftest_proc_signalled())
			selftest_check_run(&c, &out[i]);
	}
}

/* --- the end ----------------------------------------------------------- */

/* The last lines of every log, after a failure */
static void show_logs(const struct selftest *st)
{
	for (int p = 0; p < PROC__COUNT; p++) {
		char path[96], lines[LOG_LINES][256];
		size_t n = 0;
		FILE *f;

		path_of(st, p, "log", path, sizeof(path));
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(lines[n % LOG_LINES], sizeof(lines[0]), f))
			n++;
		fclose(f);
		printf("--- %s (last lines)\n", path);
		for (size_t i = n > LOG_LINES ? n - LOG_LINES : 0; i < n; i++)
			printf("    %s", lines[i % LOG_LINES]);
	}
	if (!keep)
		printf("(--keep leaves everything up to look at)\n");
}

/* --keep: how to explore, and how to remove it all */
static void explain(const struct selftest *st)
{
	static const struct {
		enum selftest_host host;
		const char *cmd, *what;
	} tips[] = {
		{SELFTEST_LAPTOP, "ping " SELFTEST_INTERNET_ADDR,
		 "through tether"},
		{SELFTEST_LAPTOP, "ip route show table all", "the full tunnel"},
		{SELFTEST_LAPTOP, "bash", "a shell on the laptop"},
		{SELFTEST_SERVER, "nft list ruleset", "the server's guard"},
		{SELFTEST_INTERNET, "ss -ltun", "the built-in services"},
	};

	printf("\n--keep: everything stays up. To look around:\n");
	for (size_t i = 0; i < sizeof(tips) / sizeof(tips[0]); i++) {
		char ns[32], line[128];

		snprintf(
			line, sizeof(line), "ip netns exec %s %s",
			selftest_topo_ns(st->run, tips[i].host, ns, sizeof(ns)),
			tips[i].cmd);
		printf("  %-56s # %s\n", line, tips[i].what);
	}
	printf("configs and logs: %s/\n"
	       "to remove it all: tether --role=selftest --cleanup\n",
	       st->dir);
}

/* Stop every process (the phone first), remove the run's footprint */
static void teardown(struct selftest *st)
{
	for (int p = PROC__COUNT - 1; p >= 0; p--) {
		int status;

		if (!st->pid[p])
			continue;
		status = selftest_proc_stop(st->pid[p], SIGTERM, STOP_MS);
		st->pid[p] = 0;
		if (procs[p].role && status)
			log_warnx(
				"selftest: %s's tether --role=%s did not exit "
				"0 on SIGTERM (wait status %#x)",
				procs[p].name, procs[p].role, (unsigned)status);
	}
	for (int h = 0; h < SELFTEST_HOSTS; h++)
		if (st->nsfd[h] >= 0)
			close(st->nsfd[h]);
	if (selftest_topo_remove(st->run) < 0)
		log_error("selftest: not everything could be removed; tether "
			  "--role=selftest --cleanup tries again");
}

/**
 * selftest_cleanup() - remove what selftests left: kept or killed runs
 *
 * Return: 0 if nothing is left, 1 otherwise
 */
int selftest_cleanup(void)
{
	int n;

	if (geteuid()) {
		log_error("selftest: --cleanup needs root");
		return 1;
	}
	n = selftest_topo_remove_stale();
	if (!n)
		log_info("selftest: nothing to clean up");
	return n < 0 ? 1 : 0;
}

/**
 * selftest_run() - the selftest role
 * @c:	NULL (the selftest makes its own configs)
 *
 * Return: 0 if every check passed, 1 otherwise, 128 + the signal that
 * interrupted it
 */
int selftest_run(const struct conf *c)
{
	struct selftest st = {.run = getpid()};
	struct selftest_outcome out[NCHECKS];
	bool made_statedir = access(RUNSTATE_DIR, F_OK) != 0, ready;
	double t0 = selftest_probe_now();
	int failed, sig;

	(void)c;
	memset(out, 0, sizeof(out));
	for (int h = 0; h < SELFTEST_HOSTS; h++)
		st.nsfd[h] = -1;
	st.env.nsfd = st.nsfd;
	st.env.payload = &st.payload;
	if (selftest_topo_preflight())
		return 1;
	selftest_proc_init(keep);
	selftest_topo_dir(st.run, st.dir, sizeof(st.dir));
	printf("tether selftest: a laptop, a phone, a server and the internet "
	       "in network namespaces\n");
	ready = !setup(&st);
	run_checks(&st, ready, out);
	failed = selftest_check_summary(out, NCHECKS);
	sig = selftest_proc_signalled();
	if (failed && !sig)
		show_logs(&st);
	if (keep && !sig) {
		explain(&st);
		return failed ? 1 : 0;
	}
	teardown(&st);
	/* /run/tether itself, if this run made it and it is empty */
	if (made_statedir)
		rmdir(RUNSTATE_DIR);
	printf("cleaned up: run %d's namespaces, processes and files are gone "
	       "(%.1f s in all)\n",
	       (int)st.run, selftest_probe_now() - t0);
	if (sig)
		printf("interrupted by %s\n", strsignal(sig));
	return sig ? 128 + sig : failed ? 1 : 0;
}
