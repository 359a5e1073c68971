#!/bin/sh
# SPDX-License-Identifier: MIT
# reload.sh - SIGHUP: the server takes its new list of clients
#
#  laptop  (laptop1's key) --udp--\
#                                  relay ns (routes) -- server -- inet: nginx
#  laptop2 (laptop2's key) --udp--/
#
# The server starts with laptop1 only: laptop2's handshakes go unanswered.
# A SIGHUP with both listed lets laptop2 in. Another, with laptop2 only,
# while laptop2 downloads: laptop1's session is closed and its NAT
# mappings freed at once, its traffic stops; laptop2's download goes on
# intact in the same session. A config that does not load changes
# nothing; a change to a key other than "clients" is named and not
# applied. The server runs unprivileged: its keeper opens the file (mode
# 600, root's) for each reload.
set -e
. "$SRCDIR/t/e2e/lib.sh"

topology
add_laptop2
mkdir -p "$TMP/www"
make_file "$TMP/www/big.bin" 12
make_file "$TMP/www/small.bin" 1
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2

# count PATTERN - lines of the server's log that match
count() {
	grep -c "$1" "$TMP/server.log" || true
}

# status_is N NAME... - the server's status: N clients configured, and
# sessions of the clients NAMEd (sorted)
status_is() {
	server curl -sS -m 5 http://127.0.0.1:6356/status || return 1
	printf '%s' "$out" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
n = d["clients"]["configured"]
names = sorted(s["name"] for s in d["sessions"])
print("#   configured %d, sessions %s" % (n, names))
sys.exit(not (n == int(sys.argv[1]) and names == sys.argv[2:]))' "$@" >&3
}

# reaches HOST - HOST pings the web server through its tunnel
reaches() {
	in_ns "$1" ping -c 2 -W 2 -i 0.2 203.0.113.2
}

need "the server listens, serving laptop1 only" start_server laptop1
need "it runs unprivileged" wait_for server \
	"grep -q 'running as user' $TMP/server.log"
start_client laptop laptop1 udp://198.51.100.1:8080 203.0.113.0/24
start_client laptop2 laptop2 udp://198.51.100.1:8080 203.0.113.0/24
need "laptop1's tunnel comes up" tunnel_up laptop

# laptop2 is not listed: its first initiation is not answered, so its
# client sends another one
check "laptop2's client sends a second initiation" wait_for laptop2 \
	"[ \$(grep -c 'initiation sent' $TMP/client-laptop2.log) -ge 2 ]"
check_not "laptop2's tunnel is not up" \
	quietly laptop2 sh -c 'ip route show 203.0.113.0/24 | grep -q tether0'
check "the server has no session for laptop2" [ "$(count 'laptop2: new')" -eq 0 ]
check "its status: 1 client, laptop1's session" status_is 1 laptop1

# SIGHUP: laptop2 added
server_conf laptop1 laptop2
need "SIGHUP: laptop2 added" hup "client laptop2 added"
check "the log sums it up" \
	grep -q "SIGHUP: 2 clients: 1 added, 0 removed, 1 kept" "$TMP/server.log"
need "laptop2's tunnel comes up" tunnel_up laptop2
check "laptop1 still reaches the web server" reaches laptop
check "laptop1 downloads" laptop curl -sS -f -m 30 -o "$TMP/small.got" \
	http://203.0.113.2/small.bin
check "laptop1 kept its first session" [ "$(count 'laptop1: new')" -eq 1 ]
check "the status: 2 clients, both sessions" status_is 2 laptop1 laptop2

# SIGHUP: laptop1 removed, while laptop2 downloads (12 MiB at 3 MiB/s)
spawn laptop2 get curl -sS -f -m 60 --limit-rate 3M -o "$TMP/big.got" \
	http://203.0.113.2/big.bin
check "laptop2's download is under way" wait_for laptop2 \
	"[ \$(stat -c %s $TMP/big.got 2>/dev/null || echo 0) -gt 1048576 ]"
server_conf laptop2
check "SIGHUP: laptop1 removed" hup "client laptop1 removed"
check "its session closed, its mappings freed" grep -Eq \
	"client laptop1 removed: session closed, [1-9][0-9]* mappings? freed" \
	"$TMP/server.log"
check "the log sums it up" \
	grep -q "SIGHUP: 1 client: 0 added, 1 removed, 1 kept" "$TMP/server.log"
check "the tunnel ended laptop1's session" \
	grep -q "tunnel: laptop1: session ended" "$TMP/server.log"
check_not "laptop1's traffic stops" reaches laptop
check "the status: 1 client, laptop2's session" status_is 1 laptop2
check "laptop2's download completes" finish get 60
check "byte for byte" same "$TMP/www/big.bin" "$TMP/big.got"
check "laptop2 kept its one session: no new one" \
	[ "$(count 'laptop2: new')" -eq 1 ]
check "none resumed, none ended" \
	[ "$(count 'laptop2: resumed\|laptop2: session ended')" -eq 0 ]

# a config that does not load: nothing changes
w=$(worker)
echo '{ "private_key": ' >"$TMP/server.json"
check "SIGHUP with a broken config: refused" \
	hup "server.json not taken; nothing changed"
check "the server runs on" alive "$w"
check "laptop2 still reaches the web server" reaches laptop2
check_not "laptop1 is still out" reaches laptop
check "laptop2 still in its one session" [ "$(count 'laptop2: new')" -eq 1 ]

# another key changed too: named, not applied; the clients are taken
server_extra='"log_level": "warn"'
server_conf laptop1 laptop2
check "SIGHUP with log_level changed: laptop1 added again" \
	hup "client laptop1 added"
check "log_level is named as not applied" \
	grep -q '"log_level" changed; that takes a restart: not applied' \
	"$TMP/server.log"
check "laptop2 still reaches the web server" reaches laptop2

teardown
done_testing
