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

    def _base(self, minute, name, source, ip, ui, ua=SDK, acct=ACCT):
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
            "managementEvent": True, "recipientAccountId": acct,
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
             delivery="2.0", acct=ACCT, role_id="AROAEXAMPLE", **extra):
        arn = "arn:aws:%s::%s:assumed-role/%s/%s" % (partition, acct, role, inst)
        ui = {"type": "AssumedRole", "principalId": role_id + ":" + inst,
              "arn": arn, "accountId": acct, "accessKeyId": key,
              "sessionContext": {
                  "sessionIssuer": {"type": "Role", "principalId": role_id,
                                    "arn": "arn:aws:iam::%s:role/%s" % (acct, role),
                                    "accountId": acct, "userName": role},
                  "attributes": {"creationDate": "2026-11-20T10:00:00Z",
                                 "mfaAuthenticated": "false"}}}
        if delivery is not None:
            ui["sessionContext"]["ec2RoleDelivery"] = delivery
        e = self._base(minute, name, source, ip, ui, ua, acct)
        e.update(extra)
        self.events.append(e)
        return e

    def service_assume(self, minute, by, role, session, key, role_id,
                       req=None, acct=ACCT):
        """STS AssumeRole made by an AWS service for its workload."""
        e = self._base(minute, "AssumeRole", "sts.amazonaws.com", by,
                       {"type": "AWSService", "invokedBy": by}, by, acct)
        e["requestParameters"] = dict(
            {"roleArn": "arn:aws:iam::%s:role/%s" % (acct, role),
             "roleSessionName": session}, **(req or {}))
        e["responseElements"] = {
            "credentials": {"accessKeyId": key,
                            "expiration": "Nov 20, 2026, 4:00:00 PM",
                            "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKEN"},
            "assumedRoleUser": {
                "assumedRoleId": "%s:%s" % (role_id, session),
                "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (acct, role, session)}}
        self.events.append(e)
        return e

    def pod_identity(self, minute, node, node_key, node_ip, cluster, ns, sa,
                     role, session, key, role_id):
        """The EKS Pod Identity Agent on a node fetching a pod's
        credentials (eks-auth AssumeRoleForPodIdentity, node credentials)."""
        e = self.call(minute, node, node_key, node_ip,
                      "AssumeRoleForPodIdentity", "eks-auth.amazonaws.com",
                      ua="aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 "
                         "md/GOOS#linux md/GOARCH#amd64 api/eksauth#1.7.3 "
                         "eks-pod-identity-agent",
                      role="eks-node-role", role_id="AROANODEROLE")
        e["requestParameters"] = {"clusterName": cluster,
                                  "token": "HIDDEN_DUE_TO_SECURITY_REASONS"}
        e["responseElements"] = {
            "subject": {"namespace": ns, "serviceAccount": sa},
            "audience": "pods.eks.amazonaws.com",
            "podIdentityAssociation": {
                "associationArn": "arn:aws:eks:%s:%s:podidentityassociation/"
                                  "%s/a-0example" % (REGION, ACCT, cluster),
                "associationId": "a-0example"},
            "assumedRoleUser": {
                "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (ACCT, role, session),
                "assumeRoleId": "%s:%s" % (role_id, session)},
            "credentials": {"accessKeyId": key,
                            "sessionToken": "HIDDEN_DUE_TO_SECURITY_REASONS",
                            "secretAccessKey": "HIDDEN_DUE_TO_SECURITY_REASONS",
                            "expiration": "Nov 20, 2026, 4:00:00 PM"}}
        return e

    def user(self, minute, ip, name, req=None, resp=None, source="ec2.amazonaws.com",
             acct=ACCT):
        ui = {"type": "IAMUser", "principalId": "AIDAEXAMPLE",
              "arn": "arn:aws:iam::%s:user/admin" % acct, "accountId": acct,
              "accessKeyId": "AKIAEXAMPLEADMIN0001", "userName": "admin"}
        e = self._base(minute, name, source, ip, ui, acct=acct)
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
    address_classes(s)
    workloads(s)
    affiliated(s)
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
    # A dual-stack instance: its IPv6 address assigned in the trail, then
    # a thief on another IPv6 address.
    for name, ip, ty in (("ipv6-outside", "2a01:4f8:c0c:1::7", OUTSIDE),
                         ("ipv6-inside", "2600:1f18:7000::9", INSIDE)):
        t = Trail(name); launch(t, 0, A, A_PRIV, "eni-0aaa")
        assign_ipv6(t, 0, "eni-0aaa", "2600:1f18:1:2::5"); t.assume(0, A, KA)
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
    # Private then public addresses of one instance; dual stack: its IPv6
    # address from the launch, its public one an Elastic IP.
    launch(t, 62, C, "172.31.20.20", "eni-0ccc", ipv6="2600:1f18:1:2::5")
    t.user(62, "203.0.113.50", "AssociateAddress",
           {"instanceId": C, "publicIp": "13.36.1.1"}, {"return": True})
    t.assume(63, C, "ASIAKEYC000000000001")
    t.call(64, C, "ASIAKEYC000000000001", "172.31.20.20", vpcEndpointId="vpce-0abc")
    t.call(65, C, "ASIAKEYC000000000001", "13.36.1.1")
    t.call(66, C, "ASIAKEYC000000000001", "2600:1f18:1:2::5")
    # Spellings of the same session: iam ARN, mixed case, identity role.
    t.call(67, A.upper().replace("I-", "i-"), k, A_PUB, partition="iam")
    t.call(68, A, "ASIAIDENTITY00000001", A_PUB, role="aws:ec2-instance")
    # An IPv6 address assigned to the attached interface later.
    assign_ipv6(t, 69, "eni-0new", "2600:1f18:1:2::77")
    t.call(70, A, k, "2600:1f18:1:2::77")
    # The same event twice (delivered twice): counted once.
    t.events.append(dict(t.events[-1]))
    return t


def launch(t, minute, inst, priv, eni, ipv6=None, pub=None,
           vpc="vpc-0feedc0ffee", acct=ACCT):
    """RunInstances as CloudTrail records it: the public IPv4 address is
    usually assigned after the response, IPv6 addresses are in it."""
    nic = {"networkInterfaceId": eni, "subnetId": "subnet-1", "vpcId": vpc,
           "privateIpAddress": priv,
           "privateIpAddressesSet": {"item": [{"privateIpAddress": priv,
                                               "primary": True}]}}
    if ipv6:
        nic["ipv6AddressesSet"] = {"item": [{"ipv6Address": ipv6}]}
    if pub:
        nic["association"] = {"publicIp": pub}
    return t.user(minute, "203.0.113.50", "RunInstances",
                  {"instancesSet": {"items": [{"imageId": "ami-0example",
                                               "minCount": 1, "maxCount": 1}]}},
                  {"instancesSet": {"items": [{
                      "instanceId": inst, "imageId": "ami-0example",
                      "instanceState": {"code": 0, "name": "pending"},
                      "privateIpAddress": priv, "subnetId": "subnet-1",
                      "vpcId": vpc,
                      "networkInterfaceSet": {"items": [nic]}}]},
                   "ownerId": acct}, acct=acct)


def assign_ipv6(t, minute, eni, ip):
    """AssignIpv6Addresses as EC2's XML response is rendered."""
    return t.user(minute, "203.0.113.50", "AssignIpv6Addresses",
                  {"networkInterfaceId": eni, "ipv6AddressCount": 1},
                  {"AssignIpv6AddressesResponse": {
                      "xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/",
                      "requestId": "r-0example", "networkInterfaceId": eni,
                      "assignedIpv6Addresses": {"item": ip}}})


def address_classes(s):
    """Issue 19 hole 2: the first address of a new class is not taken on
    trust; an address outside AWS's ranges is never the instance's."""
    for name, ip, ty in (("class-ipv6-inside", "2600:1f18:7000::9", INSIDE),
                         ("class-ipv6-outside", "2a01:4f8:c0c:1::7", OUTSIDE)):
        t = Trail(name); t.assume(0, A, KA)
        t.call(1, A, KA, A_PUB); t.call(5, A, KA, ip, "GetObject")
        t.call(6, A, KA, A_PUB)
        s[name] = (t, None, [], [(ty, ip)])
    # Private (a VPC endpoint) then public, with no evidence.
    t = Trail("class-public-after-private"); t.assume(0, A, KA)
    t.call(1, A, KA, A_PRIV, "GetObject", vpcEndpointId="vpce-0own")
    t.call(5, A, KA, IN_ATTACKER, "ListBuckets")
    s["class-public-after-private"] = (t, None, [], [(INSIDE, IN_ATTACKER)])
    # The same with evidence: an Elastic IP associated by address.
    t = Trail("class-evidence"); t.assume(0, A, KA)
    t.call(1, A, KA, A_PRIV, "GetObject", vpcEndpointId="vpce-0own")
    t.user(2, "203.0.113.50", "AssociateAddress",
           {"instanceId": A, "publicIp": "15.188.3.3"}, {"return": True})
    t.call(5, A, KA, "15.188.3.3", "ListBuckets")
    s["class-evidence"] = (t, None, [], [])
    # A thief first, from outside AWS: never an instance's own address.
    t = Trail("first-outside"); t.assume(0, A, KA)
    t.call(1, A, KA, OUT_ATTACKER, "GetCallerIdentity", "sts.amazonaws.com")
    t.call(2, A, KA, A_PUB)
    s["first-outside"] = (t, None, [], [(OUTSIDE, OUT_ATTACKER)])
    # A thief first from AWS: the lock is his; the instance is reported,
    # and the finding says the lock was taken without evidence.
    t = Trail("first-unproven"); t.assume(0, A, KA)
    t.call(1, A, KA, IN_ATTACKER, "GetCallerIdentity", "sts.amazonaws.com")
    t.call(2, A, KA, A_PUB)
    s["first-unproven"] = (t, None, [], [(INSIDE, A_PUB)])
    # The user's own egress outside AWS (on-premises, BYOIP): listed.
    t = Trail("own-ranges"); t.assume(0, A, KA)
    t.call(1, A, KA, "198.18.0.5"); t.call(2, A, KA, "198.18.0.5", "GetObject")
    s["own-ranges"] = (t, None, ["--own-ranges", "own-ranges.txt"], [])


TASK = "5c8f1a0e2b7d4c3e9f6a1b2c3d4e5f60"
TASK_IP = "15.188.7.7"
NODE, NODE_IP = "i-0eee000000000000e", "15.188.8.8"
POD_SESSION = "eks-prod-cart-7d9f8c6b-2f0c6a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b"
FN, FN_IPS = "ingest", ("15.188.9.1", "35.180.9.2", "13.36.9.3")
LAMBDA_UA = ("Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#5.10.219 "
             "md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython "
             "exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy "
             "Botocore/1.34.0")
TASK_OUT = "imdsgate:TaskCredentialExfiltration.OutsideAWS"
TASK_IN = "imdsgate:TaskCredentialExfiltration.InsideAWS"
POD_OUT = "imdsgate:PodCredentialExfiltration.OutsideAWS"
POD_IN = "imdsgate:PodCredentialExfiltration.InsideAWS"
LAMBDA = "imdsgate:LambdaCredentialExfiltration"


def task(t, minute=0):
    t.service_assume(minute, "ecs-tasks.amazonaws.com", "cart-task-role", TASK,
                     "ASIATASK000000000001", "AROATASKROLE")


def task_call(t, minute, ip, **kw):
    return t.call(minute, TASK, "ASIATASK000000000001", ip,
                  role="cart-task-role", role_id="AROATASKROLE",
                  delivery=None, **kw)


def pod(t, minute=0):
    t.call(minute, NODE, "ASIANODE000000000001", NODE_IP, "DescribeInstances",
           "ec2.amazonaws.com", role="eks-node-role", role_id="AROANODEROLE")
    t.pod_identity(minute, NODE, "ASIANODE000000000001", NODE_IP, "prod",
                   "shop", "cart", "cart-pod-role", POD_SESSION,
                   "ASIAPOD0000000000001", "AROAPODROLE")
    t.service_assume(minute, "pods.eks.amazonaws.com", "cart-pod-role",
                     POD_SESSION, "ASIAPOD0000000000001", "AROAPODROLE",
                     {"durationSeconds": 21600, "tags": [
                         {"key": "eks-cluster-name", "value": "prod"},
                         {"key": "kubernetes-namespace", "value": "shop"},
                         {"key": "kubernetes-service-account", "value": "cart"},
                         {"key": "kubernetes-pod-name",
                          "value": "cart-7d9f8c6b5-x2kqv"}]})


def pod_call(t, minute, ip, **kw):
    return t.call(minute, POD_SESSION, "ASIAPOD0000000000001", ip,
                  role="cart-pod-role", role_id="AROAPODROLE", delivery=None,
                  **kw)


def fn(t, minute=0):
    t.service_assume(minute, "lambda.amazonaws.com", "ingest-role", FN,
                     "ASIAFN00000000000001", "AROAFNROLE")


def fn_call(t, minute, ip, ua=LAMBDA_UA, **kw):
    return t.call(minute, FN, "ASIAFN00000000000001", ip, role="ingest-role",
                  role_id="AROAFNROLE", delivery=None, ua=ua, **kw)


def workloads(s):
    """Issue 19 part 5: ECS task, EKS Pod Identity and Lambda credentials."""
    t = Trail("task-outside"); task(t); task_call(t, 1, TASK_IP)
    task_call(t, 5, OUT_ATTACKER, name="GetObject")
    s["task-outside"] = (t, None, [], [(TASK_OUT, OUT_ATTACKER)])
    # The role under a path, and a response without assumedRoleUser: the
    # session is named from roleArn's last part and roleSessionName.
    t = Trail("task-path"); task(t)
    ar = t.events[-1]
    ar["requestParameters"]["roleArn"] = \
        "arn:aws:iam::%s:role/ecs/services/cart-task-role" % ACCT
    del ar["responseElements"]["assumedRoleUser"]
    task_call(t, 1, TASK_IP); task_call(t, 5, OUT_ATTACKER, name="GetObject")
    s["task-path"] = (t, None, [], [(TASK_OUT, OUT_ATTACKER)])
    t = Trail("task-inside"); task(t); task_call(t, 1, TASK_IP)
    task_call(t, 5, IN_ATTACKER, name="GetObject")
    s["task-inside"] = (t, None, [], [(TASK_IN, IN_ATTACKER)])
    # A pod is held to its node's address from the start: the thief first
    # is still caught.
    t = Trail("pod-inside"); pod(t)
    pod_call(t, 1, IN_ATTACKER, name="GetObject"); pod_call(t, 2, NODE_IP)
    s["pod-inside"] = (t, None, [], [(POD_IN, IN_ATTACKER)])
    t = Trail("pod-outside"); pod(t); pod_call(t, 1, NODE_IP)
    pod_call(t, 5, OUT_ATTACKER, name="GetObject")
    s["pod-outside"] = (t, None, [], [(POD_OUT, OUT_ATTACKER)])
    t = Trail("lambda-outside"); fn(t); fn_call(t, 1, FN_IPS[0])
    fn_call(t, 5, OUT_ATTACKER, ua=SDK)
    s["lambda-outside"] = (t, None, [], [(LAMBDA, OUT_ATTACKER)])
    # From another AWS customer's instance: no Lambda runtime's agent.
    t = Trail("lambda-agent"); fn(t); fn_call(t, 1, FN_IPS[0])
    fn_call(t, 5, IN_ATTACKER, ua=SDK)
    s["lambda-agent"] = (t, None, [], [(LAMBDA, IN_ATTACKER)])
    s["workloads-benign"] = (workloads_benign(), None, [], [])


def workloads_benign():
    """The forms that are not theft: services on the session's behalf, the
    runtime's own calls, a Lambda function's addresses changing, a pod on
    its node's address, a task through a VPC endpoint."""
    t = Trail("wlbenign"); task(t); pod(t); fn(t)
    task_call(t, 1, TASK_IP)
    task_call(t, 2, "172.31.30.30", name="GetObject", vpcEndpointId="vpce-0own")
    task_call(t, 3, "ecs-tasks.amazonaws.com", name="GetParameters",
              source="ssm.amazonaws.com")
    t.events[-1]["userIdentity"]["invokedBy"] = "ecs-tasks.amazonaws.com"
    pod_call(t, 1, NODE_IP); pod_call(t, 4, NODE_IP, name="GetObject")
    pod_call(t, 5, "AWS Internal", name="Decrypt", source="kms.amazonaws.com")
    for i, ip in enumerate(FN_IPS):
        fn_call(t, 1 + i, ip, name="PutItem", source="dynamodb.amazonaws.com")
    fn_call(t, 4, "15.188.9.4", name="CreateLogStream", source="logs.amazonaws.com",
            ua="awslambda-worker/1.0 rusoto/0.48.0 rust/1.75.0 linux")
    fn_call(t, 5, "lambda.amazonaws.com", name="ReceiveMessage",
            source="sqs.amazonaws.com", ua="lambda.amazonaws.com")
    t.events[-1]["userIdentity"]["invokedBy"] = "lambda.amazonaws.com"
    return t


ACCT_B = "222233334444"
D = "i-0ddd000000000000d"


def affiliated(s):
    """Issue 19 part 6: a stolen key used from an instance of another
    account in the same (organization) trail names that account."""
    t = Trail("affiliated"); t.assume(0, A, KA)
    t.call(1, A, KA, A_PUB)
    t.call(2, D, "ASIAKEYD000000000001", IN_ATTACKER, role="build-role",
           acct=ACCT_B, role_id="AROABUILD")
    t.call(5, A, KA, IN_ATTACKER, "GetObject")
    s["affiliated"] = (t, None, [], [(INSIDE, IN_ATTACKER)])


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
