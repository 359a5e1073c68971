#!/bin/sh
# SPDX-License-Identifier: MIT
# privdrop.sh - the server runs unprivileged; its keeper undoes the host
# changes
#
#  laptop --udp--> relay ns (routes) --> server: worker as "tether" or
#                                        "nobody", no capabilities;
#                                        keeper (root) --> inet: nginx
#
# Once its sockets and capture are open the server runs as the configured
# user (here the default: "tether" if the host has it, else "nobody")
# with no capability at all, as /proc says; a keeper child stays root. A
# download still works. On SIGTERM, and when the server is killed, the
# keeper removes the nftables table and the reserved ports. With "user":
# "root" the server keeps root and has no keeper; an unknown user is
# refused before anything is changed. A parent-death signal (setpriv
# --pdeathsig) still stops the unprivileged server. In kernel-NAT mode the
# server keeps CAP_NET_ADMIN only; its keeper undoes that mode's table,
# sysctls and state file too.
set -e
. "$SRCDIR/t/e2e/lib.sh"

topology
mkdir -p "$TMP/www"
make_file "$TMP/www/file.bin" 4
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2

user=nobody
! getent passwd tether >/dev/null || user=tether
uid=$(id -u "$user")
gid=$(id -g "$user")
reserved=$(quietly server cat /proc/sys/net/ipv4/ip_local_reserved_ports)

# keeper - the child of the server's own process (lib.sh's worker)
keeper() { pgrep -P "$(worker)" -x tether-keeper; }

# status PID FIELD - a field of /proc/PID/status, tabs as spaces
status() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr '\t' ' '
}

# field PID FIELD VALUE - one test point on /proc/PID/status
field() {
	local _v
	_v=$(status "$1" "$2" | sed 's/ *$//')
	echo "#   $2: $_v" >&3
	[ "$_v" = "$3" ]
}

# left_as_before - no table of the server, the reserved ports as before
left_as_before() {
	check_not "no nftables table inet tether in the server's namespace" \
		server sh -c 'nft list tables | grep -q "inet tether"'
	check "ip_local_reserved_ports as before" \
		[ "$(quietly server cat /proc/sys/net/ipv4/ip_local_reserved_ports)" = "$reserved" ]
}

# (a) the default user, no capabilities
need "the server listens" start_server laptop1
need "the server logged its user" wait_for server \
	"grep -q 'running as user $user' $TMP/server.log"
check "it says: no capabilities" \
	grep -q "running as user $user (uid $uid, gid $gid), capabilities: none" \
	"$TMP/server.log"
w=$(worker)
check "its process runs as $user (uid $uid)" field "$w" Uid \
	"$uid $uid $uid $uid"
check "and as its group (gid $gid)" field "$w" Gid "$gid $gid $gid $gid"
check "with that group only" field "$w" Groups "$gid"
check "CapEff is empty" field "$w" CapEff 0000000000000000
check "CapPrm is empty" field "$w" CapPrm 0000000000000000
check "CapBnd is empty" field "$w" CapBnd 0000000000000000
check "NoNewPrivs is set" field "$w" NoNewPrivs 1
k=$(keeper)
check "its keeper runs as root" field "$k" Uid "0 0 0 0"
check "the table inet tether is there" \
	server sh -c 'nft list tables | grep -q "inet tether"'

start_client laptop laptop1 udp://198.51.100.1:8080 203.0.113.0/24
need "the tunnel comes up" tunnel_up laptop
check "a download through the unprivileged server works" \
	laptop curl -sS -f -m 30 -o "$TMP/file.got" http://203.0.113.2/file.bin
check "byte for byte" same "$TMP/www/file.bin" "$TMP/file.got"

check "SIGTERM: the server exits 0" stop server
check_not "its keeper is gone" alive "$k"
left_as_before

# (b) the server killed: its keeper still cleans up
need "the server listens again" start_server laptop1
need "it runs as $user" wait_for server \
	"grep -q 'running as user $user' $TMP/server.log"
k=$(keeper)
crash server
i=0
while alive "$k" && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_not "SIGKILL: the keeper ends too" alive "$k"
check "the keeper said why it undid" \
	grep -q "keeper: the server is gone; undoing" "$TMP/server.log"
left_as_before
check "no state file of the server is left" \
	[ -z "$(ls /run/tether/hostguard."$(stat -L -c %i "/run/netns/$(ns server)")" 2>/dev/null)" ]

# (c) a parent-death signal asked for survives the drop: the server's
# parent (a shell here, a supervisor such as the selftest) is killed, the
# server gets SIGTERM and stops as usual
run_under_shell="setpriv --pdeathsig TERM \"\$0\" --role=server"
run_under_shell="$run_under_shell -c $TMP/server.json --verbose"
: >"$TMP/server.log" # the wait below must not see the last server's line
spawn server parent sh -c "$run_under_shell >>$TMP/server.log 2>&1 & wait" \
	"$TETHER"
need "under a parent: it runs as $user" wait_for server \
	"grep -q 'running as user $user' $TMP/server.log"
sh=$(pgrep -P "$(pid_of parent)")
w=$(pgrep -f -P "$sh" -- "--role=server")
k=$(pgrep -P "$w" -x tether-keeper)
echo "# kill -KILL $sh (the shell; server $w, keeper $k)" >&3
kill -KILL "$sh"
i=0
while { alive "$w" || alive "$k"; } && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_not "the parent killed: the server ends" alive "$w"
check "on SIGTERM" grep -q "server: Terminated, stopping" "$TMP/server.log"
check_not "and its keeper too" alive "$k"
stop parent || true
left_as_before

