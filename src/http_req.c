/* SPDX-License-Identifier: MIT */
/* http_req.c - the head of an HTTP/1.x request, strictly parsed
 *
 * The grammar is RFC 9112's, minus what a status endpoint never needs:
 * the request line is METHOD SP origin-form SP HTTP/1.x, header lines are
 * name ":" value, lines end in CRLF or a bare LF (RFC 9112 2.2), and the
 * head ends at the first empty line. Obsolete line folding, bare CRs,
 * control bytes, a second Host header and an HTTP/1.1 request without one
 * are errors, so anything ambiguous is refused rather than guessed at.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "http_req.h"

#define METHOD_MAX 16

/**
 * http_head_end() - where the head of a request ends, if it has arrived
 * @buf:	what arrived so far
 * @from:	how much of it was searched before (0 the first time)
 * @len:	its length now
 *
 * Each call searches only the new bytes, so a head that trickles in a
 * byte at a time costs linear time.
 *
 * Return: the length of the head, through its empty line; 0 if the empty
 * line has not arrived yet
 */
size_t http_head_end(const char *buf, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		/* an empty line: at the start, or right after another '\n' */
		if (i == 0 || buf[i - 1] == '\n' ||
		    (buf[i - 1] == '\r' && (i == 1 || buf[i - 2] == '\n')))
			return i + 1;
	}
	return 0;
}

/* The next line from *pos, without its line end; false at the end */
static bool next_line(const char *h, size_t len, size_t *pos, const char **line,
		      size_t *n)
{
	const char *nl = memchr(h + *pos, '\n', len - *pos);

	if (!nl)
		return false;
	*line = h + *pos;
	*n = (size_t)(nl - *line);
	if (*n && (*line)[*n - 1] == '\r')
		(*n)--;
	*pos = (size_t)(nl - h) + 1;
	return true;
}

/* RFC 9110 5.6.2 token characters */
static bool tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Field value characters: visible, space, tab, obs-text */
static bool vchar(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool digits(const char *s, size_t n, size_t max)
{
	if (!n || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Is @s (@n bytes) a numeric address (IPv6 in brackets) or localhost? */
static bool local_name(const char *s, size_t n)
{
	char copy[ADDR_STRLEN];
	struct addr a;

	if (n == 9 && !strncasecmp(s, "localhost", 9))
		return true;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	} else if (memchr(s, ':', n)) {
		return false; /* IPv6 must be bracketed */
	}
	if (!n || n >= sizeof(copy))
		return false;
	memcpy(copy, s, n);
	copy[n] = '\0';
	return !addr_parse(copy, &a);
}

/* Host: uri-host [ ":" port ], the host a local name (see above) */
static bool host_local(const char *v, size_t n)
{
	const char *colon = NULL;

	for (size_t i = n; i-- > 0;) {
		if (v[i] == ':') {
			colon = v + i;
			break;
		}
		if (v[i] == ']')
			break;
	}
	if (colon) {
		size_t hn = (size_t)(colon - v);

		return digits(colon + 1, n - hn - 1, 5) && local_name(v, hn);
	}
	return local_name(v, n);
}

/* METHOD SP /target SP HTTP/1.x */
static int request_line(struct http_req *r, const char *l, size_t n,
			bool *http11)
{
	size_t i = 0, t;

	while (i < n && i <= METHOD_MAX && l[i] >= 'A' && l[i] <= 'Z')
		i++;
	if (!i || i > METHOD_MAX || i >= n || l[i] != ' ')
		return -1;
	if (i == 3 && !memcmp(l, "GET", 3))
		r->method = HTTP_GET;
	else if (i == 4 && !memcmp(l, "HEAD", 4))
		r->method = HTTP_HEAD;
	else
		r->method = HTTP_OTHER;
	t = ++i;
	if (i >= n || l[i] != '/')
		return -1;
	while (i < n && l[i] > 0x20 && l[i] < 0x7f)
		i++;
	r->path = l + t;
	r->path_len = i - t;
	for (size_t q = t; q < i; q++) {
		if (l[q] == '?') {
			r->path_len = q - t;
			break;
		}
	}
	if (n - i != 9 || memcmp(l + i, " HTTP/1.", 8) || l[i + 8] < '0' ||
	    l[i + 8] > '9')
		return -1;
	*http11 = l[i + 8] != '0';
	return 0;
}

/**
 * http_req_parse() - parse a complete request head
 * @r:		filled in on success; points into @head
 * @head:	the head, as long as http_head_end() said
 * @len:	its length
 *
 * Return: 0, or -1 if it is malformed (answer 400)
 */
int http_req_parse(struct http_req *r, const char *head, size_t len)
{
	size_t pos = 0, n, hosts = 0;
	const char *l;
	bool http11;

	memset(r, 0, sizeof(*r));
	r->host_local = true;
	if (!next_line(head, len, &pos, &l, &n) ||
	    request_line(r, l, n, &http11))
		return -1;
	for (;;) {
		size_t i = 0, v, e;

		if (!next_line(head, len, &pos, &l, &n))
			return -1; /* the empty line is missing */
		if (!n)
			break;

		while (i < n && tchar((unsigned char)l[i]))
			i++;
		if (!i || i == n || l[i] != ':')
			return -1; /* no name, or folded (starts with SP) */
		for (v = i + 1; v < n; v++)
			if (!vchar((unsigned char)l[v]))
				return -1;
		if (i != 4 || strncasecmp(l, "host", 4))
			continue;
		for (v = i + 1; v < n && (l[v] == ' ' || l[v] == '\t'); v++)
			;
		for (e = n; e > v && (l[e - 1] == ' ' || l[e - 1] == '\t'); e--)
			;
		hosts++;
		r->host_local = host_local(l + v, e - v);
	}
	if (hosts > 1 || (http11 && !hosts))
		return -1;
	return 0;
}
