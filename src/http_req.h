/* SPDX-License-Identifier: MIT */
/* http_req.h - the head of an HTTP/1.x request, strictly parsed
 *
 * Just enough HTTP for a local status endpoint: find where the head
 * ends, then parse the request line and the headers it needs (Host).
 * Nothing is copied: the results point into the caller's buffer.
 */
#ifndef TETHER_HTTP_REQ_H
#define TETHER_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

/**
 * struct http_req - a parsed request head
 * @method:	GET, HEAD, or any other well-formed method
 * @path:	the target up to its query string, starting with '/'
 * @path_len:	its length
 * @host_local:	no Host header (HTTP/1.0), or one naming a numeric address
 *		or localhost: not a name a DNS rebinding could point here
 */
struct http_req {
	enum http_method method;
	const char *path;
	size_t path_len;
	bool host_local;
};

size_t http_head_end(const char *buf, size_t from, size_t len);
int http_req_parse(struct http_req *r, const char *head, size_t len);

#endif
