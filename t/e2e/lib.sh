# SPDX-License-Identifier: MIT
# e2e/lib.sh - namespaces, real services and tether's roles for the
# end-to-end tests (sourced by each t/e2e/*.sh; it sources t/lib.sh)
#
#  laptop ns              relay ns                 server ns               inet ns
#  [client, TUN]          [tether relay]           [tether server]         [nginx, dnsmasq, iperf3]
#  wifi0 169.254.1.1/16 --- br0 169.254.1.2/16
#  (+169.254.134.89/16      (a bridge: the Wi-Fi;
#   the client adds)         laptop2 joins it too)
#                          srv0 198.51.100.2/24 --- rly0 198.51.100.1/24
#                                                   (tether ws + udp :8080)
#                                                  egr0 203.0.113.1/24 ----- srv0 203.0.113.2/24
#                                                   (egress of the NAT)           203.0.113.3/24
#                                                                            lo   192.0.2.2/32 (reference)
#                                                                           far0 198.18.0.1/24 mtu 1000
#                                                                                 |
#                                                                       far ns:  inet0 198.18.0.2/24
#                                                                                mtu 1000, [sink]
#
# The relay namespace forwards, so a laptop reaches the server's UDP
# transport at 198.51.100.1 without a phone. The direct routed path (the
# reference, no tether) goes laptop -> relay -> server -> inet to 192.0.2.2
# by plain kernel forwarding. Tunnelled destinations are 203.0.113.0/24
# and whatever a scenario adds to the client's "routes".
#
# Only reserved documentation and link-local ranges are used, and nothing
# leaves the namespaces: the host's interfaces and routes are not touched.
# Namespaces are named te<pid>-<host>, so runs can overlap; the EXIT trap
# kills every process in them and deletes them (their links go with them),
# even when a check fails or the script is interrupted.
#
# Helpers print what they run, as TAP comments:
#   laptop curl -sS http://203.0.113.2/    # laptop$ curl -sS http://...
# and keep the output in $out/$err (printed as comments too) and the exit
# status in $rc. Every command runs under timeout(1) ($tmo seconds, 60
# unless set), every wait is bounded in tries and time.

. "$SRCDIR/t/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	# not a skip: a skipped end-to-end test would let CI pass untested
	echo "Bail out! the end-to-end tests need root (network namespaces)"
	exit 1
fi
for tool in ip timeout nginx dnsmasq iperf3 ping curl dig tcpdump socat \
	nc ss sha256sum openssl /usr/bin/python3 busybox; do
	command -v "$tool" >/dev/null || {
		echo "Bail out! $tool is missing: run scripts/install-deps"
		exit 1
	}
done

E2E=$SRCDIR/t/e2e
TPEER=${TPEER:-$(dirname "$TETHER")/t/tools/tpeer}
PY=/usr/bin/python3
e2e_id=$$
e2e_hosts=""		# namespaces made by this run, by host name
e2e_procs=""		# name:pid of everything spawned and still running
e2e_spawned=""		# pid of everything ever spawned
e2e_stdin=""		# in_ns's standard input (feed sets it), or /dev/null
tmo=60

# Comments print to the TAP stream (fd 3), also from inside $(...)
exec 3>&1

# host_state - the host's own links, addresses, routes and resolv.conf
# (must not change)
host_state() {
	ip -o addr show | awk '{ print $2, $3, $4 }'
	ip route show table all | grep -v '^local\|^broadcast' || true
	stat -c %N /etc/resolv.conf 2>&1
	cat /etc/resolv.conf 2>&1 || true
}
host_state >"$TMP/host.before"

# --- namespaces ----------------------------------------------------------

# ns HOST - the namespace name of a host of this run
ns() {
	echo "te$e2e_id-$1"
}

# add_host HOST - a new namespace with its loopback up, and its own
# /etc/resolv.conf: `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf
# over the host's, so what a client does to it stays in the namespace
add_host() {
	ip netns add "$(ns "$1")"
	e2e_hosts="$e2e_hosts $1"
	ip -n "$(ns "$1")" link set lo up
	# (again if a run that just ended removed /etc/netns meanwhile)
	mkdir -p "/etc/netns/$(ns "$1")" || mkdir -p "/etc/netns/$(ns "$1")"
	printf '# resolv.conf of %s (t/e2e/lib.sh)\nnameserver 192.0.2.53\n' \
		"$1" >"/etc/netns/$(ns "$1")/resolv.conf"
}

