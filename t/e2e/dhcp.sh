#!/bin/sh
# SPDX-License-Identifier: MIT
# dhcp.sh - the client's DHCP for the phone: a link-local lease, no router,
# no DNS, and nothing left behind however the client stops
#
#  laptop                                   phone
#  client with "dhcp": {"enabled": true}    busybox udhcpc on wlan0,
#  wifi0 (+169.254.134.89/16 the client     no address before its lease
#  adds), dnsmasq its child    ------------ wlan0
#
# No server: the client serves the phone's WebSocket whether or not the
# server answers, and DHCP is all between laptop and phone. What the phone
# got is what udhcpc hands its script (one file per event) and what a
# capture on wlan0 decodes. Then the ways the client stops: SIGTERM,
# SIGKILL + --cleanup, a dnsmasq left running that --cleanup stops, no
# dnsmasq on PATH, and a dnsmasq that exits at once (port 67 taken).
set -e
. "$SRCDIR/t/e2e/lib.sh"

phone() { in_ns phone "$@"; }

add_host laptop
add_host phone
veth laptop wifi0 phone wlan0
need "the laptop's IPv6 link-local addresses are settled" \
	wait_for laptop "! ip addr | grep -q tentative"

inode=$(stat -L -c %i "/run/netns/$(ns laptop)")
leases=/run/tether/dnsmasq-leases.$inode
echo "# dnsmasq's lease file: $leases" >&3

keys server
keys laptop1
echo "# laptop.json:" >&3
conf laptop <<EOF
{
	"server_url": "ws://198.51.100.1:8080/websocket/",
	"private_key": "$(key laptop1)",
	"server_public_key": "$(pub server)",
	"listen": "169.254.134.89:6354",
	"interface": "wifi0",
	"routes": ["203.0.113.0/24"],
	"dhcp": { "enabled": true, "pool": "169.254.200.0/24", "lease_time": 600 }
}
EOF

# udhcpc runs its script at each event with the options in its
# environment (otherwise empty but for PATH): keep them, and configure the address when bound
cat >"$TMP/udhcpc.sh" <<EOF
#!/bin/sh
env | sort >"$TMP/udhcpc.\$1"
[ "\$1" != bound ] || ip addr add "\$ip/\$mask" dev "\$interface"
EOF
chmod +x "$TMP/udhcpc.sh"

snapshot "$TMP/before"

# dnsmasq_runs - a dnsmasq runs in the laptop's namespace
dnsmasq_runs() {
	local _p
	for _p in $(ip netns pids "$(ns laptop)"); do
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" != dnsmasq ] || return 0
	done
	return 1
}

