#!/bin/sh
# SPDX-License-Identifier: MIT
# compare.sh - tether against the direct path and OpenVPN, side by side on
# one namespace topology (t/e2e/lib.sh's), in one run
#
# usage: bench/compare.sh [OUTDIR]   (or `make bench-compare`; as root)
#
# For each path, one at a time on the same links: iperf3 TCP throughput
# with 1 and 4 streams, ping RTT p50/p99, CPU seconds per GB moved (user +
# system time of the tunnel's own processes: client, relay and server, or
# the two OpenVPN ends) and the server's peak RSS. The paths:
#   direct      laptop -> relay -> server -> inet, plain kernel forwarding
#   tether-ws   WebSocket through the C relay (the phone), userspace NAT
#   tether-udp  UDP straight to the server, userspace NAT
#   tether-knat WebSocket through the relay, kernel NAT (nat.mode kernel)
#   ovpn-udp    OpenVPN 2.6, UDP, static key, AES-256-CBC + HMAC-SHA256,
#               laptop straight to the server, nftables masquerade
#   ovpn-tcp    the same over TCP
# Then: new TCP connections per second through the NAT (ab, no keep-
# alive) on tether-ws and direct; the server's RSS with 100k mappings; and
# goodput over a 50 Mbit/s "phone link" (tbf on both directions of the
# relay <-> server link) through tether-ws against the direct path over the
# same shaped link.
#
# Writes OUTDIR/results.md (tables, ratios to direct and to ovpn-udp),
# OUTDIR/results.dat and OUTDIR/throughput.png (gnuplot). Progress goes to
# standard output as TAP comments. Figures are ratios from one run: the
# machine is shared, absolute numbers move between runs.
set -e
: "${SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${TETHER:=$SRCDIR/_build/main/tether}"
export SRCDIR TETHER
OUT=$(mkdir -p "${1:-$SRCDIR/_build/bench}" && cd "${1:-$SRCDIR/_build/bench}" && pwd)
SECS=${BENCH_SECONDS:-8}
for tool in openvpn gnuplot ab; do
	command -v "$tool" >/dev/null || {
		echo "Bail out! $tool is missing: run scripts/install-deps"
		exit 1
	}
done
. "$SRCDIR/t/e2e/lib.sh"
tmo=120

# --- measuring -----------------------------------------------------------

# cpu_ticks PID... - user + system clock ticks of the processes
cpu_ticks() {
	local _p _t
	_t=0
	for _p in "$@"; do
		_t=$((_t + $(awk '{ print $14 + $15 }' "/proc/$_p/stat")))
	done
	echo "$_t"
}

# child PIDNAME - the pid of the process spawn() started under NAME (spawn
# records the timeout(1) wrapper)
child() {
	pgrep -P "$(pid_of "$1")" | head -n 1
}

# iperf NAME DEST PORT STREAMS - iperf3 from the laptop; prints Mbit/s and
# leaves the bytes received in $TMP/NAME.bytes. A failed run (the server
# can still be busy with the last test's teardown) is tried once more
# after 3 s; a second failure counts as 0 and its error goes to stderr.
iperf() {
	local _try
	for _try in 1 2; do
		[ "$_try" = 1 ] || sleep 3
		ip netns exec "$(ns laptop)" timeout 60 iperf3 -J -c "$2" \
			-p "$3" -P "$4" -t "$SECS" -O 1 >"$TMP/$1.json" \
			2>/dev/null && break
	done
	"$PY" - "$TMP/$1.json" "$TMP/$1.bytes" "$1" <<-'EOF'
	import json, sys
	try:
	    j = json.load(open(sys.argv[1]))
	except ValueError:
	    j = {"error": "no output"}
	# a run iperf3 itself reports as failed has no sum: counted as 0
	r = j.get("end", {}).get("sum_received",
	    {"bytes": 0, "bits_per_second": 0})
	if "error" in j:
	    sys.stderr.write("# %s: iperf3 failed: %s\n" % (sys.argv[3], j["error"]))
	open(sys.argv[2], "w").write("%d\n" % r["bytes"])
	print("%.0f" % (r["bits_per_second"] / 1e6))
	EOF
}

