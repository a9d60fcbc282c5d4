#!/usr/bin/python3
"""Send raw bytes to an HTTP server and summarise what came back.

usage: rawhttp.py HOST PORT [TIMEOUT]  (request bytes on stdin, Python
escapes such as \\r\\n and \\x00 are decoded, so tests can write CR, LF
and NUL literally). Prints one line: the status codes of every response
seen, in order ("403 200"), "-" when none, then "CREDS" when any body
carried a SecretAccessKey, and "CLOSED"/"TIMEOUT" for how it ended.
Extra command: rawhttp.py --mark HOST PORT tries SO_MARK first and prints
the errno name, to show an unprivileged user cannot use the exemption."""
import errno
import re
import socket
import sys
import warnings

warnings.simplefilter("ignore")  # \\ in a request is on purpose


def connect(host, port, timeout):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    return s


def main():
    args = sys.argv[1:]
    mark = False
    if args and args[0] == "--mark":
        mark = True
        args = args[1:]
    host, port = args[0], int(args[1])
    timeout = float(args[2]) if len(args) > 2 else 3.0
    req = sys.stdin.buffer.read().decode("latin-1")
    req = req.encode("latin-1").decode("unicode_escape").encode("latin-1")
    s = connect(host, port, timeout)
    if mark:
        try:
            s.setsockopt(socket.SOL_SOCKET, 36, 0x1E6D)  # SO_MARK
            print("MARKSET")
        except OSError as e:
            print("MARKFAIL " + errno.errorcode.get(e.errno, str(e.errno)))
    try:
        s.connect((host, port))
    except OSError as e:
        print("- CONNFAIL " + errno.errorcode.get(e.errno, str(e.errno)))
        return
    data = b""
    end = "CLOSED"
    try:
        s.sendall(req)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) > 4 << 20:
                break
    except socket.timeout:
        end = "TIMEOUT"
    except OSError as e:
        end = "RESET" if e.errno == errno.ECONNRESET else "ERR"
    codes = re.findall(rb"HTTP/1\.[01] (\d{3})", data)
    out = " ".join(c.decode() for c in codes) or "-"
    if b"SecretAccessKey" in data:
        out += " CREDS"
    print(out + " " + end)


main()
