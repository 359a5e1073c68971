#!/bin/sh
# SPDX-License-Identifier: MIT
# cli.sh - the command line: help, version, roles and usage errors
. "$SRCDIR/t/lib.sh"

# --help prints usage on stdout and succeeds
run "$TETHER" --help
expect_rc 0 "--help exits 0"
expect_out "usage: tether --role=ROLE" "--help shows usage"
expect_out "--check-config" "--help names --check-config"

# --version prints the package version
run "$TETHER" --version
expect_rc 0 "--version exits 0"
version=$(sed -n 's/^AC_INIT(\[tether\], \[\([^]]*\)\].*/\1/p' \
	"$SRCDIR/configure.ac")
expect_out "tether $version" "--version prints tether $version"

# a role that does not exist is a usage error
run "$TETHER" --role=bogus
expect_rc 2 "unknown role exits 2"
expect_err "unknown role 'bogus'" "unknown role is named"
expect_err "usage:" "unknown role prints usage"

# no role at all
run "$TETHER"
expect_rc 2 "no role exits 2"
expect_err "no --role given" "missing role is explained"

# unknown options and stray arguments
run "$TETHER" --frobnicate
expect_rc 2 "unknown option exits 2"
expect_err "unknown option --frobnicate" "unknown option is named"
run "$TETHER" --role=relay extra
expect_rc 2 "stray argument exits 2"
expect_err "unexpected argument 'extra'" "stray argument is named"
run "$TETHER" --role
expect_rc 2 "--role without a value exits 2"

# --check-config needs a role that has a config
run "$TETHER" --check-config --role=bogus
expect_rc 2 "--check-config with an unknown role exits 2"
expect_err "has no config" "--check-config explains the role problem"

# without -c the default path is used and named in the error
run "$TETHER" --check-config --role=server
[ -e /etc/tether/server.json ] || {
	expect_rc 2 "missing default config exits 2"
	expect_err "tether/server.json: cannot open config" \
		"the default config path is named"
}

done_testing
