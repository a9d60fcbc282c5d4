#!/usr/bin/env python3
"""gen-corpus.py EVENTS INSTANCES OUT: a large synthetic CloudTrail corpus
for benchmarks. OUT ending in .jsonl: JSON lines; otherwise a directory of
gzip S3 objects (1000 events each, CloudTrail names). Events are the
documented shape (~1 KB each); one instance in 1000 (a public one) has its credentials
used from a foreign address. Deterministic for given arguments."""
import gzip, json, os, random, sys


def events(n, ninst):
    rnd = random.Random(42)
    acct = "111122223333"
    for i in range(n):
        k = rnd.randrange(ninst)
        inst = "i-%017x" % k
        ip = "10.%d.%d.%d" % (k >> 16 & 255, k >> 8 & 255, k & 255) \
            if k % 2 else "15.188.%d.%d" % (k >> 8 & 255, k & 255)
        if k % 1000 == 8 and i % 50 == 0:
            ip = "198.51.100.%d" % (k % 250)
        sec = i // 2000
        ev = {"eventVersion": "1.09",
              "userIdentity": {"type": "AssumedRole",
                               "principalId": "AROAEXAMPLE:" + inst,
                               "arn": "arn:aws:sts::%s:assumed-role/app-%d/%s" % (acct, k % 50, inst),
                               "accountId": acct, "accessKeyId": "ASIA%016X" % k,
                               "sessionContext": {"sessionIssuer": {
                                   "type": "Role", "principalId": "AROAEXAMPLE",
                                   "arn": "arn:aws:iam::%s:role/app-%d" % (acct, k % 50),
                                   "accountId": acct, "userName": "app-%d" % (k % 50)},
                                   "attributes": {"creationDate": "2026-11-20T00:00:00Z",
                                                  "mfaAuthenticated": "false"},
                                   "ec2RoleDelivery": "2.0"}},
              "eventTime": "2026-11-20T%02d:%02d:%02dZ" % (sec // 3600 % 24, sec // 60 % 60, sec % 60),
              "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
              "awsRegion": "eu-west-3", "sourceIPAddress": ip,
              "userAgent": "aws-sdk-java/2.20.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/17",
              "requestParameters": {"bucketName": "data-%d" % (k % 7),
                                    "Host": "data.s3.eu-west-3.amazonaws.com",
                                    "key": "obj/%d.parquet" % i},
              "responseElements": None,
              "additionalEventData": {"SignatureVersion": "SigV4",
                                      "CipherSuite": "TLS_AES_128_GCM_SHA256",
                                      "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader",
                                      "x-amz-id-2": "EXAMPLEexampleEXAMPLE", "bytesTransferredOut": 4096},
              "requestID": "%016X" % i, "eventID": "%08x-0000-4000-8000-%012x" % (i >> 16, i),
              "readOnly": True, "resources": [{"type": "AWS::S3::Object",
                                                "ARN": "arn:aws:s3:::data-%d/obj/%d.parquet" % (k % 7, i)}],
              "eventType": "AwsApiCall", "managementEvent": False,
              "recipientAccountId": acct, "eventCategory": "Data",
              "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                             "clientProvidedHostHeader": "data.s3.eu-west-3.amazonaws.com"}}
        yield ev


def main(n, ninst, out):
    if out.endswith(".jsonl"):
        with open(out, "w") as f:
            for ev in events(n, ninst):
                f.write(json.dumps(ev, separators=(",", ":")) + "\n")
        return
    os.makedirs(out, exist_ok=True)
    batch, obj = [], 0
    for ev in events(n, ninst):
        batch.append(ev)
        if len(batch) == 1000:
            t = ev["eventTime"].replace("-", "").replace(":", "")[:13] + "Z"
            name = "111122223333_CloudTrail_eu-west-3_%s_%06d.json.gz" % (t, obj)
            with open(os.path.join(out, name), "wb") as f:
                f.write(gzip.compress(json.dumps({"Records": batch},
                                                 separators=(",", ":")).encode(), 6, mtime=0))
            batch, obj = [], obj + 1


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
