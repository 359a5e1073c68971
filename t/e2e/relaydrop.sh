#!/bin/sh
# SPDX-License-Identifier: MIT
# relaydrop.sh - a TCP transfer through the relay survives the relay dying
#
#  laptop               relay                    server               inet
#  client: TUN tether0  tether --role=relay      tether --role=server socat
#  reader, 1 MB/s       SIGKILLed, 30 s later    keeps the session    sends
#  writer, 1 MB/s       started again, dials     NAT state            20 MiB
#  ws://169.254.134.89 <- both ends again     -> ws://198.51.100.1   :9100,
#  :6354/websocket                                :8080                sinks
#                                                                      :9101
#
# While the relay is gone the client keeps its TUN, routes and session;
# the server keeps the session. For a second both hold or drop what comes;
# after that they answer with ICMP host unreachable (the client to the
# laptop's upload, the server to the internet's download), which keeps
# each TCP sender's retransmission timeout short (RFC 6069) instead of
# backing off to tens of seconds. The new relay dials both again, the
# client resumes the session, and the same TCP connections carry on. The
# full picture is in t/e2e/lib.sh.
#
# How long after the relay's return each transfer moves again is printed
# (the goal is 3 s); the checks are that both resume, complete intact,
# and that the ICMP answers were sent. The peers are socat, not nginx:
# nginx gives up after 60 s without progress (send_timeout).
set -e
. "$SRCDIR/t/e2e/lib.sh"

topology
make_file "$TMP/20M.bin" 20
spawn inet sender socat -u "OPEN:$TMP/20M.bin" \
	TCP-LISTEN:9100,bind=203.0.113.2,reuseaddr
need "socat sends a file on 203.0.113.2:9100" \
	listening inet tcp 203.0.113.2:9100
spawn inet sink socat -u TCP-LISTEN:9101,bind=203.0.113.2,reuseaddr \
	"CREATE:$TMP/up.got"
need "socat takes a file on 203.0.113.2:9101" \
	listening inet tcp 203.0.113.2:9101
need "the server listens on ws and udp 198.51.100.1:8080" start_server
ws_up 203.0.113.0/24

# got FILE - bytes of a transfer on disk so far
got() {
	stat -c %s "$1" 2>/dev/null || echo 0
}

# ms - a monotonic-enough clock in milliseconds
ms() {
	echo $(($(date +%s%N) / 1000000))
}

# after MAX_S WHAT 'CONDITION' - poll the shell CONDITION until it holds,
# at most MAX_S seconds after $t0; print how long after $t0 it held
after() {
	local _t
	while ! eval "$3"; do
		_t=$(($(ms) - t0))
		[ "$_t" -lt "$(($1 * 1000))" ] || {
			echo "#   not within $1 s: $2" >&3
			return 1
		}
		sleep 0.05
	done
	_t=$(($(ms) - t0))
	echo "# $2 $((_t / 1000)).$(printf %03d $((_t % 1000))) s" \
		"after the relay was started again" >&3
}

# reader - read the file from socat at 1 MB/s into $TMP/20M.got; fails
# if the connection breaks
reader='import socket, sys, time
s = socket.create_connection(("203.0.113.2", 9100))
with open(sys.argv[1], "wb") as f:
	while True:
		b = s.recv(65536)
		if not b:
			break
		f.write(b)
		f.flush()
		time.sleep(len(b) / 1e6)'

# writer - send a file to the sink at 1 MB/s; fails if the connection
# breaks
writer='import socket, sys, time
s = socket.create_connection(("203.0.113.2", 9101))
with open(sys.argv[1], "rb") as f:
	while True:
		b = f.read(65536)
		if not b:
			break
		s.sendall(b)
		time.sleep(len(b) / 1e6)
s.shutdown(socket.SHUT_WR)
s.recv(1)'

# a download and an upload, slow enough to be under way when the relay
# dies
spawn laptop download "$PY" -c "$reader" "$TMP/20M.got"
spawn laptop upload "$PY" -c "$writer" "$TMP/20M.bin"
need "the download is under way (2 MiB in)" \
	wait_for laptop "[ \$(stat -c %s '$TMP/20M.got' 2>/dev/null ||
		echo 0) -ge 2097152 ]"
need "the upload is under way (2 MiB in)" \
	wait_for laptop "[ \$(stat -c %s '$TMP/up.got' 2>/dev/null ||
		echo 0) -ge 2097152 ]"

check "the relay is killed (SIGKILL)" crash relay
check "the client notices" wait_for laptop \
	"grep -q 'state reconnecting' '$TMP/client-laptop.log'"
echo "# the relay stays away for 30 s (at $(got "$TMP/20M.got") bytes" \
	"down, $(got "$TMP/up.got") up)" >&3
sleep 30
check "the TUN's route stays while the relay is away" \
	laptop sh -c 'ip route show 203.0.113.0/24 | grep -q "dev tether0"'
down=$(got "$TMP/20M.got")
up=$(got "$TMP/up.got")
t0=$(ms)
start_relay
check "the server has the client's new path" after 30 "the path is back" \
	"[ \$(grep -c 'tunnel: laptop1: path ' '$TMP/server.log') -ge 2 ]"
check "the download moves again (the goal: within 3 s)" \
	after 60 "the download moved again" \
	"[ \$(got '$TMP/20M.got') -gt $down ]"
check "the upload moves again (the goal: within 3 s)" \
	after 60 "the upload moved again" "[ \$(got '$TMP/up.got') -gt $up ]"
check "the download completes (the reader exits 0)" finish download 240
check "the download is socat's file byte for byte" \
	same "$TMP/20M.bin" "$TMP/20M.got"
check "the upload completes (the writer exits 0)" finish upload 240
check "the sink got the file byte for byte" same "$TMP/20M.bin" "$TMP/up.got"
check "it was the same session all along (one new session)" \
	[ "$(grep -c 'laptop1: new session' "$TMP/server.log")" -eq 1 ]
echo "# what the client held and the server said:" >&3
grep -h 'held\|resum\|linger\|state ' \
	"$TMP/client-laptop.log" "$TMP/server.log" >"$TMP/says" || true
comment "$TMP/says"

teardown
check "the client answered the upload with host unreachable meanwhile" \
	grep -Eq 'client: .* [1-9][0-9]* answered host unreachable' \
	"$TMP/client-laptop.log"
check "the server answered the download with host unreachable meanwhile" \
	grep -Eq 'server: dropped [1-9][0-9]* \(client offline\)' \
	"$TMP/server.log"
done_testing
