#!/usr/bin/env python3
"""Write the perimeter-compiler scenarios in tests/detect/perimeter/, with
gen.py's Trail (CloudTrail events in the shapes AWS documents).

Each scenario is NAME.jsonl and, where the instances run imdsgated,
NAME.proxy.log. What each must produce is asserted in
tests/integration/detect-perimeter.sh. Deterministic: run it again and
the files do not change. No credential body is written: AssumeRole
responses carry no session token.

gen-perimeter.py --many N FILE writes one instance calling N made-up
services over public endpoints (the size-limit test; not committed)."""
import json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
from gen import Trail, ACCT, REGION, A, B, C, KA, KB, KC  # noqa: E402

VPC_A, VPC_B = "vpc-0a11aa11aa11aa11a", "vpc-0b22bb22bb22bb22b"
A_PRIV, B_PRIV, C_PRIV = "10.0.1.10", "10.0.2.20", "10.0.9.9"
A_PUB = "15.188.1.10"
FOREIGN = "444455556666"
ADMIN_IP = "203.0.113.50"
XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"
D, KD = "i-0ddd000000000000d", "ASIAKEYD000000000001"


def assume(t, minute, inst, key):
    """EC2's AssumeRole for an instance, without the session token."""
    e = t.assume(minute, inst, key)
    del e["responseElements"]["credentials"]["sessionToken"]
    return e


def run_instances(t, minute, inst, vpc, priv, pub=None):
    eni = {"networkInterfaceId": "eni-" + inst[2:], "subnetId": "subnet-0" + vpc[5:9],
           "vpcId": vpc, "privateIpAddress": priv,
           "privateIpAddressesSet": {"item": [{"privateIpAddress": priv, "primary": True}]}}
    if pub:
        eni["association"] = {"publicIp": pub, "ipOwnerId": "amazon"}
    item = {"instanceId": inst, "imageId": "ami-0example", "instanceType": "t3.micro",
            "subnetId": eni["subnetId"], "vpcId": vpc, "privateIpAddress": priv,
            "iamInstanceProfile": {"arn": "arn:aws:iam::%s:instance-profile/app" % ACCT},
            "networkInterfaceSet": {"items": [eni]}}
    t.user(minute, ADMIN_IP, "RunInstances",
           {"instancesSet": {"items": [{"imageId": "ami-0example", "minCount": 1,
                                        "maxCount": 1}]},
            "subnetId": eni["subnetId"]},
           {"requestId": "run-%s" % inst, "reservationId": "r-0" + inst[3:10],
            "ownerId": ACCT, "instancesSet": {"items": [item]}})


def create_endpoint(t, minute, vpce, vpc, service, account=ACCT):
    """CreateVpcEndpoint as EC2 logs it (query API: request keys
    capitalised, the response in its XML element names)."""
    kind = "Gateway" if service in ("s3", "dynamodb") else "Interface"
    name = "com.amazonaws.%s.%s" % (REGION, service)
    req = {"CreateVpcEndpointRequest": {"VpcId": vpc, "ServiceName": name,
                                        "VpcEndpointType": kind}}
    resp = {"CreateVpcEndpointResponse": {"xmlns": XMLNS,
            "requestId": "vpce-req-" + vpce, "vpcEndpoint": {
                "vpcEndpointId": vpce, "vpcEndpointType": kind, "vpcId": vpc,
                "serviceName": name, "state": "available" if kind == "Gateway" else "pending",
                "privateDnsEnabled": kind == "Interface", "requesterManaged": False,
                "ownerId": account, "creationTimestamp": 1795168800000}}}
    e = t.user(minute, ADMIN_IP, "CreateVpcEndpoint", req, resp)
    if account != ACCT:  # another account's event in an organization trail
        e["recipientAccountId"] = account
        e["userIdentity"]["accountId"] = account
        e["userIdentity"]["arn"] = "arn:aws:iam::%s:user/mallory" % account
    return e


def via(t, minute, inst, key, ip, name, service, vpce, owner=ACCT):
    return t.call(minute, inst, key, ip, name, service + ".amazonaws.com",
                  vpcEndpointId=vpce, vpcEndpointAccountId=owner)


def public(t, minute, inst, key, ip, name, service):
    return t.call(minute, inst, key, ip, name, service + ".amazonaws.com")


