#!/bin/sh
# SPDX-License-Identifier: MIT
# two_laptops.sh - two clients with the same inner address, at once
#
#  laptop  (laptop1's key) --udp--\
#  169.254.1.1, TUN 10.77.0.2      \
#                                   relay ns (routes) -- server -- inet: nginx,
#  laptop2 (laptop2's key) --udp--/                      NAT as     UDP echo :7
#  169.254.1.3, TUN 10.77.0.2                            203.0.113.1
#
# The server gives every client its default 10.77.0.2: it tells them apart
# by session, not by address. Both laptops use the same inner address and
# the same source ports at the same time; each must get its own replies.
set -e
. "$SRCDIR/t/e2e/lib.sh"

topology
add_laptop2
mkdir -p "$TMP/www"
make_file "$TMP/www/one.bin" 8
make_file "$TMP/www/two.bin" 8
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2
need "a UDP echo listens on 203.0.113.2:7" start_udp_echo inet 203.0.113.2 7
need "the server listens" start_server
start_client laptop laptop1 udp://198.51.100.1:8080 203.0.113.0/24
start_client laptop2 laptop2 udp://198.51.100.1:8080 203.0.113.0/24
need "laptop1's tunnel comes up" tunnel_up laptop
need "laptop2's tunnel comes up" tunnel_up laptop2

# both were given the same inner address
check "ip addr show tether0 (laptop)" laptop ip -4 addr show dev tether0
expect_out "inet 10.77.0.2/24" "laptop has 10.77.0.2"
check "ip addr show tether0 (laptop2)" laptop2 ip -4 addr show dev tether0
expect_out "inet 10.77.0.2/24" "laptop2 has 10.77.0.2 too"

# both download at once (2 s each at 4 MB/s) from the same inner address
# and port: each gets its own file
spawn laptop get-one curl -sS -f -m 30 --limit-rate 4M --local-port 40000 \
	-o "$TMP/one.got" http://203.0.113.2/one.bin
spawn laptop2 get-two curl -sS -f -m 30 --limit-rate 4M --local-port 40000 \
	-o "$TMP/two.got" http://203.0.113.2/two.bin
check "laptop's download (10.77.0.2:40000) completes" finish get-one 40
check "laptop2's download (10.77.0.2:40000) completes" finish get-two 40
check "laptop got one.bin byte for byte" same "$TMP/www/one.bin" "$TMP/one.got"
check "laptop2 got two.bin byte for byte" same "$TMP/www/two.bin" "$TMP/two.got"
check "nginx logged both downloads" inet grep "bin HTTP" "$TMP/nginx/access.log"
peers=$(echo "$out" | cut -d' ' -f1 | grep '^203\.0\.113\.1:' | sort -u |
	wc -l)
check "they came from 203.0.113.1 on two different ports" [ "$peers" -eq 2 ]

# UDP from the same inner address and port on both, with distinct tokens:
# neither sees the other's echoes
spawn laptop echo-one "$PY" "$E2E/peer.py" udp-send 203.0.113.2 7 5353 \
	laptop-one 20
spawn laptop2 echo-two "$PY" "$E2E/peer.py" udp-send 203.0.113.2 7 5353 \
	laptop-two 20
check "laptop's echo client ends" finish echo-one 15
check "laptop2's echo client ends" finish echo-two 15
check "laptop got its 20 echoes" \
	test "$(grep -c '^laptop-one ' "$TMP/echo-one.log")" -eq 20
check_not "laptop got none of laptop2's" grep -q laptop-two "$TMP/echo-one.log"
check "laptop2 got its 20 echoes" \
	test "$(grep -c '^laptop-two ' "$TMP/echo-two.log")" -eq 20
check_not "laptop2 got none of laptop's" grep -q laptop-one "$TMP/echo-two.log"
check "the echo server's peers" inet cat "$TMP/echo-7.log"
peers=$(grep -c '^peer 203\.0\.113\.1:' "$TMP/echo-7.log" || true)
check "the echo server saw two peers, both 203.0.113.1" [ "$peers" -eq 2 ]

teardown
done_testing
