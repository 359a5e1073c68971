#!/bin/sh
# SPDX-License-Identifier: MIT
# direct.sh - the harness itself: the topology routes, the services answer
#
#  laptop ---- relay ---- server ---- inet (nginx, iperf3 on 192.0.2.2)
#  169.254.1.1  forwards   forwards    routes 169.254/16 back
#
# No tether here: plain kernel forwarding from the laptop to the reference
# target 192.0.2.2, the path the tunnel's throughput is compared with.
# When this fails, the other e2e tests cannot mean anything.
set -e
. "$SRCDIR/t/e2e/lib.sh"

topology
mkdir -p "$TMP/www"
make_file "$TMP/www/10M.bin" 10
need "nginx listens on 192.0.2.2:80" start_nginx inet 192.0.2.2
need "iperf3 listens on 192.0.2.2:5202" start_iperf3 inet 192.0.2.2 5202

# each link works: every hop answers its neighbour
check "laptop pings the relay" laptop ping -c 1 -w 5 169.254.1.2
check "relay pings the server" relay ping -c 1 -w 5 198.51.100.1
check "server pings inet" server ping -c 1 -w 5 203.0.113.2
check "inet pings far" inet ping -c 1 -w 5 198.18.0.2

# the laptop reaches the server's transport address through the relay
check "laptop pings 198.51.100.1 via the relay" \
	laptop ping -c 1 -w 5 198.51.100.1

# the direct routed path: ping 192.0.2.2 without loss
check "ping -c 20 192.0.2.2 on the direct path" \
	laptop ping -c 20 -i 0.2 -w 15 -q 192.0.2.2
expect_out " 0% packet loss" "no echo is lost"

# 10 MiB from nginx on the direct path, byte for byte; nginx sees the
# laptop's own address (routed, not NATed)
check "curl downloads 10 MiB from 192.0.2.2" \
	laptop curl -sS -f -m 45 -o "$TMP/10M.got" http://192.0.2.2/10M.bin
check "byte for byte" same "$TMP/www/10M.bin" "$TMP/10M.got"
check "nginx logged the request" inet tail -n 1 "$TMP/nginx/access.log"
expect_out "169.254.1.1:" "nginx saw the laptop's own address"

# the far link really is narrower: a DF packet over 1000 bytes is refused
check_rc 1 "ping -Mdo -s 1200 198.18.0.2 is refused (mtu 1000)" \
	inet ping -c 1 -w 5 -Mdo -s 1200 198.18.0.2
check "ping -Mdo -s 900 198.18.0.2 passes" \
	inet ping -c 1 -w 5 -Mdo -s 900 198.18.0.2

# throughput of the direct path (printed, not judged)
check "iperf3 laptop -> inet on the direct path" \
	laptop iperf3 -c 192.0.2.2 -p 5202 -t 3 -f m --connect-timeout 5000
echo "# THROUGHPUT laptop->inet TCP: direct path" \
	"$(echo "$out" | awk '/ sender$/ { print $7, $8 }')"

teardown
done_testing