# rtt DEST - p50 and p99 of 300 pings, ms
rtt() {
	ip netns exec "$(ns laptop)" timeout 30 ping -n -q -c 300 -i 0.01 \
		-W 1 "$1" >/dev/null 2>&1 || true
	ip netns exec "$(ns laptop)" timeout 30 ping -n -c 300 -i 0.01 -W 1 \
		"$1" 2>/dev/null | sed -n 's/.*time=\([0-9.]*\).*/\1/p' |
		sort -g | awk '{ v[NR] = $1 }
		END { if (!NR) { print "- -"; exit }
		      printf "%.3f %.3f\n", v[int(NR * 0.5 + 0.5)],
		      v[int(NR * 0.99 + 0.5)] }'
}

# hwm NAME - peak RSS of a spawned process, KiB
hwm() {
	awk '/^VmHWM/ { print $2 }' "/proc/$(child "$1")/status"
}

# measure PATH DEST PORT PROCS... - one row of the main table: throughput
# (1 and 4 streams), RTT, CPU s/GB over both iperf3 runs (PROCS: spawn
# names of the tunnel's processes; none for direct), server peak RSS
measure() {
	local _path _dest _port _pids _t0 _t1 _one _four _bytes _cpu _rss
	_path=$1 _dest=$2 _port=$3
	shift 3
	_pids=""
	for _n in "$@"; do
		_pids="$_pids $(child "$_n")"
	done
	_t0=$(cpu_ticks $_pids)
	_one=$(iperf "$_path-1" "$_dest" "$_port" 1)
	_four=$(iperf "$_path-4" "$_dest" "$_port" 4)
	_t1=$(cpu_ticks $_pids)
	_bytes=$(($(cat "$TMP/$_path-1.bytes") + $(cat "$TMP/$_path-4.bytes")))
	if [ -n "$_pids" ] && [ "$_bytes" -gt 0 ]; then
		_cpu=$(awk -v t=$((_t1 - _t0)) -v hz="$(getconf CLK_TCK)" \
			-v b="$_bytes" 'BEGIN { printf "%.2f", t / hz / (b / 1e9) }')
	else
		_cpu="-"
	fi
	_rss="-"
	case " $* " in *" server "*) _rss=$(hwm server) ;; esac
	case " $* " in *" ovpn-server "*) _rss=$(hwm ovpn-server) ;; esac
	set -- $(rtt "$_dest")
	echo "$_path $_one $_four $1 $2 $_cpu $_rss" >>"$TMP/rows"
	echo "# $_path: $_one Mbit/s (1 stream), $_four Mbit/s (4), RTT p50" \
		"$1 ms p99 $2 ms, $_cpu CPU s/GB, server peak RSS $_rss KiB"
}

# --- the paths -----------------------------------------------------------

# bench_server [NAT_MODE] - the server for laptop1 with room for 100k
# mappings
bench_server() {
	conf server <<-EOF
	{
		"private_key": "$(key server)",
		"listen": "198.51.100.1:8080",
		"udp_listen": "198.51.100.1:8080",
		"clients": [ { "name": "laptop1", "public_key": "$(pub laptop1)" } ],
		"tunnel": { "address": "10.77.0.2/24" },
		"nat": { "mode": "${1:-userspace}", "port_range": [1024, 65535],
			 "mappings_per_client": 131072, "max_mappings": 131072 },
		"egress": { "interface": "egr0", "address": "203.0.113.1" }
	}
	EOF
	spawn server server "$TETHER" --role=server -c "$TMP/server.json"
	listening server tcp 198.51.100.1:8080
}

# tether_up URL [NAT_MODE] - server, client (and relay for ws://), tunnel up
tether_up() {
	bench_server "$2"
	start_client laptop laptop1 "$1" 203.0.113.0/24
	case $1 in ws*) start_relay ;; esac
	tunnel_up laptop
}

tether_down() {
	stop relay 2>/dev/null || true
	stop client-laptop || true
	stop server || true
}

