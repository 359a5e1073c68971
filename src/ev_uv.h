/* SPDX-License-Identifier: MIT */
/* ev_uv.h - the libuv loop behind an ev_loop, for transports that need it
 *
 * Only code that must hand the loop to a library (libwebsockets' foreign
 * loop) includes this; everything else sees ev.h only.
 */
#ifndef TETHER_EV_UV_H
#define TETHER_EV_UV_H

#include <uv.h>

#include "ev.h"

uv_loop_t *ev_uv_loop(struct ev_loop *l);

#endif
