#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# noise_interop.py - tether's handshake and transport against dissononce
#
# dissononce is an independent implementation of the Noise Protocol
# Framework. This script builds tether's wire messages (doc/PROTOCOL.md)
# around dissononce's Noise_IK_25519_ChaChaPoly_BLAKE2b and talks to the
# C implementation (t/unit/noise_peer) over hex lines, in both roles.
# Both sides must derive the same transport keys and read each other's
# data messages. Output is TAP.
#
# usage: noise_interop.py PATH/TO/noise_peer
import hashlib
import struct
import subprocess
import sys
import time

from dissononce.cipher.chachapoly import ChaChaPolyCipher
from dissononce.dh.keypair import KeyPair
from dissononce.dh.x25519.public import PublicKey
from dissononce.dh.x25519.x25519 import X25519DH
from dissononce.exceptions.decrypt import DecryptFailedException
from dissononce.hash.blake2b import Blake2bHash
from dissononce.processing.handshakepatterns.interactive.IK import \
    IKHandshakePattern
from dissononce.processing.impl.cipherstate import CipherState
from dissononce.processing.impl.handshakestate import HandshakeState
from dissononce.processing.impl.symmetricstate import SymmetricState

PROLOGUE = b"tether 1"
PEER = sys.argv[1]
n_tests = 0
n_failed = 0


def ok(cond, name, diag=None):
    global n_tests, n_failed
    n_tests += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n_tests, name))
    if not cond:
        n_failed += 1
        if diag:
            print("#   " + str(diag))
    sys.stdout.flush()
    return cond


def new_handshake():
    return HandshakeState(
        SymmetricState(CipherState(ChaChaPolyCipher()), Blake2bHash()),
        X25519DH())


def mac1(msg, receiver_pub):
    key = hashlib.blake2b(b"mac1----" + receiver_pub, digest_size=32).digest()
    return hashlib.blake2b(msg, digest_size=16, key=key).digest()


def tai64n():
    return struct.pack(">QI", 0x400000000000000a + int(time.time()), 0)


def batch(*packets):
    b = b"".join(struct.pack("<H", len(p)) + p for p in packets)
    return b + b"\0" * (-len(b) % 16)


def unbatch(b):
    out = []
    while len(b) >= 2:
        n = struct.unpack("<H", b[:2])[0]
        if n == 0:
            break
        out.append(b[2:2 + n])
        b = b[2 + n:]
    return out


def data_msg(cs, receiver_index, packets):
    counter = cs._nonce
    header = bytes([3, 0, 0, 0]) + struct.pack("<IQ", receiver_index, counter)
    return header + cs.encrypt_with_ad(header, batch(*packets))


def open_data(cs, msg):
    counter = struct.unpack("<Q", msg[8:16])[0]
    cs.set_nonce(counter)
    return unbatch(cs.decrypt_with_ad(msg[:16], msg[16:]))


def assignment(addr, prefix, mtu, dns):
    a = bytes(int(x) for x in addr.split("."))
    d = bytes(int(x) for x in dns.split("."))
    return a + struct.pack("<BBH", prefix, 0, mtu) + d + b"\0" * 4


