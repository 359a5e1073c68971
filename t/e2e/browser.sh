#!/bin/sh
# SPDX-License-Identifier: MIT
# browser.sh - the phone's page in a real Chromium is the relay
#
#  laptop                 relay ns = the phone                server          inet
#  client: TUN tether0    Chromium (headless, Playwright)     tether server   nginx,
#  serves webapp/ and     loads http://169.254.134.89:6354/,  ws :8080        iperf3
#  /tether.json on        relays both WebSockets              NAT out as
#  169.254.134.89:6354    (t/browser/phone.mjs drives it)     203.0.113.1
#  laptop2: 169.254.134.90:6354, added in the page's form
#
# Chromium runs in the phone's namespace: on the bridge that is the Wi-Fi,
# with its route to the server. Each `phone` command attaches to it over
# the DevTools protocol (127.0.0.1:9222 in that namespace) and checks what
# the page shows. Cutting the server's WebSocket: the phone's kernel resets
# the connection (ss -K) and refuses new ones (nftables) until restored.
# Screenshots are kept in the build tree (t/artifacts/), their paths
# printed. The last part measures throughput through Chromium's relay and
# through the C relay (tether --role=relay), printed, not judged.
set -e
. "$SRCDIR/t/e2e/lib.sh"

PHONE=$SRCDIR/t/browser/phone.mjs
DEVTOOLS=9222
ART=$(dirname "$TETHER")/t/artifacts
for need in node /usr/bin/chromium nft; do
	command -v "$need" >/dev/null || {
		echo "Bail out! $need is missing: run scripts/install-deps"
		exit 1
	}
done
[ -d "$SRCDIR/t/browser/node_modules/playwright-core" ] || {
	echo "Bail out! playwright-core is missing: run scripts/install-deps"
	exit 1
}
mkdir -p "$ART"

# phone CMD ARG... - a command of t/browser/phone.mjs, in the phone
phone() {
	local _c
	_c=$1
	shift
	relay node "$PHONE" "$_c" "$DEVTOOLS" "$@"
}

# side LINK SIDE - the selector of one side of one laptop's link
side() {
	echo ".link:nth-of-type($1) [data-side=$2]"
}

# png FILE - FILE is a PNG image
png() {
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "211PNG" ]
}

# throughput VIA - iperf3 each way through the tunnel; sets $up, $down
throughput() {
	check "iperf3 laptop -> inet through $1" laptop iperf3 -c 203.0.113.2 \
		-p 5201 -t 3 -f m --connect-timeout 5000
	up=$(echo "$out" | awk '/ receiver$/ { print $7, $8 }')
	check "iperf3 inet -> laptop through $1" laptop iperf3 -R \
		-c 203.0.113.2 -p 5201 -t 3 -f m --connect-timeout 5000
	down=$(echo "$out" | awk '/ receiver$/ { print $7, $8 }')
}

# cut_server / restore - the phone loses the server and cannot reach it again,
# then can
cut_server() {
	cat >"$TMP/cut.nft" <<-EOF
	table inet phonecut {
		chain out {
			type filter hook output priority 0; policy accept;
			ip daddr 198.51.100.1 tcp dport 8080 reject with tcp reset
		}
	}
	EOF
	relay nft -f "$TMP/cut.nft" &&
		relay ss -K -t dst 198.51.100.1 dport = :8080
}
restore() {
	relay nft delete table inet phonecut
}

topology
add_laptop2
mkdir -p "$TMP/www"
make_file "$TMP/www/10M.bin" 10
make_file "$TMP/www/slow.bin" 6
make_file "$TMP/www/one.bin" 8
make_file "$TMP/www/two.bin" 8
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2
need "iperf3 listens on 203.0.113.2:5201" start_iperf3 inet 203.0.113.2 5201
need "the server listens" start_server
start_client laptop laptop1 ws://198.51.100.1:8080/websocket/ 203.0.113.0/24
need "the laptop serves 169.254.134.89:6354" \
	listening laptop tcp 169.254.134.89:6354

# --- the laptop serves the page and its settings ---------------------------
check "the phone gets the page from the laptop" \
	relay curl -sS -f -m 10 http://169.254.134.89:6354/
expect_out '<script src="app.js">' "it is tether's page"
check "the page's script and stylesheet are there" \
	relay curl -sS -f -m 10 -o /dev/null -o /dev/null \
	http://169.254.134.89:6354/app.js http://169.254.134.89:6354/style.css
check "the laptop answers /tether.json" \
	relay curl -sS -f -m 10 -i http://169.254.134.89:6354/tether.json
expect_out '{"server_url":"ws://198.51.100.1:8080/websocket/"}' \
	"it names the server's URL from the laptop's config"
expect_out "application/json" "as JSON"
check_not "a page from the web may not open the laptop's WebSocket" \
	relay curl -sS -f -m 10 -o /dev/null -H "Connection: Upgrade" \
	-H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
	-H "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" \
	-H "Origin: http://evil.example" \
	http://169.254.134.89:6354/websocket
check "the client logged the refusal" \
	grep -q "Origin http://evil.example is not a tether page" \
	"$TMP/client-laptop.log"

# --- Chromium loads it and relays ----------------------------------------
spawn relay phone node "$PHONE" run "$DEVTOOLS" "$TMP/chromium" \
	http://169.254.134.89:6354/
need "Chromium runs in the phone's namespace (DevTools on :$DEVTOOLS)" \
	listening relay tcp "127.0.0.1:$DEVTOOLS"