# ovpn_up udp|tcp - OpenVPN with a static key, server NATing 10.8.0.0/24
ovpn_up() {
	local _s _c
	_s="--proto udp" _c="--proto udp"
	[ "$1" = udp ] || _s="--proto tcp-server" _c="--proto tcp-client"
	set -- --dev tun0 --secret "$TMP/ovpn.key" --cipher AES-256-CBC \
		--auth SHA256 --verb 1 --port 1194
	spawn server ovpn-server openvpn $_s --local 198.51.100.1 \
		--ifconfig 10.8.0.1 10.8.0.2 "$@"
	listening server "${_s#--proto }" 198.51.100.1:1194 2>/dev/null ||
		listening server tcp 198.51.100.1:1194
	ip netns exec "$(ns server)" nft -f - <<-EOF
	table ip benchnat {
		chain post {
			type nat hook postrouting priority srcnat;
			ip saddr 10.8.0.0/24 oifname "egr0" masquerade
		}
	}
	EOF
	spawn laptop ovpn-client openvpn $_c --remote 198.51.100.1 \
		--ifconfig 10.8.0.2 10.8.0.1 --route 203.0.113.0 255.255.255.0 \
		--route-delay 0 "$@"
	wait_for laptop "ip route show 203.0.113.0/24 | grep -q tun0"
}

ovpn_down() {
	stop ovpn-client || true
	stop ovpn-server || true
	ip netns exec "$(ns server)" nft delete table ip benchnat
}

# --- the extras ----------------------------------------------------------

# conn_rate DEST - new TCP connections per second (HTTP, no keep-alive)
conn_rate() {
	ip netns exec "$(ns laptop)" timeout 60 ab -q -n 4000 -c 16 \
		"http://$1/small.txt" 2>/dev/null |
		awk '/Requests per second/ { printf "%.0f\n", $4 }'
}

# fill_mappings N - N new flows from the laptop's TUN address: UDP from
# every port, then TCP SYNs, written as raw packets into the tunnel
fill_mappings() {
	ip netns exec "$(ns laptop)" "$PY" - "$1" <<-'EOF'
	import socket, struct, sys
	n = int(sys.argv[1])
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
	src, dst = socket.inet_aton("10.77.0.2"), socket.inet_aton("203.0.113.2")
	def csum(b):
	    if len(b) % 2: b += b"\0"
	    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	    while t >> 16: t = (t & 0xffff) + (t >> 16)
	    return ~t & 0xffff
	def ip(proto, l4):
	    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64,
	                    proto, 0, src, dst)
	    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4
	def l4sum(proto, l4):
	    return csum(src + dst + struct.pack("!BBH", 0, proto, len(l4)) + l4)
	for i in range(n):
	    port = 1024 + i % 64000
	    if i < 64000:
	        u = struct.pack("!HHHH", port, 9, 8, 0)
	        u = u[:6] + struct.pack("!H", l4sum(17, u) or 0xffff)
	        pkt = ip(17, u)
	    else:
	        t = struct.pack("!HHIIBBHHH", port, 9, i, 0, 5 << 4, 2, 65535, 0, 0)
	        t = t[:16] + struct.pack("!H", l4sum(6, t)) + t[18:]
	        pkt = ip(6, t)
	    s.sendto(pkt, ("203.0.113.2", 0))
	EOF
}

# rss NAME - current RSS of a spawned process, KiB
rss() {
	awk '/^VmRSS/ { print $2 }' "/proc/$(child "$1")/status"
}

# shape RATE|off - tbf on both directions of the relay <-> server link
shape() {
	local _h
	for _h in relay:srv0 server:rly0; do
		if [ "$1" = off ]; then
			tc -n "$(ns "${_h%:*}")" qdisc del dev "${_h#*:}" root
		else
			tc -n "$(ns "${_h%:*}")" qdisc add dev "${_h#*:}" root \
				tbf rate "$1" burst 64kb latency 50ms
		fi
	done
}

# --- the run -------------------------------------------------------------

topology
keys server
keys laptop1
(umask 077 && openvpn --genkey secret "$TMP/ovpn.key")
mkdir -p "$TMP/www"
echo "hello" >"$TMP/www/small.txt"
start_nginx inet 203.0.113.2 192.0.2.2 >/dev/null
start_iperf3 inet 203.0.113.2 5201 >/dev/null
start_iperf3 inet 192.0.2.2 5202 >/dev/null
: >"$TMP/rows"

