# SPDX-License-Identifier: MIT
# scenarios.sh - what a laptop must be able to do through the tunnel, over
# any transport and either NAT (sourced by ws.sh, udp.sh and knat.sh after
# t/e2e/lib.sh)
#
# The scripts build the topology, call services, bring the tunnel up with
# their transport, set $transport to its name and call each scenario.
# The client's routes are $tunnelled: the internet's 203.0.113.0/24, the
# far host's 198.18.0.0/24 and the cloud metadata address (which the
# server must refuse).

tunnelled="203.0.113.0/24 198.18.0.0/24 169.254.169.254/32"

# services - nginx, dnsmasq, iperf3 and a UDP echo in inet; a TCP sink in far
services() {
	mkdir -p "$TMP/www"
	echo "hello from nginx in the inet namespace" >"$TMP/www/small.txt"
	make_file "$TMP/www/10M.bin" 10
	need "nginx listens on 203.0.113.2:80 and 192.0.2.2:80" \
		start_nginx inet 203.0.113.2 192.0.2.2
	need "dnsmasq listens on 203.0.113.2:53" start_dnsmasq inet 203.0.113.2
	need "iperf3 listens on 203.0.113.2:5201" \
		start_iperf3 inet 203.0.113.2 5201
	need "iperf3 listens on 192.0.2.2:5202 (direct path)" \
		start_iperf3 inet 192.0.2.2 5202
	spawn far far-sink socat -u TCP-LISTEN:9000,bind=198.18.0.2,reuseaddr \
		"CREATE:$TMP/far.bin"
	need "a TCP sink listens on 198.18.0.2:9000" \
		listening far tcp 198.18.0.2:9000
}

# the client's TUN has the server's assignment and the routes
sc_assignment() {
	check "ip addr show tether0" laptop ip -4 addr show dev tether0
	expect_out "inet 10.77.0.2/24" "the TUN has the assigned 10.77.0.2/24"
	check "ip route get 203.0.113.2" laptop ip route get 203.0.113.2
	expect_out "dev tether0" "203.0.113.2 is routed into the TUN"
}

# a web page through the tunnel, and nginx sees the server's address
sc_http() {
	check "curl gets a page through the tunnel" \
		laptop curl -sS -m 10 -o "$TMP/small.got" \
		http://203.0.113.2/small.txt
	check "the page is nginx's file" same "$TMP/www/small.txt" \
		"$TMP/small.got"
	check "nginx logged the request" \
		inet tail -n 1 "$TMP/nginx/access.log"
	expect_out "203.0.113.1:" \
		"nginx saw the server's egress address 203.0.113.1 as the client"
}

# a DNS query through the tunnel, and dnsmasq sees the server's address
sc_dns() {
	check "dig asks dnsmasq through the tunnel" \
		laptop dig +time=2 +tries=2 +short @203.0.113.2 example.test
	expect_out "203.0.113.3" "dnsmasq's answer arrives: 203.0.113.3"
	check "dnsmasq logged the query from 203.0.113.1" \
		inet grep -m 1 "query\[A\] example.test from 203.0.113.1" \
		"$TMP/dnsmasq-queries.log"
}

# ping through the tunnel loses nothing
sc_ping() {
	check "ping -c 20 203.0.113.2 through the tunnel" \
		laptop ping -c 20 -i 0.2 -w 15 -q 203.0.113.2
	expect_out " 0% packet loss" "no echo is lost"
}

# 10 MiB each way, byte for byte
sc_bulk() {
	check "curl downloads 10 MiB through the tunnel" \
		laptop curl -sS -f -m 45 -o "$TMP/10M.got" \
		http://203.0.113.2/10M.bin
	check "the download is nginx's file byte for byte" \
		same "$TMP/www/10M.bin" "$TMP/10M.got"
	make_file "$TMP/up.bin" 10
	check "curl uploads 10 MiB through the tunnel (HTTP PUT)" \
		laptop curl -sS -f -m 45 -T "$TMP/up.bin" \
		http://203.0.113.2/upload/up.bin
	check "nginx stored the upload byte for byte" \
		same "$TMP/up.bin" "$TMP/www/upload/up.bin"
}