def endpoints_only():
    """Two instances reach S3, STS and KMS only through their VPC's
    endpoints: nothing is exempted, nothing denied."""
    t = Trail("pm-eponly")
    run_instances(t, 0, A, VPC_A, A_PRIV)
    run_instances(t, 0, B, VPC_A, B_PRIV)
    create_endpoint(t, 1, "vpce-0a5300000000000a1", VPC_A, "s3")
    create_endpoint(t, 1, "vpce-0a5750000000000a2", VPC_A, "sts")
    create_endpoint(t, 1, "vpce-0a4b50000000000a3", VPC_A, "kms")
    assume(t, 2, A, KA); assume(t, 2, B, KB)
    for m in (3, 4, 5):
        via(t, m, A, KA, A_PRIV, "GetObject", "s3", "vpce-0a5300000000000a1")
    via(t, 6, A, KA, A_PRIV, "GetCallerIdentity", "sts", "vpce-0a5750000000000a2")
    via(t, 7, B, KB, B_PRIV, "Decrypt", "kms", "vpce-0a4b50000000000a3")
    via(t, 8, B, KB, B_PRIV, "Decrypt", "kms", "vpce-0a4b50000000000a3")
    # A service acting for the instance, and EC2's infrastructure role.
    e = public(t, 9, A, KA, "athena.amazonaws.com", "GetObject", "s3")
    e["userIdentity"]["invokedBy"] = "athena.amazonaws.com"
    public(t, 10, A, "ASIAINFRA00000000001", "ec2.amazonaws.com", "Decrypt",
           "kms")["userIdentity"]["arn"] = \
        "arn:aws:sts::%s:assumed-role/aws:ec2-infrastructure/%s" % (ACCT, A)
    return t, None


def public_calls():
    """Instance A (VPC A, no endpoint) calls S3 and STS publicly; B (VPC B)
    reaches S3 through its endpoint and STS publicly. STS is exempted; S3
    is not (B uses an endpoint): A's S3 calls would break. B's public
    address is its Elastic IP: without that evidence its first public
    call, after endpoint use, is reported (issue 19) and not counted."""
    t = Trail("pm-public")
    run_instances(t, 0, A, VPC_A, A_PRIV, A_PUB)
    run_instances(t, 0, B, VPC_B, B_PRIV)
    t.user(0, ADMIN_IP, "AssociateAddress",
           {"instanceId": B, "publicIp": "15.188.70.7"}, {"return": True})
    create_endpoint(t, 1, "vpce-0b5300000000000b1", VPC_B, "s3")
    assume(t, 2, A, KA); assume(t, 2, B, KB)
    for m in (3, 4, 5):
        public(t, m, A, KA, A_PUB, "PutObject", "s3")
    public(t, 6, A, KA, A_PUB, "GetCallerIdentity", "sts")
    public(t, 7, A, KA, A_PUB, "GetCallerIdentity", "sts")
    via(t, 8, B, KB, B_PRIV, "GetObject", "s3", "vpce-0b5300000000000b1")
    via(t, 9, B, KB, B_PRIV, "GetObject", "s3", "vpce-0b5300000000000b1")
    public(t, 10, B, KB, "15.188.70.7", "GetCallerIdentity", "sts")
    return t, None


def foreign(named):
    """An attacker's endpoint in another account ("SneakyEndpoints"): with
    its CreateVpcEndpoint in the (organization) trail the policy is known
    to stop it; without it, its VPC is unknown."""
    t = Trail("pm-foreign" if named else "pm-foreign-unnamed")
    run_instances(t, 0, A, VPC_A, A_PRIV)
    create_endpoint(t, 1, "vpce-0a5300000000000a1", VPC_A, "s3")
    if named:
        create_endpoint(t, 1, "vpce-0e7100000000000e1", "vpc-0e71ee71ee71ee71e",
                        "s3", FOREIGN)
    assume(t, 2, A, KA)
    via(t, 3, A, KA, A_PRIV, "GetObject", "s3", "vpce-0a5300000000000a1")
    via(t, 4, A, KA, A_PRIV, "GetObject", "s3", "vpce-0a5300000000000a1")
    for m in (5, 6):
        via(t, m, A, KA, "10.99.0.5", "GetObject", "s3",
            "vpce-0e7100000000000e1", FOREIGN)
    return t, None


