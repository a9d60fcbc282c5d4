# Containment (issue 19): every finding on a role session carries the
# whole-role revocation and the narrow one (the stolen session alone),
# each with its blast radius; examples/containment/imdsgate-contain
# applies either with the aws CLI (here a stand-in that records its
# arguments: the real one would need an AWS account).
source "$top_srcdir/tests/lib/tap.sh"
need_cmd jq

D=$top_srcdir/tests/detect
S=$D/scenarios
HOOK=$top_srcdir/examples/containment/imdsgate-contain
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
det() { imdsgate-detect --ip-ranges "$D/ip-ranges-small.json" "$@"; }

# The narrow policy: aws:userid ROLEID:SESSION, tokens issued before the
# finding's last sighting (rounded up to the second).
f=$(det "$S/outside.jsonl" 2>/dev/null)
p=$(printf '%s' "$f" | jq -c .remediation.contain_session_policy.Statement[0])
is "$(printf '%s' "$p" | jq -r '.Effect + " " + .Action + " " + .Resource')" \
    "Deny * *" "narrow policy denies everything"
is "$(printf '%s' "$p" | jq -r '.Condition.StringLike["aws:userid"]')" \
    "AROAEXAMPLE:i-0aaa000000000000a" "narrow policy: the role id from CloudTrail and the session"
is "$(printf '%s' "$p" | jq -r '.Condition.DateLessThan["aws:TokenIssueTime"]')" \
    "2026-11-20T10:00:06Z" "narrow policy: tokens issued before the last sighting"
like "$(printf '%s' "$f" | jq -r .remediation.contain_session_blast_radius)" \
    "every other session of the role keeps working; instance i-0aaa000000000000a is denied until" \
    "narrow policy's blast radius stated"
like "$(printf '%s' "$f" | jq -r .remediation.revoke_sessions_blast_radius)" \
    "every instance, task, function and person using the role loses access" \
    "whole-role policy's blast radius stated"
is "$(printf '%s' "$f" | jq -c '.remediation.revoke_sessions_policy.Statement[0].Condition | keys')" \
    '["DateLessThan"]' "whole-role policy: every session of the role"
# Without the principal id the role id is not known: any role id.
jq -c 'del(.userIdentity.principalId)' "$S/outside.jsonl" > "$T/noid.jsonl"
is "$(det "$T/noid.jsonl" 2>/dev/null | jq -r '.remediation.contain_session_policy.Statement[0].Condition.StringLike["aws:userid"]')" \
    "*:i-0aaa000000000000a" "no role id in CloudTrail: the session name under any role id"
for s in task-inside pod-inside lambda-agent; do
	is "$(det "$S/$s.jsonl" 2>/dev/null | jq -r '.remediation.contain_session_policy.Statement[0].Condition.StringLike["aws:userid"] | test("^AROA[A-Z]+:.")')" \
	    true "$s: a narrow policy for the workload's session"
done
is "$(det --threat-list "$D/threats.txt" "$S/threat.jsonl" 2>/dev/null | jq -r '.remediation | has("contain_session_policy")')" \
    false "an IAM user's finding has no session to contain"

# The hook, with an aws CLI that records what it is asked.
mkdir "$T/bin"
cat > "$T/bin/aws" <<EOF
#!/bin/sh
printf '%s\n' "\$@" > "$T/aws.args"
exit \${FAKE_AWS_RC:-0}
EOF
chmod +x "$T/bin/aws"
export PATH="$T/bin:$PATH"
arg() { sed -n "$1p" "$T/aws.args"; }

printf '%s\n' "$f" | "$HOOK" session 2>"$T/err"
is "$?" 0 "hook, session mode: applied"
is "$(arg 1) $(arg 2) $(arg 3) $(arg 4) $(arg 5) $(arg 6)" \
    "iam put-role-policy --role-name app-role --policy-name imdsgate-contain-i-0aaa000000000000a" \
    "hook: put-role-policy on the role, a policy per session"
is "$(arg 8 | jq -c .)" "$(printf '%s' "$f" | jq -c .remediation.contain_session_policy)" \
    "hook: the finding's narrow policy, unchanged"
printf '%s\n' "$f" | "$HOOK" role 2>/dev/null
is "$(arg 6) $(arg 8 | jq -c .)" \
    "AWSRevokeOlderSessions $(printf '%s' "$f" | jq -c .remediation.revoke_sessions_policy)" \
    "hook, role mode: the console's policy under the console's name"
rm -f "$T/aws.args"
out=$(printf '%s\n' "$f" | IMDSGATE_CONTAIN_DRY_RUN=1 "$HOOK")
like "$out" "^aws iam put-role-policy --role-name app-role" "hook: dry run prints the command"
ok "hook: dry run calls nothing" test ! -e "$T/aws.args"
printf '%s\n' "$f" | jq -c '.remediation.role = "arn:aws:iam::1:role/x;reboot"' |
    "$HOOK" 2>"$T/err"
is "$?" 2 "hook: a role ARN with shell characters is refused"
ok "hook: and nothing is called" test ! -e "$T/aws.args"
det --threat-list "$D/threats.txt" "$S/threat.jsonl" 2>/dev/null | jq -c 'del(.remediation.role)' |
    "$HOOK" 2>"$T/err"
is "$?" 0 "hook: a finding without a role session is left alone"
like "$(cat "$T/err")" "no role session to contain" "hook: and says so"
printf '%s\n' "$f" | FAKE_AWS_RC=254 "$HOOK" 2>"$T/err"
is "$?" 1 "hook: a failing aws CLI is an error"
"$HOOK" bogus </dev/null 2>/dev/null
is "$?" 2 "hook: unknown mode is bad usage"

# End to end: the detector runs the hook on each new finding.
rm -f "$T/aws.args"
det --on-finding "$HOOK session" "$S/pod-inside.jsonl" >/dev/null 2>"$T/err"
is "$(arg 4) $(arg 6)" \
    "cart-pod-role imdsgate-contain-eks-prod-cart-7d9f8c6b-2f0c6a1e-8b3d-4e5f-9a7b-1c2d3e4f5a6b" \
    "--on-finding runs the hook: the pod's session contained"
tap_done
