#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Test peers the suites need that socat cannot play.

  peer.py rst-server ADDR PORT         accept one connection, read a little,
                                       then reset it (SO_LINGER 0)
  peer.py watch-server ADDR PORT       accept one connection, read until it
                                       ends; print "eof" or "reset"
  peer.py client ADDR PORT             TCP client: send stdin, half-close,
                                       copy what comes back to stdout; exit 0
                                       at EOF, 4 on a reset ("reset" on
                                       stderr), 5 on a timeout (30 s, or
                                       PEER_TIMEOUT), 6 when connect() is
                                       refused (ECONNREFUSED), 7 when it gets
                                       an ICMP error (EHOSTUNREACH,
                                       ENETUNREACH, EACCES...), 1 else;
                                       with PEER_TIME_FILE set, writes there
                                       the ms from connect() to the EOF or the
                                       reset (the connection's own time,
                                       without this process's start)
  peer.py mptcp-client ADDR PORT       the same over an MPTCP socket
  peer.py abort-client CONV DEST PORT  MPTCP client: a Convert request (built
                                       here, byte by byte), some data, then an
                                       abortive close (SO_LINGER 0)
  peer.py echo-server ADDR PORT        echo every connection until its EOF,
                                       then close; any number at once (one
                                       thread, non-blocking)
  peer.py seq ADDR PORT N [SIZE] [SECS] [CONC]
                                       N connections one after the other, each
                                       sending SIZE bytes (default 100), half-
                                       closing and checking the echo, for at
                                       most SECS seconds; prints "ok K failed
                                       F" (and the first errors), exit 0 when
                                       none failed; with CONC, that many
                                       clients side by side, N in all
  peer.py many ADDR PORT N SIZE READY GO
                                       N echoes of SIZE bytes side by side:
                                       each sends half, and once every one has
                                       its first half back, writes N to READY
                                       and waits for the file GO (or 300 s)
                                       before sending the rest and half-
                                       closing; a connection that gets nothing
                                       for 60 s fails; prints "ok K failed F"
                                       (and the first errors), exit 0 when
                                       none failed
  peer.py hold ADDR PORT N READY STOP  open N connections, check each one with
                                       a 1-byte echo, write how many work to
                                       READY, wait for the file STOP (or 120 s),
                                       then print "eof E reset R open O": how
                                       the connections ended meanwhile
  peer.py error-converter ADDR CODE VALUE COUNT
                                       an RFC 8803 converter that answers
                                       every request with Error CODE, its
                                       value the bytes of the hex string
                                       VALUE (- for none), then closes;
                                       writes the number of requests
                                       answered to the file COUNT
  peer.py ns-socket NSPATH READY STOP  open a UDP socket in the namespace
                                       NSPATH and go back to this one (as a
                                       daemon does with setns()), write READY,
                                       close it when the file STOP exists
"""
import errno
import json
import os
import resource
import select
import selectors
import socket
import struct
import sys
import threading
import time

IPPROTO_MPTCP = 262


def listener(addr, port):
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(8)
    s.settimeout(30)    # never wait forever for a client that failed
    print("listening", flush=True)
    return s


def linger0(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))


def rst_server(addr, port):
    s = listener(addr, port)
    c, _ = s.accept()
    c.settimeout(30)
    c.recv(100)
    linger0(c)
    c.close()


def watch_server(addr, port):
    s = listener(addr, port)
    c, _ = s.accept()
    c.settimeout(30)
    try:
        while c.recv(65536):
            pass
        print("eof", flush=True)
    except ConnectionResetError:
        print("reset", flush=True)


def convert_request(dest, port):
    """Version 1, Total Length 6 words, magic 0x2263; Connect TLV (type 10,
    5 words): port, then the address (IPv4 as ::ffff:a.b.c.d)."""
    if ':' in dest:
        a = socket.inet_pton(socket.AF_INET6, dest)
    else:
        a = b'\0' * 10 + b'\xff\xff' + socket.inet_pton(socket.AF_INET, dest)
    return bytes([1, 6, 0x22, 0x63, 10, 5]) + struct.pack('!H', int(port)) + a


def abort_client(conv, dest, port):
    fam = socket.AF_INET6 if ':' in conv else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM, IPPROTO_MPTCP)
    s.settimeout(10)
    s.connect((conv, 5124))
    s.sendall(convert_request(dest, port))
    reply = s.recv(4, socket.MSG_WAITALL)
    if len(reply) < 4 or reply[0] != 1 or reply[1] < 1:
        print("bad reply", reply.hex(), flush=True)
        sys.exit(1)
    if reply[1] > 1:
        s.recv(reply[1] * 4 - 4, socket.MSG_WAITALL)
    s.sendall(b'x' * 1000)
    linger0(s)
    s.close()
    print("aborted", flush=True)


def error_converter(addr, code, value, count):
    """Read each request (the 4-byte header says how long it is), answer
    with an Error TLV (type 30: code, value, zero padding) in a reply of
    its own, then close."""
    val = b'' if value == '-' else bytes.fromhex(value)
    tlv = bytes([30, 0, int(code)]) + val
    tlv += b'\0' * (-len(tlv) % 4)
    tlv = tlv[:1] + bytes([len(tlv) // 4]) + tlv[2:]
    reply = bytes([1, 1 + len(tlv) // 4, 0x22, 0x63]) + tlv
    s = listener(addr, 5124)
    n = 0
    with open(count, 'w') as f:
        f.write('0\n')
    while True:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.settimeout(5)
        try:
            head = c.recv(4, socket.MSG_WAITALL)
            if len(head) == 4 and head[1] > 1:
                c.recv(head[1] * 4 - 4, socket.MSG_WAITALL)
            c.sendall(reply)
            n += 1
            with open(count, 'w') as f:
                f.write(f'{n}\n')
        except OSError:
            pass
        c.close()


def client(addr, port, proto=0):
    sent = []   # the sender's error, if any (a socket reports it only once)
    t0 = None

    def write_time():
        if os.environ.get('PEER_TIME_FILE') and t0 is not None:
            with open(os.environ['PEER_TIME_FILE'], 'w') as f:
                f.write("%d\n" % ((time.monotonic() - t0) * 1000))

    def send(s, data):
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            sent.append(e)

    def reset(e):
        write_time()
        print("reset:", e, file=sys.stderr, flush=True)
        sys.exit(4)

    try:
        fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM, proto)
        s.settimeout(float(os.environ.get('PEER_TIMEOUT', '30')))
        t0 = time.monotonic()
        try:
            s.connect((addr, int(port)))
        except ConnectionRefusedError as e:
            write_time()
            print("refused:", e, file=sys.stderr, flush=True)
            sys.exit(6)
        except OSError as e:
            if e.errno not in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES,
                               errno.EPERM, errno.EPROTO, errno.ENOPROTOOPT):
                raise
            write_time()
            print("unreachable: %s (%s)" % (e, errno.errorcode[e.errno]),
                  file=sys.stderr, flush=True)
            sys.exit(7)
        # send while receiving: a large echo must not fill both ways
        t = threading.Thread(target=send, args=(s, sys.stdin.buffer.read()),
                             daemon=True)
        t.start()
        while True:
            b = s.recv(65536)
            if not b:
                break
            sys.stdout.buffer.write(b)
        t.join()
        if sent:
            raise sent[0]
        write_time()
        return 0
    except socket.timeout:
        print("timeout", file=sys.stderr, flush=True)
        sys.exit(5)
    except (ConnectionResetError, BrokenPipeError) as e:
        reset(e)
    except OSError as e:
        if e.errno == errno.ENOTCONN:   # reset before our half-close
            reset(e)
        raise


def mptcp_client(addr, port):
    return client(addr, port, IPPROTO_MPTCP)


def raise_nofile():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def echo_server(addr, port):
    raise_nofile()
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    print("listening", flush=True)
    while True:
        for key, _ in sel.select():
            if key.fileobj is ls:
                try:
                    c, _ = ls.accept()
                except OSError:
                    continue
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ)
                continue
            c = key.fileobj
            try:
                b = c.recv(65536)
                if b:
                    # small echoes: a blocking send of what came is enough
                    c.setblocking(True)
                    c.settimeout(10)
                    c.sendall(b)
                    c.setblocking(False)
                    continue
            except OSError:
                pass
            sel.unregister(c)
            c.close()


def seq_run(addr, port, n, size, end):
    """n echoes of size bytes one after the other: (ok, failed, errors)"""
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    ok = failed = 0
    errors = []
    for i in range(n):
        if end and time.time() > end:
            break
        data = os.urandom(size)
        s = None
        try:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect((addr, port))
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            got = b''
            while True:
                try:
                    b = s.recv(65536)
                except socket.timeout:
                    # held at the half, or not yet 60 s since the release
                    if not release.is_set() or time.time() - state['go'] < 60:
                        continue
                    raise
                if not b:
                    break
                got += b
            s.close()
            if got != data:
                raise ValueError("echo of %d bytes, %d back" % (len(data), len(got)))
            ok += 1
        except (OSError, ValueError) as e:
            failed += 1
            if len(errors) < 5:
                errors.append("#%d: %s" % (i, e))
            if s:
                s.close()
    return ok, failed, errors


def seq(addr, port, n, size=100, secs=0, conc=1):
    n, size, conc = int(n), int(size), max(1, int(conc))
    end = time.time() + float(secs) if float(secs) else None
    if conc == 1:
        ok, failed, errors = seq_run(addr, int(port), n, size, end)
    else:
        # conc clients side by side, n echoes in all
        pipes = []
        for k in range(conc):
            r, w = os.pipe()
            if os.fork() == 0:
                os.close(r)
                res = seq_run(addr, int(port), n // conc + (k < n % conc), size, end)
                os.write(w, json.dumps(res).encode())
                os._exit(0)
            os.close(w)
            pipes.append(r)
        ok = failed = 0
        errors = []
        for r in pipes:
            buf = b''
            while True:
                b = os.read(r, 65536)
                if not b:
                    break
                buf += b
            os.close(r)
            try:
                a, f, e = json.loads(buf)
            except ValueError:
                a, f, e = 0, 1, ["a client died"]
            ok, failed, errors = ok + a, failed + f, errors + e
        while True:
            try:
                os.wait()
            except ChildProcessError:
                break
    print("ok %d failed %d" % (ok, failed), flush=True)
    for e in errors[:5]:
        print(e, file=sys.stderr)
    return 1 if failed else 0


def many(addr, port, n, size, ready, go):
    """n echoes side by side, held at their halves until @go exists, so
    that what happens then (an uplink cut) finds every one mid-transfer"""
    raise_nofile()
    n, size = int(n), int(size)
    half = size // 2
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    lock = threading.Condition()
    state = {'halves': 0, 'ok': 0, 'errors': [], 'go': 0.0}
    release = threading.Event()

    def fail(i, what):
        with lock:
            state['errors'].append("#%d: %s" % (i, what))
            lock.notify_all()

    def writer(s, data, i):
        try:
            s.sendall(data[:half])
            release.wait(300)
            s.sendall(data[half:])
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            fail(i, "send: %s" % e)

    def conn(i):
        data = os.urandom(size)
        got = bytearray()
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.settimeout(20)
            s.connect((addr, int(port)))
            w = threading.Thread(target=writer, args=(s, data, i), daemon=True)
            w.start()
            counted = False
            while True:
                b = s.recv(65536)
                if not b:
                    break
                got += b
                if not counted and len(got) >= half:
                    counted = True
                    with lock:
                        state['halves'] += 1
                        lock.notify_all()
            w.join(5)
            if got != data:
                raise ValueError("echo of %d bytes, %d back%s" %
                                 (size, len(got), "" if len(got) != size
                                  else " (different)"))
            with lock:
                state['ok'] += 1
        except socket.timeout:
            fail(i, "stalled: nothing for 20 s, %d of %d bytes back" % (len(got), size))
        except (OSError, ValueError) as e:
            fail(i, "%s (%d of %d bytes back)" % (e, len(got), size))
        finally:
            s.close()

    threads = [threading.Thread(target=conn, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    with lock:
        lock.wait_for(lambda: state['halves'] + len(state['errors']) >= n, 120)
        halves = state['halves']
    with open(ready, 'w') as f:
        f.write("%d\n" % halves)
    t0 = time.time()
    while not os.path.exists(go) and time.time() - t0 < 300:
        time.sleep(0.1)
    state['go'] = time.time()
    release.set()
    for t in threads:
        t.join()
    failed = n - state['ok']
    print("ok %d failed %d" % (state['ok'], failed), flush=True)
    for e in state['errors'][:5]:
        print(e, file=sys.stderr)
    return 1 if failed else 0


def hold(addr, port, n, ready, stop):
    raise_nofile()
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    socks = []
    for _ in range(int(n)):
        try:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(20)
            s.connect((addr, int(port)))
            s.sendall(b'x')
            if s.recv(1) == b'x':
                socks.append(s)
                continue
        except OSError:
            pass
        s.close()
    with open(ready, 'w') as f:
        f.write("%d\n" % len(socks))
    t0 = time.time()
    while not os.path.exists(stop) and time.time() - t0 < 120:
        time.sleep(0.2)
    # What ends a connection (a session deleted, the module removed) may
    # still be on its way when the stop comes: give every connection up to
    # 10 s to become readable (a reset or EOF) before calling it open.
    pending, t0 = list(socks), time.time()
    while pending and time.time() - t0 < 10:
        readable = select.select(pending, [], [], 0.2)[0]
        pending = [s for s in pending if s not in readable]
    eof = reset = still = 0
    for s in socks:
        s.setblocking(False)
        try:
            b = s.recv(1)
            if b:
                still += 1
            else:
                eof += 1
        except BlockingIOError:
            still += 1
        except OSError:
            reset += 1
        linger0(s)
        s.close()
    print("eof %d reset %d open %d" % (eof, reset, still), flush=True)
    return 0


def ns_socket(nspath, ready, stop):
    """What a daemon does: enter a namespace, open a socket there, go back
    to its own, and keep using the namespace through that socket alone
    (a UDP socket bound in it) until @stop exists."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open('/proc/self/ns/net', os.O_RDONLY)
    target = os.open(nspath, os.O_RDONLY)
    if libc.setns(target, 0x40000000) != 0:      # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), 'setns')
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    if libc.setns(own, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), 'setns back')
    os.close(target)
    os.close(own)
    with open(ready, 'w') as f:
        f.write("%d\n" % s.getsockname()[1])
    t0 = time.time()
    while not os.path.exists(stop) and time.time() - t0 < 300:
        time.sleep(0.1)
    s.close()
    return 0


def main():
    cmds = {'rst-server': rst_server, 'watch-server': watch_server,
            'abort-client': abort_client, 'client': client,
            'mptcp-client': mptcp_client, 'echo-server': echo_server,
            'seq': seq, 'many': many, 'hold': hold, 'ns-socket': ns_socket,
            'error-converter': error_converter}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(cmds[sys.argv[1]](*sys.argv[2:]) or 0)


if __name__ == '__main__':
    main()
