#!/bin/sh
# SPDX-License-Identifier: MIT
# selftest.sh - tether --role=selftest passes, and leaves nothing behind
#
#  laptop, laptop2 -- phone -- server -- internet    (all made by the
#  tstID-HOST namespaces, ID the selftest's pid       selftest itself: see
#                                                     src/selftest.h)
#
# After each run nothing of it may be left on the machine: no namespace,
# no process in any of its namespaces (found by their inode numbers, taken
# while the run was up), no file in /run/tether (its run directory, the
# roles' state files), no host nftables table, address or route changed.
#
# (a) a plain run passes every check; (b) a fault made from outside (the
# address in egress.deny taken off the internet host) fails one check;
# (c) SIGTERM in the middle of the checks; (d) SIGKILL, then --cleanup;
# (e) --keep leaves a topology that works, --cleanup removes it; and the
# command line's refusals.
. "$SRCDIR/t/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	# not a skip: a skipped test would let CI pass untested
	echo "Bail out! the selftest needs root (network namespaces)"
	exit 1
fi
for tool in ip nft ping setpriv timeout; do
	command -v "$tool" >/dev/null || {
		echo "Bail out! $tool is missing: run scripts/install-deps"
		exit 1
	}
done

hosts="laptop laptop2 phone server internet"
checks="handshake|tcp fetch|bulk transfer|udp echo|dns|ping|relay resume|second laptop|egress policy"

# host_state - the host's own addresses, routes, nftables tables and
# resolver
host_state() {
	ip -o addr show | awk '{ print $2, $3, $4 }'
	ip route show table all | grep -v '^local\|^broadcast' || true
	nft list tables
	cat /etc/resolv.conf 2>/dev/null || true
}
host_state >"$TMP/host.before"
cat /etc/resolv.conf >"$TMP/resolv.before" 2>/dev/null || true

# start NAME ARG... - a selftest in the background, its output in
# $TMP/NAME.out; $pid is timeout(1)'s, which passes signals on
start() {
	_name=$1
	shift
	echo "# \$ tether --role=selftest $* > $_name.out &"
	timeout -k 5 180 "$TETHER" --role=selftest "$@" >"$TMP/$_name.out" \
		2>&1 &
	pid=$!
}

# waits NAME PATTERN - until the output of NAME has PATTERN (30 s at most)
waits() {
	_i=0
	while [ "$_i" -lt 300 ]; do
		grep -qs "$2" "$TMP/$1.out" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "#   no \"$2\" in $1.out after 30 s"
	return 1
}

# up NAME - wait for the run's namespaces; set $id and $inodes
up() {
	waits "$1" "network namespaces tst[0-9]*-" || return 1
	id=$(sed -n 's/.*network namespaces tst\([0-9]*\)-.*/\1/p' \
		"$TMP/$1.out")
	inodes=""
	for _h in $hosts; do
		inodes="$inodes $(stat -L -c %i "/run/netns/tst$id-$_h")"
	done
	echo "#   run $id, namespace inodes$inodes"
}

# ends - wait for the background selftest; its exit status in $rc (the
# shell's own note of a job killed by a signal is not wanted)
ends() {
	rc=0
	{ wait "$pid"; } 2>/dev/null || rc=$?
}

# show NAME - the output of NAME as comments
show() {
	sed 's/^/#   /' "$TMP/$1.out"
}

# says NAME PATTERN - the output of NAME has a line matching PATTERN
says() {
	grep -Eq "$2" "$TMP/$1.out"
}

# left_procs - the processes in the run's namespaces (by inode)
left_procs() {
	for _p in /proc/[0-9]*; do
		_i=$(stat -L -c %i "$_p/ns/net" 2>/dev/null) || continue
		for _n in $inodes; do
			[ "$_i" != "$_n" ] || echo "${_p#/proc/}"
		done
	done
}

# left_files - the run's directory and the state files of its namespaces
left_files() {
	[ ! -e "/run/tether/selftest.$id" ] || echo "selftest.$id"
	for _n in $inodes; do
		ls /run/tether 2>/dev/null | grep "\.$_n\$" || true
	done
}

# nothing_left CASE - no namespace, process or file of run $id is left,
# and the host is as it was
nothing_left() {
	_left=$(ip netns list | grep -o "tst$id-[a-z0-9]*" || true)
	ok "$([ -z "$_left" ]; echo $?)" \
		"$1 no namespace of the run is left${_left:+: $_left}"
	_left=$(left_procs)
	[ -z "$_left" ] || ps -o pid,ppid,cmd -p "$(echo $_left | tr ' ' ,)" |
		sed 's/^/#   /'
	ok "$([ -z "$_left" ]; echo $?)" "$1 no process of the run is left"
	_left=$(left_files)
	ok "$([ -z "$_left" ]; echo $?)" \
		"$1 no file of the run is left in /run/tether${_left:+: $_left}"
	host_state >"$TMP/host.after"
	diff "$TMP/host.before" "$TMP/host.after" | sed 's/^/#   /'
	cmp -s "$TMP/host.before" "$TMP/host.after"
	ok $? "$1 the host's addresses, routes, nft tables, resolv.conf as before"
}