need "the page says it relays for 1 laptop" \
	phone wait "#summary" "^Relaying for 1 laptop$" 45
need "the tunnel comes up through Chromium" tunnel_up laptop
check "the page shows both of the laptop's links connected" \
	phone wait ".link" "Laptop\s+connected[^]*Server\s+connected"
check "the page's hint says to keep it in front with the screen on" \
	phone wait ".hint" "Keep this page in front with the screen on"
check "the page says why the screen may sleep (no wake lock on http://)" \
	phone wait "#wakelock" "set the screen timeout"
check "the page in a browser without JavaScript" phone bare nojs
expect_out "JavaScript is off" "says that JavaScript is off"
check "the page in a browser without WebSocket" phone bare nows
expect_out "This browser has no WebSocket support" \
	"says that the browser has no WebSocket"
check "curl on the laptop fetches 10 MiB through Chromium" \
	laptop curl -sS -f -m 45 -o "$TMP/10M.got" http://203.0.113.2/10M.bin
check "the download is nginx's file byte for byte" \
	same "$TMP/www/10M.bin" "$TMP/10M.got"
check "the page counts what it relayed" phone stats
expect_out '"server": "open"' "the page's server link is open"
relayed=$(echo "$out" | "$PY" -c 'import json, sys
l = json.load(sys.stdin)[0]
print(l["up"]["relayed"], l["down"]["relayed"], l["down"]["bytes"])')
echo "# relayed: messages up, messages down, bytes down: $relayed"
# shellcheck disable=SC2086
set -- $relayed
check "the page relayed messages both ways, 10 MiB down" \
	[ $(($1 > 10 && $2 > 10 && $3 > 10485760)) -eq 1 ]
throughput "Chromium's relay"
chromium_up=$up chromium_down=$down

# --- the server's WebSocket is cut during a download, then restored --------
# (the cut stays short: the backoff grows, and so do the retransmission
# timeouts of the TCP connection inside the tunnel)
spawn laptop slow curl -sS -f -m 150 --limit-rate 1M -o "$TMP/slow.got" \
	http://203.0.113.2/slow.bin
check "the download runs" wait_for laptop "[ -s $TMP/slow.got ]"
check "the phone's connection to the server is cut" cut_server
view="Not relaying[^]*Laptop\s+connected[^]*Server\s+down\s+down for "
view="$view[^]*connection lost \(code 1006\)[^]*last try: could not connect"
check "the page: not relaying, the laptop's link up, the server's lost" \
	phone wait body "$view"
check "screenshot of the page while the server is unreachable" \
	phone shot "$ART/browser-server-down.png"
check "the screenshot is a PNG" png "$ART/browser-server-down.png"
echo "# artifact: $ART/browser-server-down.png"
check "the server is reachable again" restore
check "the page reconnects to the server" \
	phone wait "$(side 1 server)" "^Server\s+connected" 45
check "the page relays again" \
	phone wait "#summary" "^Relaying for 1 laptop$"
check "the download that was cut completes" finish slow 150
check "it is nginx's file byte for byte" same "$TMP/www/slow.bin" \
	"$TMP/slow.got"

# --- two laptops through the one page -------------------------------------
client_listen=169.254.134.90:6354
start_client laptop2 laptop2 ws://198.51.100.1:8080/websocket/ \
	203.0.113.0/24
client_listen=
need "laptop2 serves 169.254.134.90:6354" \
	listening laptop2 tcp 169.254.134.90:6354
check "the page takes laptop2's address in its form" \
	phone add 169.254.134.90
expect_out "added" "the page added it"
check "the page relays for 2 laptops" \
	phone wait "#summary" "^Relaying for 2 laptops$" 45
need "laptop2's tunnel comes up through the same page" tunnel_up laptop2
check "the second link shows both sides connected" \
	phone wait "$(side 2 server)" "^Server\s+connected"
spawn laptop get-one curl -sS -f -m 40 --limit-rate 4M \
	-o "$TMP/one.got" http://203.0.113.2/one.bin
spawn laptop2 get-two curl -sS -f -m 40 --limit-rate 4M \
	-o "$TMP/two.got" http://203.0.113.2/two.bin
check "laptop's download completes" finish get-one 45
check "laptop2's download completes at the same time" finish get-two 45
check "laptop got one.bin byte for byte" same "$TMP/www/one.bin" \
	"$TMP/one.got"
check "laptop2 got two.bin byte for byte" same "$TMP/www/two.bin" \
	"$TMP/two.got"
check "the page shows two laptops" phone text ".laptop-name"
expect_out "Laptop 169.254.134.90:6354" "the second is laptop2, port 6354 added"
check "screenshot of the page relaying for two laptops" \
	phone shot "$ART/browser-two-laptops.png"
check "the screenshot is a PNG" png "$ART/browser-two-laptops.png"
echo "# artifact: $ART/browser-two-laptops.png"

# --- the same measurement through the C relay -----------------------------
check "Chromium closes" stop phone
echo "# phone.log (what the page said and did):"
comment "$TMP/phone.log"
start_relay
check "the tunnel carries traffic through the C relay" \
	wait_for laptop "ping -c 1 -W 1 203.0.113.2"
throughput "the C relay"
echo "# THROUGHPUT laptop->inet TCP: Chromium's relay $chromium_up;" \
	"C relay $up"
echo "# THROUGHPUT inet->laptop TCP: Chromium's relay $chromium_down;" \
	"C relay $down"

teardown
done_testing
