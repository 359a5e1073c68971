/* SPDX-License-Identifier: MIT */
/* conf.h - tether's JSON configuration: one schema per role, with defaults */
#ifndef TETHER_CONF_H
#define TETHER_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum conf_role {
	CONF_ROLE_CLIENT,
	CONF_ROLE_SERVER,
	CONF_ROLE_RELAY,
	CONF_ROLE_MAX,
};

/* A list of values of one type (prefixes, client entries, ...) */
struct conf_list {
	void *v;
	size_t n;
};

enum url_scheme { URL_WS, URL_WSS, URL_UDP };

/* "ws://host:port/path", "wss://...", "udp://host:port" */
struct conf_url {
	enum url_scheme scheme;
	char *host;
	uint16_t port;
	char *path; /* "/" when absent; "" for udp */
};

struct conf_port_range {
	uint16_t lo, hi;
};

/* A 32-byte X25519 key, given in the config as base64 (key.h) */
struct conf_key {
	uint8_t b[32];
};

/* How the client sets the laptop's resolver (the order of resolv.h's) */
enum conf_dns_method {
	CONF_DNS_AUTO,
	CONF_DNS_RESOLVED,
	CONF_DNS_RESOLVCONF,
	CONF_DNS_FILE,
	CONF_DNS_OFF,
};

struct conf_client {
	struct conf_url server_url;
	struct conf_key private_key;
	struct conf_key server_public_key;
	struct endpoint listen;
	/* GET /status; family 0: none */
	struct endpoint status_listen;
	char *interface; /* NULL: do not add the listen address */
	char *webapp;	 /* the phone's page; NULL: serve none */
	char *tun_name;
	int64_t tun_mtu;
	struct conf_list routes; /* struct prefix */
	struct addr dns_server;	 /* family 0: what the server announces */
	int dns_method;		 /* enum conf_dns_method */
	bool dhcp_enabled;	 /* dnsmasq for the phone (dhcpd.c) */
	struct prefix dhcp_pool; /* the leases, inside 169.254.0.0/16 */
	int64_t dhcp_lease_time; /* seconds */
};

enum conf_nat_mode { CONF_NAT_USERSPACE, CONF_NAT_KERNEL };
enum conf_nat_filtering { CONF_FILTER_ADDRESS, CONF_FILTER_ENDPOINT };

/* One entry of the server's "clients" list */
struct conf_peer {
	char *name;
	struct conf_key public_key;
	int64_t max_mappings;  /* 0: use nat.mappings_per_client */
	struct prefix address; /* family 0: tunnel.address */
	int64_t rate_kbit;     /* 0: rate_kbit_per_client */
};

struct conf_server {
	struct conf_key private_key;
	struct endpoint listen;
	/* GET /status; family 0: none */
	struct endpoint status_listen;
	struct endpoint udp_listen;   /* family 0: no UDP transport */
	struct conf_list clients;     /* struct conf_peer */
	struct prefix tunnel_address; /* what clients are assigned */
	int64_t tunnel_mtu;
	struct addr tunnel_dns; /* family 0: none */
	int nat_mode;		/* enum conf_nat_mode */
	struct conf_port_range nat_ports;
	int nat_filtering; /* enum conf_nat_filtering */
	int64_t nat_mappings_per_client;
	int64_t nat_max_mappings; /* all clients together */
	int64_t nat_udp_timeout;
	int64_t nat_tcp_established_timeout;
	int64_t nat_tcp_transitory_timeout;
	int64_t nat_icmp_timeout;
	struct prefix nat_pool; /* kernel mode: one address per session */
	char *egress_interface;	       /* NULL: the default route's */
	struct addr egress_address;    /* family 0: the interface's */
	struct conf_list egress_allow; /* struct prefix */
	struct conf_list egress_deny;  /* struct prefix */
	bool egress_gso;	       /* TCP packets of many segments whole */
	char *tls_cert, *tls_key;      /* PEM files; NULL: plain ws:// */
	char *webapp;		       /* served at /; NULL: no page */
	int64_t rate_kbit_per_client;  /* each direction; 0: unlimited */
	char *user; /* NULL: "tether" if it exists, else "nobody" */
};

struct conf_relay {
	struct conf_url client_url;
	struct conf_url server_url;
	int64_t delay_ms; /* impairments, for tests: 0 is off */
	int64_t rate_kbit;
	int64_t drop_every_s;
	char *tls_ca; /* PEM file trusted for wss://; NULL: system's only */
};

struct conf {
	enum conf_role role;
	const char *path;
	int log_level; /* enum log_level */
	union {
		struct conf_client client;
		struct conf_server server;
		struct conf_relay relay;
	};
};

const char *conf_url_scheme(const struct conf_url *u);
int conf_role_parse(const char *name, enum conf_role *role);
const char *conf_role_name(enum conf_role role);
int conf_load(const char *path, enum conf_role role, struct conf *c,
	      char **effective);
int conf_load_buffer(const char *name, const char *text, size_t len,
		     enum conf_role role, struct conf *c);
int conf_load_fd(int fd, const char *path, enum conf_role role,
		 struct conf *c);
void conf_free(struct conf *c);

#endif
