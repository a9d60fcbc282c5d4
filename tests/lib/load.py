#!/usr/bin/python3
"""A steady client loop for the robustness tests (tests/integration/robust-*.sh).

usage: load.py --out FILE [--host H] [--port P] [--path PATH] [--interval S]
               [--duration S | --count N] [--stop FILE] [--timeout S]
               [--no-token]

Sends GET PATH at a steady rate (one new TCP connection per request, as the
AWS SDKs do), doing the IMDSv2 token dance first: PUT /latest/api/token,
a new token after a 401 or a refused token request. Every request, the
token PUTs included, appends one line to FILE as it ends:

    START_MS END_MS METHOD KIND STATUS CREDS

START_MS and END_MS are wall-clock milliseconds (comparable with
`date +%s%N`), KIND is http, refused, reset, timeout or error, STATUS the
HTTP status (0 when there was none), CREDS 1 when the body held a
SecretAccessKey. No body, token or key is ever written anywhere.
Stops after --duration seconds, --count request slots (a token PUT and
its GET share a slot), or when the --stop
file exists, whichever comes first."""
import argparse
import http.client
import os
import socket
import sys
import time

SECRET = b"SecretAccessKey"


def now_ms():
    return int(time.time() * 1000)


def once(a, method, path, headers):
    """One request on a fresh connection: (kind, status, creds)."""
    c = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
    try:
        c.request(method, path, headers=headers)
        r = c.getresponse()
        body = r.read()
        return "http", r.status, int(SECRET in body), body
    except ConnectionRefusedError:
        return "refused", 0, 0, b""
    except (ConnectionResetError, BrokenPipeError):
        return "reset", 0, 0, b""
    except socket.timeout:
        return "timeout", 0, 0, b""
    except (OSError, http.client.HTTPException):
        return "error", 0, 0, b""
    finally:
        c.close()


def record(out, t0, method, res):
    out.write("%d %d %s %s %d %d\n" % (t0, now_ms(), method, res[0], res[1], res[2]))
    out.flush()


def token(a, out):
    """A fresh IMDSv2 token, or None."""
    t0 = now_ms()
    res = once(a, "PUT", "/latest/api/token",
               {"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
    record(out, t0, "PUT", res)
    if res[0] == "http" and res[1] == 200 and res[3]:
        return res[3].decode("ascii", "replace").strip()
    return None


def get(a, out, tok):
    """One GET; returns the token to use next (None after a 401)."""
    headers = {"X-aws-ec2-metadata-token": tok} if tok else {}
    t0 = now_ms()
    res = once(a, "GET", a.path, headers)
    record(out, t0, "GET", res)
    if res[0] == "http" and res[1] == 401:
        return None
    return tok


def done(a, start, n):
    if a.duration is not None and time.monotonic() - start >= a.duration:
        return True
    if a.count is not None and n >= a.count:
        return True
    return a.stop is not None and os.path.exists(a.stop)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--host", default="169.254.169.254")
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--path", default="/latest/meta-data/instance-id")
    p.add_argument("--interval", type=float, default=0.02)
    p.add_argument("--duration", type=float)
    p.add_argument("--count", type=int)
    p.add_argument("--stop")
    p.add_argument("--timeout", type=float, default=3.0)
    p.add_argument("--no-token", action="store_true")
    a = p.parse_args()
    if a.duration is None and a.count is None and a.stop is None:
        p.error("one of --duration, --count, --stop is needed")
    start = time.monotonic()
    slot = start
    n = 0
    tok = None
    with open(a.out, "a") as out:
        while not done(a, start, n):
            # a steady rate: each request has its slot, whatever the last
            # took; after a long stall, no burst to catch up
            now = time.monotonic()
            if slot > now:
                time.sleep(slot - now)
            slot = max(slot + a.interval, time.monotonic())
            if tok is None and not a.no_token:
                tok = token(a, out)
            if tok is not None or a.no_token:
                tok = get(a, out, tok)
            n += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
