/* SPDX-License-Identifier: MIT */
/* phone_page.h - what the client serves and allows the phone's page */
#ifndef TETHER_PHONE_PAGE_H
#define TETHER_PHONE_PAGE_H

#include <stdbool.h>

#include "conf.h"

/* where the page reads its laptop's settings (phone_page_info()) */
#define PHONE_PAGE_INFO_PATH "/tether.json"

char *phone_page_info(const struct conf_client *cf);
bool phone_page_origin_ok(const struct conf_client *cf, const char *origin);
void phone_page_check(const struct conf_client *cf);

#endif
