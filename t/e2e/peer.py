#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""peer.py - small network peers for the end-to-end tests (stdlib only)

  peer.py udp-echo ADDR PORT
      send every datagram back to its sender, until killed; print each new
      sender's address once
  peer.py udp-send ADDR PORT LPORT TOKEN N
      from local port LPORT, send "TOKEN 1" .. "TOKEN N" to ADDR:PORT, then
      print every reply (one per line) that arrives within 3 s
  peer.py churn ADDR N
      N short HTTP/1.0 requests to ADDR:80, each on its own connection and
      closed gracefully (the server's FIN, then ours), and N DNS queries to
      ADDR:53, each from its own socket; print the counts and exit 0 only
      if every request and every query got its answer
  peer.py udp-flows ADDR PORT N
      N UDP flows to ADDR:PORT, each from its own port, opened one after
      the other: print for each whether its datagram came back ("echo"),
      an ICMP error did (its type and code), or nothing; then send again
      on every flow that was echoed and print whether it still is
"""
import concurrent.futures
import os
import socket
import struct
import sys
import time


def udp_echo(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    seen = set()
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)
        if peer not in seen:
            seen.add(peer)
            print("peer %s:%d" % peer, flush=True)


def udp_send(addr, port, lport, token, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(lport)))
    for i in range(1, int(n) + 1):
        s.sendto(("%s %d" % (token, i)).encode(), (addr, int(port)))
        time.sleep(0.01)
    deadline = time.monotonic() + 3
    got = 0
    while got < int(n):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            break
        print("%s from %s:%d" % (data.decode(errors="replace"), *peer))
        got += 1
    sys.stdout.flush()


def dns_once(addr):
    """Return None when the answer is right, else what was wrong"""
    qid = struct.unpack("!H", os.urandom(2))[0]
    name = b"".join(bytes([len(p)]) + p for p in [b"example", b"test"])
    query = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + \
        b"\0" + struct.pack("!HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(query, (addr, 53))
        port = s.getsockname()[1]
        try:
            reply = s.recv(512)
        except socket.timeout:
            return "no answer in 3 s (port %d)" % port
    if len(reply) < 12:
        return "a %d-byte answer (port %d)" % (len(reply), port)
    rid, flags, _, an = struct.unpack("!HHHH", reply[:8])
    if rid != qid:
        return "the answer to query %04x, not %04x (port %d)" % \
            (rid, qid, port)
    if flags & 15 or an < 1:
        return "rcode %d, %d answers (port %d)" % (flags & 15, an, port)
    return None


def http_once(addr):
    """Return None when the page came, else what was wrong"""
    with socket.create_connection((addr, 80), timeout=5) as s:
        port = s.getsockname()[1]
        s.sendall(b"GET /small.txt HTTP/1.0\r\nHost: " + addr.encode() +
                  b"\r\n\r\n")
        reply = b""
        while True:  # until the server's FIN
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
    if not reply.startswith(b"HTTP/1.1 200 "):
        return "%r (port %d)" % (reply[:40], port)
    return None


def churn(addr, n):
    n = int(n)

    def one(_):
        res = []
        for kind, fn in (("http", http_once), ("dns", dns_once)):
            try:
                res.append((kind, fn(addr)))
            except OSError as e:
                res.append((kind, str(e)))
        return res

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = [r for rs in pool.map(one, range(n)) for r in rs]
    errors = [k + ": " + e for k, e in results if e]
    for kind, what in (("http", "requests"), ("dns", "queries")):
        good = sum(1 for k, e in results if k == kind and not e)
        print("%s: %d of %d %s answered" % (kind, good, n, what))
    for e in errors[:10]:
        print("error:", e)
    return 1 if errors else 0


IP_RECVERR = 11  # <linux/in.h>; not in Python's socket module


def flow_try(s, token):
    """Send token on s; return "echo", "icmp TYPE/CODE" or "nothing" """
    s.send(token)
    s.settimeout(2)
    try:
        if s.recv(2048) == token:
            return "echo"
        return "something else"
    except socket.timeout:
        return "nothing"
    except OSError:
        # the error itself is in the error queue: struct sock_extended_err
        _, anc, _, _ = s.recvmsg(2048, 512, socket.MSG_ERRQUEUE)
        for level, kind, data in anc:
            if level == socket.IPPROTO_IP and kind == IP_RECVERR:
                _, origin, etype, code = struct.unpack("=IBBB", data[:7])
                return "icmp %d/%d" % (etype, code) if origin == 2 else \
                    "error origin %d" % origin
        return "error without details"


def udp_flows(addr, port, n):
    flows = []
    for i in range(1, int(n) + 1):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        s.connect((addr, int(port)))
        got = flow_try(s, b"flow %d" % i)
        print("flow %d (port %d): %s" % (i, s.getsockname()[1], got))
        flows.append((i, s, got))
    for i, s, got in flows:
        if got == "echo":
            print("flow %d again: %s" % (i, flow_try(s, b"again %d" % i)))
    sys.stdout.flush()


def main(argv):
    cmds = {"udp-echo": (udp_echo, 2), "udp-send": (udp_send, 5),
            "churn": (churn, 2), "udp-flows": (udp_flows, 3)}
    if len(argv) < 2 or argv[1] not in cmds or \
            len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]][0](*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
