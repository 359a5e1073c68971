#!/bin/sh
# SPDX-License-Identifier: MIT
# cleanup.sh - the laptop is as it was after the client stops, however it stops
#
#  laptop                        relay                 server
#  client: TUN tether0,          tether --role=relay   tether --role=server
#  169.254.134.89/16 on wifi0    (restarted for each   ws 198.51.100.1:8080
#  state: /run/tether/client.N    case)
#
# The ws path, so the client adds the listen address to wifi0: unlike the
# TUN's own address and routes, which vanish with the TUN, it outlives a
# client that was killed. The full picture is in t/e2e/lib.sh.
#
# The laptop's addresses, routes, rules and sysctls are snapshotted before
# the first client starts and compared after each case: SIGTERM, SIGINT,
# SIGKILL + --cleanup, SIGKILL + the next start (which cleans up first), and
# a route the host refuses (exit 1).
set -e
. "$SRCDIR/t/e2e/lib.sh"

topology
need "the laptop's IPv6 link-local addresses are settled" \
	wait_for laptop "! ip addr | grep -q tentative"

# up - the client, the relay joining it to the server, the tunnel up
up() {
	start_client laptop laptop1 ws://198.51.100.1:8080/websocket/ \
		203.0.113.0/24
	listening laptop tcp 169.254.134.89:6354 &&
		start_relay && tunnel_up laptop
}

# stop_relay - stop the relay; its log if it fails (the next case's relay
# would overwrite it)
stop_relay() {
	local _s
	_s=0
	stop relay || _s=$?
	[ "$_s" -eq 0 ] || {
		echo "#   exit status $_s; relay.log:" >&3
		comment "$TMP/relay.log"
	}
	return "$_s"
}

# says PATTERN - the last command's standard error matches PATTERN
says() {
	printf '%s\n' "$err" | grep -q -- "$1"
}

need "the server listens on ws and udp 198.51.100.1:8080" start_server
snapshot "$TMP/before"
echo "# the laptop before the client:" >&3
comment "$TMP/before"
state=/run/tether/client.$(stat -L -c %i "/run/netns/$(ns laptop)")
echo "# the client's state file: $state" >&3

# (a) SIGTERM: a clean exit undoes everything and removes the state file
need "(a) the tunnel comes up" up
check "(a) the state file lists the listen address while the client runs" \
	grep -q "^addr add wifi0 169.254.134.89/16\$" "$state"
comment "$state"
check "(a) the client exits 0 on SIGTERM" stop client-laptop
check "(a) the laptop is as before" as_before
check_not "(a) no state file is left" test -e "$state"
check "(a) the relay exits 0 on SIGTERM" stop_relay

# (b) SIGINT: the same
need "(b) the tunnel comes up" up
check "(b) the client exits 0 on SIGINT" stop client-laptop INT
check "(b) the laptop is as before" as_before
check_not "(b) no state file is left" test -e "$state"
check "(b) the relay exits 0 on SIGTERM" stop_relay

# (c) SIGKILL: the state file and the listen address stay, --cleanup
# removes both; a second --cleanup has nothing to do
need "(c) the tunnel comes up" up
crash client-laptop
check "(c) the state file outlives the client" test -e "$state"
comment "$state"
check "(c) so does the listen address on wifi0" \
	laptop sh -c 'ip -o addr show dev wifi0 | grep -q 169.254.134.89/16'
check_not "(c) the laptop is not as before" as_before
check_rc 0 "(c) tether --role=client --cleanup exits 0" \
	laptop "$TETHER" --role=client --cleanup
check "(c) it says what it undid" \
	says 'undoing what a previous run left: addr add wifi0'
check "(c) the laptop is as before" as_before
check_not "(c) no state file is left" test -e "$state"
check_rc 0 "(c) --cleanup again exits 0" \
	laptop "$TETHER" --role=client --cleanup
check "(c) it has nothing to clean up" says 'nothing to clean up'
check "(c) the relay exits 0 on SIGTERM" stop_relay

# (d) SIGKILL, then the next start cleans up first and works
need "(d) the tunnel comes up" up
crash client-laptop
check "(d) the relay exits 0 on SIGTERM" stop_relay
check "(d) the state file outlives the client" test -e "$state"
need "(d) the tunnel comes up again" up
check "(d) the client undid what the killed one left" \
	grep -q "undoing what a previous run left: addr add wifi0" \
	"$TMP/client-laptop.log"
check "(d) the tunnel carries a ping to the inet host" \
	laptop ping -c 1 -W 5 203.0.113.2
check "(d) the client exits 0 on SIGTERM" stop client-laptop
check "(d) the laptop is as before" as_before
check_not "(d) no state file is left" test -e "$state"
check "(d) the relay exits 0 on SIGTERM" stop_relay

# (e) a route the host refuses (IPv6 is off on the laptop, so the kernel
# refuses the IPv6 route with EACCES): half a tunnel is worse than none,
# so the client stops with status 1 and undoes what it had done
quietly laptop sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
snapshot "$TMP/before"
start_client laptop laptop1 ws://198.51.100.1:8080/websocket/ \
	203.0.113.0/24 2001:db8::/32
need "(e) the client listens" listening laptop tcp 169.254.134.89:6354
need "(e) the relay starts" start_relay
s=0
finish client-laptop 30 || s=$?
check "(e) the client exits 1" test "$s" -eq 1
check "(e) it says why" grep -q "could not configure tether0" \
	"$TMP/client-laptop.log"
check "(e) the laptop is as before" as_before
check_not "(e) no state file is left" test -e "$state"

teardown
done_testing
