/* SPDX-License-Identifier: MIT */
/* conf_schema.c - every config key of every role, its type and default
 *
 * This table is the single source of truth for the config: conf.c walks
 * it to validate and fill defaults, --check-config prints what it yields,
 * and t/man.sh checks that man/tether.json.5 documents every key in it.
 */
#include <stddef.h>

#include "conf_schema.h"
#include "nat.h"

/* The tables read best as written: one key per brace, aligned by hand */
/* clang-format off */
#define OFF(member) offsetof(struct conf, member)
#define END { .name = NULL }

static const char *const log_levels[] = { "debug", "info", "warn", "error",
					  NULL };
static const char *const nat_modes[] = { "userspace", "kernel", NULL };
static const char *const nat_filters[] = { "address-dependent",
					   "endpoint-independent", NULL };
static const char *const relay_schemes[] = { "ws", "wss", NULL };
static const char *const client_schemes[] = { "ws", "wss", "udp", NULL };
static const char *const dns_methods[] = { "auto", "systemd-resolved",
					   "resolvconf", "file", "off", NULL };

#define LOG_LEVEL_FIELD                                                      \
	{ .name = "log_level", .type = CONF_ENUM, .offset = OFF(log_level),  \
	  .def = "\"info\"", .choices = log_levels }

static const struct conf_field client_tun[] = {
	{ .name = "name", .type = CONF_STRING, .offset = OFF(client.tun_name),
	  .def = "\"tether0\"", .max = 15 },
	{ .name = "mtu", .type = CONF_INT, .offset = OFF(client.tun_mtu),
	  .def = "1380", .min = 576, .max = 9000 },
	END
};

static const struct conf_field client_dns[] = {
	{ .name = "server", .type = CONF_ADDR, .offset = OFF(client.dns_server),
	  .def = "null", .nullable = true, .ipv4 = true },
	{ .name = "method", .type = CONF_ENUM, .offset = OFF(client.dns_method),
	  .def = "\"auto\"", .choices = dns_methods },
	END
};

static const struct conf_field prefix_item[] = {
	{ .name = "", .type = CONF_PREFIX, .offset = 0 },
	END
};

static const struct conf_field client_dhcp[] = {
	{ .name = "enabled", .type = CONF_BOOL,
	  .offset = OFF(client.dhcp_enabled), .def = "false" },
	{ .name = "pool", .type = CONF_PREFIX, .offset = OFF(client.dhcp_pool),
	  .def = "\"169.254.200.0/24\"" },
	{ .name = "lease_time", .type = CONF_INT,
	  .offset = OFF(client.dhcp_lease_time), .def = "3600", .min = 120,
	  .max = 86400 },
	END
};

static const struct conf_field client_fields[] = {
	LOG_LEVEL_FIELD,
	{ .name = "server_url", .type = CONF_URL,
	  .offset = OFF(client.server_url), .schemes = client_schemes },
	{ .name = "private_key", .type = CONF_KEY,
	  .offset = OFF(client.private_key), .secret = true },
	{ .name = "server_public_key", .type = CONF_KEY,
	  .offset = OFF(client.server_public_key) },
	{ .name = "listen", .type = CONF_ENDPOINT,
	  .offset = OFF(client.listen), .def = "\"169.254.134.89:6354\"" },
	{ .name = "status_listen", .type = CONF_ENDPOINT,
	  .offset = OFF(client.status_listen), .def = "\"127.0.0.1:6355\"",
	  .nullable = true },
	{ .name = "interface", .type = CONF_STRING,
	  .offset = OFF(client.interface), .def = "null", .nullable = true,
	  .max = 15 },
	{ .name = "webapp", .type = CONF_STRING, .offset = OFF(client.webapp),
	  .def = "\"" PKGDATADIR "/webapp\"", .nullable = true, .max = 4096 },
	{ .name = "tun", .type = CONF_OBJECT, .fields = client_tun },
	{ .name = "routes", .type = CONF_LIST, .offset = OFF(client.routes),
	  .def = "[\"0.0.0.0/0\"]", .min = 0, .max = 1024,
	  .fields = prefix_item, .item_size = sizeof(struct prefix) },
	{ .name = "dns", .type = CONF_OBJECT, .fields = client_dns },
	{ .name = "dhcp", .type = CONF_OBJECT, .fields = client_dhcp },
	END
};

