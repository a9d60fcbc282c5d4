#!/usr/bin/env python3
"""Connect to IMDS, then let someone else hold the socket, for the tests
of who connected (the kernel's connect() record names the connector):

  handoff.py pass HOLDER_PID CONNECTOR_PID OUT [PATH]
      connect, pass the socket with SCM_RIGHTS to a child and exit; the
      child writes its pid to HOLDER_PID, sends GET PATH if given, and
      writes what it reads to OUT (nothing when OUT is -).
  handoff.py exec PID OUT [PATH]
      connect, send GET PATH if given, write "PID FD" to PID, then exec
      a shell that touches PID.sh and copies the socket to OUT.

The caller waits for HOLDER_PID or PID.sh: the connector is gone then.
"""
import os
import socket
import sys

IMDS = ("169.254.169.254", 80)


def request(path):
    # built here, not in the shell: $(...) would strip its final newline
    return b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode()


def hand_on(holder_pid, connector_pid, out, path=None):
    a, b = socket.socketpair()
    if os.fork() == 0:
        a.close()
        _, fds, _, _ = socket.recv_fds(b, 10, 1)
        c = socket.socket(fileno=fds[0])
        open(holder_pid, "w").write("%d\n" % os.getpid())
        if path:
            c.sendall(request(path))
        c.settimeout(20)
        got = c.recv(1000)
        if out != "-":
            open(out, "w").write(got.decode())
        os._exit(0)
    c = socket.create_connection(IMDS)
    open(connector_pid, "w").write("%d\n" % os.getpid())
    socket.send_fds(a, [b"x"], [c.fileno()])


def exec_on(pidfile, out, path=None):
    c = socket.create_connection(IMDS)
    if path:
        c.sendall(request(path))
    os.set_inheritable(c.fileno(), True)
    open(pidfile, "w").write("%d %d\n" % (os.getpid(), c.fileno()))
    os.execv("/bin/sh", ["sh", "-c", "echo >%s.sh; exec cat <&%d >%s" %
                         (pidfile, c.fileno(), out)])


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "pass":
        hand_on(*sys.argv[2:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "exec":
        exec_on(*sys.argv[2:])
    else:
        sys.exit(__doc__)
