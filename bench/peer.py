#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Client and server ends for the mpconv benchmarks (bench/bench-vm.sh).

  peer.py rr-server ADDR PORT [--mptcp]      request/response server: read one
                                             request, answer RESP bytes, close
                                             (4 pre-forked workers)
  peer.py ttfb ADDR PORT COUNT [--mptcp]     one warm-up, then COUNT requests one
                                             after the other; prints each time to
                                             first byte of the answer in ms
  peer.py rate ADDR PORT SECONDS CONC [--mptcp]
                                             CONC clients (processes), each
                                             connect/request/answer/close in a loop
                                             for SECONDS; prints connections/s
  peer.py hold-server ADDR PORT [--mptcp]    accept and keep every connection
  peer.py hold ADDR PORT N READY STOP [--mptcp]
                                             open N connections and keep them; write
                                             the number opened to READY, wait for the
                                             file STOP, then reset them all (no
                                             TIME_WAIT left behind)
"""
import os
import resource
import socket
import struct
import sys
import time

IPPROTO_MPTCP = 262
REQ = b"G" * 100
RESP = b"R" * 1000


def proto(args):
    return IPPROTO_MPTCP if "--mptcp" in args else 0


def nofile(n):
    want = n + 256
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= want:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def listener(addr, port, p, backlog=4096):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, p)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(backlog)
    return s


def linger0(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def rr_server(addr, port, p):
    s = listener(addr, port, p)
    for _ in range(3):
        if os.fork() == 0:
            break
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            continue
        try:
            c.settimeout(10)
            got = 0
            while got < len(REQ):
                b = c.recv(4096)
                if not b:
                    break
                got += len(b)
            c.sendall(RESP)
        except OSError:
            pass
        c.close()


def one_request(addr, port, p):
    """connect, send the request, read the whole answer; returns the time
    from the start of connect() to the first byte of the answer (s)"""
    t0 = time.monotonic()
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, p)
    c.settimeout(10)
    c.connect((addr, int(port)))
    c.sendall(REQ)
    b = c.recv(65536)
    t1 = time.monotonic()
    got = len(b)
    while b and got < len(RESP):
        b = c.recv(65536)
        got += len(b)
    c.close()
    if got < len(RESP):
        raise OSError("short answer: %d bytes" % got)
    return t1 - t0


def ttfb(addr, port, count, p):
    one_request(addr, port, p)
    time.sleep(0.2)
    for _ in range(int(count)):
        print("%.2f" % (one_request(addr, port, p) * 1000), flush=True)
        time.sleep(0.2)


def rate(addr, port, seconds, conc, p):
    seconds, conc = float(seconds), int(conc)
    pipes = []
    start = time.monotonic() + 0.3
    for _ in range(conc):
        r, w = os.pipe()
        if os.fork() == 0:
            os.close(r)
            n = err = 0
            while time.monotonic() < start:
                time.sleep(0.01)
            end = start + seconds
            while time.monotonic() < end:
                try:
                    one_request(addr, port, p)
                    n += 1
                except OSError:
                    err += 1
            os.write(w, b"%d %d\n" % (n, err))
            os._exit(0)
        os.close(w)
        pipes.append(r)
    n = err = 0
    for r in pipes:
        a, b = os.read(r, 100).split()
        n += int(a)
        err += int(b)
        os.close(r)
    for _ in pipes:
        os.wait()
    if err:
        print("rate: %d failed connections" % err, file=sys.stderr)
    print("%.1f" % (n / seconds))


def hold_server(addr, port, p):
    nofile(100000)
    s = listener(addr, port, p, 65535)
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)


def hold(addr, port, n, ready, stop, p):
    n = int(n)
    nofile(n)
    held = []
    for _ in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, p)
        c.settimeout(10)
        try:
            c.connect((addr, int(port)))
        except OSError as e:
            print("hold: connection %d: %s" % (len(held) + 1, e), file=sys.stderr)
            c.close()
            break
        held.append(c)
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % len(held))
    os.rename(ready + ".tmp", ready)
    while not os.path.exists(stop):
        time.sleep(0.2)
    for c in held:
        linger0(c)
        c.close()


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], [a for a in argv[2:] if a != "--mptcp"]
    p = proto(argv[2:])
    fn = {"rr-server": rr_server, "ttfb": ttfb, "rate": rate,
          "hold-server": hold_server, "hold": hold}.get(cmd)
    if fn is None:
        sys.exit(__doc__)
    fn(*args, p)


if __name__ == "__main__":
    main(sys.argv)