class Peer:
    """noise_peer in a role, spoken to in hex lines"""

    def __init__(self, role, priv, pub):
        self.p = subprocess.Popen([PEER, role, priv.hex(), pub.hex()],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

    def send(self, word, data):
        self.p.stdin.write("%s %s\n" % (word, data.hex()))
        self.p.stdin.flush()

    def recv(self):
        line = self.p.stdout.readline().split()
        return line[0] if line else "eof", line[1:]

    def close(self):
        self.p.stdin.close()
        return self.p.wait(timeout=10)


def keypair():
    return X25519DH().generate_keypair()


def c_initiator(tamper=None, bad_assignment=False):
    """C is the client, dissononce the server"""
    server, client = keypair(), keypair()
    peer = Peer("initiator", client.private.data, server.public.data)
    word, args = peer.recv()
    init = bytes.fromhex(args[0])
    hs = new_handshake()
    hs.initialize(IKHandshakePattern(), False, PROLOGUE, s=server)

    first = tamper is None and not bad_assignment
    if first:
        ok(word == "init" and len(init) == 132 and init[:4] == b"\1\0\0\0",
           "C initiation: 132 bytes, type 1")
        ok(init[116:] == mac1(init[:116], server.public.data),
           "C initiation: mac1 matches")
    payload = bytearray()
    hs.read_message(init[4:116], payload)
    if first:
        ok(hs.rs.data == client.public.data,
           "dissononce decrypts the client's static key")
        ok(payload[0] == 0x40 and len(payload) == 16,
           "payload: TAI64N timestamp and index")
    client_index = struct.unpack("<I", payload[12:16])[0]

    body = bytearray()
    plain = struct.pack("<I", 0x77) + assignment(
        "10.8.0.2", 0 if bad_assignment else 24, 1400, "10.8.0.1")
    recv_cs, send_cs = hs.write_message(plain, body)
    resp = bytearray(bytes([2, 0, 0, 0]) + struct.pack("<I", client_index) +
                     body)
    if tamper == "payload":
        resp[50] ^= 1
    resp += mac1(bytes(resp), client.public.data)
    if tamper == "mac1":
        resp[-1] ^= 1
    peer.send("resp", bytes(resp))
    word, args = peer.recv()

    if tamper or bad_assignment:
        want = {"payload": "bad payload", "mac1": "bad mac1",
                None: "bad assignment"}[tamper]
        ok(word == "error" and " ".join(args) == want,
           "C refuses a response with %s" % want, (word, args))
        peer.close()
        return
    ok(word == "keys" and args == [recv_cs._key.hex(), send_cs._key.hex()],
       "C initiator and dissononce responder derive the same keys",
       (word, args))
    word, args = peer.recv()
    ok(word == "assign" and args == ["10.8.0.2/24", "1400", "10.8.0.1"],
       "C reads the assignment", (word, args))

    word, args = peer.recv()
    msg = bytes.fromhex(args[0])
    ok(word == "data" and msg[:4] == b"\3\0\0\0" and
       struct.unpack("<I", msg[4:8])[0] == 0x77 and len(msg) % 16 == 0,
       "C data message: type 3, our index, padded")
    try:
        pkts = open_data(recv_cs, msg)
    except DecryptFailedException:
        pkts = None
    ok(pkts == [b"ping from C", b"second packet"],
       "dissononce decrypts C's batch of two packets", pkts)

    reply = data_msg(send_cs, client_index, [b"pong from python"])
    peer.send("data", reply)
    word, args = peer.recv()
    ok(word == "packets" and args == [b"pong from python".hex()],
       "C decrypts dissononce's message", (word, args))
    peer.send("data", reply)
    word, args = peer.recv()
    ok(word == "error" and args == ["replay"], "C refuses it a second time")
    peer.send("data", data_msg(send_cs, client_index, []))
    word, args = peer.recv()
    ok(word == "packets" and args == [], "C accepts a keepalive")
    ok(peer.close() == 0, "C initiator exits 0")


def c_responder(tamper=None):
    """dissononce is the client, C the server"""
    server, client, stranger = keypair(), keypair(), keypair()
    expect = stranger if tamper == "unknown" else client
    peer = Peer("responder", server.private.data, expect.public.data)
    hs = new_handshake()
    hs.initialize(IKHandshakePattern(), True, PROLOGUE, s=client,
                  rs=PublicKey(server.public.data))
    body = bytearray()
    hs.write_message(tai64n() + struct.pack("<I", 0x1234), body)
    init = bytearray(b"\1\0\0\0" + body)
    init += mac1(bytes(init), server.public.data)
    if tamper == "mac1":
        init[-3] ^= 0x40
    peer.send("init", bytes(init))
    word, args = peer.recv()
    if tamper:
        want = {"mac1": "bad mac1", "unknown": "unknown client"}[tamper]
        ok(word == "error" and " ".join(args) == want,
           "C server drops an initiation: %s" % want, (word, args))
        peer.close()
        return
    resp = bytes.fromhex(args[0])
    ok(word == "resp" and len(resp) == 92 and resp[:4] == b"\2\0\0\0" and
       struct.unpack("<I", resp[4:8])[0] == 0x1234,
       "C response: 92 bytes, type 2, our index")
    ok(resp[76:] == mac1(resp[:76], client.public.data),
       "C response: mac1 keyed with the client's key")
    payload = bytearray()
    send_cs, recv_cs = hs.read_message(resp[8:76], payload)
    server_index = struct.unpack("<I", payload[:4])[0]
    ok(server_index == 0x0a0b0c0d and
       payload[4:] == assignment("10.9.0.2", 24, 1380, "10.9.0.1"),
       "dissononce reads C's index and assignment")
    word, args = peer.recv()
    ok(word == "keys" and args == [recv_cs._key.hex(), send_cs._key.hex()],
       "C responder and dissononce initiator derive the same keys",
       (word, args))

    peer.send("data", data_msg(send_cs, server_index,
                               [b"ping from python", b"x" * 1400]))
    word, args = peer.recv()
    ok(word == "packets" and
       args == [b"ping from python".hex(), (b"x" * 1400).hex()],
       "C decrypts dissononce's batch", (word, args))
    word, args = peer.recv()
    msg = bytes.fromhex(args[0])
    ok(word == "data" and struct.unpack("<I", msg[4:8])[0] == 0x1234,
       "C answers with a data message to our index")
    try:
        pkts = open_data(recv_cs, msg)
    except DecryptFailedException:
        pkts = None
    ok(pkts == [b"pong from C"], "dissononce decrypts C's reply", pkts)
    ok(peer.close() == 0, "C responder exits 0")


def main():
    c_initiator()
    c_responder()
    c_initiator(tamper="mac1")
    c_initiator(tamper="payload")
    c_initiator(bad_assignment=True)
    c_responder(tamper="mac1")
    c_responder(tamper="unknown")
    print("1..%d" % n_tests)
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
