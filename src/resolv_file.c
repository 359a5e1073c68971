/* SPDX-License-Identifier: MIT */
/* resolv_file.c - replace /etc/resolv.conf, keep the old one aside, put it back
 *
 * The previous file is copied aside first: a regular file byte for byte
 * with its mode and owner, a symlink as a symlink to the same target. A
 * new file is written next to the old one and renamed over it, so readers
 * never see half a file. That rename fails with EBUSY when the file is a
 * mount point, as in `ip netns exec`, which bind-mounts
 * /etc/netns/NAME/resolv.conf over it: the file is then rewritten in
 * place, which keeps its inode, mode and owner.
 *
 * Putting the old file back happens only while the current one is still
 * tether's (resolv_is_ours()): one that someone else wrote meanwhile (a
 * network manager) is newer than ours and stays. That also makes undo
 * safe after a crash at any point: before our file was written, the
 * current one is not ours and is left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "resolv.h"

/**
 * resolv_file_read() - a small file's bytes, NUL-terminated
 * @path:	the file
 * @follow:	follow a symlink (else a symlink fails with ELOOP)
 * @len:	set to its length, or NULL
 *
 * Return: the bytes (free() them), or NULL with errno set (EFBIG: longer
 * than RESOLV_MAX)
 */
char *resolv_file_read(const char *path, bool follow, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	char *buf = NULL;
	size_t got = 0;
	ssize_t n = 1;
	int err;

	if (fd < 0)
		return NULL;
	buf = malloc(RESOLV_MAX + 1);
	if (!buf)
		goto err;
	while (got <= RESOLV_MAX && n > 0) {
		n = read(fd, buf + got, RESOLV_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			got += (size_t)n;
	}
	if (n < 0)
		goto err;
	if (got > RESOLV_MAX) {
		errno = EFBIG;
		goto err;
	}
	close(fd);
	buf[got] = '\0';
	if (len)
		*len = got;
	return buf;
err:
	err = errno;
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A new file @path holding @len bytes, with @st's mode and owner */
static int create(const char *path, const char *p, size_t len,
		  const struct stat *st)
{
	int fd, err;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, p, len) || fchown(fd, st->st_uid, st->st_gid) ||
	    fchmod(fd, st->st_mode & 07777)) {
		err = errno;
		close(fd);
		unlink(path);
		errno = err;
		return -1;
	}
	return close(fd);
}

/* @path now holds @len bytes: renamed over it, or written into it */
static int replace(const char *path, const char *p, size_t len,
		   const struct stat *st)
{
	char tmp[PATH_MAX];
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.tether-new", path);
	if (create(tmp, p, len, st))
		return -1;
	if (!rename(tmp, path))
		return 0;
	err = errno;
	unlink(tmp);
	if (err != EBUSY) {
		errno = err;
		return -1;
	}
	/* a mount point: in place, the mount keeps its inode */
	fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write_all(fd, p, len)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return close(fd);
}

/* A symlink @path to @target, put in place by a rename */
static int relink(const char *path, const char *target)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s.tether-new", path);
	unlink(tmp);
	if (symlink(target, tmp))
		return -1;
	if (rename(tmp, path)) {
		int err = errno;

		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

/* The copy of @from at @to: a symlink's target, or a file's bytes */
static int copy(const char *from, const char *to)
{
	char target[PATH_MAX], *text;
	struct stat st;
	ssize_t n;
	size_t len;
	int ret;

	if (lstat(from, &st))
		return -1;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(from, target, sizeof(target));
		if (n < 0 || (size_t)n >= sizeof(target)) {
			errno = n < 0 ? errno : ENAMETOOLONG;
			return -1;
		}
		target[n] = '\0';
		return relink(to, target);
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	text = resolv_file_read(from, false, &len);
	if (!text)
		return -1;
	ret = replace(to, text, len, &st);
	free(text);
	return ret;
}

/**
 * resolv_file_save() - keep a copy of resolv.conf aside
 * @conf:	/etc/resolv.conf
 * @saved:	the copy to make (replaced if it exists)
 *
 * Return: 1 if it was copied, 0 if there is no @conf, -1 with errno set
 * (EINVAL: not a regular file or a symlink; EFBIG: too long) and the
 * failure logged
 */
int resolv_file_save(const char *conf, const char *saved)
{
	struct stat st;

	if (lstat(conf, &st) && errno == ENOENT)
		return 0;
	if (copy(conf, saved)) {
		log_warn("dns: keeping %s as %s", conf, saved);
		return -1;
	}
	return 1;
}

/**
 * resolv_file_write() - replace resolv.conf with a text of tether's
 * @conf:	/etc/resolv.conf
 * @text:	the new content (resolv_text())
 *
 * A regular file keeps its mode and owner; anything else (a symlink, no
 * file) becomes a regular file, mode 644, owned by root.
 *
 * Return: 0, or -1 with errno set (and the failure logged)
 */
int resolv_file_write(const char *conf, const char *text)
{
	struct stat st;

	if (lstat(conf, &st) || !S_ISREG(st.st_mode))
		st = (struct stat){.st_mode = 0644};
	if (replace(conf, text, strlen(text), &st)) {
		log_warn("dns: writing %s", conf);
		return -1;
	}
	return 0;
}

/* Is @conf still what tether wrote? Return: 1, 0 (no: or none), -1 */
static int still_ours(const char *conf)
{
	size_t len;
	char *text = resolv_file_read(conf, false, &len);
	int ours;

	if (!text)
		return errno == ENOENT || errno == ELOOP || errno == EFBIG ? 0
									   : -1;
	ours = resolv_is_ours(text, len);
	free(text);
	return ours;
}

/**
 * resolv_file_restore() - put the old resolv.conf back
 * @conf:	/etc/resolv.conf
 * @saved:	the copy resolv_file_save() made, or NULL if there was no
 *		@conf: then tether's file is removed
 *
 * Only while @conf is still tether's (see above); a @saved copy that was
 * never made means @conf was never replaced either. The copy is removed
 * once it is back, or once it is of no use.
 *
 * Return: 0 (put back, or nothing to do), or -1 with errno set and the
 * failure logged (@saved stays)
 */
int resolv_file_restore(const char *conf, const char *saved)
{
	struct stat st;
	int ours = still_ours(conf);

	if (ours < 0)
		goto err;
	if (!saved) { /* there was none: ours goes */
		if (ours && unlink(conf) && errno != ENOENT)
			goto err;
		return 0;
	}
	if (lstat(saved, &st)) {
		if (errno != ENOENT)
			goto err;
		if (ours)
			log_warnx("dns: the copy of %s kept as %s is gone: %s "
				  "stays as tether wrote it",
				  conf, saved, conf);
		return 0;
	}
	if (!ours)
		log_info("dns: %s is not the one tether wrote: left as it is",
			 conf);
	else if (copy(saved, conf))
		goto err;
	if (unlink(saved) && errno != ENOENT) {
		log_warn("dns: %s", saved);
		return -1;
	}
	return 0;
err:
	log_warn("dns: putting back %s%s%s", conf, saved ? " from " : "",
		 saved ? saved : "");
	return -1;
}
