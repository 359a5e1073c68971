#!/bin/sh
# SPDX-License-Identifier: MIT
# status.sh - the status endpoints of the client and the server, and the
# client's states in its log
#
#  laptop                relay                     server              inet
#  client: TUN tether0   tether --role=relay       tether --role=server  nginx
#  status 127.0.0.1:6355 (killed and restarted)    status 127.0.0.1:6356
#
# Both roles run with their default status_listen. The documents are
# fetched with curl inside each namespace, before, during and after a
# download through the tunnel, while the relay is gone and once it is
# back, and checked with python: the fields are there, the counters
# grow, the client's state follows what happens and its log says each
# change once, in order. Neither endpoint answers from another namespace.
set -e
. "$SRCDIR/t/e2e/lib.sh"

# fetch HOST PORT NAME - GET /status in HOST's namespace into $TMP/NAME.json
fetch() {
	in_ns "$1" curl -sS -f -m 10 -o "$TMP/$3.json" \
		"http://127.0.0.1:$2/status"
}

# holds EXPR FILE... - EXPR (python) is true of the documents, which it
# sees as a, b, ...; session(doc, name) is a server's entry for a client
holds() {
	"$PY" - "$@" <<-'PY'
	import json, sys
	expr, files = sys.argv[1], sys.argv[2:]
	env = dict(zip("abcd", (json.load(open(f)) for f in files)))
	env["session"] = lambda d, n: [s for s in d["sessions"]
	                               if s["name"] == n][0]
	try:
	    ok = bool(eval("(" + expr + ")", env))
	except Exception as e:
	    ok = False
	    print("#   %s: %r" % (type(e).__name__, e))
	if not ok:
	    print("#   does not hold: " + expr)
	sys.exit(0 if ok else 1)
	PY
}

# state_is STATE - the client's document says STATE (as it is indented)
state_is() {
	wait_for laptop "curl -s -m 5 http://127.0.0.1:6355/status | grep -q '\"state\": \"$1\"'"
}

# client_keys / server_keys: what each document must have
client_keys='["role", "state", "since", "state_age_s", "state_changes",
	"server_url", "phone", "path", "session", "rtt_ms", "tun",
	"assignment", "tx", "rx", "transport", "drops"]'
server_keys='["role", "since", "uptime_s", "egress", "clients", "sessions",
	"handshakes", "packets", "nat", "ports", "transports", "drops"]'

topology
mkdir -p "$TMP/www"
make_file "$TMP/www/4M.bin" 4
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2
need "the server listens on ws and udp 198.51.100.1:8080" start_server
start_client laptop laptop1 ws://198.51.100.1:8080/websocket/ 203.0.113.0/24
need "the client serves the phone's WebSocket on 169.254.134.89:6354" \
	listening laptop tcp 169.254.134.89:6354
need "the client's status listens on 127.0.0.1:6355" \
	listening laptop tcp 127.0.0.1:6355
need "the server's status listens on 127.0.0.1:6356" \
	listening server tcp 127.0.0.1:6356

# --- before the phone ------------------------------------------------------
check "client status before the phone" fetch laptop 6355 c0
check "the client is waiting, no phone, no session" holds \
	'a["state"] == "waiting" and a["phone"] is None and
	 a["rtt_ms"] is None and not a["session"]["established"] and
	 a["assignment"] is None' "$TMP/c0.json"
check "server status before any client" fetch server 6356 s0
check "the server has no session, 2 clients configured" holds \
	'a["sessions"] == [] and a["clients"]["configured"] == 2' \
	"$TMP/s0.json"

# --- up through the relay --------------------------------------------------
start_relay
need "the tunnel comes up through the relay" tunnel_up laptop
check "the client's state becomes up" state_is up
check "client status with the session up" fetch laptop 6355 c1
check "the client's document has every field" holds \
	"all(k in a for k in $client_keys)" "$TMP/c1.json"
