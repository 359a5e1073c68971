/* SPDX-License-Identifier: MIT */
/* selftest.h - the selftest's hosts and address plan (as in t/e2e/lib.sh)
 *
 *  laptop             phone              server            internet
 *  [client, TUN]      [tether relay]     [tether server]   [built-in
 *                                        ws+udp :8080       services]
 *  wifi0 169.254.1.1 - br0 169.254.1.2
 *  (+169.254.134.89,   (the Wi-Fi: a
 *   the client adds)    bridge)
 *                  /   srv0 ------------ rly0
 *                 /    198.51.100.2      198.51.100.1
 *  laptop2 ------/                       egr0 ------------ srv0
 *  wifi0 169.254.1.3                     203.0.113.1       203.0.113.2
 *  (udp:// to the server,                (the NAT's        lo 198.18.0.1
 *   routed by the phone)                  egress)          (egress.deny)
 *
 * Only link-local and reserved documentation/benchmark ranges are used, and
 * nothing leaves the namespaces. Namespaces are named tstPID-HOST after the
 * selftest's process id, so runs can overlap and leftovers are recognised.
 */
#ifndef TETHER_SELFTEST_H
#define TETHER_SELFTEST_H

enum selftest_host {
	SELFTEST_LAPTOP,
	SELFTEST_LAPTOP2,
	SELFTEST_PHONE,
	SELFTEST_SERVER,
	SELFTEST_INTERNET,
	SELFTEST_HOSTS
};

#define SELFTEST_NS_PREFIX "tst"

/* The client's default "listen", where the phone's page connects */
#define SELFTEST_CLIENT_ADDR "169.254.134.89"
#define SELFTEST_CLIENT_PORT 6354
/* The tether server, as the phone and laptop2 reach it */
#define SELFTEST_SERVER_ADDR "198.51.100.1"
#define SELFTEST_SERVER_PORT 8080
/* The NAT's external address: what the internet sees */
#define SELFTEST_EGRESS_ADDR "203.0.113.1"
/* The internet host and its services (selftest_svc.c) */
#define SELFTEST_INTERNET_ADDR "203.0.113.2"
#define SELFTEST_HTTP_PORT     80
#define SELFTEST_ECHO_PORT     7
#define SELFTEST_DNS_PORT      53
#define SELFTEST_DNS_NAME      "internet.test"
/* Also served by the internet host, but in the server's egress.deny */
#define SELFTEST_DENIED_ADDR   "198.18.0.1"
#define SELFTEST_DENIED_PREFIX "198.18.0.0/15"

#endif
