#!/bin/sh
# SPDX-License-Identifier: MIT
# dns.sh - the laptop resolves through the tunnel while it is up, and its
# resolver is put back byte for byte after
#
#  laptop                      relay ns          server                inet
#  client: TUN tether0,  ----> (forwards) -----> udp 198.51.100.1:8080  dnsmasq
#  /etc/resolv.conf (its       its own default   announces DNS         203.0.113.2
#  own, bind-mounted by        route: no route   203.0.113.2; NAT out  (example.test:
#  ip netns exec from          to 203.0.113.0/24 of egr0 as            203.0.113.3),
#  /etc/netns/NS/resolv.conf)                    203.0.113.1           203.0.113.3
#                                                                      (...: .33)
#
# The laptop's own resolver is 192.0.2.53 and its default route is the
# Wi-Fi (the relay), so a query that missed the tunnel would leave by
# wifi0, where tcpdump listens. The file each case starts from is made
# here, in /etc/netns/NS/ (removed with the namespace, also on failure), so
# the host's own /etc/resolv.conf is never touched: teardown checks it.
#
# (a) split tunnel, the server's resolver: /etc/resolv.conf replaced, a
#     host route takes the resolver into the TUN, no query on the Wi-Fi;
#     SIGTERM puts the file back. (b) the same, SIGKILL + --cleanup.
# (c) full tunnel, dns.server configured: no host route needed. (d)
# dns.method "off". (e) resolvconf and (f) systemd-resolved, neither of
# which runs here: stand-ins first on PATH record their calls.
set -e
. "$SRCDIR/t/e2e/lib.sh"

topology
laptop ip route add default via 169.254.1.2
need "the laptop's IPv6 link-local addresses are settled" \
	wait_for laptop "! ip addr | grep -q tentative"
need "dnsmasq listens on 203.0.113.2:53" start_dnsmasq inet 203.0.113.2
spawn inet dnsmasq-b dnsmasq --no-daemon --no-resolv --no-hosts \
	--listen-address=203.0.113.3 --bind-interfaces \
	--address=/example.test/203.0.113.33 --pid-file="$TMP/dnsmasq-b.pid" \
	--user=root --group=root
need "a second dnsmasq listens on 203.0.113.3:53 (example.test: .33)" \
	listening inet udp 203.0.113.3:53
need "the server listens on udp 198.51.100.1:8080" start_server

inode=$(stat -L -c %i "/run/netns/$(ns laptop)")
state=/run/tether/client.$inode
saved=/run/tether/resolv.conf.$inode
conf=/etc/netns/$(ns laptop)/resolv.conf
pcap=$TMP/wifi.pcap

# resolv_conf TEXT - the laptop's resolv.conf for the next case, mode 640
resolv_conf() {
	printf '%b' "$1" >"$conf"
	chmod 640 "$conf"
	cp -p "$conf" "$TMP/resolv.before"
	echo "# the laptop's resolv.conf:" >&3
	comment "$conf"
}

# up ROUTE... - the client over UDP with ROUTEs and $client_json, until it
# has logged what it did about DNS
up() {
	start_client laptop laptop1 udp://198.51.100.1:8080 "$@" &&
		wait_for laptop "grep -q 'client: DNS' $TMP/client-laptop.log"
}

# logged TEXT - the client logged TEXT
logged() {
	grep -F -- "$1" "$TMP/client-laptop.log" | sed 's/^/#   /' >&3
	grep -qF -- "$1" "$TMP/client-laptop.log"
}

# listed LINE - the state file has LINE
listed() {
	grep -qxF -- "$1" "$state" || {
		echo "#   not listed: $1" >&3
		comment "$state"
		return 1
	}
}

# as_it_was - the laptop's resolv.conf is the same file, byte for byte and
# mode, as before the case
as_it_was() {
	same "$TMP/resolv.before" "$conf" &&
		[ "$(stat -c %a "$conf")" = "$(stat -c %a "$TMP/resolv.before")" ]
}

# resolves ANSWER - dig and getent, with the laptop's resolv.conf (no
# @server), get ANSWER for example.test
resolves() {
	laptop dig +time=2 +tries=2 +short example.test &&
		[ "$out" = "$1" ] &&
		laptop getent hosts example.test && [ "${out%% *}" = "$1" ]
}

# only_nameserver ADDR - the laptop's resolv.conf names ADDR, and only it
only_nameserver() {
	laptop grep nameserver /etc/resolv.conf &&
		[ "$out" = "nameserver $1" ]
}

# capture - tcpdump on the laptop's Wi-Fi, port 53, until `captured`
capture() {
	spawn laptop tcpdump tcpdump -n -i wifi0 -U -w "$pcap" port 53
	wait_for laptop "grep -q 'listening on' $TMP/tcpdump.log"
}

