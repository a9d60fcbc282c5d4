# imdsgate-detect --perimeter: the policies it compiles parse as IAM policy
# JSON within AWS's size limits (tests/detect/iam-policy-check.py), and the
# replay says what they would do on each scenario of
# tests/detect/gen-perimeter.py and on the real Stratus Red Team captures.
source "$top_srcdir/tests/lib/tap.sh"
need_cmd jq python3

D=$top_srcdir/tests/detect
S=$D/perimeter
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ACCT=111122223333
VPC_A=vpc-0a11aa11aa11aa11a
VPC_B=vpc-0b22bb22bb22bb22b
A=i-0aaa000000000000a
C=i-0ccc000000000000c
D_=i-0ddd000000000000d

# per NAME [options] INPUT...: compile into $T/NAME; the JSON report in
# $T/NAME.json, the exit status in $T/NAME.rc.
per() {
	local n=$1
	shift
	imdsgate-detect --perimeter "$T/$n" "$@" >"$T/$n.json" 2>"$T/$n.err"
	echo $? >"$T/$n.rc"
}
q() { jq -c "$2" "$T/$1.json"; }   # q NAME FILTER
acct='.accounts[0]'
row() { echo "$acct.replay[] | select(.service == \"$1\")"; }

# check NAME: every policy file passes the IAM checker and its limits,
# the role policy states exactly what the SCP states.
check() {
	local n=$1 dir=$T/$1/$ACCT out
	out=$(python3 "$D/iam-policy-check.py" --scp "$dir"/scp*.json 2>&1)
	is "$?:$out" "0:" "$n: SCPs are IAM policy JSON within 5,120 characters"
	out=$(python3 "$D/iam-policy-check.py" --role "$dir"/role-policy*.json 2>&1)
	is "$?:$out" "0:" "$n: role policies are IAM policy JSON within 6,144"
	is "$(jq -cs '[.[].Statement[]] | sort_by(.Sid)' "$dir"/scp*.json)" \
		"$(jq -cs '[.[].Statement[]] | sort_by(.Sid)' "$dir"/role-policy*.json)" \
		"$n: the role policy has the SCP's statements"
}

# The checker itself rejects what IAM rejects.
cat >"$T/bad.json" <<'EOF'
{"Version":"2012-10-17","Statement":[{"Sid":"X-1","Effect":"deny","Action":"*",
"NotAction":"s3:*","Resource":"*","Condition":{"StringNotEqualIfExists":
{"aws:SourceVpc":"vpc-1"},"NullIfExists":{"aws:SourceVpc":"maybe"}}}]}
EOF
out=$(python3 "$D/iam-policy-check.py" --scp "$T/bad.json")
is "$?" 1 "checker: a broken policy fails"
for w in "Effect must be" "exactly one of Action and NotAction" "Sid must be" \
	"'StringNotEqualIfExists'" "'NullIfExists'" "true or false"; do
	like "$out" "$w" "checker: reports $w"
done
printf '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:x":"%s"}}}]}' \
	"$(head -c 5100 /dev/zero | tr '\0' a)" >"$T/big.json"
nok "checker: an SCP over 5,120 characters fails" \
	python3 "$D/iam-policy-check.py" --scp "$T/big.json"
ok "checker: the same as a role policy passes" \
	python3 "$D/iam-policy-check.py" --role "$T/big.json"

# 1. Only VPC endpoints of the instances' own VPC: no exemption, nothing
#    denied, exit 0.
per eponly "$S/endpoints-only.jsonl"
is "$(cat "$T/eponly.rc")" 0 "endpoints only: exit 0"
check eponly
is "$(q eponly "$acct.policies.exempted_services")" "[]" "endpoints only: no exemption"
is "$(jq -c '.Statement[0] | [.Sid, .Action]' "$T/eponly/$ACCT/scp.json")" \
	'["DenyInstanceCredentialsOffVpcEndpoints","*"]' \
	"endpoints only: public endpoints denied for every action"
is "$(q eponly '.totals | [.calls, .denied, .would_break, .unknown, .via_aws_service, .ec2_infrastructure]')" \
	"[8,0,0,0,1,1]" "endpoints only: 0 denied; a service's and EC2's own calls not denied"
is "$(q eponly "$acct.endpoints_to_create")" "[]" "endpoints only: no endpoint to create"

# The statements themselves, as the data-perimeter keys require them.
scp=$T/eponly/$ACCT/scp.json
is "$(jq -c '[.Statement[].Condition | .Null["ec2:SourceInstanceARN"], .BoolIfExists["aws:ViaAWSService"], .ArnNotLikeIfExists["aws:PrincipalArn"]] | unique' "$scp")" \
	'["arn:aws:iam::*:role/aws:ec2-infrastructure","false"]' \
	"every statement: instance credentials only, not via a service, not ec2-infrastructure"
