/* SPDX-License-Identifier: MIT */
/* ctnl.h - deleting the kernel's conntrack entries of one source address */
#ifndef TETHER_CTNL_H
#define TETHER_CTNL_H

#include <stdint.h>

long ctnl_delete_from(uint32_t saddr);

#endif