def theft_outside():
    """Stolen credentials used from outside AWS, while the instance works
    only through its endpoints: stopped, and they exempt nothing."""
    t = Trail("pm-outside")
    run_instances(t, 0, A, VPC_A, A_PRIV, A_PUB)
    create_endpoint(t, 1, "vpce-0a5300000000000a1", VPC_A, "s3")
    create_endpoint(t, 1, "vpce-0a5750000000000a2", VPC_A, "sts")
    assume(t, 2, A, KA)
    via(t, 3, A, KA, A_PRIV, "GetObject", "s3", "vpce-0a5300000000000a1")
    via(t, 4, A, KA, A_PRIV, "GetCallerIdentity", "sts", "vpce-0a5750000000000a2")
    public(t, 10, A, KA, gen.OUT_ATTACKER, "GetCallerIdentity", "sts")
    public(t, 11, A, KA, gen.OUT_ATTACKER, "ListBuckets", "s3")
    public(t, 12, A, KA, gen.OUT_ATTACKER, "GetObject", "s3")
    return t, None


def unknown_vpc():
    """No launch, no endpoint creation, no proxy log: C's VPC and its
    endpoint's are unknown, and the report says so. C's public address is
    its Elastic IP (AssociateAddress names no VPC): the evidence its first
    public call, after endpoint use, needs (issue 19)."""
    t = Trail("pm-unknown")
    assume(t, 0, C, KC)
    t.user(0, ADMIN_IP, "AssociateAddress",
           {"instanceId": C, "publicIp": "15.188.9.9"}, {"return": True})
    via(t, 1, C, KC, C_PRIV, "GetObject", "s3", "vpce-0c5300000000000c1")
    via(t, 2, C, KC, C_PRIV, "GetObject", "s3", "vpce-0c5300000000000c1")
    public(t, 3, C, KC, "15.188.9.9", "GetCallerIdentity", "sts")
    proxy = [gen.proxy_instance(C, [C_PRIV], [], vpc=VPC_B),
             gen.proxy_fetch(C, KC)]
    return t, proxy


def lateral():
    """Through the VPC's own endpoint but not from the instance's primary
    address: A's from another host of the VPC and over IPv6 (denied), D's
    from its second address (allowed; which one is primary is not known)."""
    t = Trail("pm-lateral")
    run_instances(t, 0, A, VPC_A, A_PRIV)
    create_endpoint(t, 1, "vpce-0a5300000000000a1", VPC_A, "s3")
    assume(t, 2, A, KA); assume(t, 2, D, KD)
    via(t, 3, A, KA, A_PRIV, "GetObject", "s3", "vpce-0a5300000000000a1")
    via(t, 4, A, KA, "10.0.1.99", "GetObject", "s3", "vpce-0a5300000000000a1")
    via(t, 5, A, KA, "2600:1f18:aa:1::10", "GetObject", "s3",
        "vpce-0a5300000000000a1")
    via(t, 6, D, KD, "10.0.1.31", "GetObject", "s3", "vpce-0a5300000000000a1")
    proxy = [gen.proxy_instance(D, ["10.0.1.30", "10.0.1.31"], [], vpc=VPC_A),
             gen.proxy_fetch(D, KD)]
    return t, proxy


def scenarios():
    return {"endpoints-only": endpoints_only(), "public": public_calls(),
            "foreign-endpoint": foreign(True),
            "foreign-endpoint-unnamed": foreign(False),
            "theft-outside": theft_outside(), "unknown-vpc": unknown_vpc(),
            "lateral": lateral()}


def many(n, path):
    t = Trail("pm-many")
    run_instances(t, 0, A, VPC_A, A_PRIV, A_PUB)
    for i in range(n):
        for k in range(1 + i % 3):  # call counts 1..3: a stable order
            public(t, i % 3000, A, KA, A_PUB, "Describe", "svc%04d" % i)
    with open(path, "w") as f:
        for e in t.events:
            f.write(json.dumps(e, sort_keys=True) + "\n")


def write(d):
    os.makedirs(d, exist_ok=True)
    for name, (t, proxy) in scenarios().items():
        with open(os.path.join(d, name + ".jsonl"), "w") as f:
            for e in t.events:
                f.write(json.dumps(e, sort_keys=True) + "\n")
        if proxy:
            with open(os.path.join(d, name + ".proxy.log"), "w") as f:
                for r in proxy:
                    f.write(json.dumps(r, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--many":
        many(int(sys.argv[2]), sys.argv[3])
    else:
        write(sys.argv[1] if len(sys.argv) > 1 else
              os.path.join(os.path.dirname(os.path.abspath(__file__)), "perimeter"))