check "up, via the phone at 169.254.1.2, TUN tether0, 10.77.0.2/24" holds \
	'a["role"] == "client" and a["state"] == "up" and
	 a["phone"].startswith("169.254.1.2:") and
	 a["tun"]["name"] == "tether0" and
	 a["assignment"]["address"] == "10.77.0.2/24" and
	 a["assignment"]["dns"] == "203.0.113.2"' "$TMP/c1.json"
check "the round trip to the server is measured (> 0 ms)" holds \
	'a["rtt_ms"] > 0 and a["session"]["handshakes"] >= 1' "$TMP/c1.json"
check "drops are named by reason, each a count" holds \
	'all(isinstance(v, int) for g in a["drops"].values()
	     for v in g.values()) and "not ipv4" in a["drops"]["client"] and
	 "unknown index" in a["drops"]["tunnel"] and
	 "bad mac1" in a["drops"]["handshake"] and
	 "replay" in a["drops"]["session"] and
	 "queue full" in a["drops"]["transport"]' "$TMP/c1.json"
check "server status with the session up" fetch server 6356 s1
check "the server's document has every field" holds \
	"all(k in a for k in $server_keys)" "$TMP/s1.json"
check "laptop1's session is listed: connected, 10.77.0.2/24" holds \
	'session(a, "laptop1")["connected"] and
	 session(a, "laptop1")["address"] == "10.77.0.2/24" and
	 session(a, "laptop1")["handshakes"] >= 1 and
	 a["clients"]["sessions"] == 1' "$TMP/s1.json"
check "the port range and NAT table are reported" holds \
	'a["ports"]["range"] == [61000, 65535] and
	 a["ports"]["size"] == 4536 and "tcp" in a["ports"]["used"] and
	 a["nat"]["max_mappings"] > 0 and "no mapping" in a["drops"]["nat"] and
	 "egress policy" in a["drops"]["server"]' "$TMP/s1.json"

# --- during and after a download -------------------------------------------
spawn laptop download curl -sS -f -m 60 --limit-rate 1M \
	-o "$TMP/4M.got" http://203.0.113.2/4M.bin
wait_for laptop "test -s $TMP/4M.got"
check "client status during the download" fetch laptop 6355 c2
sleep 1
check "and a second later" fetch laptop 6355 c3
check "server status during the download" fetch server 6356 s2
check "the server's session counts it as it runs" holds \
	'session(b, "laptop1")["tx"]["bytes"] >
	 session(a, "laptop1")["tx"]["bytes"] and
	 session(b, "laptop1")["connected"]' "$TMP/s1.json" "$TMP/s2.json"
check "the client's counters grow while the download runs" holds \
	'b["rx"]["bytes"] > a["rx"]["bytes"] > 0 and
	 b["rx"]["packets"] > a["rx"]["packets"] and
	 b["tun"]["packets_written"] > a["tun"]["packets_written"]' \
	"$TMP/c2.json" "$TMP/c3.json"
check "the download completes" finish download 60
check "byte for byte" same "$TMP/www/4M.bin" "$TMP/4M.got"
check "client status after the download" fetch laptop 6355 c4
check "server status after the download" fetch server 6356 s3
check "the client received more than 4 MiB, sent packets too" holds \
	'b["rx"]["bytes"] - a["rx"]["bytes"] > 4 * 2**20 and
	 b["tx"]["packets"] > a["tx"]["packets"] and
	 b["transport"]["bytes_in"] > a["transport"]["bytes_in"]' \
	"$TMP/c1.json" "$TMP/c4.json"
check "laptop1's session counts the download, a TCP mapping and a flow" \
	holds 'session(b, "laptop1")["tx"]["bytes"] -
	       session(a, "laptop1")["tx"]["bytes"] > 4 * 2**20 and
	       session(b, "laptop1")["rx"]["packets"] >
	       session(a, "laptop1")["rx"]["packets"] and
	       session(b, "laptop1")["mappings"]["tcp"] >= 1 and
	       session(b, "laptop1")["flows"] >= 1' "$TMP/s1.json" "$TMP/s3.json"
