#!/bin/sh
# SPDX-License-Identifier: MIT
# knat_two_laptops.sh - two_laptops.sh with the server in kernel-NAT mode
#
# Two clients with the same inner address at once, as in two_laptops.sh;
# in kernel mode the server gives each session an address of its own
# from nat.pool, so the kernel tells their flows apart.
nat_mode=kernel
. "$SRCDIR/t/e2e/two_laptops.sh"
