# imdsgate-detect finds every attack scenario with its exact type and
# stays silent on every benign edge case (synthetic CloudTrail from
# tests/detect/gen.py, and the real Stratus Red Team and OTRF captures).
source "$top_srcdir/tests/lib/tap.sh"

D=$top_srcdir/tests/detect
S=$D/scenarios
det() { imdsgate-detect --ip-ranges "$D/ip-ranges-small.json" "$@"; }
types() { jq -r '"\(.type) \(.source_ip)"' | sort; }

cd "$D" || exit 1
for f in "$S"/*.jsonl; do
	s=$(basename "$f" .jsonl)
	args=$(cat "$S/$s.args")
	proxy=()
	[ -f "$S/$s.proxy.log" ] && proxy=(--proxy-log "$S/$s.proxy.log")
	# shellcheck disable=SC2086
	got=$(det "${proxy[@]}" $args "$f" 2>/dev/null | types)
	rc=${PIPESTATUS[0]}
	is "$got" "$(cat "$S/$s.expect")" "$s: findings"
	if [ -s "$S/$s.expect" ]; then want=3; else want=0; fi
	# shellcheck disable=SC2086
	det "${proxy[@]}" $args "$f" >/dev/null 2>&1
	is "$?" "$want" "$s: exit status"
done

# Each benign edge case is what keeps the benign trail silent: without
# the event that widens the lock, the same trail alarms.
drop() { grep -v "\"eventName\": \"$1\"" "$S/benign.jsonl" > "$T/b.jsonl"; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
drop AssociateAddress
like "$(det "$T/b.jsonl" 2>/dev/null | types)" "InsideAWS 15.188.3.3" \
    "benign without the EIP association alarms"
drop AttachNetworkInterface
like "$(det "$T/b.jsonl" 2>/dev/null | types)" "InsideAWS 15.188.2.2" \
    "benign without the ENI attachment alarms"
drop AssignPrivateIpAddresses
like "$(det "$T/b.jsonl" 2>/dev/null | types)" "OutsideAWS 172.31.7.8" \
    "benign without the private IP assignment alarms"
grep -v vpce- "$S/benign.jsonl" | sed 's/"sourceIPAddress": "AWS Internal"/"sourceIPAddress": "192.0.2.1"/' > "$T/b.jsonl"
like "$(det "$T/b.jsonl" 2>/dev/null | types)" "OutsideAWS 192.0.2.1" \
    "an address in place of AWS Internal alarms"

# Each benign form of issue 19 is what keeps it silent: without the
# launch naming C's IPv6 address, or the IPv6 assignment on the attached
# interface, the same trail alarms, saying why.
drop RunInstances
like "$(det "$T/b.jsonl" 2>/dev/null | types)" "InsideAWS 2600:1f18:1:2::5" \
    "benign without the launch's IPv6 address alarms"
drop AssignIpv6Addresses
like "$(det "$T/b.jsonl" 2>/dev/null | jq -r .title)" \
    "public IPv6 address, a class the session was not locked on, with no evidence" \
    "benign without the IPv6 assignment alarms, and the title says why"

# A lock taken at first use without evidence is named in later findings.
f=$(det "$S/first-unproven.jsonl" 2>/dev/null)
is "$(printf '%s' "$f" | jq -r .lock)" "first use, no evidence" \
    "first-unproven: the lock is named as taken without evidence"
like "$(printf '%s' "$f" | jq -r .title)" "locked on 18.236.253.47 at its first use with no evidence" \
    "first-unproven: the title names the address locked on trust"
is "$(det "$S/first-ec2.jsonl" 2>/dev/null | jq -r '.lock // "evidence"')" evidence \
    "a lock from RunInstances is not called unproven"

# The affiliated account and instance are named.
f=$(det "$S/affiliated.jsonl" 2>/dev/null)
is "$(printf '%s' "$f" | jq -r '"\(.source_account_id) \(.source_instance_id)"')" \
    "222233334444 i-0ddd000000000000d" "affiliated: the other account's instance named"
like "$(printf '%s' "$f" | jq -r .title)" "from instance i-0ddd000000000000d of affiliated account 222233334444" \
    "affiliated: the title says so"
is "$(det "$S/inside.jsonl" 2>/dev/null | jq -r '.source_account_id // "none"')" none \
    "an address of no instance in the input names no account"

# Task, pod and function findings name their workload.
is "$(det "$S/task-inside.jsonl" 2>/dev/null | jq -r .task_id)" \
    5c8f1a0e2b7d4c3e9f6a1b2c3d4e5f60 "task finding names the task"
is "$(det "$S/pod-inside.jsonl" 2>/dev/null | jq -r '"\(.pod_name) \(.namespace) \(.service_account) \(.cluster) \(.node_instance_id)"')" \
    "cart-7d9f8c6b5-x2kqv shop cart prod i-0eee000000000000e" \
    "pod finding names the pod, its namespace, service account, cluster and node"
is "$(det "$S/lambda-agent.jsonl" 2>/dev/null | jq -r .function_name)" ingest \
    "Lambda finding names the function"
like "$(det "$S/lambda-agent.jsonl" 2>/dev/null | jq -r .title)" \
    "without the function's runtime agent \(exec-env/AWS_Lambda_python3.12\)" \
    "Lambda finding says the runtime's agent is missing"
is "$(det "$S/lambda-outside.jsonl" 2>/dev/null | jq -r .title)" \
    "Lambda execution role credentials used from an address outside AWS's published ranges" \
    "Lambda finding from outside AWS says so"

# Without --ip-ranges nothing is known to be outside AWS: an outside
# thief first is locked in (the blind spot --ip-ranges closes).
is "$(imdsgate-detect "$S/first-outside.jsonl" 2>/dev/null | types)" \
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS 15.188.1.10" \
    "first-outside without --ip-ranges: the instance reported instead"
is "$(det "$S/own-ranges.jsonl" 2>/dev/null | types)" \
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS 198.18.0.5" \
    "own-ranges without --own-ranges: the on-premises egress is outside AWS"

# The proxy's process is attached to the finding.
p=$(det --proxy-log "$S/first-proxy.proxy.log" "$S/first-proxy.jsonl" 2>/dev/null)
is "$(printf '%s' "$p" | jq -c '.process')" \
    '[{"uid":1001,"user":"app","pid":4242,"exe":"/usr/bin/python3.11"}]' \
    "finding carries the fetching process"
is "$(printf '%s' "$p" | jq -c '.expected_ips')" '["172.31.5.6","15.188.1.10"]' \
    "finding carries the expected IPs"
is "$(printf '%s' "$p" | jq -r '.remediation.revoke_sessions_policy.Statement[0].Condition.DateLessThan["aws:TokenIssueTime"] | test("^20[0-9-]+T")')" \
    true "revocation policy cuts at a time"
t=$(det --threat-list threats.txt "$S/threat.jsonl" 2>/dev/null)
is "$(printf '%s' "$t" | jq -r .remediation.deactivate_access_key)" \
    AKIAEXAMPLEADMIN0001 "IAM user key to deactivate"
every=$(printf '%s' "$p" | jq -r '[has("type","severity","title","first_seen","last_seen","count","account_id","region","instance_id","role_arn","session_arn","access_key_id","source_ip","user_agent","event_ids")] | all')
is "$every" true "every field of docs/interfaces.md present"

# The real captures.
R=$D/real
got=$(det --proxy-log "$R/otrf.proxy.log" "$R/ec2_proxy_s3_exfiltration_2020-09-14011940.json" 2>/dev/null | types)
is "$got" "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS 1.2.3.4
imdsgate:CredentialNotIssuedByProxy 1.2.3.4
imdsgate:IMDSv1CredentialDelivery 1.2.3.4" "OTRF SSRF exfiltration, with the proxy log"
got=$(det --user-agents agents.txt "$R/ec2_proxy_s3_exfiltration_2020-09-14011940.json" 2>/dev/null | types)
is "$got" "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS 1.2.3.4" \
    "OTRF without proxy log: the attacker first, but from outside AWS: reported (issue 19)"
got=$(det --proxy-log "$R/stratus.proxy.log" "$R/aws.credential-access.ec2-steal-instance-credentials.json" 2>/dev/null | types)
is "$got" "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS 18.236.253.47
imdsgate:CredentialNotIssuedByProxy 18.236.253.47" "Stratus steal-instance-credentials, with the proxy log"
got=$(det --threat-list threats.txt --user-agents agents.txt "$R/aws.credential-access.ec2-steal-instance-credentials.json" 2>/dev/null | types)
is "$got" "imdsgate:UnexpectedUserAgent 18.236.253.47" "Stratus: its own user agent is not an SDK's"

# Every Stratus Red Team capture, read alone with AWS's ranges: none holds
# a theft the trail itself can show (the stolen credentials' first use is
# the thief's, inside AWS), so none gives a finding.
n=0 quiet=0
for f in "$R"/stratus/*.json.gz; do
	n=$((n + 1))
	[ -z "$(det "$f" 2>/dev/null)" ] && quiet=$((quiet + 1))
done
is "$quiet of $n" "$n of $n" "every Stratus capture alone: no finding"

# Usage errors.
imdsgate-detect --format xml x >/dev/null 2>&1; is $? 2 "unknown format: exit 2"
imdsgate-detect >/dev/null 2>&1; is $? 2 "no input: exit 2"
e=$(imdsgate-detect "$S/outside.jsonl" /nonexistent.json 2>&1 >/dev/null); r=$?
is "$r" 1 "an input that cannot be read: exit 1"
like "$e" "/nonexistent.json" "the unreadable input is named"
printf '10.0.0.0/8\nnot-an-ip\n' > "$T/bad.txt"
e=$(imdsgate-detect --threat-list "$T/bad.txt" x 2>&1); r=$?
is "$r" 2 "bad threat list: exit 2"
like "$e" "bad.txt:2:" "bad threat list error names FILE:LINE"
tap_done