# captured - stop the capture; how many packets it has
captured() {
	stop tcpdump INT || true
	tcpdump -n -r "$pcap" 2>/dev/null | sed 's/^/#   /' >&3
	tcpdump -n -r "$pcap" 2>/dev/null | wc -l
}

# without tether, the laptop's own resolver is asked over the Wi-Fi, and
# the capture sees it: the leak it watches for below
resolv_conf '# the laptop'"'"'s own\nsearch example.lan\nnameserver 192.0.2.53\noptions edns0\n'
snapshot "$TMP/before"
need "tcpdump listens on the laptop's wifi0" capture
check_not "without tether, dig example.test gets no answer" \
	laptop dig +time=1 +tries=1 +short example.test
n=$(captured)
check "  but its query left by wifi0 (tcpdump saw $n packets)" [ "$n" -ge 1 ]

# (a) split tunnel: the server's resolver, routed into the TUN
need "(a) the client's tunnel comes up (routes 198.18.0.0/24)" \
	up 198.18.0.0/24
check "(a) the client says how it set 203.0.113.2" logged \
	"client: DNS: 203.0.113.2 (announced by the server) set in /etc/resolv.conf, the previous one kept as $saved; a host route takes it into tether0"
check "(a) the state file lists the host route" \
	listed "route add tether0 203.0.113.2/32 254"
check "(a) and the resolv.conf kept aside" listed "dns file $saved"
check "(a) the copy is the laptop's file, byte for byte" \
	same "$TMP/resolv.before" "$saved"
check "(a) 203.0.113.2 is routed into the TUN" \
	laptop ip route get 203.0.113.2
expect_out "dev tether0" "  dev tether0"
check "(a) resolv.conf names 203.0.113.2, and only it" \
	only_nameserver 203.0.113.2
need "(a) tcpdump listens on wifi0" capture
check "(a) example.test resolves through the tunnel" resolves 203.0.113.3
check "(a) dnsmasq saw the query come from the server's 203.0.113.1" \
	grep -q "query\[A\] example.test from 203.0.113.1" \
	"$TMP/dnsmasq-queries.log"
n=$(captured)
check "(a) no DNS packet on the Wi-Fi (tcpdump saw $n)" [ "$n" -eq 0 ]
check "(a) the client exits 0 on SIGTERM" stop client-laptop
check "(a) resolv.conf is as it was, byte for byte, mode 640" as_it_was
check "(a) the laptop is as before" as_before
check_not "(a) no state file is left" test -e "$state"
check_not "(a) no copy is left" test -e "$saved"

# (b) SIGKILL: the file stays tether's until --cleanup
need "(b) the tunnel comes up" up 198.18.0.0/24
crash client-laptop
check "(b) resolv.conf is still tether's" \
	grep -q "^# Generated by tether(8)" "$conf"
check "(b) the state file lists it" listed "dns file $saved"
check_rc 0 "(b) tether --role=client --cleanup exits 0" \
	laptop "$TETHER" --role=client --cleanup
expect_err "undoing what a previous run left:" "  it says what it undid"
expect_err "dns file $saved" "  naming the resolv.conf"
check "(b) resolv.conf is as it was, byte for byte, mode 640" as_it_was
check "(b) the laptop is as before" as_before
check_not "(b) no state file is left" test -e "$state"
check_not "(b) no copy is left" test -e "$saved"

# (c) full tunnel with dns.server: no host route is needed
client_json='"dns": { "server": "203.0.113.3" }'
need "(c) the full tunnel comes up with dns.server 203.0.113.3" up 0.0.0.0/0
check "(c) the client says it uses dns.server" logged \
	"client: DNS: 203.0.113.3 (dns.server) set in /etc/resolv.conf"
check_not "(c) without a host route: the full tunnel takes it" \
	grep -q "^route add tether0 203.0.113.3/32" "$state"
check "(c) 203.0.113.3 is routed into the TUN" \
	laptop ip route get 203.0.113.3
expect_out "dev tether0" "  dev tether0"
need "(c) tcpdump listens on wifi0" capture
check "(c) the second dnsmasq answers, through the tunnel" \
	resolves 203.0.113.33
n=$(captured)
check "(c) no DNS packet on the Wi-Fi (tcpdump saw $n)" [ "$n" -eq 0 ]
check "(c) the client exits 0 on SIGTERM" stop client-laptop
check "(c) resolv.conf is as it was" as_it_was
check "(c) the laptop is as before" as_before

# (d) dns.method "off": the resolver is left alone
client_json='"dns": { "method": "off" }'
need "(d) the tunnel comes up with dns.method off" up 203.0.113.0/24
check "(d) the client says it leaves DNS alone" \
	logged "client: DNS left as it is (dns.method is off)"
check "(d) resolv.conf is untouched while the tunnel is up" as_it_was
check_not "(d) the state file lists no dns" grep -q "^dns" "$state"
check "(d) the client exits 0 on SIGTERM" stop client-laptop
check "(d) the laptop is as before" as_before
client_json=""

