#!/bin/sh
# SPDX-License-Identifier: MIT
# knat_reload.sh - SIGHUP in kernel-NAT mode: the server takes its new list
# of clients
#
#  laptop  (laptop1's key) --udp--\
#                                  relay ns (routes) -- server ---- inet: nginx,
#  laptop2 (laptop2's key) --udp--/        nat.mode kernel,         UDP echo :7
#                                          unprivileged; pool
#                                          10.78.0.0/16
#
# The server starts with laptop1 only. A SIGHUP lists laptop2 too, with a
# flow quota of 3 that no client had: laptop2 comes in, and that quota's
# set and rule are made at run time (a fourth flow is refused). Another
# takes laptop2's own quota away: it moves to the default one's set. A
# third lists laptop2 only while laptop2 downloads and laptop1 has flows
# open: laptop1's session is closed, the kernel's conntrack entries from
# its pool address are deleted, its traffic stops; laptop2's download goes
# on intact in the same session. A last one lists laptop1 again: it comes
# back on its pool address. The server runs unprivileged throughout.
set -e
. "$SRCDIR/t/e2e/lib.sh"
command -v conntrack >/dev/null || {
	echo "Bail out! conntrack is missing: run scripts/install-deps"
	exit 1
}

topology
add_laptop2
mkdir -p "$TMP/www"
make_file "$TMP/www/big.bin" 12
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2
need "a UDP echo listens on 203.0.113.2:7" start_udp_echo inet 203.0.113.2 7
nat_mode=kernel

# count PATTERN - lines of the server's log that match
count() {
	grep -c "$1" "$TMP/server.log" || true
}

# reaches HOST - HOST pings the web server through its tunnel
reaches() {
	in_ns "$1" ping -c 2 -W 2 -i 0.2 203.0.113.2
}

# in_set QUOTA ADDR - the table's set of flow quota QUOTA holds ADDR
in_set() {
	quietly server nft list set ip tether_knat "q$1" | grep -q "$2"
}

# flows ADDR - the conntrack entries from ADDR in the server's namespace
flows() {
	quietly server conntrack -L -s "$1" 2>/dev/null | sed 's/^/#   /' >&3
	[ -n "$(quietly server conntrack -L -s "$1" 2>/dev/null)" ]
}

need "the server listens, serving laptop1 only" start_server laptop1
need "it runs unprivileged" wait_for server \
	"grep -q 'running as user .*capabilities: cap_net_admin' $TMP/server.log"
start_client laptop laptop1 udp://198.51.100.1:8080 203.0.113.0/24
start_client laptop2 laptop2 udp://198.51.100.1:8080 203.0.113.0/24
need "laptop1's tunnel comes up" tunnel_up laptop
check "laptop2's client sends a second initiation" wait_for laptop2 \
	"[ \$(grep -c 'initiation sent' $TMP/client-laptop2.log) -ge 2 ]"
check "the server has no session for laptop2" [ "$(count 'laptop2: new')" -eq 0 ]
check_not "the table has no set for a quota of 3" \
	quietly server nft list set ip tether_knat q3

# SIGHUP: laptop2 added, with a quota of its own
laptop2_extra='"max_mappings": 3'
server_conf laptop1 laptop2
need "SIGHUP: laptop2 added" hup "client laptop2 added"
check "the log sums it up" \
	grep -q "SIGHUP: 2 clients: 1 added, 0 removed, 1 kept" "$TMP/server.log"
check "the set for a quota of 3 is made" \
	quietly server nft list set ip tether_knat q3
need "laptop2's tunnel comes up" tunnel_up laptop2
for p in 5001 5002 5003; do
	check "laptop2's flow $p of 3 gets through" \
		laptop2 "$PY" "$E2E/peer.py" udp-send 203.0.113.2 7 "$p" q 1
	expect_out "q 1 from 203.0.113.2:7" "echoed"
done
check "laptop2's pool address 10.78.0.2 is in the set of 3" in_set 3 10.78.0.2
check_rc 1 "a fourth flow of laptop2 is refused" \
	laptop2 nc -v -z -w 10 203.0.113.2 80
expect_err "No route to host" "with ICMP administratively prohibited"
check "laptop1 still reaches the web server" reaches laptop
check "laptop1 kept its first session" [ "$(count 'laptop1: new')" -eq 1 ]

# SIGHUP: laptop2's own quota gone: the default one
laptop2_extra=""
server_conf laptop1 laptop2
check "SIGHUP: laptop2's quota changed" \
	hup "SIGHUP: 2 clients: 0 added, 0 removed, 2 kept"
check "10.78.0.2 moved to the default quota's set" in_set 8192 10.78.0.2
check_not "and out of the set of 3" in_set 3 10.78.0.2
check "a fourth flow of laptop2 gets through now" \
	laptop2 nc -v -z -w 10 203.0.113.2 80

# SIGHUP: laptop1 removed, while its flows are open and laptop2 downloads
# (12 MiB at 3 MiB/s)
check "laptop1's UDP flow gets through" \
	laptop "$PY" "$E2E/peer.py" udp-send 203.0.113.2 7 5300 r 1
expect_out "r 1 from 203.0.113.2:7" "echoed"
check "the kernel tracks laptop1's flows from 10.78.0.1" flows 10.78.0.1
spawn laptop2 get curl -sS -f -m 60 --limit-rate 3M -o "$TMP/big.got" \
	http://203.0.113.2/big.bin
check "laptop2's download is under way" wait_for laptop2 \
	"[ \$(stat -c %s $TMP/big.got 2>/dev/null || echo 0) -gt 1048576 ]"
server_conf laptop2
check "SIGHUP: laptop1 removed" hup "client laptop1 removed"
check "its session closed, its flows freed" grep -Eq \
	"client laptop1 removed: session closed, [1-9][0-9]* flows? freed" \
	"$TMP/server.log"
check "the log sums it up" \
	grep -q "SIGHUP: 1 client: 0 added, 1 removed, 1 kept" "$TMP/server.log"
check "the tunnel ended laptop1's session" \
	grep -q "tunnel: laptop1: session ended" "$TMP/server.log"
check_not "no conntrack entry from 10.78.0.1 is left" flows 10.78.0.1
check_not "10.78.0.1 is in no quota set" in_set 8192 10.78.0.1
check_not "laptop1's traffic stops" reaches laptop
check "laptop2's download completes" finish get 60
check "byte for byte" same "$TMP/www/big.bin" "$TMP/big.got"
check "laptop2 kept its one session: no new one" \
	[ "$(count 'laptop2: new')" -eq 1 ]
check "none resumed, none ended" \
	[ "$(count 'laptop2: resumed\|laptop2: session ended')" -eq 0 ]

# SIGHUP: laptop1 back, on its own pool address
server_conf laptop1 laptop2
check "SIGHUP: laptop1 added again" hup "client laptop1 added"
check "laptop1 reaches the web server again" \
	wait_for laptop "ping -c 1 -W 2 203.0.113.2"
check "from its pool address 10.78.0.1 again" in_set 8192 10.78.0.1
check "laptop2 still reaches the web server" reaches laptop2
check "the server still runs unprivileged" \
	[ "$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$(worker)/status")" = 0000000000001000 ]

teardown
done_testing
