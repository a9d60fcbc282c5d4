#!/usr/bin/python3
"""Pipelined HTTP/1.1 for the hardening tests: many requests on few
connections, as an attacker would send them.

usage: pipeline.py HOST PORT --count N [--conns C] [--window W] [--timeout S]
       pipeline.py HOST PORT --flood --conns C --duration S [--read-rate B]

The request is read from stdin (Python escapes such as \\r\\n decoded).

--count: send N copies on C keep-alive connections (default 1) in
parallel, W at a time on each, reading
every answer (a new connection when the server closes one); prints one
"STATUS COUNT" line per status seen, then "total N". Bodies are never
printed (a token or a credential must never reach a log).

--flood: C connections each send copies as fast as the socket takes
them for S seconds while reading at most B bytes a second per
connection (default 0: never reading): a slow reader with a deep
pipeline. Prints "sent BYTES read BYTES" at the end."""
import argparse
import collections
import re
import select
import socket
import sys
import threading
import time


def connect(host, port, timeout):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, port))
    return s


class Reader:
    """Whole responses out of a byte stream (Content-Length framing)."""

    def __init__(self, sock):
        self.sock, self.buf, self.closed = sock, b"", False

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            self.closed = True
        self.buf += chunk

    def response(self):
        """(status, close) of the next response, or None at EOF."""
        while b"\r\n\r\n" not in self.buf:
            if self.closed:
                return None
            self.fill()
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
        length = int(m.group(1)) if m else 0
        while len(rest) < length and not self.closed:
            self.buf = head + b"\r\n\r\n" + rest
            self.fill()
            rest = self.buf.split(b"\r\n\r\n", 1)[1]
        self.buf = rest[length:]
        close = re.search(rb"\r\nconnection: *close", head, re.I) is not None
        return status, close


def count_one(a, req, total, counts):
    done = 0
    while done < total:
        s = connect(a.host, a.port, a.timeout)
        r = Reader(s)
        closed = False
        while done < total and not closed:
            n = min(a.window, total - done)
            s.sendall(req * n)
            for _ in range(n):
                got = r.response()
                if got is None:
                    counts["closed"] += 1
                    closed = True
                    break
                counts[got[0]] += 1
                done += 1
                if got[1]:
                    closed = True
                    break
        s.close()
        if counts["closed"] > 100:
            break
    counts["total"] += done


def count_mode(a, req):
    counts = collections.Counter()
    share = [a.count // a.conns + (i < a.count % a.conns) for i in range(a.conns)]
    each = [collections.Counter() for _ in share]
    threads = [threading.Thread(target=count_one, args=(a, req, n, c))
               for n, c in zip(share, each)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in each:
        counts.update(c)
    total = counts.pop("total", 0)
    for k in sorted(counts, key=str):
        print("%s %d" % (k, counts[k]))
    print("total %d" % total)


def flood_mode(a, req):
    socks = []
    for _ in range(a.conns):
        s = connect(a.host, a.port, a.timeout)
        s.setblocking(False)
        socks.append(s)
    blob = req * max(1, 65536 // len(req))
    sent = read = 0
    allowance = {s: 0.0 for s in socks}
    end = time.time() + a.duration
    last = time.time()
    while time.time() < end and socks:
        now = time.time()
        for s in socks:
            allowance[s] += (now - last) * a.read_rate
        last = now
        _, w, _ = select.select([], socks, [], 0.05)
        for s in w:
            try:
                sent += s.send(blob)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                socks.remove(s)
        for s in list(socks):
            want = int(allowance[s])
            if want <= 0:
                continue
            try:
                data = s.recv(want)
                if not data:
                    socks.remove(s)
                    continue
                read += len(data)
                allowance[s] -= len(data)
            except (BlockingIOError, InterruptedError):
                allowance[s] = min(allowance[s], a.read_rate)
            except OSError:
                socks.remove(s)
    print("sent %d read %d" % (sent, read))
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int)
    p.add_argument("--window", type=int, default=64)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--flood", action="store_true")
    p.add_argument("--conns", type=int)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--read-rate", type=float, default=0)
    a = p.parse_args()
    if a.conns is None:
        a.conns = 16 if a.flood else 1
    req = sys.stdin.buffer.read().decode("latin-1")
    req = req.encode("latin-1").decode("unicode_escape").encode("latin-1")
    if a.flood:
        flood_mode(a, req)
    else:
        count_mode(a, req)


main()
