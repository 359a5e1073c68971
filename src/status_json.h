/* SPDX-License-Identifier: MIT */
/* status_json.h - pieces both roles' status documents are made of */
#ifndef TETHER_STATUS_JSON_H
#define TETHER_STATUS_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "session.h"
#include "transport.h"
#include "tunnel.h"

void status_set_u64(json_t *o, const char *key, uint64_t v);
json_t *status_named(const uint64_t *v, size_t n, const char *const *names);
json_t *status_seconds(uint64_t ms);
json_t *status_wall_time(uint64_t then_ms, uint64_t now_ms);
json_t *status_addr(const struct addr *a);
json_t *status_traffic(const struct session_stats *s);
json_t *status_session_drops(const struct session_stats *s);
json_t *status_tunnel_drops(const struct tunnel_stats *ts);
json_t *status_handshake_drops(const struct tunnel_stats *ts);
json_t *status_transport(const struct transport_counters *c);
json_t *status_transport_drops(const struct transport_counters *c);

#endif
