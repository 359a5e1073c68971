/* SPDX-License-Identifier: MIT */
/* tpeer.c - a bare tunnel client: raw IPv4 packets as hex lines, both ways
 *
 *   tpeer [-w MS] [-t S] udp://HOST:PORT PRIVATE-KEY-FILE SERVER-PUBLIC-KEY
 *
 * The end-to-end tests need to send packets a laptop's kernel never would
 * (to 127.0.0.1, which no host routes into a TUN). tpeer is tunnel_client
 * over the UDP transport with nothing around it: it reads every line of
 * stdin first (one packet in hex each; blank lines and lines starting with
 * '#' are skipped), does the handshake, sends the packets, then prints
 * every packet the server sends back as one hex line on stdout until MS
 * milliseconds (default 2000) after the last send. A line "gso N HEX"
 * sends its packet as a GSO entry of N-byte segments (when the server
 * takes them and it fits a datagram; else tpeer splits it). The handshake's
 * assignment goes to stderr as "up ADDR/PREFIX mtu MTU".
 *
 * Exit status: 0 after the wait, 1 when the tunnel did not come up within
 * S seconds (default 10), 2 on usage or input errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "conf_value.h"
#include "ev.h"
#include "key.h"
#include "log.h"
#include "transport.h"
#include "tunnel.h"

#define UDP_MAX_MESSAGE 1472
#define MAX_PACKETS	64
#define PKT_MAX		1500

struct packet {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t gso;
};

static struct packet out[MAX_PACKETS];
static size_t nout;
static struct ev_loop *loop;
static struct tunnel_client *tc;
static struct ev_timer *done_timer, *deadline;
static unsigned long wait_ms = 2000;
static int status = 1;

static void usage(void)
{
	fprintf(stderr, "usage: tpeer [-w MS] [-t S] udp://HOST:PORT "
			"PRIVATE-KEY-FILE SERVER-PUBLIC-KEY < hex-packets\n");
	exit(2);
}

/* Read one base64 key from the first line of @path */
static int read_key(const char *path, uint8_t key[KEY_LEN])
{
	char line[128];
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f || !fgets(line, sizeof(line), f)) {
		fprintf(stderr, "tpeer: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	return key_from_base64(key, line);
}

/* Every stdin line is a packet in hex; skip blanks and comments */
static int read_packets(void)
{
	char line[2 * PKT_MAX + 2];
	unsigned lineno = 0;

	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strcspn(line, "\r\n");
		char *hex = line, *end;

		lineno++;
		line[n] = 0;
		if (!n || line[0] == '#')
			continue;
		if (nout < MAX_PACKETS && !strncmp(line, "gso ", 4)) {
			out[nout].gso = strtoul(line + 4, &end, 10);
			hex = end;
			n -= (size_t)(end - line);
		}
		if (nout == MAX_PACKETS ||
		    sodium_hex2bin(out[nout].b, PKT_MAX, hex, n, " :",
				   &out[nout].len, NULL) ||
		    out[nout].len < 20) {
			fprintf(stderr,
				"tpeer: stdin line %u: not a packet "
				"in hex (or more than %d packets)\n",
				lineno, MAX_PACKETS);
			return -1;
		}
		nout++;
	}
	return 0;
}

static void on_done(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	status = 0;
	ev_loop_stop(loop);
}

static void on_deadline(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	fprintf(stderr, "tpeer: no handshake with the server\n");
	ev_loop_stop(loop);
}

static void on_up(const struct noise_assignment *as, void *user)
{
	char a[INET_ADDRSTRLEN];

	(void)user;
	inet_ntop(AF_INET, &as->addr, a, sizeof(a));
	fprintf(stderr, "up %s/%u mtu %u\n", a, as->prefix, as->mtu);
	if (ev_timer_active(done_timer))
		return; /* a rekey: the packets went already */
	ev_timer_stop(deadline);
	for (size_t i = 0; i < nout; i++)
		tunnel_client_send_gso(tc, out[i].b, out[i].len, out[i].gso);
	tunnel_client_flush(tc);
	ev_timer_start(done_timer, wait_ms, 0);
}

static void on_packet(const uint8_t *pkt, size_t len, void *user)
{
	static char hex[2 * 65536 + 1];

	(void)user;
	if (len > 65536)
		return;
	sodium_bin2hex(hex, sizeof(hex), pkt, len);
	printf("%s\n", hex);
	fflush(stdout);
}

static void on_dead(void *user)
{
	(void)user;
	fprintf(stderr, "tpeer: nothing heard from the server\n");
}

static const struct tunnel_client_handlers tunnel_handlers = {
	.up = on_up,
	.packet = on_packet,
	.dead = on_dead,
};

static void on_open(struct tconn *c, void *user)
{
	(void)user;
	tunnel_client_attach(tc, c);
}

static void on_message(struct tconn *c, uint8_t *msg, size_t len, void *user)
{
	(void)c;
	(void)user;
	tunnel_client_receive(tc, msg, len);
}

static void on_closed(struct tconn *c, const char *why, void *user)
{
	(void)user;
	fprintf(stderr, "tpeer: connection closed (%s)\n", why);
	tunnel_client_detach(tc, c);
}

static const struct transport_handlers transport_handlers = {
	.open = on_open,
	.message = on_message,
	.closed = on_closed,
};

int main(int argc, char **argv)
{
	uint8_t priv[KEY_LEN], server_pub[KEY_LEN];
	unsigned long deadline_s = 10;
	struct transport_params tp = {
		.kind = TRANSPORT_UDP,
		.max_message = UDP_MAX_MESSAGE,
	};
	struct tunnel_client_params cp = {
		.private_key = priv,
		.server_key = server_pub,
		.max_message = UDP_MAX_MESSAGE,
	};
	struct conf_url url;
	struct transport *t;
	const char *why;
	int opt;

	while ((opt = getopt(argc, argv, "w:t:")) != -1) {
		if (opt == 'w')
			wait_ms = strtoul(optarg, NULL, 10);
		else if (opt == 't')
			deadline_s = strtoul(optarg, NULL, 10);
		else
			usage();
	}
	if (argc - optind != 3)
		usage();
	if (sodium_init() < 0)
		return 2;
	log_set_level(LOG_LEVEL_WARN);
	if (conf_url_parse(argv[optind], &url, &why) || url.scheme != URL_UDP) {
		fprintf(stderr, "tpeer: %s: not a udp:// URL\n", argv[optind]);
		return 2;
	}
	if (read_key(argv[optind + 1], priv) ||
	    key_from_base64(server_pub, argv[optind + 2])) {
		fprintf(stderr, "tpeer: bad key\n");
		return 2;
	}
	if (read_packets())
		return 2;
	loop = ev_loop_new();
	if (!loop)
		return 1;
	done_timer = ev_timer_new(loop, on_done, NULL);
	deadline = ev_timer_new(loop, on_deadline, NULL);
	tc = tunnel_client_new(loop, &cp, &tunnel_handlers, NULL);
	t = transport_new(loop, &tp, &transport_handlers, NULL);
	if (!done_timer || !deadline || !tc || !t ||
	    !transport_connect(t, &url, NULL, NULL))
		return 1;
	ev_timer_start(deadline, deadline_s * 1000, 0);
	ev_loop_run(loop);
	transport_free(t);
	tunnel_client_free(tc);
	ev_timer_free(deadline);
	ev_timer_free(done_timer);
	ev_loop_free(loop);
	sodium_memzero(priv, sizeof(priv));
	return status;
}
