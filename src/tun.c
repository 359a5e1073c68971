/* SPDX-License-Identifier: MIT */
/* tun.c - a TUN device: open, read and write IP packets
 *
 * The device is IFF_TUN | IFF_NO_PI: each read() returns one IP packet and
 * each write() injects one, with no packet-information header in front.
 * It is not persistent, so the kernel deletes it, with its addresses and
 * routes, when the file descriptor closes (also when tether crashes). The
 * descriptor is non-blocking: the caller polls it and reads until EAGAIN.
 *
 * With TUN_VNET the device is also IFF_VNET_HDR: every packet has a
 * virtio_net_hdr (vnet.h) in front, which tun_read*() strip and
 * tun_write*() add, so a TCP packet of many segments can be written for
 * the kernel to split (GSO). With TUN_OFFLOAD the kernel may hand over
 * such packets and partial checksums as well: TUNSETOFFLOAD with IPv4 TSO
 * only, so nothing else it could offload (UDP, IPv6) ever comes unsplit.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "tun.h"
#include "vnet.h"

#define TUN_DEV "/dev/net/tun"

struct tun {
	int fd;
	int ifindex;
	unsigned int flags; /* TUN_VNET, TUN_OFFLOAD */
	char name[IFNAMSIZ];
};

static int open_dev(void)
{
	int fd = open(TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	int err = errno;

	if (fd >= 0)
		return fd;
	switch (err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		log_warnx("tun: no " TUN_DEV ": load the tun module "
			  "(modprobe tun), or in a container pass the device "
			  "in (--device " TUN_DEV ")");
		break;
	case EACCES:
	case EPERM:
		log_warnx("tun: " TUN_DEV ": permission denied; run tether "
			  "as root (or with CAP_NET_ADMIN)");
		break;
	default:
		log_warn("tun: open " TUN_DEV);
	}
	errno = err;
	return -1;
}

static void report_setiff(const char *name)
{
	const char *n = name ? name : "a TUN device";
	int err = errno;

	switch (err) {
	case EPERM:
	case EACCES:
		log_warnx("tun: creating %s needs root (CAP_NET_ADMIN); run "
			  "tether as root", n);
		break;
	case EBUSY:
		log_warnx("tun: %s is in use by another program; pick "
			  "another \"tun_name\"", n);
		break;
	case EINVAL:
		log_warnx("tun: cannot create %s: an interface of another "
			  "type has that name, or the name is invalid", n);
		break;
	default:
		log_warn("tun: create %s", n);
	}
	errno = err;
}

/* Let the kernel hand over IPv4 TSO packets and partial checksums */
static int set_offload(struct tun *t)
{
	unsigned int off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO_ECN;

	if (!ioctl(t->fd, TUNSETOFFLOAD, off))
		return 0;
	log_warn("tun: offloads on %s", t->name);
	return -1;
}

/**
 * tun_open() - create a TUN device (IFF_TUN, no packet information)
 * @name:	interface name, may hold one "%d" for the kernel to number;
 *		NULL lets the kernel choose ("tun0", "tun1", ...)
 *
 * The device goes away when tun_close() closes it. It is created down,
 * without addresses: netcfg configures it.
 *
 * Return: the device, or NULL with errno set (and the cause logged)
 */
struct tun *tun_open(const char *name)
{
	return tun_open_flags(name, 0);
}

/**
 * tun_open_flags() - create a TUN device, with a vnet header or offloads
 * @name:	as for tun_open()
 * @flags:	TUN_VNET, TUN_OFFLOAD (which implies TUN_VNET), or 0
 *
 * Return: as tun_open()
 */
struct tun *tun_open_flags(const char *name, unsigned int flags)
{
	struct ifreq ifr;
	struct tun *t;
	int err;

	if (name && (!*name || strlen(name) >= IFNAMSIZ)) {
		log_warnx("tun: interface name \"%s\" must be 1..%d "
			  "characters", name, IFNAMSIZ - 1);
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		log_warn("tun: allocating");
		return NULL;
	}
	t->fd = open_dev();
	if (t->fd < 0)
		goto err;
	memset(&ifr, 0, sizeof(ifr));
	if (flags & TUN_OFFLOAD)
		flags |= TUN_VNET;
	t->flags = flags;
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (flags & TUN_VNET)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (name)
		memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		report_setiff(name);
		goto err;
	}
	memcpy(t->name, ifr.ifr_name, IFNAMSIZ - 1);
	/* Attaching to a persistent device someone made: it outlives us */
	if (!ioctl(t->fd, TUNGETIFF, &ifr) && ifr.ifr_flags & IFF_PERSIST)
		log_info("tun: %s is persistent; it stays after tether exits",
			 t->name);
	if ((flags & TUN_OFFLOAD) && set_offload(t))
		goto err;
	t->ifindex = (int)if_nametoindex(t->name);
	if (!t->ifindex) {
		log_warn("tun: index of %s", t->name);
		goto err;
	}
	return t;
err:
	err = errno;
	if (t->fd >= 0)
		close(t->fd);
	free(t);
	errno = err;
	return NULL;
}

