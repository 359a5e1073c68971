#!/bin/sh
# SPDX-License-Identifier: MIT
# dos.sh - the server under a denial-of-service attack keeps serving
#
#  laptop              relay                   server                 inet
#  client, curl   ---  tether --role=relay --- tether --role=server   nginx
#  (a 20 MiB           ws://198.51.100.1:8080  198.51.100.1:8080      20 MiB
#  download at                                 evl0 198.19.0.1/24       file
#  1 MB/s)                                       |
#                                 evil ns: att0 198.19.0.2/24, .10-.29
#                                 1,000 WebSocket connections that never
#                                 become useful; 10,000 initiations with
#                                 unknown keys over UDP, 10,000 over
#                                 WebSocket; 100 connections from one
#                                 address
#
# While a laptop downloads through the relay, an attacker on another
# network holds 1,000 connections to the server's WebSocket port (a third
# each: a bare TCP connect, an HTTP request cut off, a completed upgrade
# that then says nothing), 50 from each of 20 addresses, and sends 20,000
# handshake initiations from keys the server does not know. The server
# must close every one of those connections by itself (the handshake
# timeout, 10 s; the ping timeout of an upgraded connection, 30 s), hold
# no more than 64 connections from one address, answer no initiation,
# keep its memory within a bound, and finish the laptop's download intact.
# Everything runs with a soft limit of 1,024 open files, as systemd starts
# a service: the server must raise it for itself, not spin on accept().
# The full picture of the other namespaces is in t/e2e/lib.sh.
set -e
. "$SRCDIR/t/e2e/lib.sh"

TFLOOD=${TFLOOD:-$(dirname "$TETHER")/t/tools/tflood}
HOSTILE=$E2E/hostile.py
# how much the server's memory may grow under all of it (RSS, KiB)
# (1,000 connections cost it about 7 MiB: lws's 4 KiB header buffer and its
# state for each)
rss_bound=$((16 * 1024))
ulimit -Sn 1024

topology
# the attacker's network, straight onto the server
add_host evil
veth server evl0 evil att0
addr server evl0 198.19.0.1/24
addr evil att0 198.19.0.2/24
srcs=""
for i in $(seq 10 29); do
	addr evil att0 "198.19.0.$i/24"
	srcs="$srcs 198.19.0.$i"
done
ip -n "$(ns evil)" route add 198.51.100.0/24 via 198.19.0.1
evil() { in_ns evil "$@"; }

mkdir -p "$TMP/www"
make_file "$TMP/www/20M.bin" 20
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2
need "the server listens on ws and udp 198.51.100.1:8080" start_server
ws_up 203.0.113.0/24

# the server's own process (spawn's pid is its timeout(1) wrapper)
spid=$(pgrep -P "$(pid_of server)")
# kib FIELD - a figure of the server's /proc/PID/status, in KiB
kib() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$spid/status"
}
rss0=$(kib VmRSS)
echo "# server pid $spid: VmRSS $rss0 KiB before the attack"

# the laptop's download runs through all of it, at 1 MB/s
spawn laptop download curl -sS -f -m 120 --limit-rate 1M \
	-o "$TMP/20M.got" http://203.0.113.2/20M.bin

# 1,000 useless connections from 20 addresses (lws closes them; the
# script waits at most 90 s for that)
spawn evil hold "$PY" "$HOSTILE" hold 198.51.100.1 8080 /websocket/ 1000 \
	90 $srcs
check "the attacker opens 1,000 connections" \
	wait_for evil "grep -q '^held after 2 s' $TMP/hold.log"
comment "$TMP/hold.log"
check "the server took all 1,000 (50 per address is under its limit)" \
	grep -q "^held after 2 s: 1000 " "$TMP/hold.log"
check "ss: the server has them" \
	server sh -c "test \$(ss -Htn state established src 198.51.100.1:8080 dst 198.19.0.0/24 | wc -l) -ge 1000"

# a phone that comes back now still gets in
check "the relay stops" stop relay
start_relay
check "a new relay connection gets through while the attack holds 1,000" \
	wait_for relay "grep -q 'server link up' $TMP/relay.log"

# the per-address limit: 100 more from one address, 64 are held
evil "$PY" "$HOSTILE" hold 198.51.100.1 8080 /websocket/ 100 3 198.19.0.2 ||
	true
held=$(printf '%s\n' "$out" | sed -n 's/^held after 2 s: \([0-9]*\) .*/\1/p')
check "100 connections from one address: the server held ${held:-?}, at most 64" \
	[ "${held:-65}" -le 64 ]

# 10,000 initiations from unknown keys over each transport
check "10,000 initiations with unknown keys over UDP: no answer" \
	evil "$TFLOOD" -n 10000 udp://198.51.100.1:8080 "$(pub server)"
check "10,000 initiations with unknown keys over WebSocket: no answer" \
	evil "$TFLOOD" -n 10000 ws://198.51.100.1:8080/websocket/ \
	"$(pub server)"
rss1=$(kib VmRSS)
hwm=$(kib VmHWM)
echo "# server VmRSS $rss1 KiB under attack, peak (VmHWM) $hwm KiB"

# the server closes every useless connection by itself
check "the server closed all 1,000 by itself" finish hold 100
check "the 334 bare connects (the handshake timeout, 10 s)" \
	grep -q "^connect-only: 334 of 334 closed" "$TMP/hold.log"
check "the 333 requests cut off (the handshake timeout)" \
	grep -q "^partial-request: 333 of 333 closed" "$TMP/hold.log"
check "the 333 upgraded ones that never spoke (the ping timeout, 30 s)" \
	grep -q "^upgraded-silent: 333 of 333 closed" "$TMP/hold.log"
check "ss: none is left" \
	server sh -c "test \$(ss -Htn state established src 198.51.100.1:8080 dst 198.19.0.0/24 | wc -l) -eq 0"

check "the laptop's download completed meanwhile" finish download 120
check "byte for byte" same "$TMP/www/20M.bin" "$TMP/20M.got"
check "the tunnel still carries new connections" \
	laptop curl -sS -f -m 10 -o /dev/null http://203.0.113.2/20M.bin

rss2=$(kib VmRSS)
hwm=$(kib VmHWM)
echo "# MEMORY server VmRSS before $rss0 KiB, under attack $rss1 KiB," \
	"after $rss2 KiB, peak $hwm KiB (bound: before + $rss_bound KiB)"
check "the server's peak RSS stayed within $((rss_bound / 1024)) MiB of where it started" \
	[ "$hwm" -le "$((rss0 + rss_bound))" ]

teardown
check_not "the server never ran out of file descriptors" \
	grep -q "accept" "$TMP/server.log"
grep -v "debug:" "$TMP/server.log" | grep -v "info: tunnel" >"$TMP/counters" ||
	true
comment "$TMP/counters"
# count REASON - the server's count of initiations it dropped for REASON
count() {
	sed -n "s/.*tunnel dropped \([0-9]*\) ($1)\$/\1/p" "$TMP/server.log"
}
unknown=$(count "unknown key")
limited=$(count "rate limited")
check "the server weighed all 20,000 initiations: ${unknown:-0} from unknown keys, ${limited:-0} over its rate limit" \
	[ "$((${unknown:-0} + ${limited:-0}))" -ge 20000 ]
done_testing