# (d) "user": "root" keeps root, and there is no keeper
server_extra='"user": "root"'
need "with user root the server listens" start_server laptop1
need "it says so" wait_for server \
	"grep -q 'user root: keeping root' $TMP/server.log"
check "its process runs as root" field "$(worker)" Uid "0 0 0 0"
check "and has no keeper" [ -z "$(keeper)" ]
check "SIGTERM: it exits 0" stop server
left_as_before

# (e) kernel-NAT mode: the user too, with CAP_NET_ADMIN only (its quota
# sets change as sessions come and go); its keeper undoes the table, the
# sysctls and the state file however it ends, and --cleanup what a crash
# of both left
server_extra=""
nat_mode=kernel
state=/run/tether/server.$(stat -L -c %i "/run/netns/$(ns server)")

# knat_state FILE - what kernel-NAT mode changes in the server's namespace
knat_state() {
	quietly server sh -c 'nft list tables; ip -o link show
		ip -4 route show table all; sysctl net.ipv4.ip_forward \
		net.netfilter.nf_conntrack_udp_timeout \
		net.netfilter.nf_conntrack_udp_timeout_stream \
		net.netfilter.nf_conntrack_icmp_timeout \
		net.netfilter.nf_conntrack_tcp_timeout_established' >"$1" 2>&1
	ls "$state" >>"$1" 2>&1 || true
}

# knat_as_before - the server's namespace is as $TMP/knat.before says
knat_as_before() {
	knat_state "$TMP/knat.now"
	diff "$TMP/knat.before" "$TMP/knat.now" | sed 's/^/#   /' >&3 || true
	cmp -s "$TMP/knat.before" "$TMP/knat.now"
}

# conntrack is a module: loaded first, so its sysctls are there before
quietly server nft "add table ip e2e_ct; add chain ip e2e_ct c { type" \
	"filter hook input priority 0; }; add rule ip e2e_ct c ct state" \
	"established accept; delete table ip e2e_ct"
knat_state "$TMP/knat.before"
: >"$TMP/server.log"
need "in kernel-NAT mode the server listens" start_server laptop1
need "it runs as $user" wait_for server \
	"grep -q 'running as user $user' $TMP/server.log"
check "it says: with cap_net_admin" \
	grep -q "running as user $user (uid $uid, gid $gid), capabilities: cap_net_admin\$" \
	"$TMP/server.log"
w=$(worker)
check "its process runs as $user (uid $uid)" field "$w" Uid \
	"$uid $uid $uid $uid"
check "CapEff is CAP_NET_ADMIN only" field "$w" CapEff 0000000000001000
check "CapPrm is CAP_NET_ADMIN only" field "$w" CapPrm 0000000000001000
check "CapBnd is CAP_NET_ADMIN only" field "$w" CapBnd 0000000000001000
check "NoNewPrivs is set" field "$w" NoNewPrivs 1
k=$(keeper)
check "its keeper runs as root" field "$k" Uid "0 0 0 0"
check "the laptop's client exits 0 on SIGTERM" stop client-laptop
start_client laptop laptop1 udp://198.51.100.1:8080 203.0.113.0/24
need "its tunnel comes up again" tunnel_up laptop
rm -f "$TMP/file.got"
check "a download through the kernel's NAT works" \
	laptop curl -sS -f -m 30 -o "$TMP/file.got" http://203.0.113.2/file.bin
check "byte for byte" same "$TMP/www/file.bin" "$TMP/file.got"
check "the unprivileged server put the session's pool address in its set" \
	server nft list set ip tether_knat q8192
expect_out "10.78.0.1" "10.78.0.1 is in the set"
check "SIGTERM: the server exits 0" stop server
check_not "its keeper is gone" alive "$k"
check "nothing is left: table, sysctls, link, route, state file" \
	knat_as_before

need "(kernel-NAT mode) the server listens again" start_server laptop1
need "it runs as $user" wait_for server \
	"grep -q 'running as user $user' $TMP/server.log"
k=$(keeper)
crash server
i=0
while alive "$k" && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_not "SIGKILL: the keeper ends too" alive "$k"
check "the keeper said why it undid" \
	grep -q "keeper: the server is gone; undoing" "$TMP/server.log"
check "nothing is left once the keeper has run" knat_as_before

need "(kernel-NAT mode) the server listens a third time" start_server laptop1
need "it runs as $user" wait_for server \
	"grep -q 'running as user $user' $TMP/server.log"
w=$(worker)
k=$(keeper)
echo "# kill -KILL the keeper $k, then the server $w" >&3
kill -KILL "$k"
crash server
check_not "both killed: the table is left" knat_as_before
check_rc 0 "tether --role=server --cleanup exits 0" \
	server "$TETHER" --role=server --cleanup
expect_err "undoing what a previous run left: sysctl" \
	"it says what it undid"
check "nothing is left after --cleanup" knat_as_before
nat_mode=""

# (f) a user that does not exist: refused, nothing changed
server_extra='"user": "no-such-user-here"'
server_conf laptop1
check_rc 1 "an unknown user: the server refuses to start" \
	server "$TETHER" --role=server -c "$TMP/server.json"
check "and says why" \
	sh -c "echo \"\$1\" | grep -q 'no user \"no-such-user-here\"'" - "$err"
left_as_before

teardown
done_testing
