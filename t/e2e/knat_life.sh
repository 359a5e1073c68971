#!/bin/sh
# SPDX-License-Identifier: MIT
# knat_life.sh - kernel-NAT mode on the server's host: what it changes while
# it runs, that nothing of it is left however it stops, its mapping and
# quota, and its throughput next to the userspace NAT's
#
#  laptop  (laptop1) --udp--\
#  TUN 10.77.0.2             \
#                             relay ns (routes) -- server ------------- inet: nginx,
#  laptop2 (laptop2: --udp--/                      nat.mode kernel:      iperf3, UDP
#  a quota of 3 flows)                             TUN tether-knat,      echo :7 :9
#  TUN 10.77.0.2                                   pool 10.78.0.0/16,
#                                                  table ip tether_knat
#
# The server namespace starts as a host that does not forward (the other
# tests turn forwarding on for their direct path). Its nftables tables,
# links, routes, forwarding and conntrack sysctls and state file are
# snapshotted before the first server starts and compared after each case:
#  (a) nat.port_range of one port, SIGINT: where Linux's mapping is not
#      endpoint-independent (tether.json(5), KERNEL-NAT MODE)
#  (b) SIGTERM: the run's changes, the flow quota, kernel throughput
#  (c) SIGKILL of the server and of its keeper (which would undo it all,
#      t/e2e/privdrop.sh), then tether --role=server --cleanup
#  (d) the same, then the next start cleans up first; --cleanup is refused
#      while it runs
#  (e) the userspace NAT on the same path, for its throughput
# The full picture with every address is in t/e2e/lib.sh.
set -e
. "$SRCDIR/t/e2e/lib.sh"
. "$SRCDIR/t/e2e/scenarios.sh"

topology
add_laptop2
sysctl_ns server net.ipv4.ip_forward=0
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2
echo "a page" >"$TMP/www/small.txt"
need "iperf3 listens on 203.0.113.2:5201" start_iperf3 inet 203.0.113.2 5201
need "a UDP echo listens on 203.0.113.2:7" start_udp_echo inet 203.0.113.2 7
need "a UDP echo listens on 203.0.113.3:9" start_udp_echo inet 203.0.113.3 9
keys server
keys laptop1
keys laptop2
inode=$(stat -L -c %i "/run/netns/$(ns server)")
state=/run/tether/server.$inode

# server_up MODE LO HI - the server with nat.mode MODE and ports LO-HI,
# serving laptop1, and laptop2 with a quota of 3
server_up() {
	echo "# server.json:" >&3
	conf server <<-EOF
	{
		"private_key": "$(key server)",
		"listen": "198.51.100.1:8080",
		"udp_listen": "198.51.100.1:8080",
		"clients": [
			{ "name": "laptop1", "public_key": "$(pub laptop1)" },
			{ "name": "laptop2", "public_key": "$(pub laptop2)",
				"max_mappings": 3 }
		],
		"tunnel": { "address": "10.77.0.2/24" },
		"nat": { "mode": "$1", "port_range": [$2, $3] },
		"egress": { "interface": "egr0", "address": "203.0.113.1" }
	}
	EOF
	spawn server server "$TETHER" --role=server -c "$TMP/server.json" \
		--verbose
	listening server udp 198.51.100.1:8080
}

# clients_up - both laptops' clients over UDP, their tunnels up
clients_up() {
	start_client laptop laptop1 udp://198.51.100.1:8080 203.0.113.0/24
	start_client laptop2 laptop2 udp://198.51.100.1:8080 203.0.113.0/24
	tunnel_up laptop && tunnel_up laptop2
}

# clients_down - stop both clients
clients_down() {
	stop client-laptop && stop client-laptop2
}

