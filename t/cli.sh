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

# --cleanup is the client's and the server's (their runs are in
# t/e2e/cleanup.sh and t/e2e/knat_life.sh)
run "$TETHER" --role=relay --cleanup
expect_rc 2 "--cleanup with another role exits 2"
expect_err "--cleanup is for the client and server roles" \
	"--cleanup names its roles"
run "$TETHER" --role=client --cleanup --check-config
expect_rc 2 "--cleanup with --check-config exits 2"

# genkey: a fresh base64 key each time
run "$TETHER" genkey
expect_rc 0 "genkey exits 0"
k1=$out
run "$TETHER" genkey
[ ${#k1} -eq 44 ] && [ "$k1" != "$out" ]
ok $? "genkey prints a fresh 44-character key"

# pubkey: the RFC 7748 test vector (section 6.1, Alice)
run sh -c 'echo dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo= | "$1" pubkey' _ "$TETHER"
expect_rc 0 "pubkey exits 0"
expect_out "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=" \
	"pubkey matches RFC 7748's X25519 vector"
run sh -c 'echo "$2" | "$1" pubkey' _ "$TETHER" "$k1"
expect_rc 0 "pubkey of a genkey key works"
run sh -c 'echo not-a-key | "$1" pubkey' _ "$TETHER"
expect_rc 1 "pubkey of garbage exits 1"
expect_err "not a base64 private key" "pubkey says why"
run sh -c '"$1" pubkey </dev/null' _ "$TETHER"
expect_rc 1 "pubkey with nothing on stdin exits 1"

# Two SIGTERMs at once (timeout(1) and systemd signal the process, then its
# group): one stop, exit 0, the second never kills it half-way through
cat >"$TMP/relay.json" <<'EOF2'
{ "client_url": "ws://127.0.0.1:9/websocket",
  "server_url": "ws://127.0.0.1:9/websocket/" }
EOF2
for round in 1 2 3 4 5; do
	"$TETHER" --role=relay -c "$TMP/relay.json" 2>"$TMP/relay.log" &
	pid=$!
	i=0
	while ! grep -q "relay: piping" "$TMP/relay.log" && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -TERM "$pid"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	ok "$rc" "two SIGTERMs at once, round $round: the relay exits 0"
	[ "$(grep -c 'Terminated, stopping' "$TMP/relay.log")" -eq 1 ]
	ok $? "  and stops once"
done

done_testing