is "$(jq -c '.Statement[0].Condition.Null["aws:SourceVpc"]' "$scp")" '"true"' \
	"statement 1: no aws:SourceVpc (a public endpoint)"
is "$(jq -c '.Statement[1].Condition.StringNotEqualsIfExists' "$scp")" \
	'{"aws:SourceVpc":"${aws:EC2InstanceSourceVPC}"}' \
	"statement 2: aws:SourceVpc against aws:EC2InstanceSourceVPC"
is "$(jq -c '.Statement[2].Condition.StringNotEqualsIfExists' "$scp")" \
	'{"aws:VpcSourceIp":"${aws:EC2InstanceSourcePrivateIPv4}"}' \
	"statement 3: aws:VpcSourceIp against aws:EC2InstanceSourcePrivateIPv4"
is "$(wc -c <"$scp")" "$(q eponly "$acct.policies.scp[0].characters")" \
	"the SCP file is exactly the characters counted"

# 2. S3 and STS over public endpoints: STS (only ever public) exempted;
#    S3 (VPC B has an endpoint) not, so A's calls would break.
per public "$S/public.jsonl"
is "$(cat "$T/public.rc")" 4 "public calls: exit 4 (something would break)"
check public
is "$(q public "$acct.policies.exempted_services")" \
	'[{"service":"sts.amazonaws.com","action":"sts:*","public_calls":3}]' \
	"public calls: STS exempted, with its count"
is "$(jq -c '.Statement[0].NotAction' "$T/public/$ACCT/scp.json")" '["sts:*"]' \
	"public calls: the exemption is the statement's NotAction"
is "$(grep -v '^#' "$T/public/$ACCT/exemptions.txt")" \
	"$(printf 'sts:*\t# sts.amazonaws.com: 3 public calls; endpoint com.amazonaws.REGION.sts')" \
	"public calls: exemptions.txt lists it, with why"
is "$(q public "$(row s3.amazonaws.com) | [.calls, .allowed, .would_break, .denied_without_exemptions.public_endpoint]")" \
	"[5,2,3,3]" "public calls: 3 S3 calls would break"
is "$(q public "$(row s3.amazonaws.com) | .examples[0] | [.outcome, .event_name, .instance_id, .instance_vpc]")" \
	"[\"would_break\",\"PutObject\",\"$A\",\"$VPC_A\"]" "public calls: with an example"
is "$(q public "$(row sts.amazonaws.com) | [.exempted, .denied]")" "[3,0]" \
	"public calls: STS calls exempted, none denied"
is "$(q public "[$acct.endpoints_to_create[] | [.vpc_id, .service_name, .type, .calls]]")" \
	"[[\"$VPC_A\",\"com.amazonaws.eu-west-3.s3\",\"Gateway\",3],[\"$VPC_A\",\"com.amazonaws.eu-west-3.sts\",\"Interface\",2],[\"$VPC_B\",\"com.amazonaws.eu-west-3.sts\",\"Interface\",1]]" \
	"public calls: the endpoints to create, per VPC"

# 3. An endpoint of another account, named by its CreateVpcEndpoint in the
#    organization trail: the theft through it is stopped. Unnamed: unknown.
per foreign "$S/foreign-endpoint.jsonl"
is "$(cat "$T/foreign.rc")" 0 "foreign endpoint: exit 0"
check foreign
is "$(q foreign "$acct.stolen_credential_uses | map([.type, .source_ip, .outcome, .calls, .denied])")" \
	'[["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS","10.99.0.5","stopped",2,2]]' \
	"foreign endpoint: the stolen use is stopped"
is "$(q foreign "$(row s3.amazonaws.com) | [.stopped, .would_break, .denied_without_exemptions.other_vpc]")" \
	"[2,0,2]" "foreign endpoint: denied as another VPC's"
per foreignu "$S/foreign-endpoint-unnamed.jsonl"
is "$(cat "$T/foreignu.rc")" 4 "unnamed foreign endpoint: exit 4 (unknown)"
is "$(q foreignu "$acct.stolen_credential_uses | map([.outcome, .unknown])")" \
	'[["unknown",2]]' "unnamed foreign endpoint: its outcome is unknown, not guessed"
is "$(q foreignu "$acct.unknown_vpc.endpoints")" '["vpce-0e7100000000000e1"]' \
	"unnamed foreign endpoint: its VPC is reported unknown"
is "$(q foreignu "$(row s3.amazonaws.com) | .examples[0] | [.endpoint_vpc, .because]")" \
	'["unknown","endpoint_vpc_unknown"]' "unnamed foreign endpoint: the example says why"