# stand-ins for the tools, first on PATH, each call a line in $TMP/calls
mkdir -p "$TMP/bin"
cat >"$TMP/bin/resolvconf" <<EOF
#!/bin/sh
# a stand-in for resolvconf(8): one record, shown in /etc/resolv.conf
echo "resolvconf \$*" >>"$TMP/calls"
case \$1 in
-a)	cat >"$TMP/record"
	sed 's/^/  stdin: /' "$TMP/record" >>"$TMP/calls"
	[ -e "$TMP/orig" ] || cat /etc/resolv.conf >"$TMP/orig"
	{ echo "# Generated by resolvconf"; cat "$TMP/record"; } \\
		>/etc/resolv.conf ;;
-d)	[ ! -e "$TMP/orig" ] || { cat "$TMP/orig" >/etc/resolv.conf &&
		rm "$TMP/orig"; } ;;
esac
EOF
printf '#!/bin/sh\n# a stand-in for resolvectl(1)\necho "resolvectl $*" >>"%s"\n' \
	"$TMP/calls" >"$TMP/bin/resolvectl"
chmod 755 "$TMP/bin/resolvconf" "$TMP/bin/resolvectl"
path=$PATH

# calls LINE... - the stand-ins were called so, and only so, since the last
calls() {
	: >"$TMP/calls.want"
	[ "$#" -eq 0 ] || printf '%s\n' "$@" >"$TMP/calls.want"
	touch "$TMP/calls"
	diff "$TMP/calls.want" "$TMP/calls" | sed 's/^/#   /' >&3 || true
	cmp -s "$TMP/calls.want" "$TMP/calls"
	_s=$?
	rm -f "$TMP/calls"
	return "$_s"
}

# (e) resolvconf manages resolv.conf: a record, deleted again
resolv_conf '# Generated by resolvconf\nnameserver 192.0.2.53\n'
snapshot "$TMP/before"
PATH=$TMP/bin:$path
need "(e) the tunnel comes up with resolvconf" up 198.18.0.0/24
check "(e) the client says so" logged \
	"client: DNS: 203.0.113.2 (announced by the server) set with resolvconf, record tether0; a host route takes it into tether0"
check "(e) resolvconf -a tether0 -m 0 -x got the nameserver" calls \
	"resolvconf -a tether0 -m 0 -x" "  stdin: nameserver 203.0.113.2"
check "(e) the state file lists the record" listed "dns resolvconf tether0"
check "(e) example.test resolves through the tunnel" resolves 203.0.113.3
check "(e) the client exits 0 on SIGTERM" stop client-laptop
check "(e) resolvconf -d tether0 -f deleted the record" calls \
	"resolvconf -d tether0 -f"
check "(e) resolv.conf is as it was" as_it_was
check "(e) the laptop is as before" as_before
need "(e) the tunnel comes up again" up 198.18.0.0/24
crash client-laptop
rm -f "$TMP/calls"
check_rc 0 "(e) after SIGKILL, --cleanup exits 0" \
	laptop "$TETHER" --role=client --cleanup
check "(e) it deleted the record" calls "resolvconf -d tether0 -f"
check "(e) resolv.conf is as it was" as_it_was
check "(e) the laptop is as before" as_before

# (f) systemd-resolved manages resolv.conf: the TUN link's DNS, reverted
resolv_conf '# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n# Do not edit.\nnameserver 127.0.0.53\noptions edns0 trust-ad\n'
snapshot "$TMP/before"
need "(f) the tunnel comes up with systemd-resolved" up 198.18.0.0/24
check "(f) the client says so" logged \
	"client: DNS: 203.0.113.2 (announced by the server) set with systemd-resolved on tether0; a host route takes it into tether0"
check "(f) resolvectl set DNS, domain ~. and default-route on tether0" \
	calls "resolvectl dns tether0 203.0.113.2" \
	"resolvectl domain tether0 ~." "resolvectl default-route tether0 yes"
check "(f) the state file lists the link" listed "dns resolved tether0"
check "(f) resolv.conf is untouched" as_it_was
check "(f) the client exits 0 on SIGTERM" stop client-laptop
check "(f) resolvectl revert tether0 undid it" calls "resolvectl revert tether0"
check "(f) the laptop is as before" as_before
need "(f) the tunnel comes up again" up 198.18.0.0/24
rm -f "$TMP/calls"
crash client-laptop
check_rc 0 "(f) after SIGKILL, --cleanup exits 0" \
	laptop "$TETHER" --role=client --cleanup
check "(f) without a call: resolved forgot the link with the TUN" calls
check "(f) the laptop is as before" as_before
check_not "(f) no state file is left" test -e "$state"
PATH=$path

teardown
done_testing
