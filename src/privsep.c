/* SPDX-License-Identifier: MIT */
/* privsep.c - the privileged keeper of a server that dropped its privileges
 *
 * Theory of operation. What the server changed on the host (hostguard's
 * nftables table, reserved ports and state file in /run/tether) must be
 * undone when it stops, which takes privileges the server no longer has
 * once it runs as an unprivileged user: CAP_NET_ADMIN, and write access to
 * /run/tether. Its config, which holds its private key, is readable by
 * root only, and a reload (SIGHUP) reads it again. Rather than keep
 * capabilities that would give those (CAP_DAC_OVERRIDE or
 * CAP_DAC_READ_SEARCH reach every file on the host), the server forks a
 * keeper before it drops them: a child that stays root, never touches the
 * network and does only two things, on the server's word over a socket
 * pair:
 *   'c'	open the config file and pass the descriptor back
 *		(SCM_RIGHTS), or the errno of the failure;
 *   'q', or the socket closing (the server exited, crashed or was killed)
 *		run the undo callback, exit.
 * The keeper ignores SIGINT, SIGTERM and SIGHUP: a terminal's ^C or a
 * service manager's SIGTERM to the whole group stops the server, which
 * then tells the keeper. The server waits for the keeper before it exits,
 * so when the server's process is gone, so are its changes to the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "privsep.h"

#define REPLY_TIMEOUT_MS 5000

struct privsep {
	pid_t pid;
	int fd;
};

/* Keeper: pass @path opened read-only, or the errno of opening it */
static void send_config(int sock, const char *path)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = fd < 0 ? errno : 0;
	struct iovec iov = {.iov_base = &err, .iov_len = sizeof(err)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(sock, &m, MSG_NOSIGNAL) < 0)
		log_warn("keeper: passing %s", path);
	if (fd >= 0)
		close(fd);
}

/* Keeper: serve requests until told to stop or left alone, then undo */
static void keeper(int sock, const char *config, void (*undo)(void *),
		   void *arg)
{
	sigset_t none;
	char c;
	ssize_t n;

	prctl(PR_SET_NAME, "tether-keeper", 0, 0, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;) {
		n = read(sock, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != 1 || c != 'c')
			break;
		send_config(sock, config);
	}
	if (n != 1)
		log_info("keeper: the server is gone; undoing its changes to "
			 "the host");
	undo(arg);
	_exit(0);
}

/**
 * privsep_start() - fork the keeper, before dropping privileges
 * @config:	the config file a reload reads
 * @undo:	what the keeper runs at the end, as root
 * @arg:	passed to @undo
 *
 * Return: the keeper, or NULL (logged); in the child this never returns
 */
struct privsep *privsep_start(const char *config, void (*undo)(void *),
			      void *arg)
{
	struct privsep *ps = calloc(1, sizeof(*ps));
	int sv[2];

	if (!ps || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		log_warn("keeper");
		free(ps);
		return NULL;
	}
	ps->pid = fork();
	if (ps->pid < 0) {
		log_warn("keeper: fork");
		close(sv[0]);
		close(sv[1]);
		free(ps);
		return NULL;
	}
	if (!ps->pid) {
		close(sv[0]);
		keeper(sv[1], config, undo, arg);
	}
	close(sv[1]);
	ps->fd = sv[0];
	return ps;
}

/**
 * privsep_open_config() - have the keeper open the config file
 * @ps:	the keeper
 *
 * Return: a descriptor open for reading, or -1 (logged)
 */
int privsep_open_config(struct privsep *ps)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct pollfd pfd = {.fd = ps->fd, .events = POLLIN};
	int err = 0, fd = -1;
	struct iovec iov = {.iov_base = &err, .iov_len = sizeof(err)};
	struct msghdr m = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;

	if (send(ps->fd, "c", 1, MSG_NOSIGNAL) != 1 ||
	    poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1 ||
	    recvmsg(ps->fd, &m, MSG_CMSG_CLOEXEC) != sizeof(err)) {
		log_error("keeper: no answer; is it gone?");
		return -1;
	}
	c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (fd < 0)
		log_error("keeper: opening the config: %s",
			  strerror(err ? err : EIO));
	return fd;
}

/**
 * privsep_finish() - have the keeper undo what it keeps, wait for it
 * @ps:	the keeper, or NULL; freed
 *
 * Return: 0, or -1 if the keeper failed or was gone (logged)
 */
int privsep_finish(struct privsep *ps)
{
	int status;
	pid_t r;

	if (!ps)
		return 0;
	send(ps->fd, "q", 1, MSG_NOSIGNAL);
	close(ps->fd);
	while ((r = waitpid(ps->pid, &status, 0)) < 0 && errno == EINTR)
		;
	free(ps);
	if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		log_error("keeper: ended abnormally; what the server changed "
			  "on the host may be left");
		return -1;
	}
	return 0;
}
