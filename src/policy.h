/* SPDX-License-Identifier: MIT */
/* policy.h - where the server lets clients' packets go */
#ifndef TETHER_POLICY_H
#define TETHER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct policy;

struct policy *policy_new(const struct prefix *allow, size_t nallow,
			  const struct prefix *deny, size_t ndeny,
			  const uint32_t *own, size_t nown);
bool policy_allows(const struct policy *p, uint32_t daddr);
void policy_free(struct policy *p);

#endif
