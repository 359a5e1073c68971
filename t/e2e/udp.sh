#!/bin/sh
# SPDX-License-Identifier: MIT
# udp.sh - the laptop straight to the server over the UDP transport
#
#  laptop                relay ns                  server              inet, far
#  client: TUN tether0   (just routes:             tether --role=server
#  udp://198.51.100.1 ---- no relay runs) ------>  udp 198.51.100.1:8080  nginx, dnsmasq,
#  :8080                                           NAT out of egr0 as     iperf3; a sink
#                                                  203.0.113.1            behind mtu 1000
#
# The same scenarios as ws.sh (t/e2e/scenarios.sh); the full picture with
# every address is in t/e2e/lib.sh.
set -e
. "$SRCDIR/t/e2e/lib.sh"
. "$SRCDIR/t/e2e/scenarios.sh"
transport=udp

topology
services

# the server, then the client dials it directly
need "the server listens on ws and udp 198.51.100.1:8080" start_server
# shellcheck disable=SC2086
start_client laptop laptop1 udp://198.51.100.1:8080 $tunnelled
need "the tunnel comes up over UDP" tunnel_up laptop

scenarios

teardown
done_testing
