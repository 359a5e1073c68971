#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""hostile.py - WebSocket connections that never become useful (stdlib only)

  hostile.py hold ADDR PORT PATH N MAXWAIT SRC...
      open N TCP connections to ADDR:PORT, taking the source addresses SRC
      in turn, each of one of three kinds by its number: a bare connect
      that never sends a byte; an HTTP upgrade request cut off before its
      end; a WebSocket upgrade to PATH that completes and is then silent
      (it never answers a ping). Print what was opened, then how many of
      them the server had already closed 2 s later (refused at once), then
      wait until the server has closed all the others, or MAXWAIT seconds
      have passed, and print how many of each kind it closed and when the
      last of them was closed. Exit 0 when the server closed every one.
"""
import base64
import os
import resource
import select
import socket
import sys
import time

KINDS = ("connect-only", "partial-request", "upgraded-silent")


def request(addr, port, path, complete):
    key = base64.b64encode(os.urandom(16)).decode()
    head = ("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
            "Sec-WebSocket-Version: 13\r\n" % (path, addr, port, key))
    return (head + "\r\n" if complete else head).encode()


def open_one(i, addr, port, path, src):
    """Return (socket, kind, note); the socket is None if the server
    refused it during the opening"""
    kind = KINDS[i % 3]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((src, 0))
    try:
        s.connect((addr, int(port)))
        if kind == "partial-request":
            s.sendall(request(addr, port, path, False))
        elif kind == "upgraded-silent":
            s.sendall(request(addr, port, path, True))
            reply = s.recv(4096)
            if not reply.startswith(b"HTTP/1.1 101"):
                s.close()
                return None, kind, "refused (%r)" % reply[:20]
    except OSError as e:
        s.close()
        return None, kind, "refused (%s)" % e
    s.setblocking(False)
    return s, kind, "open"


def closed_by_server(s):
    """Read what is there; True once the server has closed"""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def hold(addr, port, path, n, maxwait, *srcs):
    n, maxwait = int(n), float(maxwait)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    conns, refused, kind_of = [], 0, {}
    counts = dict.fromkeys(KINDS, 0)
    for i in range(n):
        s, kind, note = open_one(i, addr, port, path, srcs[i % len(srcs)])
        if s:
            conns.append(s)
            kind_of[s] = kind
            counts[kind] += 1
        else:
            refused += 1
    start = time.monotonic()
    print("opened %d of %d: %s; refused while opening: %d" %
          (len(conns), n, ", ".join("%s %d" % kv for kv in counts.items()),
           refused), flush=True)
    gone = {}  # socket: when the server closed it

    poller = select.poll()
    by_fd = {}
    for s in conns:
        poller.register(s, select.POLLIN)
        by_fd[s.fileno()] = s

    def watch(until):
        while len(gone) < len(conns) and time.monotonic() < until:
            for fd, _ in poller.poll(500):
                s = by_fd[fd]
                if closed_by_server(s):
                    gone[s] = time.monotonic() - start
                    poller.unregister(fd)

    watch(start + 2)
    print("held after 2 s: %d (closed at once: %d)" %
          (len(conns) - len(gone), len(gone)), flush=True)
    watch(start + maxwait)
    for kind in KINDS:
        times = [t for s, t in gone.items() if kind_of[s] == kind]
        print("%s: %d of %d closed by the server, the last after %.1f s" %
              (kind, len(times), counts[kind], max(times, default=0)))
    t = time.monotonic() - start
    if len(gone) == len(conns):
        print("all %d closed by the server" % len(conns))
    else:
        print("after %.1f s the server still holds %d" %
              (t, len(conns) - len(gone)))
    sys.stdout.flush()
    return 0 if len(gone) == len(conns) else 1


def main(argv):
    if len(argv) < 8 or argv[1] != "hold":
        print(__doc__, file=sys.stderr)
        return 2
    return hold(*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
