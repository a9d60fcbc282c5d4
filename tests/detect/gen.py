#!/usr/bin/env python3
"""Write the synthetic CloudTrail scenarios in tests/detect/scenarios/.

Each scenario is NAME.jsonl (CloudTrail events, the shape CloudTrail
documents), optionally NAME.proxy.log (imdsgated audit records) and
NAME.args (extra imdsgate-detect options), and NAME.expect: the findings
expected, one "TYPE SOURCE_IP" per line, sorted (empty: none).
Deterministic: run it again and the files do not change."""
import json, os, sys

ACCT = "111122223333"
REGION = "eu-west-3"
ROLE = "app-role"
A, B, C = "i-0aaa000000000000a", "i-0bbb000000000000b", "i-0ccc000000000000c"
A_PRIV, A_PUB = "172.31.5.6", "15.188.1.10"
OUT_ATTACKER, IN_ATTACKER = "198.51.100.7", "18.236.253.47"
OUTSIDE = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"
INSIDE = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS"
MALICIOUS = "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom"
NOTISSUED = "imdsgate:CredentialNotIssuedByProxy"
V1 = "imdsgate:IMDSv1CredentialDelivery"
UA = "imdsgate:UnexpectedUserAgent"
CONSOLE = "imdsgate:ConsoleFederationFromInstanceCredentials"
SDK = "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 botocore/2.4.5"