# the bulk upload used the TUN's TCP segmentation offload: packets of many
# segments read at once, carried whole over WebSocket (the server takes
# them, and the userspace NAT sends them on whole), split by the client
# over UDP and joined again by the server
sc_offload() {
	local how=sent_whole
	[ "$transport" != udp ] || how=split
	check "ip -d link show tether0" laptop ip -d link show tether0
	expect_out "gso_max_size 49152" \
		"the TUN takes TCP packets of up to 48 KiB"
	check "the client's status document" \
		laptop curl -sS -f -m 5 http://127.0.0.1:6355/status
	check "the client read TCP GSO packets from its TUN, and $how them" \
		gso_counted "$how"
	[ "${nat_mode:-userspace}" = userspace ] || return 0
	check "the server's status document" \
		server curl -sS -f -m 5 http://127.0.0.1:6356/status
	check "the server sent TCP packets of many segments out whole" \
		egress_gso_counted sent_whole 1
	[ "$transport" = udp ] || return 0
	check "the server joined runs of the client's segments (10 at least)" \
		joined_counted 10
}

# joined_counted MIN - the server's status document in $out counts at
# least MIN runs of a client's TCP segments joined into one packet
joined_counted() {
	echo "$out" | "$PY" -c 'import json, sys
j = json.load(sys.stdin)["packets"]["joined"]
print("# joined:", j)
sys.exit(not (j["runs"] >= int(sys.argv[1]) and
              j["segments"] >= 2 * j["runs"]))' "$1"
}

# egress_gso_counted HOW MIN - the server's status document in $out counts
# at least MIN of the clients' NATed TCP packets of many segments HOW
# (sent_whole, split)
egress_gso_counted() {
	echo "$out" | "$PY" -c 'import json, sys
g = json.load(sys.stdin)["egress"]["gso"]
print("# egress gso:", g)
sys.exit(not g[sys.argv[1]] >= int(sys.argv[2]))' "$1" "$2"
}

# gso_counted HOW - the status document in $out counts TCP GSO packets
# read from the TUN, and some HOW (sent_whole, split)
gso_counted() {
	echo "$out" | "$PY" -c 'import json, sys
g = json.load(sys.stdin)["tun"]["gso"]
print("# gso:", g)
sys.exit(not (g["read"] > 0 and g[sys.argv[1]] > 0))' "$1"
}

# 50 TCP streams at once through the tunnel all complete
sc_parallel() {
	check "iperf3 -P 50: 50 parallel streams through the tunnel" \
		laptop iperf3 -c 203.0.113.2 -p 5201 -P 50 -t 3 -f m \
		--connect-timeout 5000
	expect_out "[SUM]" "iperf3 summed the 50 streams"
}

# throughput figures (printed, not judged): the tunnel, then the direct path
sc_throughput() {
	local tun direct
	check "iperf3 laptop -> inet through the tunnel ($transport)" \
		laptop iperf3 -c 203.0.113.2 -p 5201 -t 3 -f m \
		--connect-timeout 5000
	tun=$(echo "$out" | awk '/ sender$/ { print $7, $8 }')
	check "iperf3 laptop -> inet on the direct routed path" \
		laptop iperf3 -c 192.0.2.2 -p 5202 -t 3 -f m \
		--connect-timeout 5000
	direct=$(echo "$out" | awk '/ sender$/ { print $7, $8 }')
	echo "# THROUGHPUT laptop->inet TCP: tunnel ($transport," \
		"${nat_mode:-userspace} NAT) $tun;" \
		"direct path $direct"
}

# pcap_count FILE FILTER - packets of a capture that match a filter
pcap_count() {
	local n
	n=$(tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l)
	echo "#   $n packets: $2" >&3
	echo "$n"
}

# the server's own kernel sends no RST and no port unreachable while the
# NAT carries 1,000 connections and 1,000 DNS queries (all closed cleanly)
sc_no_kernel_replies() {
	local pcap="$TMP/egress.pcap" syn rst dns unreach
	spawn server tcpdump tcpdump -n -i egr0 -U -s 128 -w "$pcap" \
		src host 203.0.113.1
	wait_for server "grep -q 'listening on' $TMP/tcpdump.log" || true
	check "1,000 HTTP/1.0 requests and 1,000 DNS queries via the NAT" \
		laptop "$PY" "$E2E/peer.py" churn 203.0.113.2 1000
	sleep 1		# stragglers: the kernel answers late packets too
	check "tcpdump on egr0 stops" stop tcpdump INT
	comment "$TMP/tcpdump.log"
	syn=$(pcap_count "$pcap" "tcp[tcpflags] & tcp-syn != 0")
	rst=$(pcap_count "$pcap" "tcp[tcpflags] & tcp-rst != 0")
	dns=$(pcap_count "$pcap" "udp dst port 53")
	unreach=$(pcap_count "$pcap" "icmp[0] = 3 and icmp[1] = 3")
	check "the capture saw the NAT's 1,000 SYNs from 203.0.113.1" \
		[ "$syn" -ge 1000 ]
	check "the capture saw the NAT's 1,000 DNS queries from 203.0.113.1" \
		[ "$dns" -ge 1000 ]
	[ "$rst" -eq 0 ] || tcpdump -n -r "$pcap" -c 5 \
		"tcp[tcpflags] & tcp-rst != 0" 2>/dev/null | sed 's/^/#   /'
	check "no RST from 203.0.113.1 (the server's kernel kept out)" \
		[ "$rst" -eq 0 ]
	[ "$unreach" -eq 0 ] || tcpdump -n -r "$pcap" -c 5 \
		"icmp[0] = 3 and icmp[1] = 3" 2>/dev/null | sed 's/^/#   /'
	check "no ICMP port unreachable from 203.0.113.1" [ "$unreach" -eq 0 ]
}

