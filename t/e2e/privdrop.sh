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
# --pdeathsig) still stops the unprivileged server. Kernel-NAT mode keeps
# root, and refuses a SIGHUP, for now.
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

# worker - the server's own process (under spawn's timeout(1)); keeper -
# its child
worker() { pgrep -P "$(pid_of server)" -x tether; }
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

# (e) kernel-NAT mode keeps root for now, and refuses a SIGHUP
server_extra=""
nat_mode=kernel
need "in kernel-NAT mode the server listens" start_server laptop1
need "it says it keeps root" wait_for server \
	"grep -q 'kernel-NAT mode keeps root' $TMP/server.log"
check "its process runs as root" field "$(worker)" Uid "0 0 0 0"
echo "# kill -HUP server" >&3
kill -HUP "$(worker)"
check "SIGHUP: refused, named" wait_for server \
	"grep -q 'kernel-NAT mode takes a new list of clients on a restart only' $TMP/server.log"
check "SIGTERM: it exits 0" stop server
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
