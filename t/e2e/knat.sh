#!/bin/sh
# SPDX-License-Identifier: MIT
# knat.sh - ws.sh's scenarios with the server in kernel-NAT mode
#
# The same laptop, relay, server and internet as ws.sh, and the same
# scenarios (t/e2e/scenarios.sh), but "nat": {"mode": "kernel"}: the
# server hands the laptop's packets to its own kernel through its TUN
# device, and nftables NATs them (tether.json(5), KERNEL-NAT MODE).
nat_mode=kernel
. "$SRCDIR/t/e2e/ws.sh"
