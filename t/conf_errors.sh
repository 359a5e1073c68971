#!/bin/sh
# SPDX-License-Identifier: MIT
# conf_errors.sh - every kind of config error names the key and the value
#
# Each case writes a config, runs `tether --check-config`, and checks the
# exit code (2) and that stderr names what is wrong.
. "$SRCDIR/t/lib.sh"

KEY=sMpPCgKdCDkLd0EU8WFTzx8PhKzsMwHPPZl+P6dMblk=
CLIENT_BASE="\"server_url\": \"ws://192.0.2.1:8080/\", \"private_key\": \"$KEY\", \"server_public_key\": \"$KEY\""
SERVER_BASE="\"private_key\": \"$KEY\""

# bad ROLE DESCRIPTION JSON TEXT... - the config is refused and stderr has
# every TEXT
bad() {
	role=$1 desc=$2 json=$3
	shift 3
	printf '%s\n' "$json" >"$TMP/$role.json"
	chmod 600 "$TMP/$role.json"
	run "$TETHER" --check-config --role="$role" -c "$TMP/$role.json"
	expect_rc 2 "$desc: exit 2"
	for text in "$@"; do
		expect_err "$text" "$desc: says $text"
	done
}

# a missing file
run "$TETHER" --check-config --role=relay -c "$TMP/nope.json"
expect_rc 2 "missing file: exit 2"
expect_err "nope.json: cannot open config: No such file or directory" \
	"missing file: named with the reason"

# a directory is not a config
mkdir "$TMP/dir.json"
run "$TETHER" --check-config --role=relay -c "$TMP/dir.json"
expect_rc 2 "directory: exit 2"
expect_err "not a regular file" "directory: explained"

# an unreadable file (root reads everything, so drop to nobody if we can)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	printf '{}' >"$TMP/secret.json"
	chmod 600 "$TMP/secret.json"
	chmod 755 "$TMP"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TETHER" --check-config --role=relay -c "$TMP/secret.json"
	expect_rc 2 "unreadable file: exit 2"
	expect_err "cannot open config: Permission denied" \
		"unreadable file: says permission denied"
fi

# invalid JSON, with line and column
bad relay "invalid JSON" '{
  "server_url": "ws://192.0.2.1/",
  "client_url": ,
}' "relay.json:3:" "invalid JSON"

# a duplicated key is an error, not last-one-wins
bad relay "duplicate key" '{"server_url": "ws://a/", "server_url": "ws://b/"}' \
	"duplicate object key"

# the top level must be an object
bad relay "top-level list" '["ws://a/"]' "the top level is a list"

# an unknown key, with a suggestion for a typo
bad client "typo at top level" "{$CLIENT_BASE, \"lissten\": \"0.0.0.0:1\"}" \
	'unknown key "lissten" (did you mean "listen"?)'
bad client "typo in a nested key" "{$CLIENT_BASE, \"tun\": {\"mtux\": 1400}}" \
	'unknown key "tun.mtux" (did you mean "tun.mtu"?)'
bad server "unknown key far from any" "{$SERVER_BASE, \"zzzzzzzz\": 1}" \
	'unknown key "zzzzzzzz"'

# a wrong type
bad client "string for an integer" "{$CLIENT_BASE, \"tun\": {\"mtu\": \"1400\"}}" \
	'"tun.mtu": "1400" is a string, expected an integer'
bad server "object for a list" "{$SERVER_BASE, \"clients\": {}}" \
	'"clients": {} is an object, expected a list'
bad server "list for an object" "{$SERVER_BASE, \"nat\": []}" \
	'"nat": [] is a list, expected an object'
bad client "fraction for an integer" "{$CLIENT_BASE, \"tun\": {\"mtu\": 1400.5}}" \
	'"tun.mtu": 1400.5 is a number with a fraction, expected an integer'

# a value out of range
bad client "mtu out of range" "{$CLIENT_BASE, \"tun\": {\"mtu\": 70000}}" \
	'"tun.mtu": 70000 is out of range (576..9000)'
bad server "udp timeout below RFC 4787's 120 s" \
	"{$SERVER_BASE, \"nat\": {\"timeouts\": {\"udp\": 60}}}" \
	'"nat.timeouts.udp": 60 is out of range (120..86400)'
bad client "interface name too long" \
	"{$CLIENT_BASE, \"interface\": \"a-very-long-interface\"}" \
	'"interface": "a-very-long-interface" is too long (at most 15 characters)'

