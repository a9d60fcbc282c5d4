#!/usr/bin/python3
"""The lock-IP method as a team would write it for a Lambda: the baseline
imdsgate-detect is measured against in bench/run-all.

    bench/lockip.py PATH...     (files or directories; *.gz is gunzipped)

Reads CloudTrail S3 objects ({"Records": [...]}, json.load per object) or
JSON lines (json.loads per line); keeps a dict of instance session -> the
addresses it was first used from; reports each other address once per
session as a JSON line on stdout. Summary on stderr. Exit 0 without a
finding, 3 with one (as imdsgate-detect), 2 on bad usage.

Same rules as the detector's lock-IP core (issues 9 and 19): a session is
arn:aws:sts::ACCT:assumed-role/ROLE/i-... (or arn:aws:iam::...), the
instance id compared case-insensitively; AWS services calling on the
session's behalf (invokedBy, "AWS Internal", *.amazonaws.com) are skipped;
calls through a VPC endpoint add their private address to the session;
RunInstances and AssociateAddress name addresses that are the instance's
(evidence); the lock is per class of address (public or private, IPv4 or
IPv6): the session's first use locks its class on trust, an address of a
class already locked (by use or evidence) must be one held, and the first
address of a new class needs evidence.
Not here: the reorder window (events are taken in file order, which is
time order in gen-cloudtrail's corpora), the 6-hour session TTL, proxy
logs, threat lists, ip-ranges, VPC egress.
"""
import gzip
import ipaddress
import json
import os
import re
import sys
import time

ARN = re.compile(r"^arn:aws:(?:sts|iam)::(\d{12}):assumed-role/([^/]+)/"
                 r"(i-[0-9a-fA-F]+)$")
TYPE = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"


def inputs(paths):
    """Every file under the paths, in name order (CloudTrail names sort
    by time within an account and region)."""
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith((".json", ".json.gz", ".jsonl",
                                   ".jsonl.gz")):
                        yield os.path.join(root, f)
        else:
            yield p


def events(path):
    """The events of one file: an S3 object or JSON lines."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        head = f.read(16)
        f.seek(0)
        if head.lstrip().startswith('{"Records"'):
            yield from json.load(f).get("Records") or []
        else:
            for line in f:
                if line.strip():
                    yield json.loads(line)


def parse_ip(s):
    try:
        return ipaddress.ip_address(s)
    except ValueError:
        return None


def ip_class(ip):
    return (ip.is_private, ip.version)


def launch_ips(item):
    """The addresses a RunInstances response names for one instance."""
    out = [item.get("privateIpAddress")]
    for nic in (item.get("networkInterfaceSet") or {}).get("items") or []:
        out.append(nic.get("privateIpAddress"))
        out.append((nic.get("association") or {}).get("publicIp"))
        for a in (nic.get("ipv6AddressesSet") or {}).get("items") or []:
            out.append(a.get("ipv6Address"))
    return [a for a in out if a]


class LockIP:
    def __init__(self):
        self.sessions = {}   # instance -> {IP: [class, known, used]}
        self.findings = {}   # (session, ip) -> finding
        self.events = 0

    def evidence(self, inst, addrs):
        ips = self.sessions.setdefault(inst.lower(), {})
        for a in addrs:
            ip = parse_ip(a)
            if ip is not None:
                ips.setdefault(a, [ip_class(ip), True, False])[1] = True

    def ec2(self, ev):
        """EC2 calls naming an instance's addresses."""
        rp = ev.get("requestParameters") or {}
        re_ = ev.get("responseElements") or {}
        if ev.get("eventName") == "RunInstances":
            for item in (re_.get("instancesSet") or {}).get("items") or []:
                if item.get("instanceId"):
                    self.evidence(item["instanceId"], launch_ips(item))
        elif (ev.get("eventName") == "AssociateAddress"
              and rp.get("instanceId") and rp.get("publicIp")):
            self.evidence(rp["instanceId"], [rp["publicIp"]])

    def call(self, ev, ui):
        m = ARN.match(ui.get("arn") or "")
        src = ev.get("sourceIPAddress") or ""
        ip = parse_ip(src)
        if not m or ui.get("invokedBy") or ip is None:
            return
        key = (m.group(1), m.group(2), m.group(3).lower())
        ips = self.sessions.setdefault(key[2], {})
        if src in ips:
            ips[src][2] = True
            return
        cls = ip_class(ip)
        locked = {c for c, known, used in ips.values() if known or used}
        if ev.get("vpcEndpointId") and ip.is_private:
            ips[src] = [cls, True, True]
        elif cls in locked:
            self.report(key, src, ev, ui)
        elif not any(used for c, known, used in ips.values()):
            ips[src] = [cls, False, True]   # first use: locked on trust
        else:
            self.report(key, src, ev, ui)   # a new class, no evidence

    def report(self, key, src, ev, ui):
        f = self.findings.get((key, src))
        if f is None:
            f = self.findings[(key, src)] = {
                "type": TYPE, "severity": 8,
                "title": "Instance credentials used from another address",
                "first_seen": ev.get("eventTime"), "count": 0,
                "account_id": key[0], "region": ev.get("awsRegion"),
                "instance_id": key[2], "session_arn": ui.get("arn"),
                "access_key_id": ui.get("accessKeyId"), "source_ip": src,
                "user_agent": ev.get("userAgent"), "event_ids": []}
        f["count"] += 1
        f["last_seen"] = ev.get("eventTime")
        f["event_ids"].append(ev.get("eventID"))

    def feed(self, ev):
        self.events += 1
        ui = ev.get("userIdentity") or {}
        if ev.get("eventSource") == "ec2.amazonaws.com" and \
                not ev.get("errorCode"):
            self.ec2(ev)
        if ui.get("type") == "AssumedRole":
            self.call(ev, ui)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[2].strip(),
              file=sys.stdout if len(argv) > 1 else sys.stderr)
        return 0 if len(argv) > 1 else 2
    t0 = time.monotonic()
    lk = LockIP()
    for path in inputs(argv[1:]):
        for ev in events(path):
            lk.feed(ev)
    out = sys.stdout
    for f in lk.findings.values():
        out.write(json.dumps(f) + "\n")
    secs = time.monotonic() - t0
    print("lockip: %d events, %d sessions, %d findings, %.2f s, %.0f events/s"
          % (lk.events, len(lk.sessions), len(lk.findings), secs,
             lk.events / secs if secs > 0 else 0), file=sys.stderr)
    return 3 if lk.findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