# server_state FILE - what kernel-NAT mode may change in the server's
# namespace, and its state file
server_state() {
	quietly server sh -c 'nft list tables; ip -o link show
		ip route show table all; sysctl net.ipv4.ip_forward \
		net.ipv4.ip_local_reserved_ports \
		net.netfilter.nf_conntrack_udp_timeout \
		net.netfilter.nf_conntrack_udp_timeout_stream \
		net.netfilter.nf_conntrack_icmp_timeout \
		net.netfilter.nf_conntrack_tcp_timeout_established' >"$1" 2>&1
	ls /run/tether/*."$inode" >>"$1" 2>&1 || true
}

# as_it_was - the server's namespace is as $TMP/server.before says
as_it_was() {
	server_state "$TMP/server.now"
	diff "$TMP/server.before" "$TMP/server.now" | sed 's/^/#   /' >&3 ||
		true
	cmp -s "$TMP/server.before" "$TMP/server.now"
}

# crash_both - SIGKILL the server's keeper, then the server: nothing of
# theirs is left to undo what the server changed
crash_both() {
	local _k
	_k=$(pgrep -P "$(pgrep -P "$(pid_of server)" -x tether)" -x tether-keeper)
	echo "# kill -KILL the server's keeper (pid $_k)" >&3
	kill -KILL "$_k"
	crash server
}

# sysctl_is KEY VALUE - a sysctl of the server's namespace has VALUE
sysctl_is() {
	[ "$(quietly server sysctl -n "$1")" = "$2" ]
}

# echo_port FILE - the last port 203.0.113.1 was seen from in an echo log
echo_port() {
	sed -n 's/^peer 203\.0\.113\.1://p' "$1" | tail -n 1
}

# conntrack is a module: load it, so its sysctls are there before; and
# let IPv6 finish with the links' addresses (their local routes count)
need "the server's IPv6 link-local addresses are settled" \
	wait_for server "! ip addr | grep -q tentative"
quietly server nft "add table ip e2e_ct; add chain ip e2e_ct c { type" \
	"filter hook input priority 0; }; add rule ip e2e_ct c ct state" \
	"established accept; delete table ip e2e_ct"
server_state "$TMP/server.before"
echo "# the server's namespace before any server:" >&3
comment "$TMP/server.before"

# (a) one external port: laptop's UDP socket gets it towards 203.0.113.2:7,
# laptop2's the same port towards 203.0.113.3:9 (the kernel shares ports
# between destinations), and then laptop's socket cannot have its mapping
# towards 203.0.113.3:9: where the userspace NAT would keep it
need "(a) the server starts in kernel mode with ports 61000-61000" \
	server_up kernel 61000 61000
need "(a) both tunnels come up" clients_up
check "(a) laptop's UDP port 5300 reaches 203.0.113.2:7" \
	laptop "$PY" "$E2E/peer.py" udp-send 203.0.113.2 7 5300 a 1
expect_out "a 1 from 203.0.113.2:7" "(a) and gets its echo"
check "(a) it came from 203.0.113.1:61000" \
	[ "$(echo_port "$TMP/echo-7.log")" = 61000 ]
check "(a) laptop2's UDP port 5300 reaches 203.0.113.3:9" \
	laptop2 "$PY" "$E2E/peer.py" udp-send 203.0.113.3 9 5300 b 1
expect_out "b 1 from 203.0.113.3:9" "(a) and gets its echo"
check "(a) it came from 203.0.113.1:61000 too: a port shared" \
	[ "$(echo_port "$TMP/echo-9.log")" = 61000 ]
check "(a) laptop's port 5300 towards 203.0.113.3:9" \
	laptop "$PY" "$E2E/peer.py" udp-send 203.0.113.3 9 5300 c 1
check_not "(a) gets no echo: its mapping's port is laptop2's there" \
	has_out "c 1 from"
comment "$TMP/echo-9.log"
check "(a) clients exit 0 on SIGTERM" clients_down
check "(a) the server exits 0 on SIGINT" stop server INT
check "(a) the server's namespace is as before" as_it_was

# (b) the run's changes, the quota, and the kernel's throughput
need "(b) the server starts in kernel mode" server_up kernel 61000 65535
need "(b) both tunnels come up" clients_up
check "(b) curl gets a page through the kernel's NAT" \
	laptop curl -sS -f -m 10 -o /dev/null http://203.0.113.2/small.txt
check "(b) nginx logged it" inet tail -n 1 "$TMP/nginx/access.log"
expect_out "203.0.113.1:" "(b) from the egress address 203.0.113.1"
check "(b) nft list tables" server nft list tables
expect_out "table ip tether_knat" "(b) the table ip tether_knat exists"
check "(b) ip link show tether-knat" server ip link show tether-knat
expect_out "mtu 1380" "(b) the TUN is up with the tunnel's MTU"
check "(b) ip route show dev tether-knat" \
	server ip route show dev tether-knat
expect_out "10.78.0.0/16" "(b) the pool is routed into it"
check "(b) forwarding is on" sysctl_is net.ipv4.ip_forward 1
check "(b) conntrack's UDP timeout is 300 s" \
	sysctl_is net.netfilter.nf_conntrack_udp_timeout 300
check "(b) and its UDP stream timeout" \
	sysctl_is net.netfilter.nf_conntrack_udp_timeout_stream 300
check "(b) conntrack's ICMP timeout is 60 s" \
	sysctl_is net.netfilter.nf_conntrack_icmp_timeout 60
check "(b) TCP's established timeout, higher already, is left" \
	sysctl_is net.netfilter.nf_conntrack_tcp_timeout_established 432000
check "(b) the state file lists the old values" \
	grep -q "^sysctl net.netfilter.nf_conntrack_udp_timeout 30\$" "$state"
comment "$state"
for p in 5001 5002 5003; do
	check "(b) laptop2's flow $p of 3 gets through" \
		laptop2 "$PY" "$E2E/peer.py" udp-send 203.0.113.2 7 "$p" q 1
	expect_out "q 1 from 203.0.113.2:7" "(b) echoed"
done
check "(b) laptop2's quota set" server nft list set ip tether_knat q3
expect_out "10.78.0.2" "(b) holds laptop2's pool address, 10.78.0.2"
check_rc 1 "(b) a fourth flow of laptop2 is refused" \
	laptop2 nc -v -z -w 10 203.0.113.2 80
expect_err "No route to host" \
	"(b) at once, with ICMP administratively prohibited"
check "(b) laptop2's first flow still gets through" \
	laptop2 "$PY" "$E2E/peer.py" udp-send 203.0.113.2 7 5001 q 1
expect_out "q 1 from 203.0.113.2:7" "(b) echoed"
check "(b) laptop, under the default quota, is not limited" \
	laptop curl -sS -f -m 10 -o /dev/null http://203.0.113.2/small.txt
check "(b) iperf3 laptop -> inet through the kernel's NAT" \
	laptop iperf3 -c 203.0.113.2 -p 5201 -t 3 -f m --connect-timeout 5000
kernel_tput=$(echo "$out" | awk '/ sender$/ { print $7, $8 }')
check "(b) clients exit 0 on SIGTERM" clients_down
check "(b) the server exits 0 on SIGTERM" stop server
check "(b) its log counts the packets through the kernel" \
	grep -q "knat: [1-9][0-9]* packets into the kernel" "$TMP/server.log"
check "(b) the server's namespace is as before" as_it_was

# (c) SIGKILL of both leaves the table, the sysctls and the state file;
# --cleanup removes them, and a second one has nothing to do
need "(c) the server starts in kernel mode" server_up kernel 61000 65535
need "(c) both tunnels come up" clients_up
check "(c) a ping gets through" laptop ping -c 1 -W 5 203.0.113.2
crash_both
check "(c) the state file outlives the server" test -e "$state"
check_not "(c) so the namespace is not as before" as_it_was
check_rc 0 "(c) tether --role=server --cleanup exits 0" \
	server "$TETHER" --role=server --cleanup
expect_err "undoing what a previous run left: sysctl net.ipv4.ip_forward" \
	"(c) it says what it undid"
check "(c) the server's namespace is as before" as_it_was
check_rc 0 "(c) --cleanup again exits 0" \
	server "$TETHER" --role=server --cleanup
expect_err "nothing to clean up" "(c) it has nothing to clean up"
check "(c) clients exit 0 on SIGTERM" clients_down

# (d) SIGKILL of both, then the next start cleans up first and works
need "(d) the server starts in kernel mode" server_up kernel 61000 65535
crash_both
need "(d) the server starts again" server_up kernel 61000 65535
check "(d) it undid what the killed one left" \
	grep -q "undoing what a previous run left: sysctl" "$TMP/server.log"
check "(d) and deleted its table" \
	grep -q "deleted the nftables table ip tether_knat" "$TMP/server.log"
need "(d) both tunnels come up" clients_up
check "(d) a ping gets through" laptop ping -c 1 -W 5 203.0.113.2
check_rc 1 "(d) --cleanup while the server runs exits 1" \
	server "$TETHER" --role=server --cleanup
expect_err "kernel-NAT mode runs" "(d) it says why"
check "(d) and left the table alone" server nft list tables
expect_out "table ip tether_knat" "(d) the table is still there"
check "(d) a ping still gets through" laptop ping -c 1 -W 5 203.0.113.2
check "(d) clients exit 0 on SIGTERM" clients_down
check "(d) the server exits 0 on SIGTERM" stop server
check "(d) the server's namespace is as before" as_it_was

# (e) the userspace NAT on the same path, for its throughput
need "(e) the server starts in userspace mode" server_up userspace 61000 65535
need "(e) both tunnels come up" clients_up
check "(e) iperf3 laptop -> inet through the userspace NAT" \
	laptop iperf3 -c 203.0.113.2 -p 5201 -t 3 -f m --connect-timeout 5000
user_tput=$(echo "$out" | awk '/ sender$/ { print $7, $8 }')
echo "# THROUGHPUT laptop->inet TCP over udp: kernel NAT $kernel_tput;" \
	"userspace NAT $user_tput"
check "(e) clients exit 0 on SIGTERM" clients_down
check "(e) the server exits 0 on SIGTERM" stop server
check "(e) the server's namespace is as before" as_it_was

teardown
done_testing
