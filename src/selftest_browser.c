/* SPDX-License-Identifier: MIT */
/* selftest_browser.c - the selftest's phone as the real page in Chromium
 *
 * With --relay=browser the phone is no C relay but the phone's page itself,
 * as the laptop's client serves it, in a headless Chromium (the first of
 * chromium, chromium-browser on PATH; no Playwright: the page needs nobody
 * to drive it). It runs as root in the phone's namespace, so without its
 * sandbox. Its profile, HOME and TMPDIR are a directory of the run, made
 * afresh for each start, so nothing of it outlives the run and the run
 * directory's removal takes it all. Chromium's crash handlers leave its
 * process group (they start sessions of their own): what stops the phone
 * ends every process in its namespace.
 *
 * The page's directory (the client's "webapp"): a binary in a build tree
 * serves its own source tree's webapp/ (the nearest of the binary's
 * directory and its two parents that holds configure.ac and
 * webapp/index.html: an in-tree build, scripts/build's _build/NAME,
 * distcheck's _build/sub); any other binary the installed PKGDATADIR/webapp,
 * the client's default.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "runcmd.h"
#include "selftest.h"
#include "selftest_browser.h"
#include "selftest_proc.h"

#define BUILD_TREE_DEPTH 3 /* the binary's directory and two parents */
#define VERSION_MS	 10000

/* Is @dir/@name a regular file we may read (or, @exec, run)? */
static bool has_file(const char *dir, const char *name, bool exec)
{
	char path[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return false;
	return !stat(path, &st) && S_ISREG(st.st_mode) &&
	       !access(path, exec ? X_OK : R_OK);
}

/**
 * selftest_browser_webapp() - the directory of the page this binary serves
 * @buf:	where to put it
 * @len:	size of @buf
 *
 * Return: 0, or -1 if neither a source tree nor PKGDATADIR has it
 */
int selftest_browser_webapp(char *buf, size_t len)
{
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	for (int up = 0; n > 0 && up < BUILD_TREE_DEPTH; up++) {
		char *slash;

		dir[n] = '\0';
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
		n = slash - dir;
		if (has_file(dir, "configure.ac", false) &&
		    has_file(dir, "webapp/index.html", false) &&
		    (size_t)snprintf(buf, len, "%s/webapp", dir) < len)
			return 0;
	}
	snprintf(buf, len, PKGDATADIR "/webapp");
	return has_file(buf, "index.html", false) ? 0 : -1;
}

/* The first of chromium, chromium-browser on PATH, into @b->exe */
static int find_exe(struct selftest_browser *b)
{
	static const char *const names[] = {"chromium", "chromium-browser"};
	const char *path = getenv("PATH");
	char dflt[256];

	if (!path || !*path) {
		confstr(_CS_PATH, dflt, sizeof(dflt));
		path = dflt;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (const char *d = path; *d;) {
			size_t dlen = strcspn(d, ":");

			/* an empty entry would be the current directory */
			if (dlen && d[0] == '/' &&
			    (size_t)snprintf(b->exe, sizeof(b->exe), "%.*s",
					     (int)dlen, d) < sizeof(b->exe) &&
			    has_file(b->exe, names[i], true)) {
				snprintf(b->exe + dlen, sizeof(b->exe) - dlen,
					 "/%s", names[i]);
				return 0;
			}
			d += dlen + (d[dlen] == ':');
		}
	}
	return -1;
}

/* `chromium --version`, its last line up to " built on", into @b */
static int find_version(struct selftest_browser *b)
{
	const char *argv[] = {b->exe, "--version", NULL};
	struct runcmd rc = {.argv = argv, .timeout_ms = VERSION_MS};
	int status = runcmd(&rc);
	char *line = rc.output, *nl;

	while ((nl = strchr(line, '\n')) && nl[1])
		line = nl + 1;
	line[strcspn(line, "\n")] = '\0';
	if (status || !*line) {
		log_error("selftest: %s --version %s%s%s", b->exe,
			  status < 0 ? "could not run: " : "failed",
			  status < 0 ? strerror(errno) : ": ",
			  status < 0 ? "" : line);
		return -1;
	}
	if (strstr(line, " built on"))
		*strstr(line, " built on") = '\0';
	snprintf(b->version, sizeof(b->version), "%.*s",
		 (int)sizeof(b->version) - 1, line);
	return 0;
}

/**
 * selftest_browser_find() - can the page run in a browser here? Says why not.
 * @b:	gets the browser, its version and the page's directory
 *
 * Return: 0, or -1 with the reason logged
 */
int selftest_browser_find(struct selftest_browser *b)
{
	if (find_exe(b)) {
		log_error("selftest: --relay=browser needs Chromium, and "
			  "neither chromium nor chromium-browser is on PATH: "
			  "apt-get install chromium");
		return -1;
	}
	if (selftest_browser_webapp(b->webapp, sizeof(b->webapp))) {
		log_error("selftest: --relay=browser needs the phone's page, "
			  "and this binary is in no source tree, nor is the "
			  "page installed in %s: make install",
			  b->webapp);
		return -1;
	}
	return find_version(b);
}

/* In the child: Chromium, its every file under @dir */
static void exec_browser(const struct selftest_browser *b, const char *dir)
{
	char profile[PATH_MAX + 32], home[PATH_MAX + 8], tmp[PATH_MAX + 8],
		path[1024], url[64];
	const char *p = getenv("PATH");
	char *const argv[] = {
		(char *)b->exe,
		"--headless",
		"--no-sandbox",
		"--disable-gpu",
		"--disable-quic",
		"--no-first-run",
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
		"--no-proxy-server",
		/* the page's console messages into the log */
		"--enable-logging=stderr",
		profile,
		url,
		NULL,
	};
	/* the wrapper script needs PATH; nothing else of ours is wanted */
	char *const envp[] = {path, home, tmp, NULL};

	snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile", dir);
	snprintf(url, sizeof(url), "http://" SELFTEST_CLIENT_ADDR ":%d/",
		 SELFTEST_CLIENT_PORT);
	snprintf(home, sizeof(home), "HOME=%s", dir);
	snprintf(tmp, sizeof(tmp), "TMPDIR=%s", dir);
	snprintf(path, sizeof(path), "PATH=%s", p ? p : "/usr/bin:/bin");
	if (chdir(dir))
		log_warn("selftest: %s", dir);
	else
		execve(b->exe, argv, envp);
	log_warn("selftest: exec %s", b->exe);
}

/**
 * selftest_browser_start() - open the laptop's page in a new Chromium
 * @b:		what selftest_browser_find() found
 * @nsfd:	the phone's namespace
 * @dir:	a new directory for its profile, HOME and TMPDIR
 * @log:	its standard output and error
 *
 * Chromium is a daemon of the selftest (selftest_proc_fork()).
 *
 * Return: its pid (the leader of its process group), or -1
 */
pid_t selftest_browser_start(const struct selftest_browser *b, int nsfd,
			     const char *dir, const char *log)
{
	pid_t pid;

	if (mkdir(dir, 0700)) {
		log_warn("selftest: %s", dir);
		return -1;
	}
	pid = selftest_proc_fork(nsfd, log, true);
	if (pid)
		return pid;
	exec_browser(b, dir);
	_exit(127);
}
