#!/bin/sh
# SPDX-License-Identifier: MIT
# egress_gso.sh - the userspace NAT sends a client's TCP packets of many
# segments out of egr0 whole (egress.gso): an upload over WebSocket with
# the client's TUN offload arrives byte for byte, also with egr0's
# checksum offload and TSO off (the kernel then segments and sums in
# software where the server's header says); while the next hop is not
# resolved such a packet is split instead, and the next one goes whole;
# with egress.gso false nothing goes whole
#
# The topology is t/e2e/lib.sh's; tpeer sends a GSO entry (a TCP packet
# of two segments to the closed port 203.0.113.2:19, t/e2e/scenarios.sh)
# over UDP, and counts the RSTs that come back: two if it was split, one
# if it went whole (inet's kernel gets it as one GSO packet).
set -e
. "$SRCDIR/t/e2e/lib.sh"
. "$SRCDIR/t/e2e/scenarios.sh"

topology
mkdir -p "$TMP/www"
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2

# send_gso - tpeer sends the TCP GSO entry; $rsts: the RSTs back
send_gso() {
	gso_packets | head -n 1 >"$TMP/gso.hex"
	check "tpeer sends a TCP packet of two segments as a GSO entry" \
		feed "$TMP/gso.hex" laptop "$TPEER" -w 2000 \
		udp://198.51.100.1:8080 "$TMP/laptop2.key" "$(pub server)"
	rsts=$(printf '%s\n' "$out" |
		grep -Ec '^45.{16}06.{4}cb0071020a4d0002.{26}04' || true)
}

# status - the server's status document into $out
status() {
	check "the server's status document" \
		server curl -sS -f -m 5 http://127.0.0.1:6356/status
}

# whole - the count of packets sent whole in the status document in $out
whole() {
	echo "$out" | "$PY" -c \
		'import json, sys; print(json.load(sys.stdin)["egress"]["gso"]["sent_whole"])'
}

# upload MIB - curl PUTs MIB MiB through the tunnel, nginx stores them
upload() {
	make_file "$TMP/up.bin" "$1"
	check "curl uploads $1 MiB through the tunnel (HTTP PUT)" \
		laptop curl -sS -f -m 45 -T "$TMP/up.bin" \
		http://203.0.113.2/upload/up.bin
	check "nginx stored the upload byte for byte" \
		same "$TMP/up.bin" "$TMP/www/upload/up.bin"
}

need "the server listens on ws and udp 198.51.100.1:8080" start_server
# shellcheck disable=SC2086
ws_up $tunnelled

# the server's kernel does not know 203.0.113.2's address yet
check "the server forgets its neighbours" server ip neigh flush dev egr0
send_gso
check "unresolved next hop: split, 2 RSTs back" [ "$rsts" -eq 2 ]
status
check "counted as split" egress_gso_counted split 1
check_not "and not as sent whole" egress_gso_counted sent_whole 1
# the split segments went through the kernel, which resolved it
send_gso
check "resolved: sent whole, 1 RST back" [ "$rsts" -eq 1 ]
status
check "counted as sent whole" egress_gso_counted sent_whole 1

upload 8
status
n=$(whole)
check "the upload went out in TCP packets of many segments, whole ($n)" \
	[ "$n" -ge 20 ]
check "the server's egr0: no checksum offload, no TSO" \
	server ethtool -K egr0 tx off tso off
upload 4
status
check "... whole again, for the kernel to segment and sum ($(whole))" \
	[ "$(whole)" -ge "$((n + 10))" ]
check "egr0's offloads on again" server ethtool -K egr0 tx on tso on

# with egress.gso false every such packet is split
check "the server exits 0 on SIGTERM" stop server
egress_extra='"gso": false'
need "the server (egress.gso false) listens again" start_server
send_gso
check "egress.gso false: split, 2 RSTs back" [ "$rsts" -eq 2 ]
status
check "counted as split" egress_gso_counted split 1
check_not "nothing sent whole" egress_gso_counted sent_whole 1

teardown
done_testing