static const struct conf_field peer_fields[] = {
	{ .name = "name", .type = CONF_STRING,
	  .offset = offsetof(struct conf_peer, name), .max = 64 },
	{ .name = "public_key", .type = CONF_KEY,
	  .offset = offsetof(struct conf_peer, public_key) },
	{ .name = "max_mappings", .type = CONF_INT,
	  .offset = offsetof(struct conf_peer, max_mappings), .def = "0",
	  .min = 0, .max = NAT_MAPPINGS_MAX },
	{ .name = "address", .type = CONF_PREFIX,
	  .offset = offsetof(struct conf_peer, address), .def = "null",
	  .nullable = true, .host_prefix = true },
	{ .name = "rate_kbit", .type = CONF_INT,
	  .offset = offsetof(struct conf_peer, rate_kbit), .def = "0",
	  .min = 0, .max = 100000000 },
	END
};

static const struct conf_field peer_item[] = {
	{ .name = "", .type = CONF_OBJECT, .offset = 0, .fields = peer_fields },
	END
};

static const struct conf_field nat_timeouts[] = {
	{ .name = "udp", .type = CONF_INT,
	  .offset = OFF(server.nat_udp_timeout), .def = "300", .min = 120,
	  .max = 86400 },
	{ .name = "tcp_established", .type = CONF_INT,
	  .offset = OFF(server.nat_tcp_established_timeout), .def = "7440",
	  .min = 7440, .max = 604800 },
	{ .name = "tcp_transitory", .type = CONF_INT,
	  .offset = OFF(server.nat_tcp_transitory_timeout), .def = "240",
	  .min = 240, .max = 86400 },
	{ .name = "icmp", .type = CONF_INT,
	  .offset = OFF(server.nat_icmp_timeout), .def = "60", .min = 60,
	  .max = 86400 },
	END
};

static const struct conf_field server_nat[] = {
	{ .name = "mode", .type = CONF_ENUM, .offset = OFF(server.nat_mode),
	  .def = "\"userspace\"", .choices = nat_modes },
	{ .name = "port_range", .type = CONF_PORT_RANGE,
	  .offset = OFF(server.nat_ports), .def = "[61000, 65535]" },
	{ .name = "filtering", .type = CONF_ENUM,
	  .offset = OFF(server.nat_filtering), .def = "\"address-dependent\"",
	  .choices = nat_filters },
	{ .name = "mappings_per_client", .type = CONF_INT,
	  .offset = OFF(server.nat_mappings_per_client), .def = "1024",
	  .min = 1, .max = NAT_MAPPINGS_MAX },
	{ .name = "max_mappings", .type = CONF_INT,
	  .offset = OFF(server.nat_max_mappings), .def = "65536",
	  .min = 1, .max = NAT_MAPPINGS_MAX },
	{ .name = "timeouts", .type = CONF_OBJECT, .fields = nat_timeouts },
	{ .name = "pool", .type = CONF_PREFIX, .offset = OFF(server.nat_pool),
	  .def = "\"10.78.0.0/16\"" },
	END
};

static const struct conf_field server_tunnel[] = {
	{ .name = "address", .type = CONF_PREFIX,
	  .offset = OFF(server.tunnel_address), .def = "\"10.77.0.2/24\"",
	  .host_prefix = true },
	{ .name = "mtu", .type = CONF_INT, .offset = OFF(server.tunnel_mtu),
	  .def = "1380", .min = 576, .max = 9000 },
	{ .name = "dns", .type = CONF_ADDR, .offset = OFF(server.tunnel_dns),
	  .def = "null", .nullable = true, .ipv4 = true },
	END
};

static const struct conf_field server_egress[] = {
	{ .name = "interface", .type = CONF_STRING,
	  .offset = OFF(server.egress_interface), .def = "null",
	  .nullable = true, .max = 15 },
	{ .name = "address", .type = CONF_ADDR,
	  .offset = OFF(server.egress_address), .def = "null",
	  .nullable = true },
	{ .name = "allow", .type = CONF_LIST,
	  .offset = OFF(server.egress_allow), .def = "[]", .min = 0,
	  .max = 1024, .fields = prefix_item,
	  .item_size = sizeof(struct prefix) },
	{ .name = "deny", .type = CONF_LIST, .offset = OFF(server.egress_deny),
	  .def = "[]", .min = 0, .max = 1024, .fields = prefix_item,
	  .item_size = sizeof(struct prefix) },
	{ .name = "gso", .type = CONF_BOOL, .offset = OFF(server.egress_gso),
	  .def = "true" },
	END
};

