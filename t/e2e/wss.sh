#!/bin/sh
# SPDX-License-Identifier: MIT
# wss.sh - the relay reaches the server over wss:// with a self-signed
# certificate; the server serves a page at / over https://
#
#  laptop                relay                     server              inet
#  client: TUN tether0   tether --role=relay       tether --role=server nginx
#  ws://169.254.134.89 <---- dials both ----> wss://198.51.100.1:8080
#  :6354/websocket       trusts the server's      tls.cert, tls.key:
#                        certificate (tls.ca)     made by openssl here;
#                                                 webapp: a test page at /
#
# openssl makes the certificate (for the address 198.51.100.1) in the
# test's temporary directory. A relay that does not trust it must refuse
# it and say why; one that does carries the tunnel. Before all that, the
# server must refuse to start on unusable certificate or key files, naming
# them. The full picture is in t/e2e/lib.sh.
set -e
. "$SRCDIR/t/e2e/lib.sh"

url=wss://198.51.100.1:8080/websocket/

topology
mkdir -p "$TMP/www"
make_file "$TMP/www/10M.bin" 10
need "nginx listens on 203.0.113.2:80" start_nginx inet 203.0.113.2

# cert NAME SUBJECT-ALT-NAME - a self-signed certificate and its key,
# $TMP/NAME.crt and $TMP/NAME.pem (mode 600)
cert() {
	(umask 077 && openssl req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=tether e2e $1" -addext "subjectAltName=$2" \
		-keyout "$TMP/$1.pem" -out "$TMP/$1.crt" 2>"$TMP/openssl.err")
}
check "openssl makes a self-signed certificate for 198.51.100.1" \
	cert server IP:198.51.100.1
check "openssl makes a second one (its key does not match the first)" \
	cert other IP:198.51.100.1
echo "junk" >"$TMP/junk.pem"
mkdir -p "$TMP/webapp"
echo "<!doctype html><title>tether</title><p>test page" \
	>"$TMP/webapp/index.html"
# the server reads the page as its unprivileged user (tether(8),
# PRIVILEGES): $TMP may be passed through, the page read
chmod 711 "$TMP"
chmod -R a+rX "$TMP/webapp"

# bad_tls CERT KEY WHAT MESSAGE - the server refuses unusable TLS files at
# start, naming key and file (the real server config, with CERT and KEY)
bad_tls() {
	server_extra="\"tls\": { \"cert\": \"$1\", \"key\": \"$2\" }"
	server_conf
	check_rc 1 "$3: the server does not start" \
		server "$TETHER" --role=server -c "$TMP/server.json"
	expect_err "$4" "$3: it says so"
}
bad_tls "$TMP/none.crt" "$TMP/server.pem" "a missing certificate" \
	"tls.cert $TMP/none.crt: No such file or directory"
bad_tls "$TMP/junk.pem" "$TMP/server.pem" "a file that is no certificate" \
	"tls.cert $TMP/junk.pem: no PEM certificate in it"
bad_tls "$TMP/server.crt" "$TMP/server.crt" "a certificate as the key" \
	"tls.key $TMP/server.crt: no unencrypted PEM private key in it"
bad_tls "$TMP/server.crt" "$TMP/other.pem" "a key of another certificate" \
	"key values mismatch"
bad_tls "$TMP/server.crt" "$TMP/webapp" "a directory as the key" \
	"tls.key $TMP/webapp: Is a directory"

server_extra="\"tls\": { \"cert\": \"$TMP/server.crt\",
		\"key\": \"$TMP/server.pem\" },
		\"webapp\": \"$TMP/webapp\""
need "the server listens on wss and udp 198.51.100.1:8080" start_server
check "the server says wss://" grep -q "listening on wss://198.51.100.1:8080" \
	"$TMP/server.log"

# the page at / over https://, and nothing over plain http://
check "curl gets the page at / over https:// (trusting the certificate)" \
	relay curl -sS -m 10 --cacert "$TMP/server.crt" -o "$TMP/page.got" \
	https://198.51.100.1:8080/
check "it is the webapp directory's index.html" \
	same "$TMP/webapp/index.html" "$TMP/page.got"
check_not "curl without trusting the certificate fails" \
	relay curl -sS -m 10 -o /dev/null https://198.51.100.1:8080/
check_not "plain http:// gets nothing from the TLS port" \
	relay curl -sS -m 10 -o /dev/null http://198.51.100.1:8080/

start_client laptop laptop1 "$url" 203.0.113.0/24
need "the client serves the phone's WebSocket on 169.254.134.89:6354" \
	listening laptop tcp 169.254.134.89:6354

# a relay whose tls.ca is not there does not start
conf badrelay <<EOF
{ "server_url": "$url", "tls": { "ca": "$TMP/none.crt" } }
EOF
check_rc 1 "a relay with a missing tls.ca file does not start" \
	relay "$TETHER" --role=relay -c "$TMP/badrelay.json"
expect_err "relay: tls.ca $TMP/none.crt: No such file or directory" \
	"it says so"

# a relay that does not trust the certificate refuses it and says why
start_relay "$url"
check "a relay without tls.ca refuses the server's certificate" \
	wait_for relay "grep -q 'server link down (connect failed: the server.s certificate is not trusted: self-signed certificate)' $TMP/relay.log"
check "it exits 0 on SIGTERM" stop relay
check "the relay log says why" grep -m 1 "not trusted" "$TMP/relay.log"
check_not "no handshake went through it" grep -q "new session" \
	"$TMP/server.log"

# one that does carries the tunnel
start_relay "$url" "\"tls\": { \"ca\": \"$TMP/server.crt\" }"
need "with tls.ca the tunnel comes up through wss://" tunnel_up laptop
check "the relay's server link is up" \
	grep -q "server link up" "$TMP/relay.log"
check "curl downloads 10 MiB through the tunnel over wss://" \
	laptop curl -sS -f -m 45 -o "$TMP/10M.got" http://203.0.113.2/10M.bin
check "byte for byte" same "$TMP/www/10M.bin" "$TMP/10M.got"

teardown
done_testing
