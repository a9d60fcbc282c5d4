#!/bin/bash
# Real clients get credentials from imdsgate-sim with IMDSv2 required, in
# the instance namespace: Debian's aws CLI, botocore, ec2-metadata, the
# JS SDK v3. They find the region as on EC2: botocore and the aws CLI ask
# placement/availability-zone/ (a leaf with a trailing slash), and the
# JS SDK's @aws-sdk/ec2-metadata-service sends //latest/... A v1 request
# gets 401. Every client has a bounded timeout.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/sim-common.sh"
need_root
need_cmd curl timeout
ns_setup
SECRETS=$TMPD/sim-secrets.env
sim_start -v --instance-id i-0c1c2c3c4c5c6c7c8 --role client-role \
	--region eu-north-1 --secrets-file "$SECRETS"
source "$SECRETS"
mkdir -p "$TMPD/home"
# A clean environment: no ~/.aws, no inherited AWS_* settings.
clean() {
	in_inst env -i HOME="$TMPD/home" PATH=/usr/bin:/bin AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_V1_DISABLED=true "$@"
}

req GET "$U4/latest/meta-data/iam/security-credentials/client-role"
is "$CODE" 401 "curl without a token (IMDSv1): 401"

# aws CLI, the link-local default, then the endpoint variable (IPv6).
out=$(clean timeout 60 /usr/bin/aws configure export-credentials --format env 2>"$TMPD/aws.err")
is "$(printf '%s\n' "$out" | sed -n 's/^export AWS_ACCESS_KEY_ID=//p')" "$ROLE_ACCESS_KEY_ID" \
	"aws configure export-credentials: the role's key"
ok "aws CLI: the secret too" grep -qx "export AWS_SECRET_ACCESS_KEY=$ROLE_SECRET_ACCESS_KEY" <(printf '%s\n' "$out")
[ -n "$out" ] || sed 's/^/# /' "$TMPD/aws.err"
out=$(clean AWS_EC2_METADATA_SERVICE_ENDPOINT='http://[fd00:ec2::254]/' \
	timeout 60 /usr/bin/aws configure export-credentials --format env 2>"$TMPD/aws6.err")
is "$(printf '%s\n' "$out" | sed -n 's/^export AWS_ACCESS_KEY_ID=//p')" "$ROLE_ACCESS_KEY_ID" \
	"aws CLI over the IPv6 endpoint"

# botocore.
out=$(clean timeout 30 /usr/bin/python3 -c '
import botocore.utils
c = botocore.utils.InstanceMetadataFetcher(timeout=2, num_attempts=1).retrieve_iam_role_credentials()
print(c.get("role_name"), c.get("access_key"), len(c.get("secret_key") or ""), bool(c.get("token")))
' 2>"$TMPD/boto.err")
is "$out" "client-role $ROLE_ACCESS_KEY_ID 40 True" "botocore InstanceMetadataFetcher"

# The region, as botocore and the aws CLI find it.
out=$(clean timeout 30 /usr/bin/python3 -c '
import botocore.utils
print(botocore.utils.InstanceMetadataRegionFetcher(timeout=2, num_attempts=1).retrieve_region())
' 2>"$TMPD/boto-region.err")
is "$out" eu-north-1 "botocore region (GET placement/availability-zone/)"
ok "botocore asked with the trailing slash" \
	grep -q 'GET /latest/meta-data/placement/availability-zone/ 200' "$SIM_LOG"
out=$(clean timeout 60 /usr/bin/aws configure list 2>"$TMPD/aws-list.err" |
	awk '$1 == "region" { print $2, $3 }')
is "$out" "eu-north-1 imds" "aws CLI region (configure list: from IMDS)"

# ec2-metadata (amazon-ec2-utils).
out=$(clean timeout 30 /usr/bin/ec2-metadata -i 2>&1)
is "$out" "instance-id: i-0c1c2c3c4c5c6c7c8" "ec2-metadata -i"

# The JS SDK v3 (node_modules from scripts/setup-deps, in the source tree).
NM=$top_srcdir/tests/node/node_modules
if [ -d "$NM/@smithy/credential-provider-imds" ]; then
	out=$(clean NODE_PATH="$NM" timeout 30 node "$top_srcdir/tests/node/imds-creds.js" 2>"$TMPD/node.err")
	like "$out" "^\\{\"accessKeyId\":\"$ROLE_ACCESS_KEY_ID\",\"expiration\":\"[0-9T:.-]+Z\",\"hasSecret\":true,\"hasToken\":true\\}$" \
		"JS SDK v3 fromInstanceMetadata"
	[ -n "$out" ] || sed 's/^/# /' "$TMPD/node.err"
else
	# Only a tree without the npm packages (make distcheck) gets here.
	echo "ok $((_tap_n += 1)) - JS SDK v3 # SKIP no $NM (run scripts/setup-deps)"
fi
if [ -d "$NM/@aws-sdk/ec2-metadata-service" ]; then
	out=$(clean NODE_PATH="$NM" timeout 30 node "$top_srcdir/tests/node/imds-metadata.js" \
		/latest/meta-data/placement/availability-zone /latest/meta-data/instance-id \
		2>"$TMPD/node-md.err" | tr '\n' ' ')
	is "$out" "eu-north-1a i-0c1c2c3c4c5c6c7c8 " "@aws-sdk/ec2-metadata-service: zone and instance-id"
	ok "it sent //latest/..." grep -q 'GET //latest/meta-data/instance-id 200' "$SIM_LOG"
	[ -n "$out" ] || sed 's/^/# /' "$TMPD/node-md.err"
else
	echo "ok $((_tap_n += 1)) - @aws-sdk/ec2-metadata-service # SKIP no $NM (run scripts/setup-deps)"
fi

tap_done