class Trail:
    def __init__(self, name):
        self.name, self.events, self.n = name, [], 0

    def _base(self, minute, name, source, ip, ui, ua=SDK):
        self.n += 1
        return {
            "eventVersion": "1.09", "userIdentity": ui,
            "eventTime": "2026-11-20T10:%02d:%02dZ" % (minute // 60, minute % 60),
            "eventSource": source, "eventName": name, "awsRegion": REGION,
            "sourceIPAddress": ip, "userAgent": ua,
            "requestParameters": None, "responseElements": None,
            "requestID": "req-%s-%04d" % (self.name, self.n),
            "eventID": "%s-%04d" % (self.name, self.n),
            "readOnly": True, "eventType": "AwsApiCall",
            "managementEvent": True, "recipientAccountId": ACCT,
            "eventCategory": "Management"}

    def assume(self, minute, inst, key, role=ROLE):
        e = self._base(minute, "AssumeRole", "sts.amazonaws.com",
                       "ec2.amazonaws.com",
                       {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"},
                       "ec2.amazonaws.com")
        e["requestParameters"] = {
            "roleArn": "arn:aws:iam::%s:role/%s" % (ACCT, role),
            "roleSessionName": inst}
        e["responseElements"] = {"credentials": {
            "accessKeyId": key, "expiration": "Nov 20, 2026, 4:00:00 PM",
            "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN"}}
        e["readOnly"] = True
        self.events.append(e)
        return e

    def call(self, minute, inst, key, ip, name="ListBuckets",
             source="s3.amazonaws.com", ua=SDK, role=ROLE, partition="sts",
             delivery="2.0", **extra):
        arn = "arn:aws:%s::%s:assumed-role/%s/%s" % (partition, ACCT, role, inst)
        ui = {"type": "AssumedRole", "principalId": "AROAEXAMPLE:" + inst,
              "arn": arn, "accountId": ACCT, "accessKeyId": key,
              "sessionContext": {
                  "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                                    "arn": "arn:aws:iam::%s:role/%s" % (ACCT, role),
                                    "accountId": ACCT, "userName": role},
                  "attributes": {"creationDate": "2026-11-20T10:00:00Z",
                                 "mfaAuthenticated": "false"},
                  "ec2RoleDelivery": delivery}}
        e = self._base(minute, name, source, ip, ui, ua)
        e.update(extra)
        self.events.append(e)
        return e

    def user(self, minute, ip, name, req=None, resp=None, source="ec2.amazonaws.com"):
        ui = {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
              "arn": "arn:aws:iam::%s:user/admin" % ACCT, "accountId": ACCT,
              "accessKeyId": "AKIAEXAMPLEADMIN0001", "userName": "admin"}
        e = self._base(minute, name, source, ip, ui)
        e["requestParameters"], e["responseElements"] = req, resp
        e["readOnly"] = False
        self.events.append(e)
        return e


def proxy_instance(inst, priv, pub, token=True, vpc="vpc-0feedc0ffee"):
    return {"ts": "2026-11-20T09:59:00.000Z", "event": "instance",
            "instance_id": inst, "account_id": ACCT, "region": REGION,
            "private_ips": priv, "public_ips": pub, "vpc_id": vpc,
            "macs": ["0e:11:22:33:44:55"], "require_token": token}


def proxy_fetch(inst, key, uid=1001, user="app", pid=4242,
                exe="/usr/bin/python3.11"):
    return {"ts": "2026-11-20T10:00:30.000Z", "event": "credential_fetch",
            "instance_id": inst, "uid": uid, "user": user, "gids": [uid],
            "pid": pid, "comm": "python3", "exe": exe,
            "path": "/latest/meta-data/iam/security-credentials/" + ROLE,
            "role": ROLE, "credential_kind": "instance-profile",
            "access_key_id": key, "expiration": "2026-11-20T16:00:00Z"}


def scenarios():
    s = {}
    # Stolen credentials used from outside AWS after the instance's own use.
    t = Trail("outside"); t.assume(0, A, "ASIAKEYA000000000001")
    t.call(1, A, "ASIAKEYA000000000001", A_PUB)
    t.call(5, A, "ASIAKEYA000000000001", OUT_ATTACKER, "GetObject")
    t.call(6, A, "ASIAKEYA000000000001", OUT_ATTACKER, "GetObject")
    s["outside"] = (t, None, [], [(OUTSIDE, OUT_ATTACKER)])
    # ... and from another AWS account's EC2 address.
    t = Trail("inside"); t.assume(0, A, "ASIAKEYA000000000001")
    t.call(1, A, "ASIAKEYA000000000001", A_PUB)
    t.call(5, A, "ASIAKEYA000000000001", IN_ATTACKER, "DescribeInstances",
           "ec2.amazonaws.com")
    s["inside"] = (t, None, [], [(INSIDE, IN_ATTACKER)])
    # The attacker first; the instance's addresses known from RunInstances.
    t = Trail("first-ec2")
    t.user(0, "203.0.113.50", "RunInstances",
           {"instancesSet": {"items": [{"imageId": "ami-0example"}]}},
           {"instancesSet": {"items": [{"instanceId": A,
            "privateIpAddress": A_PRIV, "networkInterfaceSet": {"items": [{
                "networkInterfaceId": "eni-0aaa", "privateIpAddress": A_PRIV,
                "association": {"publicIp": A_PUB}}]}}]}})
    t.assume(1, A, "ASIAKEYA000000000001")
    t.call(2, A, "ASIAKEYA000000000001", OUT_ATTACKER)
    t.call(3, A, "ASIAKEYA000000000001", A_PUB)
    s["first-ec2"] = (t, None, [], [(OUTSIDE, OUT_ATTACKER)])
    # The attacker first, the instance's addresses from imdsgated's log.
    t = Trail("first-proxy"); t.assume(0, A, "ASIAKEYA000000000001")
    t.call(2, A, "ASIAKEYA000000000001", OUT_ATTACKER)
    t.call(3, A, "ASIAKEYA000000000001", A_PUB)
    s["first-proxy"] = (t, [proxy_instance(A, [A_PRIV], [A_PUB]),
                            proxy_fetch(A, "ASIAKEYA000000000001")], [],
                        [(OUTSIDE, OUT_ATTACKER)])
    # SSRF: the instance's own address, but no SDK user agent.
    t = Trail("ssrf"); t.assume(0, A, "ASIAKEYA000000000001")
    t.call(1, A, "ASIAKEYA000000000001", A_PUB)
    t.call(2, A, "ASIAKEYA000000000001", A_PUB, "ListObjects",
           ua="python-requests/2.31.0")
    s["ssrf"] = (t, None, ["--user-agents", "agents.txt"], [(UA, A_PUB)])
    # A caller on the custom threat list (any identity).
    t = Trail("threat")
    t.user(0, "203.0.113.9", "DescribeInstances")
    s["threat"] = (t, None, ["--threat-list", "threats.txt"],
                   [(MALICIOUS, "203.0.113.9")])
    # IMDSv1 delivery on an instance whose imdsgated requires tokens.
    t = Trail("v1"); t.assume(0, A, "ASIAKEYA000000000001")
    t.call(1, A, "ASIAKEYA000000000001", A_PUB, delivery="1.0")
    s["v1"] = (t, [proxy_instance(A, [A_PRIV], [A_PUB]),
                   proxy_fetch(A, "ASIAKEYA000000000001")], [], [(V1, A_PUB)])
    # A key of a proxied instance that imdsgated never handed out.
    t = Trail("notissued"); t.assume(0, A, "ASIAKEYA000000000001")
    t.call(1, A, "ASIAKEYA000000000001", A_PUB)
    t.call(2, A, "ASIAKEYNOTFROMPROXY1", A_PUB)
    s["notissued"] = (t, [proxy_instance(A, [A_PRIV], [A_PUB]),
                          proxy_fetch(A, "ASIAKEYA000000000001")], [],
                      [(NOTISSUED, A_PUB)])
    s["benign"] = (benign(), None, ["--user-agents", "agents.txt"], [])
    nat(s)
    endpoints(s)
    other_uses(s)
    return s


NAT1, NAT2 = "15.188.50.1", "15.188.60.2"
KA, KB, KC = "ASIAKEYA000000000001", "ASIAKEYB000000000001", "ASIAKEYC000000000001"
B_PRIV, C_PRIV = "172.31.5.7", "172.31.5.8"


def private_fleet():
    """Three instances of one VPC with private addresses only."""
    return [proxy_instance(A, [A_PRIV], []), proxy_instance(B, [B_PRIV], []),
            proxy_instance(C, [C_PRIV], []), proxy_fetch(A, KA),
            proxy_fetch(B, KB), proxy_fetch(C, KC)]


def nat(s):
    """Issue 11 part 1: private instances behind a NAT gateway."""
    t = Trail("nat"); t.assume(0, A, KA); t.assume(0, B, KB)
    t.call(1, A, KA, NAT1); t.call(2, B, KB, NAT1)
    t.call(3, A, KA, NAT1, "GetObject")
    s["nat-proxy"] = (t, private_fleet(), [], [])
    s["nat-noproxy"] = (t, None, [], [])
    # The attacker first on C, but the VPC's egress is known from A and B.
    t = Trail("natfirst"); t.assume(0, A, KA); t.assume(0, C, KC)
    t.call(1, A, KA, NAT1)
    t.call(2, C, KC, OUT_ATTACKER, "GetCallerIdentity", "sts.amazonaws.com")
    t.call(3, C, KC, NAT1)
    s["nat-first"] = (t, private_fleet(), [], [(OUTSIDE, OUT_ATTACKER)])
    # A second NAT gateway (another zone) created in the trail: its
    # address is the VPC's egress as well.
    t = Trail("natgw"); t.assume(0, A, KA); t.assume(0, B, KB)
    t.user(0, "203.0.113.50", "CreateNatGateway",
           {"CreateNatGatewayRequest": {"SubnetId": "subnet-0b",
                                        "AllocationId": "eipalloc-0b"}},
           {"CreateNatGatewayResponse": {"natGateway": {
               "natGatewayId": "nat-0b", "subnetId": "subnet-0b",
               "vpcId": "vpc-0feedc0ffee", "state": "pending",
               "natGatewayAddressSet": {"item": {
                   "allocationId": "eipalloc-0b", "networkInterfaceId": "eni-0nat",
                   "privateIp": "172.31.99.9", "publicIp": NAT2,
                   "isPrimary": True, "status": "succeeded"}}}}})
    t.call(1, A, KA, NAT1); t.call(2, B, KB, NAT2)
    s["nat-gateways"] = (t, private_fleet(), [], [])


def endpoints(s):
    """Issue 11 part 2: VPC endpoints, the account's own and foreign."""
    t = Trail("vpce"); t.assume(0, A, KA)
    t.call(1, A, KA, A_PRIV, "GetObject", vpcEndpointId="vpce-0own",
           vpcEndpointAccountId=ACCT)
    t.call(2, A, KA, "10.99.0.5", "GetObject", vpcEndpointId="vpce-0evil",
           vpcEndpointAccountId="444455556666")
    t.call(3, A, KA, A_PRIV, "PutObject", vpcEndpointId="vpce-0own",
           vpcEndpointAccountId=ACCT)
    s["vpce-foreign"] = (t, private_fleet(), [], [(INSIDE, "10.99.0.5")])
    # Older events without the endpoint's owner: an endpoint the VPC has
    # never used for that service, on another instance of the VPC.
    t = Trail("vpceunk"); t.assume(0, A, KA); t.assume(0, B, KB)
    t.call(1, A, KA, A_PRIV, "GetObject", vpcEndpointId="vpce-0own")
    t.call(2, B, KB, B_PRIV, "GetObject", vpcEndpointId="vpce-0own")
    t.call(3, A, KA, "172.31.200.9", "GetObject", vpcEndpointId="vpce-0other")
    t.call(4, B, KB, B_PRIV, "Decrypt", "kms.amazonaws.com",
           vpcEndpointId="vpce-0kms")
    s["vpce-unknown"] = (t, private_fleet(), [], [(INSIDE, "172.31.200.9")])


def signin(t, minute, inst, key, ip, name):
    e = t.call(minute, inst, key, ip, name, "signin.amazonaws.com",
               ua="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0",
               eventType="AwsConsoleSignIn", awsRegion="us-east-1",
               responseElements={name: "Success"},
               additionalEventData={"MobileVersion": "No", "MFAUsed": "No"})
    if name == "ConsoleLogin":
        del e["userIdentity"]["accessKeyId"]
        e["userIdentity"]["sessionContext"].pop("ec2RoleDelivery")
    return e


def other_uses(s):
    """Issue 11 part 3: console federation, identity credential, IPv6."""
    t = Trail("console"); t.assume(0, A, KA); t.call(1, A, KA, A_PUB)
    signin(t, 5, A, KA, OUT_ATTACKER, "GetSigninToken")
    signin(t, 6, A, KA, OUT_ATTACKER, "ConsoleLogin")
    s["console"] = (t, None, [], [(CONSOLE, OUT_ATTACKER),
                                  (OUTSIDE, OUT_ATTACKER)])
    # Federation from the instance's own address (an SSRF relaying it).
    t = Trail("consolessrf"); t.assume(0, A, KA); t.call(1, A, KA, A_PUB)
    signin(t, 5, A, KA, A_PUB, "GetSigninToken")
    s["console-own-ip"] = (t, None, [], [(CONSOLE, A_PUB)])
    t = Trail("identity"); t.assume(0, A, KA); t.call(1, A, KA, A_PUB)
    t.call(2, A, "ASIAIDENTITY00000001", A_PUB, role="aws:ec2-instance")
    t.call(5, A, "ASIAIDENTITY00000001", OUT_ATTACKER, "DescribeInstances",
           "ec2.amazonaws.com", role="aws:ec2-instance")
    s["identity"] = (t, None, [], [(OUTSIDE, OUT_ATTACKER)])
    for name, ip, ty in (("ipv6-outside", "2a01:4f8:c0c:1::7", OUTSIDE),
                         ("ipv6-inside", "2600:1f18:7000::9", INSIDE)):
        t = Trail(name); t.assume(0, A, KA)
        t.call(1, A, KA, A_PUB); t.call(2, A, KA, "2600:1f18:1:2::5")
        t.call(5, A, KA, ip, "GetObject")
        s[name] = (t, None, [], [(ty, ip)])


def benign():
    t = Trail("benign"); k = "ASIAKEYA000000000001"
    t.assume(0, A, k); t.assume(0, B, "ASIAKEYB000000000001")
    t.call(1, A, k, A_PUB)
    # A service acting for the caller, and AWS Internal.
    t.call(2, A, k, "athena.amazonaws.com", "GetObject")
    t.events[-1]["userIdentity"]["invokedBy"] = "athena.amazonaws.com"
    t.call(3, A, k, "AWS Internal", "Decrypt", "kms.amazonaws.com")
    # A VPC endpoint: private source address.
    t.call(4, A, k, "172.31.9.9", "GetObject", vpcEndpointId="vpce-0abc")
    # An Elastic IP associated with the instance.
    t.user(5, "203.0.113.50", "AssociateAddress",
           {"instanceId": A, "publicIp": "15.188.3.3"}, {"return": True})
    t.call(6, A, k, "15.188.3.3")
    # A new network interface with a public address, then a second IP.
    t.user(7, "203.0.113.50", "CreateNetworkInterface",
           {"subnetId": "subnet-1"}, {"networkInterface": {
               "networkInterfaceId": "eni-0new", "privateIpAddress": "172.31.7.7",
               "association": {"publicIp": "15.188.2.2"}}})
    t.user(8, "203.0.113.50", "AttachNetworkInterface",
           {"networkInterfaceId": "eni-0new", "instanceId": A,
            "deviceIndex": 1}, {"attachmentId": "eni-attach-1"})
    t.call(9, A, k, "15.188.2.2")
    t.user(10, "203.0.113.50", "AssignPrivateIpAddresses",
           {"networkInterfaceId": "eni-0new", "privateIpAddressesSet": {
               "items": [{"privateIpAddress": "172.31.7.8"}]}},
           {"networkInterfaceId": "eni-0new", "assignedPrivateIpAddressesSet": {
               "privateIpAddressSet": {"item": [{"privateIpAddress": "172.31.7.8"}]}}})
    t.call(11, A, k, "172.31.7.8", "GetObject")
    # Credential rotation: a new key for the same session.
    t.assume(60, A, "ASIAKEYA000000000002")
    t.call(61, A, "ASIAKEYA000000000002", A_PUB)
    # Two instances sharing a role: two sessions, two addresses.
    t.call(62, B, "ASIAKEYB000000000001", "35.180.1.1")
    # Private then public addresses of one instance; dual stack.
    t.assume(63, C, "ASIAKEYC000000000001")
    t.call(64, C, "ASIAKEYC000000000001", "172.31.20.20", vpcEndpointId="vpce-0abc")
    t.call(65, C, "ASIAKEYC000000000001", "13.36.1.1")
    t.call(66, C, "ASIAKEYC000000000001", "2600:1f18:1:2::5")
    # Spellings of the same session: iam ARN, mixed case, identity role.
    t.call(67, A.upper().replace("I-", "i-"), k, A_PUB, partition="iam")
    t.call(68, A, "ASIAIDENTITY00000001", A_PUB, role="aws:ec2-instance")
    # The same event twice (delivered twice): counted once.
    t.events.append(dict(t.events[-1]))
    return t


def write(d):
    os.makedirs(d, exist_ok=True)
    for name, (t, proxy, args, expect) in scenarios().items():
        with open(os.path.join(d, name + ".jsonl"), "w") as f:
            for e in t.events:
                f.write(json.dumps(e, sort_keys=True) + "\n")
        if proxy:
            with open(os.path.join(d, name + ".proxy.log"), "w") as f:
                for r in proxy:
                    f.write(json.dumps(r, separators=(",", ":")) + "\n")
        with open(os.path.join(d, name + ".args"), "w") as f:
            f.write(" ".join(args) + "\n")
        with open(os.path.join(d, name + ".expect"), "w") as f:
            for ty, ip in sorted(expect):
                f.write("%s %s\n" % (ty, ip))


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else
          os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios"))
