/* SPDX-License-Identifier: MIT */
/* policy.c - where the server lets clients' packets go
 *
 * A tethering server must not become a way into its own network: by
 * default clients may not reach the server's own addresses, private and
 * shared address space, loopback, link-local (cloud metadata services
 * answer at 169.254.169.254), multicast or reserved space. The config adds
 * prefixes to deny and prefixes to allow; allow wins over deny. Each
 * packet costs a few mask-and-compare operations over a short array.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "policy.h"

struct net4 {
	uint32_t net, mask; /* host order */
};

struct policy {
	struct net4 *allow, *deny;
	size_t nallow, ndeny;
};

static const char *const always_denied[] = {
	"0.0.0.0/8",	  "10.0.0.0/8",	    "100.64.0.0/10",
	"127.0.0.0/8",	  "169.254.0.0/16", "172.16.0.0/12",
	"192.168.0.0/16", "224.0.0.0/4",    "240.0.0.0/4",
};

#define NDEFAULT (sizeof(always_denied) / sizeof(always_denied[0]))

static struct net4 net4_of(const struct prefix *p)
{
	struct net4 n;

	n.mask = p->len ? ~0u << (32 - p->len) : 0;
	n.net = ntohl(p->addr.v4.s_addr) & n.mask;
	return n;
}

/* Copy the IPv4 prefixes of a list (IPv6 ones do not apply yet) */
static size_t add_list(struct net4 *out, const struct prefix *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (p[i].addr.family == AF_INET)
			out[k++] = net4_of(&p[i]);
	return k;
}

/**
 * policy_new() - the egress policy
 * @allow:	prefixes clients may reach even if denied
 * @nallow:	how many
 * @deny:	prefixes denied besides the built-in ones
 * @ndeny:	how many
 * @own:	the server's own IPv4 addresses (network order), denied
 * @nown:	how many
 *
 * Return: the policy, or NULL on out of memory
 */
struct policy *policy_new(const struct prefix *allow, size_t nallow,
			  const struct prefix *deny, size_t ndeny,
			  const uint32_t *own, size_t nown)
{
	struct policy *p = calloc(1, sizeof(*p));
	const char *why;

	if (!p)
		return NULL;
	p->allow = calloc(nallow + 1, sizeof(*p->allow));
	p->deny = calloc(NDEFAULT + ndeny + nown, sizeof(*p->deny));
	if (!p->allow || !p->deny) {
		policy_free(p);
		return NULL;
	}
	p->nallow = add_list(p->allow, allow, nallow);
	for (size_t i = 0; i < NDEFAULT; i++) {
		struct prefix d;

		prefix_parse(always_denied[i], &d, false, &why);
		p->deny[p->ndeny++] = net4_of(&d);
	}
	p->ndeny += add_list(p->deny + p->ndeny, deny, ndeny);
	for (size_t i = 0; i < nown; i++)
		p->deny[p->ndeny++] = (struct net4){ntohl(own[i]), ~0u};
	return p;
}

static bool matches(const struct net4 *v, size_t n, uint32_t a)
{
	for (size_t i = 0; i < n; i++)
		if ((a & v[i].mask) == v[i].net)
			return true;
	return false;
}

/* Return: may a client's packet go to @daddr (network order)? */
bool policy_allows(const struct policy *p, uint32_t daddr)
{
	uint32_t a = ntohl(daddr);

	return matches(p->allow, p->nallow, a) ||
	       !matches(p->deny, p->ndeny, a);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->allow);
	free(p->deny);
	free(p);
}