echo "# direct path"
measure direct 192.0.2.2 5202
echo "# tether over WebSocket through the C relay"
tether_up ws://198.51.100.1:8080/websocket/
measure tether-ws 203.0.113.2 5201 client-laptop relay server
ws_conns=$(conn_rate 203.0.113.2)
direct_conns=$(conn_rate 192.0.2.2)
echo "# new connections/s: tether-ws $ws_conns, direct $direct_conns"
rss0=$(rss server)
fill_mappings 100000
sleep 2
rss1=$(rss server)
echo "# server RSS: $rss0 KiB, with 100k more mappings $rss1 KiB"
tether_down
echo "# tether over UDP"
tether_up udp://198.51.100.1:8080
measure tether-udp 203.0.113.2 5201 client-laptop server
tether_down
echo "# tether over WebSocket, kernel NAT"
tether_up ws://198.51.100.1:8080/websocket/ kernel
measure tether-knat 203.0.113.2 5201 client-laptop relay server
tether_down
echo "# OpenVPN over UDP"
ovpn_up udp
measure ovpn-udp 203.0.113.2 5201 ovpn-client ovpn-server
ovpn_down
echo "# OpenVPN over TCP"
ovpn_up tcp
measure ovpn-tcp 203.0.113.2 5201 ovpn-client ovpn-server
ovpn_down

echo "# a 50 Mbit/s phone link"
shape 50mbit
shaped_direct=$(iperf shaped-direct 192.0.2.2 5202 1)
tether_up ws://198.51.100.1:8080/websocket/
shaped_ws=$(iperf shaped-ws 203.0.113.2 5201 1)
tether_down
shape off
echo "# shaped: direct $shaped_direct Mbit/s, tether-ws $shaped_ws Mbit/s"

# --- the report ----------------------------------------------------------

cp "$TMP/rows" "$OUT/results.dat"
"$PY" - "$OUT" "$ws_conns" "$direct_conns" "$rss0" "$rss1" \
	"$shaped_direct" "$shaped_ws" "$SECS" <<-'EOF'
import sys
out, wsc, dc, rss0, rss1, sd, sw, secs = sys.argv[1:]
rows = [l.split() for l in open(out + "/results.dat")]
by = {r[0]: r for r in rows}
def num(v):
    try: return float(v)
    except ValueError: return None
def ratio(a, b, digits=2):
    a, b = num(a), num(b)
    return "%.*f" % (digits, a / b) if a is not None and b else "-"
d, o = by.get("direct"), by.get("ovpn-udp")
L = ["# tether benchmark", "",
     "One run, %s s per iperf3 test, same namespace topology for every path." % secs,
     "", "| path | TCP 1 stream Mbit/s | TCP 4 streams Mbit/s | 1 stream vs direct"
     " | 1 stream vs ovpn-udp | RTT p50 ms | RTT p99 ms | CPU s/GB | server peak RSS KiB |",
     "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
for r in rows:
    L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        r[0], r[1], r[2], ratio(r[1], d[1], 3) if d else "-",
        ratio(r[1], o[1]) if o else "-", r[3], r[4], r[5], r[6]))
L += ["", "| extra | value |", "|---|---:|",
      "| new TCP connections/s through tether-ws (ab, no keep-alive) | %s |" % wsc,
      "| new TCP connections/s on the direct path | %s |" % dc,
      "| server RSS before / with 100k more mappings (KiB) | %s / %s |" % (rss0, rss1),
      "| goodput over a 50 Mbit/s link: direct / tether-ws (Mbit/s) | %s / %s |" % (sd, sw),
      "| shaped-link goodput, tether-ws vs direct | %s |" % ratio(sw, sd)]
open(out + "/results.md", "w").write("\n".join(L) + "\n")
print("\n".join(L))
EOF
gnuplot <<-EOF
set terminal pngcairo size 900,500
set output "$OUT/throughput.png"
set title "TCP throughput, one run (Mbit/s)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "Mbit/s"
set xtics rotate by -20
set key top right
plot "$OUT/results.dat" using 2:xtic(1) title "1 stream", \
     "" using 3 title "4 streams"
EOF
echo "# wrote $OUT/results.md, $OUT/results.dat, $OUT/throughput.png"
e2e_cleanup