# 4. A theft from outside AWS: stopped, and the thief's public calls
#    exempt nothing.
per outside "$S/theft-outside.jsonl"
is "$(cat "$T/outside.rc")" 0 "theft from outside: exit 0"
check outside
is "$(q outside "$acct.stolen_credential_uses | map([.type, .source_ip, .outcome, .denied])")" \
	'[["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS","198.51.100.7","stopped",3]]' \
	"theft from outside: stopped"
is "$(q outside "[$acct.policies.exempted_services, .totals.stopped, .totals.would_break]")" \
	"[[],3,0]" "theft from outside: nothing exempted for the thief's calls"

# 5. Unknown VPCs: said, never guessed.
per unknown "$S/unknown-vpc.jsonl"
is "$(cat "$T/unknown.rc")" 4 "unknown VPCs: exit 4"
check unknown
is "$(q unknown "$acct.unknown_vpc")" \
	"{\"instances\":[\"$C\"],\"endpoints\":[\"vpce-0c5300000000000c1\"]}" \
	"unknown VPCs: the instance and the endpoint are listed"
is "$(q unknown "$(row s3.amazonaws.com) | [.unknown, .unknown_because.instance_vpc_unknown, .denied]")" \
	"[2,2,0]" "unknown VPCs: endpoint calls unknown, not denied"
is "$(q unknown "$acct.endpoints_to_create | map([.vpc_id, .service_name])")" \
	'[["unknown","com.amazonaws.eu-west-3.sts"]]' "unknown VPCs: the endpoint's VPC is \"unknown\""
per unknownp --proxy-log "$S/unknown-vpc.proxy.log" "$S/unknown-vpc.jsonl"
is "$(q unknownp "[($(row s3.amazonaws.com) | .unknown_because.endpoint_vpc_unknown), $acct.endpoints_to_create[0].vpc_id]")" \
	"[2,\"$VPC_B\"]" "unknown VPCs: imdsgated names the instance's VPC, the endpoint's stays unknown"

# 6. Through the VPC's own endpoint from another address (another host,
#    IPv6): denied by the address statement; a second address of a
#    two-address instance: allowed, the address unchecked.
per lateral --proxy-log "$S/lateral.proxy.log" "$S/lateral.jsonl"
check lateral
is "$(q lateral "$(row s3.amazonaws.com) | [.calls, .allowed, .allowed_address_unchecked, .denied_without_exemptions.other_address]")" \
	"[4,2,1,2]" "other addresses: 2 denied, 1 allowed unchecked"
