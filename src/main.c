/* SPDX-License-Identifier: MIT */
/* main.c - command line, config loading and the role dispatch table
 *
 * One binary plays every part: `tether --role=NAME` picks an entry of the
 * roles table below. Exit codes: 0 success, 1 runtime failure, 2 usage or
 * config error.
 */
#include <getopt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conf.h"
#include "ev.h"
#include "key.h"
#include "log.h"
#include "roles.h"

#define EXIT_USAGE 2

/*
 * A role: what `--role=NAME` runs, and what `--cleanup` runs (NULL: the
 * role leaves nothing to clean up). Each arrives with its issue.
 */
struct role {
	const char *name;
	int (*run)(const struct conf *c);
	int (*cleanup)(void);
};

static const struct role roles[] = {
	{"client", client_run, client_cleanup},
	{"relay", relay_run, NULL},
	{"server", server_run, server_cleanup},
	{"selftest", selftest_run, selftest_cleanup},
	{NULL, NULL, NULL},
};

/* `tether genkey`: a new private key on stdout */
static int cmd_genkey(void)
{
	uint8_t k[KEY_LEN];
	char b64[KEY_B64_LEN + 1];

	key_generate(k);
	key_to_base64(b64, k);
	sodium_memzero(k, sizeof(k));
	printf("%s\n", b64);
	sodium_memzero(b64, sizeof(b64));
	return 0;
}

/* `tether pubkey`: the public key of the private key on stdin */
static int cmd_pubkey(void)
{
	uint8_t k[KEY_LEN], pub[KEY_LEN];
	char line[128], b64[KEY_B64_LEN + 1];
	int ret = 1;

	if (!fgets(line, sizeof(line), stdin)) {
		fprintf(stderr, "tether pubkey: no key on standard input\n");
		return 1;
	}
	line[strcspn(line, " \t\r\n")] = '\0';
	if (key_from_base64(k, line) || key_public(pub, k)) {
		fprintf(stderr, "tether pubkey: standard input is not a base64 "
				"private key (see tether genkey)\n");
	} else {
		key_to_base64(b64, pub);
		printf("%s\n", b64);
		ret = 0;
	}
	sodium_memzero(line, sizeof(line));
	sodium_memzero(k, sizeof(k));
	return ret;
}

/* Commands: `tether NAME`, for jobs that are not roles */
static const struct command {
	const char *name;
	int (*run)(void);
} commands[] = {
	{"genkey", cmd_genkey},
	{"pubkey", cmd_pubkey},
	{NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tether --role=ROLE [-c FILE] [--verbose]\n"
		"       tether --check-config --role=ROLE [-c FILE]\n"
		"       tether --role=selftest [--keep]\n"
		"       tether --cleanup --role=client|server|selftest\n"
		"       tether genkey | tether pubkey < private-key\n"
		"       tether --help | --version\n"
		"\n"
		"Web-based tethering: a laptop reaches the internet through a\n"
		"phone's browser page and a tether server.\n"
		"\n"
		"options:\n"
		"  --role=ROLE       the part to play (roles:");
	for (const struct role *r = roles; r->name; r++)
		fprintf(out, " %s", r->name);
	fprintf(out,
		")\n"
		"  -c, --config=FILE the role's JSON config "
		"(default " SYSCONFDIR "/tether/ROLE.json)\n"
		"  --check-config    validate the config, print it with "
		"defaults filled in\n"
		"                    (roles with a config: client, server, "
		"relay)\n"
		"  --cleanup         undo what a client or server that died "
		"left on the host;\n"
		"                    remove what selftests left (--keep, "
		"killed)\n"
		"  --keep            selftest: leave its namespaces up to "
		"explore\n"
		"  -v, --verbose     log at debug level\n"
		"  -h, --help        this text\n"
		"  -V, --version     the version\n"
		"\n"
		"See tether(8) and tether.json(5).\n");
}

static int usage_error(const char *fmt, ...) LOG_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tether: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n");
	usage(stderr);
	return EXIT_USAGE;
}

struct options {
	const char *role;
	const char *config;
	int check;
	int cleanup;
	int keep;
	int verbose;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"role", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 'C'},
		{"cleanup", no_argument, NULL, 'K'},
		{"keep", no_argument, NULL, 'k'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			o->role = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'C':
			o->check = 1;
			break;
		case 'K':
			o->cleanup = 1;
			break;
		case 'k':
			o->keep = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("tether %s\n", PACKAGE_VERSION);
			exit(0);
		case ':':
			return usage_error("option %s needs a value",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option %s",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->role)
		return usage_error("no --role given");
	if (o->check && o->cleanup)
		return usage_error("--check-config and --cleanup exclude each "
				   "other");
	return 0;
}

/* Load the role's config; --verbose overrides "log_level" */
static int load_config(const struct options *o, enum conf_role cr,
		       struct conf *c, char **effective)
{
	char path[512];
	const char *file = o->config;

	if (!file) {
		snprintf(path, sizeof(path), SYSCONFDIR "/tether/%s.json",
			 conf_role_name(cr));
		file = path;
	}
	if (conf_load(file, cr, c, effective)) {
		conf_free(c);
		return -1;
	}
	log_set_level(o->verbose ? LOG_LEVEL_DEBUG
				 : (enum log_level)c->log_level);
	return 0;
}

static int check_config(const struct options *o)
{
	enum conf_role cr;
	struct conf c;
	char *effective = NULL;

	if (conf_role_parse(o->role, &cr))
		return usage_error("role '%s' has no config to check", o->role);
	if (load_config(o, cr, &c, &effective))
		return EXIT_USAGE;
	printf("%s\n", effective);
	fprintf(stderr, "tether: %s: valid %s config\n", c.path, o->role);
	free(effective);
	conf_free(&c);
	return 0;
}

static int run_role(const struct options *o)
{
	const struct role *r;
	enum conf_role cr;
	struct conf c;
	int ret;

	for (r = roles; r->name && strcmp(r->name, o->role); r++)
		;
	if (!r->name)
		return usage_error("unknown role '%s'", o->role);
	/* no config: it may be gone or broken since the run that died */
	if (o->cleanup && !r->cleanup)
		return usage_error("--cleanup is for the client and server "
				   "roles (and the selftest)");
	if (o->keep && strcmp(r->name, "selftest"))
		return usage_error("--keep is for the selftest role");
	selftest_set_keep(o->keep);
	if (o->cleanup)
		return r->cleanup();
	if (conf_role_parse(o->role, &cr))
		return o->config ? usage_error("role '%s' reads no config",
					       o->role)
				 : r->run(NULL);
	if (load_config(o, cr, &c, NULL))
		return EXIT_USAGE;
	ev_defer_stop_signals(); /* the role's loop takes them */
	ret = r->run(&c);
	conf_free(&c);
	return ret;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	int ret;

	if (sodium_init() < 0) {
		fprintf(stderr, "tether: libsodium failed to initialise\n");
		return 1;
	}
	if (argc == 2 && argv[1][0] != '-') {
		for (const struct command *cmd = commands; cmd->name; cmd++)
			if (!strcmp(argv[1], cmd->name))
				return cmd->run();
	}
	ret = parse_options(argc, argv, &o);
	if (ret)
		return ret;
	if (o.verbose)
		log_set_level(LOG_LEVEL_DEBUG);
	return o.check ? check_config(&o) : run_role(&o);
}