# (a) a plain run: every check passes, the summary says so, exit 0
start plain
up plain
ok $? "(a) the selftest builds its namespaces"
ends
show plain
ok "$rc" "(a) the selftest exits 0"
old_ifs=$IFS
IFS='|'
for c in $checks; do
	says plain "^$c +ok "
	ok $? "(a) the summary says: $c ok"
done
IFS=$old_ifs
says plain "^9 passed, 0 failed, 0 not run$"
ok $? "(a) the summary says: 9 passed, 0 failed, 0 not run"
nothing_left "(a)"

# (b) a check fails: the address the server's egress.deny lists is taken
# off the internet host once it is there, so the server itself cannot
# reach it either; exit 1, logs shown, everything removed all the same
start fault
up fault
_i=0
until ip -n "tst$id-internet" addr show dev lo | grep -q 198.18.0.1 ||
	[ "$_i" -ge 100 ]; do
	sleep 0.05
	_i=$((_i + 1))
done
echo "# \$ ip -n tst$id-internet addr del 198.18.0.1/32 dev lo"
ip -n "tst$id-internet" addr del 198.18.0.1/32 dev lo
ends
show fault
[ "$rc" -eq 1 ]
ok $? "(b) the selftest exits 1 (exit status $rc)"
says fault "^egress policy +FAIL +the server itself: "
ok $? "(b) the summary says: egress policy FAIL, and why"
says fault "^8 passed, 1 failed, 0 not run$"
ok $? "(b) the summary says: 8 passed, 1 failed"
says fault "^--- /run/tether/selftest.$id/server.log"
ok $? "(b) it shows the last lines of the logs"
nothing_left "(b)"

# (c) SIGTERM while the checks run: interrupted, cleaned up, exit 143
start term
up term
waits term "^check tcp fetch"
echo "# \$ kill -TERM $id"
kill -TERM "$id"
ends
show term
[ "$rc" -eq 143 ]
ok $? "(c) the selftest exits 143 on SIGTERM (exit status $rc)"
says term "^interrupted by Terminated"
ok $? "(c) it says it was interrupted"
nothing_left "(c)"

# (d) SIGKILL: the roles stop by themselves (their death signal), the
# namespaces stay until --cleanup
start kill
up kill
waits kill "^check tcp fetch"
echo "# \$ kill -KILL $id"
kill -KILL "$id"
ends
ip netns list | grep -q "tst$id-laptop"
ok $? "(d) after SIGKILL the namespaces are still there"
run "$TETHER" --role=selftest --cleanup
expect_rc 0 "(d) tether --role=selftest --cleanup exits 0"
expect_err "removed run $id (5 namespaces)" "(d) it says what it removed"
nothing_left "(d)"

# (e) --keep: everything stays up and works until --cleanup
start keep --keep
up keep
ends
show keep
ok "$rc" "(e) the selftest --keep exits 0"
says keep "ip netns exec tst$id-laptop ping 203.0.113.2"
ok $? "(e) it prints the commands to look around"
says keep "tether --role=selftest --cleanup"
ok $? "(e) and how to remove it all"
cmp -s /etc/resolv.conf "$TMP/resolv.before"
ok $? "(e) the kept laptop's client left the host's resolv.conf alone"
run timeout 10 ip netns exec "tst$id-laptop" ping -c 1 -W 5 203.0.113.2
expect_rc 0 "(e) the kept laptop pings the internet through tether"
run "$TETHER" --role=selftest --cleanup
expect_rc 0 "(e) tether --role=selftest --cleanup exits 0"
nothing_left "(e)"
run "$TETHER" --role=selftest --cleanup
expect_err "nothing to clean up" "(e) a second --cleanup has nothing to do"

# the command line
run "$TETHER" --role=selftest -c /dev/null
expect_rc 2 "-c with the selftest is a usage error"
expect_err "role 'selftest' reads no config" "it says why"
run "$TETHER" --role=client --keep
expect_rc 2 "--keep with another role is a usage error"
expect_err "--keep is for the selftest role" "it says why"
run setpriv --reuid=65534 --regid=65534 --clear-groups "$TETHER" \
	--role=selftest
expect_rc 1 "without root the selftest refuses"
expect_err "it needs root" "it says why"

done_testing