check "the NAT table and the port range show it" holds \
	'b["packets"]["forwarded"] > a["packets"]["forwarded"] and
	 b["packets"]["returned"] > a["packets"]["returned"] and
	 b["nat"]["mappings"] >= 1 and b["ports"]["used"]["tcp"] >= 1 and
	 b["ports"]["usage"]["tcp"] > 0' "$TMP/s1.json" "$TMP/s3.json"

# --- the relay goes, and comes back ----------------------------------------
check "the relay stops" stop relay
check "the client's state becomes reconnecting" state_is reconnecting
check "client status without the phone" fetch laptop 6355 c5
check "reconnecting: no phone, the session and assignment kept" holds \
	'b["state"] == "reconnecting" and b["phone"] is None and
	 b["session"]["established"] and
	 b["assignment"] == a["assignment"]' "$TMP/c4.json" "$TMP/c5.json"
check "server status without the phone" fetch server 6356 s4
check "the server keeps laptop1's session, not connected" holds \
	'not session(a, "laptop1")["connected"] and
	 session(a, "laptop1")["path"] is None' "$TMP/s4.json"
start_relay
# traffic through the tunnel rebinds the session at once, should the
# relay lose the handshake while it dials the server
check "a ping through the tunnel with the phone back" \
	laptop ping -c 1 -w 20 203.0.113.2
check "the client's state becomes up again" state_is up
check "client status with the phone back" fetch laptop 6355 c6
check "server status with the phone back" fetch server 6356 s5
# (the handshake on the new path may be lost while the relay dials the
# server: the session goes on under its keys, so handshakes may not grow)
check "the client kept its session, phone back" holds \
	'b["state"] == "up" and b["phone"].startswith("169.254.1.2:") and
	 b["session"]["age_s"] > a["session"]["age_s"] and b["rtt_ms"] > 0 and
	 b["session"]["handshakes"] >= a["session"]["handshakes"]' \
	"$TMP/c4.json" "$TMP/c6.json"
check "the server kept the same session, connected again" holds \
	'session(b, "laptop1")["connected"] and
	 session(b, "laptop1")["path"] != session(a, "laptop1")["path"] and
	 session(b, "laptop1")["age_s"] > session(a, "laptop1")["age_s"]' \
	"$TMP/s3.json" "$TMP/s5.json"

# --- the client's log --------------------------------------------------------
grep 'client: state ' "$TMP/client-laptop.log" | sed 's/^/#   /'
grep -o 'client: state [a-z]*' "$TMP/client-laptop.log" |
	cut -d' ' -f3 >"$TMP/states"
check "the log shows waiting, handshaking, up, reconnecting, up in order" \
	"$PY" -c 'import sys
want = ["waiting", "handshaking", "up", "reconnecting", "up"]
got = open(sys.argv[1]).read().split()
i = 0
for s in got:
    if i < len(want) and s == want[i]:
        i += 1
sys.exit(0 if i == len(want) and got[0] == "waiting" else 1)' "$TMP/states"
check "each change is logged once (no state twice in a row)" \
	[ -z "$(uniq -d "$TMP/states")" ]

# --- other answers, and only on loopback -------------------------------------
check "GET /nothing from the client's status" \
	laptop curl -sS -i http://127.0.0.1:6355/nothing
expect_out "HTTP/1.1 404 Not Found" "another path is 404"
check "ss: the client's status listens on 127.0.0.1 only" \
	laptop ss -Hltn 'sport = :6355'
check "not on any other address" \
	[ "$(echo "$out" | awk '{ print $4 }')" = 127.0.0.1:6355 ]
check_not "the relay cannot reach the client's status on 169.254.134.89" \
	relay curl -sS -m 5 http://169.254.134.89:6355/status
check_not "the relay cannot reach the server's status on 198.51.100.1" \
	relay curl -sS -m 5 http://198.51.100.1:6356/status

teardown
done_testing