static const struct conf_field server_tls[] = {
	{ .name = "cert", .type = CONF_STRING, .offset = OFF(server.tls_cert),
	  .def = "null", .nullable = true, .max = 4096 },
	{ .name = "key", .type = CONF_STRING, .offset = OFF(server.tls_key),
	  .def = "null", .nullable = true, .max = 4096 },
	END
};

static const struct conf_field server_fields[] = {
	LOG_LEVEL_FIELD,
	{ .name = "private_key", .type = CONF_KEY,
	  .offset = OFF(server.private_key), .secret = true },
	{ .name = "listen", .type = CONF_ENDPOINT, .offset = OFF(server.listen),
	  .def = "\"0.0.0.0:8080\"" },
	{ .name = "udp_listen", .type = CONF_ENDPOINT,
	  .offset = OFF(server.udp_listen), .def = "\"0.0.0.0:8080\"",
	  .nullable = true },
	{ .name = "status_listen", .type = CONF_ENDPOINT,
	  .offset = OFF(server.status_listen), .def = "\"127.0.0.1:6356\"",
	  .nullable = true },
	{ .name = "clients", .type = CONF_LIST, .offset = OFF(server.clients),
	  .def = "[]", .min = 0, .max = 65535, .fields = peer_item,
	  .item_size = sizeof(struct conf_peer) },
	{ .name = "tunnel", .type = CONF_OBJECT, .fields = server_tunnel },
	{ .name = "nat", .type = CONF_OBJECT, .fields = server_nat },
	{ .name = "egress", .type = CONF_OBJECT, .fields = server_egress },
	{ .name = "tls", .type = CONF_OBJECT, .fields = server_tls },
	{ .name = "webapp", .type = CONF_STRING, .offset = OFF(server.webapp),
	  .def = "null", .nullable = true, .max = 4096 },
	{ .name = "rate_kbit_per_client", .type = CONF_INT,
	  .offset = OFF(server.rate_kbit_per_client), .def = "0", .min = 0,
	  .max = 100000000 },
	{ .name = "user", .type = CONF_STRING, .offset = OFF(server.user),
	  .def = "null", .nullable = true, .max = 32 },
	END
};

static const struct conf_field relay_impair[] = {
	{ .name = "delay_ms", .type = CONF_INT, .offset = OFF(relay.delay_ms),
	  .def = "0", .min = 0, .max = 10000 },
	{ .name = "rate_kbit", .type = CONF_INT, .offset = OFF(relay.rate_kbit),
	  .def = "0", .min = 0, .max = 100000000 },
	{ .name = "drop_every_s", .type = CONF_INT,
	  .offset = OFF(relay.drop_every_s), .def = "0", .min = 0,
	  .max = 86400 },
	END
};

static const struct conf_field relay_tls[] = {
	{ .name = "ca", .type = CONF_STRING, .offset = OFF(relay.tls_ca),
	  .def = "null", .nullable = true, .max = 4096 },
	END
};

static const struct conf_field relay_fields[] = {
	LOG_LEVEL_FIELD,
	{ .name = "client_url", .type = CONF_URL,
	  .offset = OFF(relay.client_url),
	  .def = "\"ws://169.254.134.89:6354/websocket\"",
	  .schemes = relay_schemes },
	{ .name = "server_url", .type = CONF_URL,
	  .offset = OFF(relay.server_url), .schemes = relay_schemes },
	{ .name = "impair", .type = CONF_OBJECT, .fields = relay_impair },
	{ .name = "tls", .type = CONF_OBJECT, .fields = relay_tls },
	END
};

/* clang-format on */

const struct conf_field *conf_schema(enum conf_role role)
{
	static const struct conf_field *const schemas[] = {
		[CONF_ROLE_CLIENT] = client_fields,
		[CONF_ROLE_SERVER] = server_fields,
		[CONF_ROLE_RELAY] = relay_fields,
	};

	return schemas[role];
}
