#!/bin/sh
# SPDX-License-Identifier: MIT
# limits.sh - a client's quotas on the server: mappings and bandwidth
#
#  laptop                                     server                inet
#  client laptop1, udp:// ------------------> rate_kbit 20000 ----> iperf3
#  laptop2                                    for laptop1           :5201
#  client laptop2, udp:// ------------------> max_mappings 8 -----> UDP echo
#                                             for laptop2           :7000
#
# laptop2 may hold 8 NAT mappings: its 9th UDP flow must be refused with
# ICMP administratively prohibited (3/13) while the first 8 keep working
# (nothing is evicted). laptop1 may send and receive 20 Mbit/s each way:
# iperf3 through the tunnel, each direction for 10 s after 2 s of slow
# start, must land within 10 % of that. Both laptops reach the server's
# UDP transport directly (through the relay namespace's routing), so the
# phone's path adds nothing to the measurement. The full picture is in
# t/e2e/lib.sh.
set -e
. "$SRCDIR/t/e2e/lib.sh"

limit=20	# Mbit/s
quota=8

topology
add_laptop2
need "iperf3 listens on 203.0.113.2:5201" start_iperf3 inet 203.0.113.2 5201
need "a UDP echo listens on 203.0.113.2:7000" \
	start_udp_echo inet 203.0.113.2 7000
laptop1_extra="\"rate_kbit\": $((limit * 1000))"
laptop2_extra="\"max_mappings\": $quota"
need "the server listens on ws and udp 198.51.100.1:8080" start_server
start_client laptop laptop1 udp://198.51.100.1:8080 203.0.113.0/24
start_client laptop2 laptop2 udp://198.51.100.1:8080 203.0.113.0/24
need "laptop1's tunnel comes up" tunnel_up laptop
need "laptop2's tunnel comes up" tunnel_up laptop2

# --- the mapping quota ----------------------------------------------------

check "laptop2 opens $((quota + 1)) UDP flows one after the other" \
	laptop2 "$PY" "$E2E/peer.py" udp-flows 203.0.113.2 7000 $((quota + 1))
flows=$out
# flows_count REGEX - lines of peer.py's report that match
flows_count() {
	printf '%s\n' "$flows" | grep -c "$1" || true
}
check "the first $quota are echoed" \
	[ "$(flows_count '^flow [0-9]* (port [0-9]*): echo$')" -eq "$quota" ]
check "flow $((quota + 1)) gets ICMP 3/13 (administratively prohibited)" \
	[ "$(flows_count "^flow $((quota + 1)) (port [0-9]*): icmp 3/13$")" -eq 1 ]
check "after it the first $quota still work: no mapping was evicted" \
	[ "$(flows_count '^flow [0-9]* again: echo$')" -eq "$quota" ]

# --- the bandwidth limit --------------------------------------------------

# iperf3_rate ARGS... - iperf3 laptop -> inet for 10 s after 2 s of slow
# start (omitted); prints the receiver's rate in Mbit/s
iperf3_rate() {
	laptop iperf3 -c 203.0.113.2 -p 5201 -t 10 -O 2 -f m \
		--connect-timeout 5000 "$@" || return 1
	printf '%s\n' "$out" | awk '/ receiver$/ { print $7 }'
}

# within10 RATE - RATE (Mbit/s) is within 10 % of the limit
within10() {
	awk -v r="$1" -v l="$limit" 'BEGIN { exit !(r >= l * 0.9 && r <= l * 1.1) }'
}

up=$(iperf3_rate) || true
check "iperf3 upload through the tunnel ran" [ -n "$up" ]
down=$(iperf3_rate -R) || true
check "iperf3 download through the tunnel ran" [ -n "$down" ]
echo "# BANDWIDTH limit $limit Mbit/s each way: upload ${up:-?} Mbit/s," \
	"download ${down:-?} Mbit/s (TCP goodput, 10 s)"
check "upload lands within 10 % of $limit Mbit/s (${up:-?})" \
	within10 "${up:-0}"
check "download lands within 10 % of $limit Mbit/s (${down:-?})" \
	within10 "${down:-0}"

teardown
check "the server counted the refused flow" \
	grep -q "dropped [0-9]* (mapping quota)" "$TMP/server.log"
check "the server counted the upload over the limit" \
	grep -q "dropped [0-9]* (bandwidth limit, to the internet)" \
	"$TMP/server.log"
check "the server counted the download over the limit" \
	grep -q "dropped [0-9]* (bandwidth limit, from the internet)" \
	"$TMP/server.log"
done_testing