# veth HOST1 IF1 HOST2 IF2 - a veth pair between two hosts; the pair is
# made inside HOST1, so its names never appear in the host's namespace
veth() {
	ip -n "$(ns "$1")" link add "$2" type veth peer name "$4" \
		netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

# addr HOST IF PREFIX... - add addresses to an interface
addr() {
	local _h _if _p
	_h=$1 _if=$2
	shift 2
	for _p in "$@"; do
		ip -n "$(ns "$_h")" addr add "$_p" dev "$_if"
	done
}

# sysctl_ns HOST KEY=VALUE - set a sysctl inside a host's namespace
sysctl_ns() {
	ip netns exec "$(ns "$1")" sysctl -q -w "$2"
}

# --- running commands ----------------------------------------------------

# quote ARG... - the arguments as they would be typed into a shell
quote() {
	local _a _q _line
	_line=""
	for _a in "$@"; do
		case $_a in
		"" | *[!A-Za-z0-9_./:=@%+,-]*)
			_q=$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")
			_a="'$_q'"
			;;
		esac
		_line="$_line${_line:+ }$_a"
	done
	printf '%s' "$_line"
}

# comment FILE - print a file's lines as TAP comments (the first and the
# last 20 of a long one)
comment() {
	local _n
	[ -s "$1" ] || return 0
	_n=$(wc -l <"$1")
	if [ "$_n" -le 40 ]; then
		sed 's/^/#   /' "$1" >&3
	else
		head -n 20 "$1" | sed 's/^/#   /' >&3
		echo "#   ... ($((_n - 40)) lines)" >&3
		tail -n 20 "$1" | sed 's/^/#   /' >&3
	fi
}

# in_ns HOST CMD... - run CMD in HOST's namespace, printed first; its
# output is printed as comments and kept in $out and $err, its status in
# $rc (also returned)
in_ns() {
	local _h
	_h=$1
	shift
	echo "# $_h\$ $(quote "$@")${e2e_stdin:+ < $e2e_stdin}" >&3
	rc=0
	timeout -k 5 "$tmo" ip netns exec "$(ns "$_h")" "$@" \
		>"$TMP/stdout" 2>"$TMP/stderr" <"${e2e_stdin:-/dev/null}" ||
		rc=$?
	out=$(cat "$TMP/stdout")
	err=$(cat "$TMP/stderr")
	comment "$TMP/stdout"
	comment "$TMP/stderr"
	[ "$rc" -ne 124 ] || echo "#   (timed out after $tmo s)" >&3
	[ "$rc" -eq 0 ] || echo "#   (exit status $rc)" >&3
	return "$rc"
}

# feed FILE HOST CMD... - in_ns with FILE on CMD's standard input
feed() {
	local _s
	e2e_stdin=$1
	shift
	_s=0
	in_ns "$@" || _s=$?
	e2e_stdin=""
	return "$_s"
}

laptop() { in_ns laptop "$@"; }
laptop2() { in_ns laptop2 "$@"; }
relay() { in_ns relay "$@"; }
server() { in_ns server "$@"; }
inet() { in_ns inet "$@"; }
far() { in_ns far "$@"; }

# quietly HOST CMD... - run CMD in HOST's namespace, unprinted, 5 s at most
quietly() {
	local _h
	_h=$1
	shift
	timeout -k 1 5 ip netns exec "$(ns "$_h")" "$@" </dev/null
}

# check DESCRIPTION CMD... - one test point: CMD succeeds
check() {
	local _d _s
	_d=$1
	shift
	_s=0
	"$@" || _s=$?
	ok "$_s" "$_d"
}

# check_not DESCRIPTION CMD... - one test point: CMD fails
check_not() {
	local _d _s
	_d=$1
	shift
	_s=0
	"$@" || _s=$?
	ok "$((_s == 0))" "$_d"
}

# check_rc STATUS DESCRIPTION CMD... - one test point: CMD exits STATUS
check_rc() {
	local _w _d _s
	_w=$1 _d=$2
	shift 2
	_s=0
	"$@" || _s=$?
	[ "$_s" -eq "$_w" ] || echo "#   exit status $_s, want $_w" >&3
	ok "$((_s != _w))" "$_d"
}

