#!/usr/bin/env python3
"""forms.py IN OUTDIR: write the events of IN (JSON lines, a JSON array or
an S3 object) in every delivery form imdsgate-detect reads, for the test
that all forms give identical findings. Deterministic."""
import gzip, json, os, sys


def load(path):
    text = open(path).read()
    try:
        doc = json.loads(text)
        return doc["Records"] if isinstance(doc, dict) else doc
    except ValueError:
        return [json.loads(l) for l in text.splitlines() if l.strip()]


def gz(path, text):
    with open(path, "wb") as f:
        f.write(gzip.compress(text.encode(), mtime=0))


def main(src, out):
    ev = load(src)
    os.makedirs(os.path.join(out, "dir", "b"), exist_ok=True)
    os.makedirs(os.path.join(out, "dir", "a"), exist_ok=True)
    lines = "".join(json.dumps(e) + "\n" for e in ev)
    open(os.path.join(out, "lines.jsonl"), "w").write(lines)
    s3 = json.dumps({"Records": ev})
    gz(os.path.join(out, "s3.json.gz"), s3)
    open(os.path.join(out, "s3.json"), "w").write(
        json.dumps({"Records": ev}, indent=2))
    with open(os.path.join(out, "eventbridge.jsonl"), "w") as f:
        for i, e in enumerate(ev):
            f.write(json.dumps({
                "version": "0", "id": "eb-%d" % i,
                "detail-type": "AWS API Call via CloudTrail",
                "source": "aws." + e.get("eventSource", "x").split(".")[0],
                "account": e.get("recipientAccountId"),
                "time": e.get("eventTime"), "region": e.get("awsRegion"),
                "resources": [], "detail": e}) + "\n")
    gz(os.path.join(out, "cwl.json.gz"), json.dumps({
        "messageType": "DATA_MESSAGE", "owner": "111122223333",
        "logGroup": "aws-cloudtrail-logs", "logStream": "111122223333_CloudTrail",
        "subscriptionFilters": ["all"],
        "logEvents": [{"id": str(i), "timestamp": 0, "message": json.dumps(e)}
                      for i, e in enumerate(ev)]}))
    # lookup-events lists the newest first.
    open(os.path.join(out, "lookup.json"), "w").write(json.dumps({"Events": [
        {"EventId": e.get("eventID"), "EventName": e.get("eventName"),
         "ReadOnly": "true", "CloudTrailEvent": json.dumps(e)}
        for e in reversed(ev)]}, indent=1))
    # Two CloudTrail objects whose directory order is not their time order,
    # and a digest file that must be skipped.
    half = len(ev) // 2
    gz(os.path.join(out, "dir", "b", "111122223333_CloudTrail_eu-west-3_"
                    "20200101T0000Z_early.json.gz"), json.dumps({"Records": ev[:half]}))
    gz(os.path.join(out, "dir", "a", "111122223333_CloudTrail_eu-west-3_"
                    "20200101T0100Z_late.json.gz"), json.dumps({"Records": ev[half:]}))
    gz(os.path.join(out, "dir", "a", "111122223333_CloudTrail-Digest_eu-west-3_"
                    "20200101T0000Z.json.gz"), json.dumps({
                        "awsAccountId": "111122223333",
                        "digestPublicKeyFingerprint": "00ff",
                        "digestS3Object": "x", "logFiles": []}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