# the cloud metadata address and the server itself are refused at once:
# ICMP administratively prohibited (3/13) comes back
sc_egress_policy() {
	local a
	for a in 169.254.169.254 203.0.113.1; do
		# curl says only "Couldn't connect" (7; a timeout is 28)
		check_rc 7 "curl to $a fails to connect at once" \
			laptop curl -sS -m 10 "http://$a/"
		check_rc 1 "nc to $a fails" laptop nc -v -z -w 10 "$a" 80
		expect_err "No route to host" "nc to $a: no route to host"
		check_rc 1 "ping $a gets no echo reply" \
			laptop ping -c 1 -w 5 "$a"
		expect_out "Packet filtered" \
			"ping $a: ICMP administratively prohibited comes back"
	done
}

# ICMP echo packets (10.77.0.2, id 0x7465, seq 1, "tether"), checksums
# filled in; one to 127.0.0.1 (which the server must refuse) and one to
# 203.0.113.2 (which it must carry)
echo_to_loopback=45000022000040004001b18b0a4d00027f0000010800355974650001746574686572
echo_to_inet=45000022000040004001f4890a4d0002cb0071020800355974650001746574686572

# has_packet REGEX - the last command printed a packet (hex) matching REGEX
has_packet() {
	printf '%s\n' "$out" | grep -Eq "$1"
}

# a packet to 127.0.0.1 (no laptop routes 127/8 into a TUN, so tpeer
# sends it) is refused with 3/13, and 127.0.0.1 never answers
sc_loopback() {
	printf '%s\n%s\n' "$echo_to_loopback" "$echo_to_inet" >"$TMP/echoes.hex"
	check "tpeer sends an echo to 127.0.0.1 and one to 203.0.113.2" \
		feed "$TMP/echoes.hex" laptop "$TPEER" -w 2000 \
		udp://198.51.100.1:8080 "$TMP/laptop2.key" "$(pub server)"
	# reply: proto 1, src 203.0.113.2, dst 10.77.0.2, type 0
	check "203.0.113.2 answers tpeer's echo (the path works)" \
		has_packet '^45.{16}01.{4}cb0071020a4d000200'
	# error: proto 1, dst 10.77.0.2, type 3 code 13, quoting 127.0.0.1
	check "the echo to 127.0.0.1 gets ICMP 3/13 back" \
		has_packet '^45.{16}01.{12}0a4d0002030d.{44}7f000001'
	check_not "127.0.0.1 (the server's loopback) does not answer" \
		has_packet '^45.{16}01.{4}7f0000010a4d000200'
}

# gso_packets - tpeer's input: a TCP packet (ACK, 1,000 bytes of payload,
# no valid checksum) to the closed port 203.0.113.2:19 as a GSO entry of
# 536-byte segments, then a UDP datagram to the same port as one (a lie)
gso_packets() {
	"$PY" - <<-'EOF'
	import struct
	def ip(proto, body):
	    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 7, 0x4000,
	                    64, proto, 0, bytes([10, 77, 0, 2]),
	                    bytes([203, 0, 113, 2]))
	    s = sum(struct.unpack("!10H", h))
	    s = (s & 0xffff) + (s >> 16)
	    return h[:10] + struct.pack("!H", ~s & 0xffff) + h[12:] + body
	tcp = struct.pack("!HHIIBBHHH", 40000, 19, 1000, 2000, 5 << 4, 0x10,
	                  65535, 0, 0) + bytes(1000)
	udp = struct.pack("!HHHH", 40000, 19, 108, 0) + bytes(100)
	print("gso 536", ip(6, tcp).hex())
	print("gso 536", ip(17, udp).hex())
	EOF
}