# need DESCRIPTION CMD... - a check the rest of the script depends on:
# bail out (with the logs) when it fails
need() {
	local _f
	_f=$tap_failed
	check "$@"
	[ "$tap_failed" -eq "$_f" ] || {
		echo "Bail out! $1"
		exit 1
	}
}

# wait_for HOST 'SHELL COMMAND' - retry the command in HOST's namespace
# every 0.1 s, at most 150 times (each try at most 5 s); true once it
# succeeds
wait_for() {
	local _i
	echo "# $1\$ $2 (waiting)" >&3
	_i=0
	while [ "$_i" -lt 150 ]; do
		if quietly "$1" sh -c "$2" >"$TMP/wait.out" 2>&1; then
			echo "#   ready after $_i tries" >&3
			return 0
		fi
		_i=$((_i + 1))
		sleep 0.1
	done
	echo "#   gave up after $_i tries; last output:" >&3
	comment "$TMP/wait.out"
	return 1
}

# listening HOST tcp|udp ADDR:PORT - wait until a socket listens there
listening() {
	local _o
	case $2 in
	tcp) _o=-Hltn ;;
	*) _o=-Hlun ;;
	esac
	wait_for "$1" "ss $_o src $3 | grep -q ."
}

# same FILE1 FILE2 - both files have the same sha256; prints both
same() {
	local _a _b
	_a=$(sha256sum <"$1" | cut -d' ' -f1)
	_b=$(sha256sum <"$2" | cut -d' ' -f1)
	echo "#   sha256 $_a $(basename "$1")" >&3
	echo "#   sha256 $_b $(basename "$2")" >&3
	[ "$_a" = "$_b" ]
}

# --- background processes ------------------------------------------------

# spawn HOST NAME CMD... - start CMD in HOST's namespace in the background,
# its output in $TMP/NAME.log; it is stopped by `stop NAME` or the cleanup
# (and by timeout(1) after 10 minutes should both be missed)
spawn() {
	local _h _name
	_h=$1 _name=$2
	shift 2
	echo "# $_h\$ $(quote "$@") > $_name.log &" >&3
	# emptied here, not by the background job's redirection: a wait on
	# the log right after this must not see an earlier run's lines
	: >"$TMP/$_name.log"
	timeout -k 5 600 ip netns exec "$(ns "$_h")" "$@" \
		>>"$TMP/$_name.log" 2>&1 </dev/null &
	e2e_procs="$e2e_procs $_name:$!"
	e2e_spawned="$e2e_spawned $!"
}

# pid_of NAME - the pid spawn recorded for NAME
pid_of() {
	local _e
	for _e in $e2e_procs; do
		[ "${_e%%:*}" != "$1" ] || { echo "${_e#*:}"; return 0; }
	done
	return 1
}

# worker - the server's own process (the one that drops privileges and
# handles signals; spawn records its timeout(1) wrapper)
worker() { pgrep -P "$(pid_of server)" -x tether; }

# hup WHAT - SIGHUP the server, wait for its log to say WHAT
hup() {
	local _n
	_n=$(grep -c 'SIGHUP: reading' "$TMP/server.log" || true)
	echo "# kill -HUP server" >&3
	kill -HUP "$(worker)"
	wait_for server \
		"[ \$(grep -c 'SIGHUP: reading' $TMP/server.log) -gt $_n ] && grep -q '$1' $TMP/server.log"
}

