#!/bin/bash
# Real clients through imdsgated with tokens required: the aws CLI,
# botocore, the JS SDK v3, ec2-metadata and curl get the role's
# credentials as the allowed user (alice); as the denied user (bob) each
# gets a clean refusal and fails fast, never hangs. Both find the region
# through the proxy as on EC2: botocore and the aws CLI ask
# placement/availability-zone/, @aws-sdk/ec2-metadata-service sends
# //latest/...
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/proxy-common.sh"
need_root
need_cmd curl timeout
ns_setup
SECRETS=$TMPD/sim-secrets.env
sim_start --tokens required --instance-id i-0c1c2c3c4c5c6c7c8 --role client-role \
	--region eu-north-1 --secrets-file "$SECRETS"
source "$SECRETS"
proxy_setup
proxy_start
mkdir -p "$TMPD/home"
chmod 777 "$TMPD/home"

# A clean environment as UID: no ~/.aws, no inherited AWS_* settings.
clean() {
	local uid=$1; shift
	as_user "$uid" env -i HOME="$TMPD/home" PATH=/usr/bin:/bin AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_V1_DISABLED=true "$@"
}
# elapsed SECONDS: the last client must not have taken longer (no hang)
t0() { T0=$(date +%s); }
fast() { [ $(( $(date +%s) - T0 )) -le "$1" ]; }

aws_key() { clean "$1" timeout 60 /usr/bin/aws configure export-credentials --format env 2>"$TMPD/aws.err" |
	sed -n 's/^export AWS_ACCESS_KEY_ID=//p'; }
is "$(aws_key $ALICE_UID)" "$ROLE_ACCESS_KEY_ID" "aws CLI as alice: the role's key"
t0
out=$(aws_key $BOB_UID)
is "$out" "" "aws CLI as bob: no key"
ok "aws CLI as bob: quick refusal" fast 20
nok "aws CLI as bob: non-zero exit" clean $BOB_UID timeout 60 /usr/bin/aws configure export-credentials --format env

boto='
import sys, botocore.utils
c = botocore.utils.InstanceMetadataFetcher(timeout=2, num_attempts=1).retrieve_iam_role_credentials()
print(c.get("role_name"), c.get("access_key"), len(c.get("secret_key") or ""), bool(c.get("token")))
sys.exit(0 if c else 1)'
is "$(clean $ALICE_UID timeout 30 /usr/bin/python3 -c "$boto" 2>/dev/null)" \
	"client-role $ROLE_ACCESS_KEY_ID 40 True" "botocore as alice"
t0
nok "botocore as bob: refused (empty credentials)" clean $BOB_UID timeout 30 /usr/bin/python3 -c "$boto"
ok "botocore as bob: quick" fast 10

# The region (metadata: allowed for both), as botocore and the aws CLI
# find it: GET placement/availability-zone/ through the proxy.
boto_region='
import botocore.utils
print(botocore.utils.InstanceMetadataRegionFetcher(timeout=2, num_attempts=1).retrieve_region())'
is "$(clean $BOB_UID timeout 30 /usr/bin/python3 -c "$boto_region" 2>/dev/null)" eu-north-1 \
	"botocore region as bob"
ok "botocore's trailing slash: served, audited as sent" gate_audit wait 1 \
	event=request uid=$BOB_UID status=200 path=/latest/meta-data/placement/availability-zone/
is "$(clean $ALICE_UID timeout 60 /usr/bin/aws configure list 2>/dev/null |
	awk '$1 == "region" { print $2, $3 }')" "eu-north-1 imds" "aws CLI region as alice"

# ec2-metadata: instance-id is allowed for both
is "$(clean $ALICE_UID timeout 30 /usr/bin/ec2-metadata -i 2>&1)" "instance-id: i-0c1c2c3c4c5c6c7c8" \
	"ec2-metadata -i as alice"
is "$(clean $BOB_UID timeout 30 /usr/bin/ec2-metadata -i 2>&1)" "instance-id: i-0c1c2c3c4c5c6c7c8" \
	"ec2-metadata -i as bob (allowed path)"

NM=$top_srcdir/tests/node/node_modules
if [ -d "$NM" ]; then	# the users run them: copies they can read
	NODE=$(stage "$top_srcdir/tests/node")
	NM=$NODE/node_modules
fi
if [ -d "$NM/@smithy/credential-provider-imds" ]; then
	out=$(clean $ALICE_UID NODE_PATH="$NM" timeout 30 node "$NODE/imds-creds.js" 2>"$TMPD/node.err")
	like "$out" "^\\{\"accessKeyId\":\"$ROLE_ACCESS_KEY_ID\"" "JS SDK v3 as alice"
	t0
	nok "JS SDK v3 as bob: rejected" clean $BOB_UID NODE_PATH="$NM" timeout 30 node "$NODE/imds-creds.js"
	ok "JS SDK v3 as bob: quick" fast 10
else
	echo "ok $((_tap_n += 1)) - JS SDK v3 # SKIP no $NM (run scripts/setup-deps)"
fi
if [ -d "$NM/@aws-sdk/ec2-metadata-service" ]; then
	out=$(clean $BOB_UID NODE_PATH="$NM" timeout 30 node "$NODE/imds-metadata.js" \
		/latest/meta-data/placement/availability-zone /latest/meta-data/instance-id \
		2>"$TMPD/node-md.err" | tr '\n' ' ')
	is "$out" "eu-north-1a i-0c1c2c3c4c5c6c7c8 " "@aws-sdk/ec2-metadata-service as bob (//latest/...)"
	[ -n "$out" ] || sed 's/^/# /' "$TMPD/node-md.err"
	ok "its //latest/... was judged as /latest/..." gate_audit wait 1 \
		event=request uid=$BOB_UID status=200 decision=allow path=/latest/meta-data/instance-id
else
	echo "ok $((_tap_n += 1)) - @aws-sdk/ec2-metadata-service # SKIP no $NM (run scripts/setup-deps)"
fi

# curl: the token dance as alice; bob 403 on the role, 401 without token
T=$(token $ALICE_UID)
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4$CREDS/client-role")" 200 "curl as alice: 200"
ok "curl as alice: the key" grep -q "\"AccessKeyId\" *: *\"$ROLE_ACCESS_KEY_ID\"" "$TMPD/body"
TB=$(token $BOB_UID)
is "$(ucurl $BOB_UID -H "$TH: $TB" "$U4$CREDS/client-role")" 403 "curl as bob: 403"
is "$(ucurl $BOB_UID "$U4$CREDS/client-role")" 401 "curl as bob without token: 401"
nok "curl -f as bob: non-zero exit" as_user $BOB_UID curl -sf -m 30 -o /dev/null -H "$TH: $TB" "$U4$CREDS/client-role"

nok "no secret in the audit log" grep -qF -- "$ROLE_SECRET_ACCESS_KEY" "$TMPD/log/audit.log"
ns_keep_logs
tap_done