# a TCP packet carried as a GSO entry (tpeer sends one over UDP, where it
# fits) reaches the internet with valid checksums: the closed port answers
# with a RST, one per segment when the userspace NAT splits it (the
# kernel's NAT, and the userspace one when it sends it whole, hands the
# inet host the packet whole over the veth, a GSO packet with a checksum
# to complete: one RST); a UDP datagram in a GSO entry is dropped, not
# forwarded (no port unreachable comes back)
sc_gso_entries() {
	local n want=2
	[ "${nat_mode:-userspace}" != kernel ] || want=1
	gso_packets >"$TMP/gso.hex"
	check "tpeer sends a TCP packet and a UDP one as GSO entries" \
		feed "$TMP/gso.hex" laptop "$TPEER" -w 2000 \
		udp://198.51.100.1:8080 "$TMP/laptop2.key" "$(pub server)"
	n=$(printf '%s\n' "$out" |
		grep -Ec '^45.{16}06.{4}cb0071020a4d0002.{26}04' || true)
	[ "$n" -ne 1 ] || want=1 # sent whole
	check "the TCP packet arrived: $want RST back" [ "$n" -eq "$want" ]
	check_not "the UDP datagram in a GSO entry went nowhere" \
		has_packet '^45.{16}01.{4}cb0071020a4d00020303'
}

# PMTU discovery through the NAT: 2 MiB to a host behind a 1000-byte link
sc_pmtu() {
	make_file "$TMP/pmtu.bin" 2
	check "2 MiB upload (DF) to 198.18.0.2 behind the 1000-byte link" \
		feed "$TMP/pmtu.bin" laptop nc -N -w 20 198.18.0.2 9000
	check "the far host got it" finish far-sink 10
	check "byte for byte" same "$TMP/pmtu.bin" "$TMP/far.bin"
	check "ip route get 198.18.0.2" laptop ip route get 198.18.0.2
	expect_out "mtu 1000" \
		"the laptop learned mtu 1000 from the frag-needed the NAT passed back"
}

# mapping behaviour (RFC 4787): one UDP socket, three destinations, one
# external port (endpoint-independent mapping). The userspace NAT
# guarantees it; Linux in kernel mode reuses a mapping for a new
# destination only while no other flow holds its port towards that
# destination, as here (t/e2e/knat_life.sh shows when one does)
sc_mapping() {
	local d n
	for d in 203.0.113.2:7 203.0.113.2:8 203.0.113.3:9; do
		start_udp_echo inet "${d%:*}" "${d#*:}"
		check "UDP from the laptop's port 5300 to $d" \
			laptop "$PY" "$E2E/peer.py" udp-send "${d%:*}" "${d#*:}" \
			5300 map 1
		expect_out "map 1 from $d" "$d echoes it back through the NAT"
		stop "echo-${d#*:}" || true
	done
	for d in 7 8 9; do
		comment "$TMP/echo-$d.log"
	done
	n=$(sed -n 's/^peer 203\.0\.113\.1://p' "$TMP/echo-7.log" \
		"$TMP/echo-8.log" "$TMP/echo-9.log" | sort -u | wc -l)
	check "one external port for all three destinations" [ "$n" -eq 1 ]
}

# the client undoes what it added to the laptop when it stops
sc_client_undo() {
	if [ "$transport" = ws ]; then
		check "ip addr show wifi0" laptop ip -4 addr show dev wifi0
		expect_out "inet 169.254.134.89/16" \
			"the client added its listen address to wifi0"
	fi
	check "the client exits 0 on SIGTERM" stop client-laptop
	check "ip route show" laptop ip route show
	check_not "no route is left into tether0" has_out "tether0"
	check "ip link show" laptop ip link show
	check_not "tether0 is gone" has_out "tether0"
	check "ip addr show wifi0" laptop ip -4 addr show dev wifi0
	check_not "169.254.134.89 is gone from wifi0" has_out "169.254.134.89"
}

# has_out TEXT - the last command printed TEXT
has_out() {
	case $out in
	*"$1"*) return 0 ;;
	*) return 1 ;;
	esac
}

# all scenarios, in the order of the brief
scenarios() {
	sc_assignment
	sc_http
	sc_dns
	sc_ping
	sc_bulk
	sc_offload
	sc_parallel
	sc_throughput
	sc_no_kernel_replies
	sc_egress_policy
	sc_loopback
	sc_gso_entries
	sc_mapping
	sc_pmtu
	sc_client_undo
}
