#!/usr/bin/env python3
"""split.py OUTDIR [--seed N] [--reverse] [--now] NAME=INPUT...: write the
events of each INPUT (JSON lines, an S3 object or a JSON array) as
CloudTrail delivers them, for the test that every split of the same events
gives the same findings.

Each event is delivered 0 to 14 minutes late (--reverse: the earlier the
event, the later it is delivered, the worst order inside that bound);
CloudTrail writes the events delivered in each 5-minute period into one
to three objects per account and region, named with the period's end
(..._20261120T1015Z_<random>.json.gz) and their records in no order.
So objects that sort first can hold events later than those of objects
that sort after them: the order of objects says little about the order
of their events. --now moves every event so that the first is 5 minutes
ago (for --follow, whose window also runs on the clock).

Writes, in OUTDIR/NAME/: all.jsonl (the events, one file), objects/
(every object, in AWSLogs/ACCT/CloudTrail/REGION/YYYY/MM/DD/), order.txt
(the objects in a shuffled order, for naming them on a command line),
early/ and late/ (the objects delivered up to the middle period, and the
rest: --follow sees the late ones arrive), and inverted (1 when an object
that sorts before another holds a later event, else 0). Deterministic for
a given seed."""
import argparse, datetime as dt, gzip, json, os, random, sys

PERIOD = 300


def load(path):
    text = open(path).read()
    try:
        doc = json.loads(text)
        if isinstance(doc, list):
            return doc
        if "Records" in doc:
            return doc["Records"]
    except ValueError:
        pass
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def timekey(e):
    return "eventTime" if "eventTime" in e else "@timestamp"


def ts(e):
    s = e[timekey(e)].replace("Z", "+00:00")
    return dt.datetime.fromisoformat(s).timestamp()


def shift_to_now(ev):
    first = min(ts(e) for e in ev)
    d = int(dt.datetime.now(dt.timezone.utc).timestamp()) - 300 - first
    for e in ev:
        t = dt.datetime.fromtimestamp(ts(e) + d, dt.timezone.utc)
        e[timekey(e)] = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lateness(ev, rnd, reverse):
    if not reverse:
        return [rnd.uniform(0, 14 * 60) for _ in ev]
    order = sorted(range(len(ev)), key=lambda i: ts(ev[i]))
    late = [0.0] * len(ev)
    for rank, i in enumerate(order):
        late[i] = 14 * 60 * (1 - rank / max(1, len(ev) - 1))
    return late


def objects(ev, rnd, reverse):
    """{(account, region, period end): [[events], ...]}"""
    groups = {}
    for e, late in zip(ev, lateness(ev, rnd, reverse)):
        end = (int(ts(e) + late) // PERIOD + 1) * PERIOD
        key = (e.get("recipientAccountId", "111122223333"),
               e.get("awsRegion", "us-east-1"), end)
        groups.setdefault(key, []).append(e)
    out = {}
    for key, evs in groups.items():
        n = rnd.randint(1, min(3, len(evs)))
        parts = [[] for _ in range(n)]
        for e in evs:
            parts[rnd.randrange(n)].append(e)
        out[key] = [p for p in parts if p]
    return out


def write_object(base, key, records, rnd):
    acct, region, end = key
    t = dt.datetime.fromtimestamp(end, dt.timezone.utc)
    d = os.path.join(base, "AWSLogs", acct, "CloudTrail", region,
                     t.strftime("%Y"), t.strftime("%m"), t.strftime("%d"))
    os.makedirs(d, exist_ok=True)
    name = "%s_CloudTrail_%s_%s_%016x.json.gz" % (
        acct, region, t.strftime("%Y%m%dT%H%MZ"), rnd.getrandbits(64))
    rnd.shuffle(records)
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(gzip.compress(json.dumps({"Records": records}).encode(),
                              mtime=0))
    return path


def inverted(objs):
    """Whether an object sorting first holds an event later than one in
    an object sorting after it."""
    spans = sorted(((k[2], i), min(map(ts, recs)), max(map(ts, recs)))
                   for k, parts in objs.items()
                   for i, recs in enumerate(parts))
    return any(a[2] > b[1] for i, a in enumerate(spans) for b in spans[i + 1:])


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("inputs", nargs="+", metavar="NAME=INPUT")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reverse", action="store_true")
    p.add_argument("--now", action="store_true")
    a = p.parse_args(argv[1:])
    for spec in a.inputs:
        name, src = spec.split("=", 1)
        split(src, os.path.join(a.out, name), a)


def split(src, out, a):
    rnd = random.Random(a.seed)
    ev = load(src)
    if a.now:
        shift_to_now(ev)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "all.jsonl"), "w") as f:
        for e in ev:
            f.write(json.dumps(e) + "\n")
    objs = objects(ev, rnd, a.reverse)
    ends = sorted({k[2] for k in objs})
    mid = ends[(len(ends) - 1) // 2]
    paths = []
    for key in sorted(objs):
        for records in objs[key]:
            paths.append(write_object(os.path.join(out, "objects"), key,
                                      records, rnd))
            half = "early" if key[2] <= mid else "late"
            write_object(os.path.join(out, half), key, list(records), rnd)
    rnd.shuffle(paths)
    with open(os.path.join(out, "order.txt"), "w") as f:
        f.write("".join(p + "\n" for p in paths))
    with open(os.path.join(out, "inverted"), "w") as f:
        f.write("%d\n" % inverted(objs))


if __name__ == "__main__":
    main(sys.argv)