/**
 * tun_fd() - the device's file descriptor, to poll for reading
 * @t:	the device
 *
 * Return: a non-blocking descriptor, owned by @t
 */
int tun_fd(const struct tun *t)
{
	return t->fd;
}

/**
 * tun_name() - the device's interface name
 * @t:	the device
 *
 * Return: the name the kernel gave it, valid until tun_close()
 */
const char *tun_name(const struct tun *t)
{
	return t->name;
}

/**
 * tun_ifindex() - the device's interface index
 * @t:	the device
 *
 * Return: the index (> 0), as for netcfg
 */
int tun_ifindex(const struct tun *t)
{
	return t->ifindex;
}

/**
 * tun_read() - read one packet the kernel routed into the device
 * @t:		the device
 * @buf:	where to put the packet
 * @cap:	size of @buf; at least the MTU, or a longer packet is cut
 *
 * Return: the packet's length, or -1 with errno set (EAGAIN: none waiting)
 */
ssize_t tun_read(struct tun *t, void *buf, size_t cap)
{
	return tun_read_gso(t, buf, cap, NULL);
}

/**
 * tun_read_gso() - read one packet, maybe a TCP packet of many segments
 * @t:		the device
 * @buf:	where to put the packet; 65535 bytes for TUN_OFFLOAD
 * @cap:	size of @buf
 * @gso:	receives the segment size (TCP payload bytes) of a TCP GSO
 *		packet, 0 for a plain one; NULL: no GSO packet expected
 *
 * On a TUN_VNET device a partial checksum of a plain packet is completed.
 *
 * Return: the packet's length, or -1 with errno set (EAGAIN: none waiting;
 * EBADMSG: its vnet header made no sense, or a GSO packet where @gso is
 * NULL: the packet is gone, read on)
 */
ssize_t tun_read_gso(struct tun *t, void *buf, size_t cap, size_t *gso)
{
	struct virtio_net_hdr h;
	struct iovec iov[2] = {{&h, sizeof(h)}, {buf, cap}};
	size_t seg;
	ssize_t n;

	if (gso)
		*gso = 0;
	if (!(t->flags & TUN_VNET))
		return read(t->fd, buf, cap);
	n = readv(t->fd, iov, 2);
	if (n < 0)
		return n;
	if ((size_t)n < sizeof(h) ||
	    vnet_rx(&h, buf, (size_t)n - sizeof(h), &seg) || (seg && !gso)) {
		errno = EBADMSG;
		return -1;
	}
	if (gso)
		*gso = seg;
	return n - (ssize_t)sizeof(h);
}

/**
 * tun_write() - hand one IP packet to the kernel as if it arrived on @t
 * @t:		the device
 * @pkt:	an IPv4 or IPv6 packet
 * @len:	its length
 *
 * Return: @len, or -1 with errno set (EAGAIN: the device queue is full;
 * EINVAL: not an IP packet)
 */
ssize_t tun_write(struct tun *t, const void *pkt, size_t len)
{
	struct virtio_net_hdr h = {0};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)pkt, len}};
	ssize_t n;

	if (!(t->flags & TUN_VNET))
		return write(t->fd, pkt, len);
	n = writev(t->fd, iov, 2);
	return n < 0 ? n : n - (ssize_t)sizeof(h);
}

/**
 * tun_write_gso() - hand the kernel a TCP packet to split into segments
 * @t:		a TUN_VNET device
 * @p:		a parsed TCP packet; its checksum is set to the partial
 *		one the kernel completes in each segment
 * @gso:	payload bytes per segment; 0, or a packet whose payload
 *		fits one segment, is written as it is
 *
 * Return: @p->len, or -1 with errno set (EINVAL: not a TUN_VNET device,
 * or the packet is not TCP that can be segmented)
 */
ssize_t tun_write_gso(struct tun *t, struct pkt *p, size_t gso)
{
	size_t hlen = (size_t)p->l4off + p->l4hlen;
	struct virtio_net_hdr h;
	struct iovec iov[2] = {{&h, sizeof(h)}, {p->data, p->len}};
	ssize_t n;

	if (!gso || p->len <= hlen + gso)
		return tun_write(t, p->data, p->len);
	if (!(t->flags & TUN_VNET) || vnet_gso_hdr(&h, p, gso)) {
		errno = EINVAL;
		return -1;
	}
	n = writev(t->fd, iov, 2);
	return n < 0 ? n : n - (ssize_t)sizeof(h);
}

/**
 * tun_close() - close the device; the kernel deletes it and its routes
 * @t:	the device, or NULL
 */
void tun_close(struct tun *t)
{
	if (!t)
		return;
	close(t->fd);
	free(t);
}
