#!/usr/bin/python3
"""Hold N client connections open on a server, each after one complete
request (keep-alive, with the token from $IMDS_TOKEN), so that the
server's footprint with N clients can be read from /proc (bench/run-all).

    bench/connhold.py HOST PORT N [PATH]

Prints "holding N pid PID" once every connection is open and answered, then
waits until it is killed. Exit 1 if a connection or request fails.
"""
import os
import resource
import signal
import socket
import sys


def request(sock, host, path, token):
    req = "GET %s HTTP/1.1\r\nHost: %s\r\n" % (path, host)
    if token:
        req += "X-aws-ec2-metadata-token: %s\r\n" % token
    sock.sendall((req + "\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("connection closed before the response")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status = head.split(b" ", 2)[1]
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("connection closed in the body")
        body += chunk
    return status


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    host, port, n = argv[1], int(argv[2]), int(argv[3])
    path = argv[4] if len(argv) == 5 else "/latest/meta-data/instance-id"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 16:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    token = os.environ.get("IMDS_TOKEN", "")
    socks = []
    for i in range(n):
        s = socket.create_connection((host, port), timeout=5)
        status = request(s, host, path, token)
        if status != b"200":
            print("connhold: connection %d: status %s" % (i, status.decode()),
                  file=sys.stderr)
            return 1
        socks.append(s)
    print("holding %d pid %d" % (len(socks), os.getpid()), flush=True)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
