#!/bin/sh
# SPDX-License-Identifier: MIT
# ws.sh - the laptop through the relay (the phone's stand-in), over WebSocket
#
#  laptop                relay                     server              inet, far
#  client: TUN tether0   tether --role=relay       tether --role=server
#  ws://169.254.134.89 <---- dials both ----> ws://198.51.100.1:8080   nginx, dnsmasq,
#  :6354/websocket                            NAT out of egr0 as       iperf3; a sink
#                                             203.0.113.1              behind mtu 1000
#
# The scenarios are t/e2e/scenarios.sh, shared with udp.sh; the full
# picture with every address is in t/e2e/lib.sh.
set -e
. "$SRCDIR/t/e2e/lib.sh"
. "$SRCDIR/t/e2e/scenarios.sh"
transport=ws

topology
services

# the server, the client waiting for its phone, then the relay joins them
need "the server listens on ws and udp 198.51.100.1:8080" start_server
# shellcheck disable=SC2086
ws_up $tunnelled

scenarios

teardown
done_testing