is "$(q lateral "[$(row s3.amazonaws.com) | .examples[] | select(.verdict == \"other_address\") | .source_ip]")" \
	'["10.0.1.99","2600:1f18:aa:1::10"]' "other addresses: another host and IPv6"

# 7. The Stratus Red Team capture of stolen instance credentials.
R=$D/real
per stratus --proxy-log "$R/stratus.proxy.log" "$R/aws.credential-access.ec2-steal-instance-credentials.json"
is "$(cat "$T/stratus.rc")" 0 "Stratus: exit 0"
check_acct() { ACCT=$1; check "$2"; ACCT=111122223333; }
check_acct 017622104382 stratus
is "$(q stratus "[$acct.stolen_credential_uses[] | .outcome] | unique")" '["stopped"]' \
	"Stratus with imdsgated's log: every stolen use stopped"
is "$(q stratus "[.totals.stopped, .totals.would_break, $acct.policies.exempted_services]")" \
	"[2,0,[]]" "Stratus: both calls stopped, nothing exempted"
per stratusnp --user-agents "$D/agents.txt" "$R/aws.credential-access.ec2-steal-instance-credentials.json"
is "$(q stratusnp "[$acct.unknown_vpc.instances, ([$acct.endpoints_to_create[].vpc_id] | unique)]")" \
	'[["i-786a3a8b5c0d92ef4"],["unknown"]]' "Stratus without imdsgated's log: the VPC is unknown"
is "$(q stratusnp "[$acct.policies.exempted_services[].action]")" '["ec2:*","sts:*"]' \
	"Stratus without a theft finding: the thief's calls look like the instance's (blind spot)"
per stratusall "$R"/stratus/*.json.gz
is "$(cat "$T/stratusall.rc")" 0 "every Stratus capture: exit 0"
is "$(q stratusall '[.instance_calls, [.accounts[].account_id]]')" '[2,["017622104382"]]' \
	"every Stratus capture: instance credentials in one account only"
check_acct 017622104382 stratusall

# 8. Too many exemptions for one SCP: split, then the least-called left
#    out (and reported as would break); every file within its limit.
python3 -B "$D/gen-perimeter.py" --many 700 "$T/many.jsonl"
per many "$T/many.jsonl"
is "$(cat "$T/many.rc")" 4 "size limit: exit 4"
check many
is "$(q many "[$acct.policies.scp[].file]")" \
	"[\"$ACCT/scp-1.json\",\"$ACCT/scp-2.json\"]" "size limit: the SCP is split in two"
is "$(q many "[($acct.policies.scp[].characters <= 5120)] | all")" true \
	"size limit: each SCP within 5,120 characters"
dropped=$(q many "$acct.policies.not_exempted_size_limit | length")
ok "size limit: some exemptions left out ($dropped)" test "$dropped" -gt 0
is "$(q many ".totals.would_break >= $dropped")" true "size limit: their calls would break"
is "$(q many "([$acct.policies.exempted_services[].public_calls] | min) >= ([$acct.policies.not_exempted_size_limit[].public_calls] | max)")" \
	true "size limit: the most-called services keep their exemption"
ok "size limit: no stale scp.json from another shape" test ! -e "$T/many/$ACCT/scp.json"

# 9. Every delivery form gives the same report; text for people.
python3 -B "$D/forms.py" "$S/public.jsonl" "$T/forms"
for f in lines.jsonl s3.json.gz eventbridge.jsonl cwl.json.gz lookup.json dir; do
	per "f-${f%%.*}" "$T/forms/$f"
	is "$(jq -S . "$T/f-${f%%.*}.json")" "$(jq -S . "$T/public.json")" "form $f: same report"
done
imdsgate-detect --perimeter "$T/txt" --format text "$S/public.jsonl" >"$T/txt.out" 2>/dev/null
like "$(cat "$T/txt.out")" "Account $ACCT" "text: per account"
like "$(cat "$T/txt.out")" "sts:\* +sts.amazonaws.com +3 public calls" "text: the exemption"
like "$(cat "$T/txt.out")" "would_break .* PutObject $A \(VPC $VPC_A\)" "text: an example"
like "$(cat "$T/txt.out")" "$VPC_A +com.amazonaws.eu-west-3.s3 \(Gateway\): 3 calls" \
	"text: the endpoint to create"
is "$(cat "$T/txt.out")" "$(cat "$T/txt/perimeter.txt")" "text: the same in DIR/perimeter.txt"
is "$(jq -S . "$T/txt/perimeter.json")" "$(jq -S . "$T/public.json")" "DIR/perimeter.json: the JSON report"

# 10. --state keeps what was learnt: a later trail without the launches
#     and endpoint creations still knows the VPCs.
grep -E '"eventName": "(RunInstances|CreateVpcEndpoint)"' "$S/public.jsonl" >"$T/early.jsonl"
grep -vE '"eventName": "(RunInstances|CreateVpcEndpoint)"' "$S/public.jsonl" >"$T/late.jsonl"
per st1 --state "$T/st.db" "$T/early.jsonl"
per st2 --state "$T/st.db" "$T/late.jsonl"
per st0 "$T/late.jsonl"
is "$(q st2 "[$acct.endpoints_to_create[].vpc_id]")" "[\"$VPC_A\",\"$VPC_A\",\"$VPC_B\"]" \
	"state: VPCs known from an earlier run"
is "$(q st0 "[$acct.endpoints_to_create[].vpc_id] | unique")" '["unknown"]' \
	"without state: unknown"

# 11. Usage and runtime errors.
imdsgate-detect --perimeter "$T/u" --follow "$S/public.jsonl" >/dev/null 2>&1
is "$?" 2 "--perimeter with --follow: exit 2"
imdsgate-detect --perimeter "$T/u" --format asff "$S/public.jsonl" >/dev/null 2>&1
is "$?" 2 "--perimeter with --format asff: exit 2"
imdsgate-detect --perimeter "$T/u" >/dev/null 2>&1
is "$?" 2 "--perimeter without input: exit 2"
: >"$T/afile"
imdsgate-detect --perimeter "$T/afile/sub" "$S/public.jsonl" >/dev/null 2>"$T/e"
is "$?" 1 "an unwritable DIR: exit 1"
like "$(cat "$T/e")" "afile/sub" "an unwritable DIR is named"
like "$(imdsgate-detect --help)" "--perimeter DIR" "--help shows the mode"

# No fixture or output of this test holds a credential body or token.
nok "no token or secret shape in the fixtures or the outputs" \
	grep -rqE 'sessionToken|SecretAccessKey|IQoJb3JpZ2luX2Vj' "$S" "$T"
is "$(zcat "$R"/stratus/*.json.gz | grep -cE 'IQoJ|"(sessionToken|secretAccessKey)": "[^R]')" 0 \
	"the Stratus copies hold no session token"
tap_done