# dnsmasq_gone - no dnsmasq in the laptop's namespace, waiting 10 s at most
dnsmasq_gone() {
	local _i
	_i=0
	while dnsmasq_runs && [ "$_i" -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	! dnsmasq_runs
}

# no_files - nothing of the laptop's namespace in /run/tether
no_files() {
	local _left
	_left=$(ls /run/tether 2>/dev/null | grep "\.$inode\$" || true)
	[ -z "$_left" ] || echo "#   left: $_left" >&3
	[ -z "$_left" ]
}

# logged PATTERN - the client's log matches PATTERN
logged() {
	grep -q -- "$1" "$TMP/client-laptop.log"
}

# says PATTERN - the last command's standard error matches PATTERN
says() {
	printf '%s\n' "$err" | grep -q -- "$1"
}

# says_out PATTERN - the last command's standard output matches PATTERN
says_out() {
	printf '%s\n' "$out" | grep -q -- "$1"
}

# out_is N M... - every number is N
out_is() {
	local _n _m
	_n=$1
	shift
	for _m in "$@"; do
		[ "$_m" -eq "$_n" ] || return 1
	done
}

# ws_handshake - the phone opens the client's WebSocket; curl waits for
# more until -m ends it (status 28) once the upgrade went through
ws_handshake() {
	phone curl -sS -i -m 3 -H 'Connection: Upgrade' \
		-H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
		-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		-H 'Sec-WebSocket-Protocol: tether' \
		http://169.254.134.89:6354/websocket || [ "$rc" -eq 28 ]
}

# up - the client with its dnsmasq serving DHCP on wifi0
up() {
	spawn laptop client-laptop "$TETHER" --role=client \
		-c "$TMP/laptop.json"
	listening laptop tcp 169.254.134.89:6354 &&
		wait_for laptop "ss -Hlunp | grep -q '%wifi0:67 .*dnsmasq'"
}

# --- a lease ---------------------------------------------------------------

need "the client serves the phone's page and DHCP on wifi0" up
check "dnsmasq listens on wifi0 alone, port 67" laptop ss -Hlunp
check_not "  and serves no DNS" sh -c "echo '$out' | grep -q ':53 '"
check "the client logs the pool" logged "leases from 169.254.200.0/24 on wifi0"

spawn phone tcpdump tcpdump --immediate-mode -U -n -i wlan0 -w "$TMP/dhcp.pcap" \
	udp port 67 or udp port 68
need "the capture on wlan0 runs" \
	wait_for phone "grep -q 'listening on' '$TMP/tcpdump.log'"
need "the phone gets a lease (udhcpc)" phone env -i PATH="$PATH" \
	busybox udhcpc -i wlan0 -f -q -n -t 10 -T 3 -s "$TMP/udhcpc.sh"
check "the capture ends" stop tcpdump
comment "$TMP/udhcpc.bound"

got() {
	grep -qx "$1" "$TMP/udhcpc.bound"
}
check "the lease is in the pool, 169.254.200.1-254" \
	grep -qx 'ip=169\.254\.200\.\([1-9]\|[1-9][0-9]\|1[0-9][0-9]\|2[0-4][0-9]\|25[0-4]\)' \
	"$TMP/udhcpc.bound"
ip=$(sed -n 's/^ip=//p' "$TMP/udhcpc.bound")
check "netmask 255.255.0.0: all of 169.254.0.0/16 is on-link" \
	got subnet=255.255.0.0
check "lease time 600 s" got lease=600
check "from the client's listen address" got serverid=169.254.134.89
check_not "no router option" grep -q '^router=' "$TMP/udhcpc.bound"
check_not "no DNS option" grep -q '^dns=' "$TMP/udhcpc.bound"
check_not "no domain option" grep -q '^domain=' "$TMP/udhcpc.bound"

# the capture, decoded: udhcpc asked for router and DNS, the server's
# replies (offer and ack) carry neither
tcpdump -n -v -r "$TMP/dhcp.pcap" >"$TMP/dhcp.txt" 2>/dev/null || true
awk '/^[0-9]/ { reply = 0 } /BOOTP\/DHCP, Reply/ { reply = 1 } reply' \
	"$TMP/dhcp.txt" >"$TMP/replies.txt"
comment "$TMP/replies.txt"
check "udhcpc asked for a router and DNS servers" \
	grep -q 'Default-Gateway (3), Domain-Name-Server (6)' "$TMP/dhcp.txt"
check "the capture holds the offer and the ack" \
	sh -c "grep -q 'Offer' '$TMP/replies.txt' &&
		grep -q 'ACK' '$TMP/replies.txt'"
check_not "no reply has a router option" grep -q 'Default-Gateway' \
	"$TMP/replies.txt"
check_not "no reply has a DNS option" grep -q 'Domain-Name-Server' \
	"$TMP/replies.txt"

check "the phone's wlan0 has the lease" phone ip -4 -o addr show dev wlan0
check "  $ip/16, and no other IPv4 address" \
	out_is "$(printf '%s' "$out" | grep -c 'inet ')" 1 \
	"$(printf '%s' "$out" | grep -c "inet $ip/16 ")"
check_not "the phone has no default route" phone sh -c \
	'ip route show default | grep -q .'
check "the phone opens the client's WebSocket on 169.254.134.89:6354" \
	ws_handshake
check "  which switches protocols" says_out '101 Switching Protocols'
check "the client saw the phone connect from $ip" \
	wait_for laptop "grep -q 'phone $ip:[0-9]* connected' \
		'$TMP/client-laptop.log'"
check "dnsmasq's lease file holds the phone" grep -q " $ip " "$leases"
check "the client's log has dnsmasq's lines" \
	logged "dhcp: dnsmasq-dhcp\[[0-9]*\]: DHCPACK(wifi0) $ip "

# --cleanup while the client runs leaves its dnsmasq alone
check_rc 1 "--cleanup while the client runs exits 1" \
	laptop "$TETHER" --role=client --cleanup
check "  naming the tether that still runs" says 'which still runs'
check "  and dnsmasq still runs" dnsmasq_runs
check "  with its lease file" test -e "$leases"

# --- SIGTERM -----------------------------------------------------------------

check "the client exits 0 on SIGTERM" stop client-laptop
check "it stopped dnsmasq" logged "dhcp: stopped"
check "no dnsmasq is left" dnsmasq_gone
check "no file of the laptop's namespace is left in /run/tether" no_files
check "the laptop is as before" as_before

# --- SIGKILL, then --cleanup -------------------------------------------------

need "the client serves DHCP again" up
check "the lease file is there while it runs" \
	wait_for laptop "test -e $leases"
crash client-laptop
check "dnsmasq dies with the client" dnsmasq_gone
check "the lease file outlives them" test -e "$leases"
check_rc 0 "tether --role=client --cleanup exits 0" \
	laptop "$TETHER" --role=client --cleanup
check "  it removed dnsmasq's lease file" says "removed dnsmasq's lease file"
check "no file of the laptop's namespace is left in /run/tether" no_files
check "the laptop is as before" as_before

# --- a dnsmasq left running: --cleanup stops it ------------------------------

mkdir -p /run/tether
spawn laptop orphan dnsmasq --keep-in-foreground --conf-file=/dev/null \
	--port=0 --pid-file="/run/tether/dnsmasq-pid.$inode" \
	--log-facility=- --user=root --group=root
need "a dnsmasq with the client's pid file runs" \
	wait_for laptop "test -s /run/tether/dnsmasq-pid.$inode"
check_rc 0 "tether --role=client --cleanup exits 0" \
	laptop "$TETHER" --role=client --cleanup
check "  it stopped that dnsmasq" says "stopping dnsmasq pid"
check "no dnsmasq is left" dnsmasq_gone
stop orphan || true
check "no file of the laptop's namespace is left in /run/tether" no_files

# --- no dnsmasq on PATH --------------------------------------------------------

check_rc 1 "without dnsmasq on PATH the client exits 1" \
	laptop env PATH=/nonexistent "$TETHER" --role=client \
	-c "$TMP/laptop.json"
check "  saying it cannot run dnsmasq" \
	says 'cannot run dnsmasq: No such file or directory'
check "  and what to do" says 'dnsmasq-base'
check "no file of the laptop's namespace is left in /run/tether" no_files
check "the laptop is as before" as_before

# --- dnsmasq exits at once: port 67 is taken -----------------------------------

spawn laptop port67 socat -u UDP4-RECV:67 /dev/null
need "something else holds UDP port 67" listening laptop udp 0.0.0.0:67
spawn laptop client-laptop "$TETHER" --role=client -c "$TMP/laptop.json"
check_rc 1 "the client stops by itself with status 1" finish client-laptop
check "  with dnsmasq's reason" logged "dhcp: dnsmasq: failed to bind DHCP server socket: Address already in use"
check "  and its own" logged "dnsmasq exited with status"
stop port67 || true
check "no dnsmasq is left" dnsmasq_gone
check "no file of the laptop's namespace is left in /run/tether" no_files
check "the laptop is as before" as_before

teardown
done_testing
