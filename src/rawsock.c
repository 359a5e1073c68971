/* SPDX-License-Identifier: MIT */
/* rawsock.c - sending NATed IPv4 packets as they are (IP_HDRINCL)
 *
 * Theory of operation: one socket(AF_INET, SOCK_RAW, IPPROTO_RAW), which
 * implies IP_HDRINCL: the kernel routes each packet by its own destination
 * and sends it with the header we built, filling in only the total length,
 * the header checksum and, when zero, the IP id.  It never fragments such
 * a packet: anything longer than the MTU of the outgoing device fails with
 * EMSGSIZE whether DF is set or not (raw_send_hdrinc() in the kernel), and
 * the kernel's path MTU cache is not consulted.  So the caller, on
 * -EMSGSIZE, answers a DF packet with ICMP fragmentation needed carrying
 * rawsock_mtu() (the route MTU, which is at most the device's), and drops
 * or fragments itself a packet without DF.  Packets below the device MTU
 * but above a smaller path MTU further on go out; the router there sends
 * fragmentation needed back to the external address, the capture picks it
 * up and the NAT forwards it to the client: path MTU discovery end to end.
 *
 * IP_RECVERR is on so that a full device queue is reported as -ENOBUFS
 * instead of being hidden; the kernel then also queues an error message
 * for every EMSGSIZE, which rawsock_send() reads off again.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rawsock.h"

#define RAWSOCK_SNDBUF (4 << 20)

struct rawsock {
	int fd;
	int mtu_fd; /* UDP, same device and mark: IP_MTU lookups */
	char ifname[IF_NAMESIZE];
};

/* Bind @fd to the egress device and mark it; errors logged */
static int attach(const struct rawsock *r, int fd, int fwmark)
{
	unsigned int mark = (unsigned int)fwmark;

	if (*r->ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, r->ifname,
				     (socklen_t)strlen(r->ifname))) {
		if (errno == ENODEV)
			log_error("rawsock: %s: no such interface", r->ifname);
		else
			log_warn("rawsock: %s: SO_BINDTODEVICE", r->ifname);
		return -1;
	}
	if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		log_warn("rawsock: SO_MARK %u (needs CAP_NET_ADMIN)", mark);
		return -1;
	}
	return 0;
}

static void set_sndbuf(int fd)
{
	int size = RAWSOCK_SNDBUF;

	/* FORCE passes net.core.wmem_max but needs CAP_NET_ADMIN */
	if (!setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)))
		log_warn("rawsock: SO_SNDBUF");
}

/**
 * rawsock_open() - open the raw socket NATed packets leave by
 * @ifname:	egress interface to bind to (SO_BINDTODEVICE), or NULL or ""
 *		to go wherever the routing table says
 * @fwmark:	firewall mark for the packets (SO_MARK), 0 for none
 *
 * Needs CAP_NET_RAW (and CAP_NET_ADMIN for a mark).  Errors are logged:
 * permission, no such interface.
 *
 * Return: the socket, or NULL on failure
 */
struct rawsock *rawsock_open(const char *ifname, int fwmark)
{
	struct rawsock *r = calloc(1, sizeof(*r));
	int on = 1;

	if (!r) {
		log_error("rawsock: out of memory");
		return NULL;
	}
	r->fd = r->mtu_fd = -1;
	if (ifname && strlen(ifname) >= sizeof(r->ifname)) {
		log_error("rawsock: interface name \"%s\" is too long", ifname);
		goto err;
	}
	if (ifname)
		snprintf(r->ifname, sizeof(r->ifname), "%s", ifname);
	r->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       IPPROTO_RAW);
	if (r->fd < 0) {
		if (errno == EPERM || errno == EACCES)
			log_error("rawsock: a raw socket needs CAP_NET_RAW");
		else
			log_warn("rawsock: socket");
		goto err;
	}
	if (attach(r, r->fd, fwmark))
		goto err;
	set_sndbuf(r->fd);
	if (setsockopt(r->fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on)))
		log_warn("rawsock: IP_RECVERR");
	r->mtu_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->mtu_fd < 0) {
		log_warn("rawsock: socket");
		goto err;
	}
	if (attach(r, r->mtu_fd, fwmark))
		goto err;
	return r;
err:
	rawsock_close(r);
	return NULL;
}

/* Read off what IP_RECVERR queued for an EMSGSIZE, so nothing piles up */
static void drain_errors(int fd)
{
	char ctl[256];
	struct msghdr m;
	int i;

	for (i = 0; i < 64; i++) {
		memset(&m, 0, sizeof(m));
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
	}
}

/**
 * rawsock_send() - send one IPv4 packet as it is
 * @r:		the socket
 * @pkt:	the packet, IPv4 header first; it goes to its own destination
 *		address (bytes 16..19)
 * @len:	its length: exactly the IP total length
 *
 * Never blocks.  A packet the kernel cannot take now fails with -EAGAIN
 * (socket buffer full) or -ENOBUFS (device queue full): count it as a
 * drop.  -EMSGSIZE means @len exceeds the egress device MTU, with or
 * without DF; see rawsock_mtu().  -ENETUNREACH, -EHOSTUNREACH, -EPERM (a
 * firewall) and the like are drops as well.
 *
 * Return: 0 if the kernel took the packet, -EINVAL if @len cannot be an
 * IPv4 packet (under 20 bytes, over 65535, version not 4), or -errno
 */
int rawsock_send(struct rawsock *r, const uint8_t *pkt, size_t len)
{
	struct sockaddr_in to = {.sin_family = AF_INET};
	int err;

	if (len < 20 || len > 65535 || pkt[0] >> 4 != 4)
		return -EINVAL;
	memcpy(&to.sin_addr.s_addr, pkt + 16, sizeof(to.sin_addr.s_addr));
	if (sendto(r->fd, pkt, len, MSG_DONTWAIT | MSG_NOSIGNAL,
		   (const struct sockaddr *)&to, sizeof(to)) >= 0)
		return 0;
	err = errno;
	if (err == EMSGSIZE)
		drain_errors(r->fd);
	return -err;
}

/**
 * rawsock_mtu() - the MTU towards a destination, after -EMSGSIZE
 * @r:		the socket
 * @daddr:	destination address, network byte order
 *
 * Looks the route up as rawsock_send() does (same device, same mark) and
 * asks the kernel for its MTU: getsockopt(IP_MTU) on a UDP socket
 * connected to @daddr, which sends nothing.  The result is what to put in
 * an ICMP fragmentation-needed error back to the client whose DF packet
 * failed with -EMSGSIZE.  A system call or two: for the error path only.
 *
 * Return: the MTU (>= 68), or -errno (-ENETUNREACH without a route)
 */
int rawsock_mtu(struct rawsock *r, uint32_t daddr)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(9), /* discard; any port routes alike */
		.sin_addr.s_addr = daddr,
	};
	socklen_t len = sizeof(int);
	int mtu;

	if (connect(r->mtu_fd, (const struct sockaddr *)&to, sizeof(to)) ||
	    getsockopt(r->mtu_fd, IPPROTO_IP, IP_MTU, &mtu, &len))
		return -errno;
	return mtu;
}

/**
 * rawsock_close() - close the socket
 * @r:		the socket, or NULL
 *
 * Return: nothing
 */
void rawsock_close(struct rawsock *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->mtu_fd >= 0)
		close(r->mtu_fd);
	free(r);
}