# enumerations
bad relay "unknown log level" '{"server_url": "ws://a/", "log_level": "loud"}' \
	'"log_level": "loud" is not one of: debug, info, warn, error'

# addresses, prefixes (CIDR) and ports
bad server "invalid address" "{$SERVER_BASE, \"egress\": {\"address\": \"300.1.2.3\"}}" \
	'"egress.address": "300.1.2.3" is not an IP address'
bad client "an IPv6 DNS server" "{$CLIENT_BASE, \"dns\": {\"server\": \"2001:db8::53\"}}" \
	'"dns.server": "2001:db8::53" is not an IPv4 address'
bad server "an IPv6 tunnel DNS server" "{$SERVER_BASE, \"tunnel\": {\"dns\": \"2001:db8::53\"}}" \
	'"tunnel.dns": "2001:db8::53" is not an IPv4 address'
bad client "a DNS method that does not exist" "{$CLIENT_BASE, \"dns\": {\"method\": \"dnsmasq\"}}" \
	'"dns.method": "dnsmasq" is not one of: auto, systemd-resolved, resolvconf, file, off'
bad client "CIDR with host bits" "{$CLIENT_BASE, \"routes\": [\"10.0.0.1/8\"]}" \
	'"routes[0]": "10.0.0.1/8" has bits set beyond its prefix length'
bad client "CIDR length 33" "{$CLIENT_BASE, \"routes\": [\"0.0.0.0/0\", \"10.0.0.0/33\"]}" \
	'"routes[1]": "10.0.0.0/33" has a prefix length outside 0..32'
bad client "listen port 70000" "{$CLIENT_BASE, \"listen\": \"0.0.0.0:70000\"}" \
	'"listen": "0.0.0.0:70000" has a port outside 1..65535'
bad client "listen without port" "{$CLIENT_BASE, \"listen\": \"192.0.2.1\"}" \
	'"listen": "192.0.2.1" is not address:port'
bad server "port range above 65535" "{$SERVER_BASE, \"nat\": {\"port_range\": [40000, 70000]}}" \
	'"nat.port_range": 70000 is not a port (1..65535)'
bad server "port range reversed" "{$SERVER_BASE, \"nat\": {\"port_range\": [50000, 40000]}}" \
	'"nat.port_range": [50000,40000] has its low port above its high port'

# URLs
bad relay "http is not a transport" '{"server_url": "http://192.0.2.1/"}' \
	'"server_url": "http://192.0.2.1/" is not a ws:// or wss:// URL'
bad client "udp URL without port" "{\"server_url\": \"udp://192.0.2.1\", \"private_key\": \"$KEY\", \"server_public_key\": \"$KEY\"}" \
	'"server_url": "udp://192.0.2.1" must be udp://host:port with no path'

# required keys, also inside list entries
bad relay "missing required key" '{}' 'missing required key "server_url"'
bad server "missing key in a list entry" "{$SERVER_BASE, \"clients\": [{\"name\": \"a\"}]}" \
	'missing required key "clients[0].public_key"'

# keys: the value is never echoed for a secret
bad server "malformed private key" '{"private_key": "hunter2"}' \
	'"private_key": (hidden) is not a base64 32-byte key'
run sh -c 'cat "$1"' _ "$TMP/server.json"
case "$err" in *hunter2*) ok 1 "secret not echoed" ;; *) ok 0 "secret not echoed" ;; esac

# a config for another role: its keys are unknown here
bad relay "a server config given to the relay" "{$SERVER_BASE, \"server_url\": \"ws://a/\"}" \
	'unknown key "private_key"'

# every error is reported, with a count
bad client "several errors at once" \
	"{$CLIENT_BASE, \"tun\": {\"mtu\": 1}, \"routes\": [\"x\"]}" \
	'"tun.mtu": 1 is out of range' '"routes[0]": "x" is not' "2 errors"

# a private key readable by others: a warning, not an error
printf '{%s}\n' "$SERVER_BASE" >"$TMP/server.json"
chmod 644 "$TMP/server.json"
run "$TETHER" --check-config --role=server -c "$TMP/server.json"
expect_rc 0 "world-readable key: still valid"
expect_err "holds a private key but is readable by other users (mode 644)" \
	"world-readable key: warned"
chmod 600 "$TMP/server.json"
run "$TETHER" --check-config --role=server -c "$TMP/server.json"
case "$err" in *"readable by other"*) s=1 ;; *) s=0 ;; esac
ok $s "mode 600: no warning"

done_testing
