#!/bin/sh
# SPDX-License-Identifier: MIT
# fulltunnel.sh - "routes": ["0.0.0.0/0"]: all IPv4 tunnelled, IPv6 refused
#
#  laptop                 relay ns           server                inet
#  client: TUN tether0    (a router: the     tether --role=server  nginx on
#  default via            laptop's own  ---> udp 198.51.100.1:8080 203.0.113.2,
#  169.254.1.2 ---------> internet)          NAT out of egr0 as    192.0.2.2
#  2001:db8:1::1/64,                         203.0.113.1
#  IPv6 default via ::2
#
# The laptop's only way out is its default route through the relay
# namespace (the topology's routes to 198.51.100.0/24 and 192.0.2.0/24 are
# replaced by it), so a UDP transport packet that took the tunnel's
# default route instead would loop into the TUN: the mark on the client's
# socket is all that keeps it on the Wi-Fi. The laptop also has a global
# IPv6 address and default route, which must not be usable while the
# tunnel is up. The full picture with every address is in t/e2e/lib.sh.
#
# The laptop is snapshotted before the client starts and compared after
# SIGTERM and after SIGKILL + --cleanup.
set -e
. "$SRCDIR/t/e2e/lib.sh"

table=6354
mark=0x18d2

topology
laptop ip route del 198.51.100.0/24
laptop ip route del 192.0.2.0/24
laptop ip route add default via 169.254.1.2
laptop ip addr add 2001:db8:1::1/64 dev wifi0 nodad
laptop ip -6 route add default via 2001:db8:1::2
need "the laptop's IPv6 link-local addresses are settled" \
	wait_for laptop "! ip addr | grep -q tentative"
need "so is the relay's" wait_for relay \
	"ip -6 addr show dev br0 scope link | grep -q inet6 &&
	! ip addr | grep -q tentative"
relay_ll=$(ip -n "$(ns relay)" -6 -o addr show dev br0 scope link |
	sed 's/.* inet6 \([^/]*\).*/\1/')

echo "hello from nginx in the inet namespace" >"$TMP/small.txt"
mkdir -p "$TMP/www" && cp "$TMP/small.txt" "$TMP/www/"
need "nginx listens on 203.0.113.2:80 and 192.0.2.2:80" \
	start_nginx inet 203.0.113.2 192.0.2.2
need "the server listens on ws and udp 198.51.100.1:8080" start_server

# full_up - the client over UDP with the default route, its rules in place
full_up() {
	start_client laptop laptop1 udp://198.51.100.1:8080 0.0.0.0/0
	wait_for laptop "ip rule | grep -q 'not from all fwmark $mark lookup'"
}

# nginx_saw ADDR - the last request nginx logged came from ADDR
nginx_saw() {
	inet tail -n 1 "$TMP/nginx/access.log" && expect_out "$1:" \
		"  nginx saw it come from $1"
}

# refused - the last command said "Permission denied" (a prohibit rule)
refused() {
	case $err in
	*"Permission denied"*) ;;
	*) false ;;
	esac
}

# listed LINE... - the state file has each LINE
listed() {
	local _l
	for _l in "$@"; do
		grep -qxF "$_l" "$state" || {
			echo "#   not listed: $_l" >&3
			return 1
		}
	done
}

# get URL - fetch small.txt from URL and compare it with nginx's file
get() {
	laptop curl -sS -m 10 -o "$TMP/got" "$1/small.txt" &&
		same "$TMP/small.txt" "$TMP/got"
}

# before the client: the laptop's own default route to the reference
# host, which sees the laptop's address
check "without tether, 192.0.2.2 is reached directly" get http://192.0.2.2
nginx_saw 169.254.1.1
check "without tether, IPv6 has a route out" \
	laptop ip -6 route get 2001:db8::1
expect_out "via 2001:db8:1::2 dev wifi0" "  via the laptop's IPv6 router"

snapshot "$TMP/before"
echo "# the laptop before the client:" >&3
comment "$TMP/before"
state=/run/tether/client.$(stat -L -c %i "/run/netns/$(ns laptop)")

# (a) the tunnel comes up; everything IPv4 goes through it
need "(a) the full tunnel comes up over UDP" full_up
check "(a) the state file lists the sysctl and the rules" listed \
	"sysctl net.ipv4.conf.all.src_valid_mark 0" \
	"route add tether0 0.0.0.0/0 $table" \
	"rule add inet6 32763 254 - 0" \
	"rule add inet6 32764 prohibit !6354 -" \
	"rule add inet 32763 254 - 0" \
	"rule add inet 32764 $table !6354 -"
comment "$state"
check "(a) ip rule" laptop ip rule
expect_out "32763:	from all lookup main suppress_prefixlength 0" \
	"  main is looked up without its default route first"
expect_out "32764:	not from all fwmark $mark lookup $table" \
	"  then unmarked packets look up the tunnel's table"
check "(a) the tunnel's table" laptop ip route show table "$table"
expect_out "default dev tether0" "  holds the default route into the TUN"
check "(a) sysctl src_valid_mark" \
	laptop sysctl -n net.ipv4.conf.all.src_valid_mark
expect_out 1 "  is 1, so rp_filter sees the mark"
check "(a) the transport's marked packets to the server" \
	laptop ip route get 198.51.100.1 mark "$mark"
expect_out "via 169.254.1.2 dev wifi0" "  take the Wi-Fi"
check "(a) unmarked ones" laptop ip route get 198.51.100.1
expect_out "dev tether0" "  would loop into the TUN"
check "(a) the phone's side of the Wi-Fi stays on-link" \
	laptop ping -c 1 -W 5 169.254.1.2
check "(a) curl gets a page from 203.0.113.2 through the tunnel" \
	get http://203.0.113.2
nginx_saw 203.0.113.1
check "(a) curl gets a page from 192.0.2.2 through the tunnel" \
	get http://192.0.2.2
nginx_saw 203.0.113.1
check_not "(a) IPv6 to a global address is refused" \
	laptop ip -6 route get 2001:db8::1
check "  with 'Permission denied' (the prohibit rule)" refused
check_not "(a) ping -6 fails at once" laptop ping -6 -c 1 -W 5 2001:db8::1
check "  with 'Permission denied'" refused
check "(a) IPv6 link-local stays reachable" \
	laptop ping -6 -c 1 -W 5 "$relay_ll%wifi0"
check "(a) the client exits 0 on SIGTERM" stop client-laptop
check "(a) the laptop is as before" as_before
check_not "(a) no state file is left" test -e "$state"

# (b) SIGKILL: rules and the sysctl stay, --cleanup undoes them
need "(b) the full tunnel comes up" full_up
check "(b) the tunnel carries a page" get http://192.0.2.2
crash client-laptop
check "(b) the state file outlives the client" test -e "$state"
check "(b) so do the rules" laptop sh -c "ip rule | grep -q 'lookup $table'"
check_rc 0 "(b) tether --role=client --cleanup exits 0" \
	laptop "$TETHER" --role=client --cleanup
check "(b) the laptop is as before" as_before
check_not "(b) no state file is left" test -e "$state"
check "(b) 192.0.2.2 is reached directly again" get http://192.0.2.2
nginx_saw 169.254.1.1

teardown
done_testing