# alive PID - the process runs (a zombie waiting for `wait` does not)
alive() {
	[ -r "/proc/$1/stat" ] &&
		[ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" != Z ]
}

# stop NAME [SIGNAL] - signal a spawned process (TERM by default; timeout(1)
# passes it on), wait at most 5 s (then KILL); returns its exit status
stop() {
	local _p _i _s
	_p=$(pid_of "$1") || return 1
	echo "# kill -${2:-TERM} $1" >&3
	kill "-${2:-TERM}" "$_p" 2>/dev/null || true
	_i=0
	while alive "$_p" && [ "$_i" -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if alive "$_p"; then
		echo "#   $1 ignored SIG${2:-TERM} for 5 s: SIGKILL" >&3
		pkill -KILL -P "$_p" 2>/dev/null || true
		kill -KILL "$_p" 2>/dev/null || true
	fi
	_s=0
	wait "$_p" 2>/dev/null || _s=$?
	e2e_procs=$(echo "$e2e_procs" | tr ' ' '\n' | grep -v "^$1:" |
		tr '\n' ' ' || true)
	return "$_s"
}

# finish NAME [SECONDS] - wait for a spawned process to end by itself (at
# most SECONDS, default 30, then KILL); print its log, return its status
finish() {
	local _p _i _s
	_p=$(pid_of "$1") || return 1
	_i=0
	while alive "$_p" && [ "$_i" -lt "$((${2:-30} * 10))" ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	alive "$_p" && echo "#   $1 still runs after ${2:-30} s" >&3
	_s=0
	stop "$1" || _s=$?
	echo "# $1.log:" >&3
	comment "$TMP/$1.log"
	return "$_s"
}

# crash NAME - SIGKILL the process under spawn's timeout(1) wrapper, which
# no signal of ours reaches, then reap the wrapper
crash() {
	local _p _c
	_p=$(pid_of "$1") || return 1
	_c=$(pgrep -P "$_p") || return 1
	echo "# kill -KILL $1 (pid $_c)" >&3
	kill -KILL "$_c"
	stop "$1" || true
}

# --- the laptop's state --------------------------------------------------

# snapshot FILE - what the client may change in the laptop's namespace:
# addresses, routes and rules of every table, the sysctls it may touch,
# its resolv.conf
snapshot() {
	quietly laptop sh -c 'ip addr; ip route show table all; ip rule;
		ip -6 rule; sysctl net.ipv4.ip_forward
		sysctl net.ipv4.conf.all.src_valid_mark
		sysctl net.ipv4.conf.all.rp_filter
		sysctl net.ipv6.conf.all.disable_ipv6
		cat /etc/resolv.conf' >"$1" 2>&1
}

# as_before - the laptop is as $TMP/before (a snapshot) says
as_before() {
	snapshot "$TMP/now"
	diff "$TMP/before" "$TMP/now" | sed 's/^/#   /' >&3 || true
	cmp -s "$TMP/before" "$TMP/now"
}

# --- services in the inet namespace --------------------------------------

# start_nginx HOST ADDR... - nginx on port 80 of each ADDR serving
# $TMP/www (PUT writes into $TMP/www/upload/); each access log line
# starts with the client's address and port
start_nginx() {
	local _h _listen _a
	_h=$1
	shift
	mkdir -p "$TMP/www/upload" "$TMP/nginx"
	_listen=$(printf 'listen %s:80; ' "$@")
	cat >"$TMP/nginx/nginx.conf" <<-EOF
	# generated by t/e2e/lib.sh
	daemon off;
	master_process on;
	worker_processes 1;
	user root;
	pid $TMP/nginx/nginx.pid;
	error_log $TMP/nginx/error.log info;
	events { worker_connections 1024; }
	http {
		log_format peer '\$remote_addr:\$remote_port "\$request" \$status'
			' \$body_bytes_sent';
		access_log $TMP/nginx/access.log peer;
		client_body_temp_path $TMP/nginx/body;
		proxy_temp_path $TMP/nginx/proxy;
		fastcgi_temp_path $TMP/nginx/fastcgi;
		uwsgi_temp_path $TMP/nginx/uwsgi;
		scgi_temp_path $TMP/nginx/scgi;
		types { application/octet-stream bin; }
		server {
			$_listen
			root $TMP/www;
			location /upload/ {
				dav_methods PUT;
				create_full_put_path on;
				client_max_body_size 64m;
			}
		}
	}
	EOF
	spawn "$_h" nginx nginx -c "$TMP/nginx/nginx.conf" \
		-e "$TMP/nginx/error.log"
	for _a in "$@"; do
		listening "$_h" tcp "$_a:80" || return 1
	done
}

# start_dnsmasq HOST ADDR - dnsmasq on ADDR answering example.test with
# 203.0.113.3, logging each query with its client's address
start_dnsmasq() {
	spawn "$1" dnsmasq dnsmasq --no-daemon --no-resolv --no-hosts \
		--listen-address="$2" --bind-interfaces \
		--address=/example.test/203.0.113.3 --log-queries \
		--log-facility="$TMP/dnsmasq-queries.log" \
		--pid-file="$TMP/dnsmasq.pid" --user=root --group=root
	listening "$1" udp "$2:53"
}

# start_iperf3 HOST ADDR PORT - an iperf3 server
start_iperf3() {
	spawn "$1" "iperf3-$3" iperf3 -s -B "$2" -p "$3"
	listening "$1" tcp "$2:$3"
}

# start_udp_echo HOST ADDR PORT - echo every datagram back to its sender;
# its log names each new sender
start_udp_echo() {
	spawn "$1" "echo-$3" "$PY" "$E2E/peer.py" udp-echo "$2" "$3"
	listening "$1" udp "$2:$3"
}

# make_file PATH MIB - a file of random bytes
make_file() {
	head -c "$(($2 * 1048576))" /dev/urandom >"$1"
}

# --- tether --------------------------------------------------------------

# keys NAME - a key pair: $TMP/NAME.key (mode 600) and $TMP/NAME.pub
keys() {
	(umask 077 && "$TETHER" genkey >"$TMP/$1.key")
	"$TETHER" pubkey <"$TMP/$1.key" >"$TMP/$1.pub"
}

# key NAME / pub NAME - a key's base64
key() { cat "$TMP/$1.key"; }
pub() { cat "$TMP/$1.pub"; }

# conf NAME - write stdin to $TMP/NAME.json, mode 600 (it holds a key)
conf() {
	(umask 077 && cat >"$TMP/$1.json")
	sed 's/^/#   /; s/\("private_key": "\)[^"]*/\1.../' "$TMP/$1.json" >&3
}

# server_conf [KEYNAME...] - $TMP/server.json for start_server, serving
# the clients named (laptop1 and laptop2 by default), with the NAT
# $nat_mode (userspace unless set); the keys are made on the first call. A
# test may add keys to the laptops' entries ($laptop1_extra,
# $laptop2_extra), to "egress" ($egress_extra) and to the top level
# ($server_extra), as JSON text: "rate_kbit": 20000
server_conf() {
	local _k _x _clients
	if [ ! -s "$TMP/server.key" ]; then
		keys server
		keys laptop1
		keys laptop2
	fi
	[ $# -gt 0 ] || set -- laptop1 laptop2
	_clients=""
	for _k in "$@"; do
		eval "_x=\${${_k}_extra:-}"
		_clients="$_clients${_clients:+,
		}{ \"name\": \"$_k\", \"public_key\": \"$(pub "$_k")\"${_x:+, $_x} }"
	done
	echo "# server.json:" >&3
	conf server <<-EOF
	{
		"private_key": "$(key server)",
		"listen": "198.51.100.1:8080",
		"udp_listen": "198.51.100.1:8080",
		"clients": [
			$_clients
		],
		"tunnel": { "address": "10.77.0.2/24", "dns": "203.0.113.2" },
		"nat": { "mode": "${nat_mode:-userspace}",
			"mappings_per_client": 8192 },
		"egress": { "interface": "egr0", "address": "203.0.113.1"${egress_extra:+,
			$egress_extra} }${server_extra:+,
		$server_extra}
	}
	EOF
}

# start_server [KEYNAME...] - the server in the server namespace, serving
# the clients named (laptop1 and laptop2 by default) on ws and udp :8080,
# NATing out of egr0 as 203.0.113.1
start_server() {
	server_conf "$@"
	spawn server server "$TETHER" --role=server -c "$TMP/server.json" \
		--verbose
	listening server tcp 198.51.100.1:8080 &&
		listening server udp 198.51.100.1:8080
}

# start_client HOST KEYNAME URL ROUTE... - the client in HOST's namespace,
# with KEYNAME's key and ROUTEs (tunnel_up waits for its handshake); it
# listens on $client_listen (169.254.134.89:6354 unless set), serves the
# phone's page from the source tree, and adds the keys in $client_json if
# set ('"dns": {...}')
start_client() {
	local _h _k _url _routes
	_h=$1 _k=$2 _url=$3
	shift 3
	_routes=$(printf '"%s", ' "$@")
	echo "# $_h.json:" >&3
	conf "$_h" <<-EOF
	{
		"server_url": "$_url",
		"private_key": "$(key "$_k")",
		"server_public_key": "$(pub server)",
		"listen": "${client_listen:-169.254.134.89:6354}",
		"interface": "wifi0",
		"webapp": "$SRCDIR/webapp",
		"routes": [${_routes%, }]${client_json:+,
		$client_json}
	}
	EOF
	spawn "$_h" "client-$_h" "$TETHER" --role=client -c "$TMP/$_h.json" \
		--verbose
}

# ws_up ROUTE... - laptop1's client with ROUTEs, waiting for its phone on
# the WebSocket, then the relay joining it to the server: the tunnel up
ws_up() {
	start_client laptop laptop1 ws://198.51.100.1:8080/websocket/ "$@"
	need "the client serves the phone's WebSocket on 169.254.134.89:6354" \
		listening laptop tcp 169.254.134.89:6354
	start_relay
	need "the tunnel comes up through the relay" tunnel_up laptop
}

# tunnel_up HOST - wait until the client's routes are in place
tunnel_up() {
	wait_for "$1" "ip route show 203.0.113.0/24 | grep -q 'dev tether0'"
}

# start_relay [URL [KEYS]] - the relay in the relay namespace, laptop <->
# server at URL (ws://198.51.100.1:8080/websocket/), with more top-level
# KEYS as JSON text
start_relay() {
	echo "# relay.json:" >&3
	conf relay <<-EOF
	{
		"client_url": "ws://169.254.134.89:6354/websocket",
		"server_url": "${1:-ws://198.51.100.1:8080/websocket/}"${2:+,
		$2}
	}
	EOF
	spawn relay relay "$TETHER" --role=relay -c "$TMP/relay.json" --verbose
}

# --- the topology --------------------------------------------------------

# topology - the namespaces, links, addresses and routes of the picture
# above, without laptop2 (add_laptop2) and without any service
topology() {
	local _h
	for _h in laptop relay server inet far; do
		add_host "$_h"
	done
	ip -n "$(ns relay)" link add br0 type bridge
	ip -n "$(ns relay)" link set br0 up
	veth laptop wifi0 relay lap1
	ip -n "$(ns relay)" link set lap1 master br0
	veth relay srv0 server rly0
	veth server egr0 inet srv0
	veth inet far0 far inet0
	addr laptop wifi0 169.254.1.1/16
	addr relay br0 169.254.1.2/16
	addr relay srv0 198.51.100.2/24
	addr server rly0 198.51.100.1/24
	addr server egr0 203.0.113.1/24
	addr inet srv0 203.0.113.2/24 203.0.113.3/24
	addr inet lo 192.0.2.2/32
	addr inet far0 198.18.0.1/24
	addr far inet0 198.18.0.2/24
	# offloads stay on: inet's TSO hands the server's capture merged TCP
	# segments of up to 64 KiB, as GRO on a real NIC would
	# the far link is narrower than the rest: PMTU discovery must work
	ip -n "$(ns inet)" link set far0 mtu 1000
	ip -n "$(ns far)" link set inet0 mtu 1000

	# laptop: the server's UDP transport and the reference target go
	# through the relay (the phone's Wi-Fi, routed)
	ip -n "$(ns laptop)" route add 198.51.100.0/24 via 169.254.1.2
	ip -n "$(ns laptop)" route add 192.0.2.0/24 via 169.254.1.2
	sysctl_ns relay net.ipv4.ip_forward=1
	ip -n "$(ns relay)" route add 192.0.2.0/24 via 198.51.100.1
	# server: the internet is behind egr0; laptops behind the relay
	sysctl_ns server net.ipv4.ip_forward=1
	ip -n "$(ns server)" route add default via 203.0.113.2
	ip -n "$(ns server)" route add 169.254.0.0/16 via 198.51.100.2
	# inet: forwards to far, routes the direct path's laptops back
	sysctl_ns inet net.ipv4.ip_forward=1
	ip -n "$(ns inet)" route add 169.254.0.0/16 via 203.0.113.1
	ip -n "$(ns inet)" route add 198.51.100.0/24 via 203.0.113.1
	# far advertises a full-size MSS as if its own link were 1500
	# bytes, so the laptop's segments must be cut down by PMTU discovery
	ip -n "$(ns far)" route add default via 198.18.0.1 advmss 1460
}

# add_laptop2 - a second laptop on the same Wi-Fi, 169.254.1.3
add_laptop2() {
	add_host laptop2
	veth laptop2 wifi0 relay lap2
	ip -n "$(ns relay)" link set lap2 master br0
	addr laptop2 wifi0 169.254.1.3/16
	ip -n "$(ns laptop2)" route add 198.51.100.0/24 via 169.254.1.2
	ip -n "$(ns laptop2)" route add 192.0.2.0/24 via 169.254.1.2
}

# --- the end -------------------------------------------------------------

# teardown - stop the tether roles (each must exit 0 on SIGTERM), then
# everything else; check that no namespace or process of this run is left
teardown() {
	local _e _n _left _h _p _i _inodes
	for _e in $(echo "$e2e_procs" | tr ' ' '\n' | tac); do
		case ${_e%%:*} in
		server | relay | client-*)
			_n=${_e%%:*}
			check "$_n exits 0 on SIGTERM" stop "$_n"
			;;
		esac
	done
	_inodes=""
	for _h in $e2e_hosts; do
		_inodes="$_inodes $(stat -L -c %i "/run/netns/$(ns "$_h")")"
	done
	e2e_cleanup
	_left=""
	for _h in $e2e_hosts; do
		ip netns list | grep -qw "$(ns "$_h")" && _left="$_left $_h"
	done
	check "no namespace of this run is left${_left:+ (left:$_left)}" \
		[ -z "$_left" ]
	e2e_hosts=""
	_left=$(pgrep -f "$TMP/" || true)
	for _p in $e2e_spawned; do
		! alive "$_p" || _left="$_left $_p"
	done
	check "no process of this run is left${_left:+ (left: $_left)}" \
		[ -z "$_left" ]
	# the server keeps crash-recovery state per namespace in /run/tether
	_left=""
	for _p in /run/tether/*; do
		for _i in $_inodes; do
			case $_p in
			*."$_i") _left="$_left $_p" ;;
			*) ! grep -qs "netns $_i\$" "$_p" || _left="$_left $_p" ;;
			esac
		done
	done
	check "no state file of this run is left in /run/tether${_left:+:$_left}" \
		[ -z "$_left" ]
	host_state >"$TMP/host.after"
	diff "$TMP/host.before" "$TMP/host.after" | sed 's/^/#   /'
	check "the host's own addresses, routes and resolv.conf are as they were" \
		cmp -s "$TMP/host.before" "$TMP/host.after"
}

# e2e_cleanup - kill every process of this run, delete its namespaces
e2e_cleanup() {
	local _e _h _i _busy
	for _e in $e2e_procs; do
		kill -TERM "${_e#*:}" 2>/dev/null || true
	done
	for _h in $e2e_hosts; do
		ip netns pids "$(ns "$_h")" 2>/dev/null | xargs -r kill -TERM \
			2>/dev/null || true
	done
	_i=0
	while [ "$_i" -lt 50 ]; do
		_busy=""
		for _h in $e2e_hosts; do
			_busy="$_busy$(ip netns pids "$(ns "$_h")" 2>/dev/null)"
		done
		[ -n "$_busy" ] || break
		sleep 0.1
		_i=$((_i + 1))
	done
	for _h in $e2e_hosts; do
		ip netns pids "$(ns "$_h")" 2>/dev/null | xargs -r kill -KILL \
			2>/dev/null || true
	done
	for _e in $e2e_procs; do
		wait "${_e#*:}" 2>/dev/null || true
	done
	e2e_procs=""
	for _h in $e2e_hosts; do
		ip netns del "$(ns "$_h")" 2>/dev/null || true
		rm -rf "/etc/netns/$(ns "$_h")"
	done
	rmdir /etc/netns 2>/dev/null || true
}

# on exit, however it comes: print the logs if anything failed, clean up
e2e_exit() {
	e2e_status=$?
	local _l
	set +e
	trap - EXIT INT TERM
	e2e_cleanup
	if [ "$e2e_status" -ne 0 ] || [ "$tap_failed" -ne 0 ]; then
		for _l in "$TMP"/*.log "$TMP"/nginx/error.log; do
			[ -s "$_l" ] || continue
			echo "# --- last lines of $(basename "$_l"):"
			tail -n 30 "$_l" | sed 's/^/#   /'
		done
	fi
	rm -rf "$TMP"
	exit "$e2e_status"
}
trap e2e_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
