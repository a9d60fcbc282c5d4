#!/bin/bash
# imdsgate-sim answers as docs/imds.md says, with tokens required: versions,
# listings, leaves, credentials, identity, network, errors and headers,
# over IPv4 and IPv6.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/sim-common.sh"
need_root
need_cmd curl od
ns_setup
MAC1=0e:49:61:0f:c3:11 MAC2=0e:49:61:0f:c3:22
sim_start --instance-id i-0aaaabbbbccccdddd --account 210987654321 \
	--region eu-west-1 --role app-role --private-ipv4 10.1.2.3 \
	--public-ipv4 198.51.100.7 --ipv6 2001:db8::7 --mac $MAC1 --mac $MAC2 \
	--vpc-id vpc-0feedface0000000 --subnet-id subnet-0feedface000000 \
	--user-data $'#!/bin/sh\necho hi'
M=$U4/latest/meta-data

# IMDSv1 is refused.
req GET "$M/instance-id"
is "$CODE" 401 "v1 GET without a token: 401"
like "$BODY" '<title>401 - Unauthorized</title>' "401 body is the small HTML page"
# The two layouts IMDS has for its pages (docs/imds.md): 343 bytes with
# one tab in the 401, 339 with two tabs and a space in the 404.
DTD='"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
is "$SIZE:$(sed -n 3p "$TMPD/body")" "343:$(printf '\t')$DTD" "401 page: 343 bytes, one tab"
is "$(hdr Server)" EC2ws "Server: EC2ws on errors"
is "$(hdr Content-Type)" text/html "errors are text/html"

# The token.
req PUT "$U4/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 60'
is "$CODE" 200 "PUT token: 200"
like "$BODY" '^[A-Za-z0-9+/]{56}$' "token is 56 base64 characters"
is "$(hdr X-aws-ec2-metadata-token-ttl-seconds)" 60 "TTL echoed in a header"
is "$(hdr Content-Type)" text/plain "token is text/plain"
T=$BODY
H=(-H "$TOKHDR: $T")

req GET "$U4/" "${H[@]}"
is "$CODE" 200 "GET /: 200"
is "$(head -1 "$TMPD/body")" 1.0 "version listing starts with 1.0"
ok "version listing has dated versions" has_line 2021-07-15
is "$(tail -n1 "$TMPD/body")" latest "version listing ends with latest"
ok "version listing has no trailing newline" no_final_newline

req GET "$U4/latest/" "${H[@]}"
is "$BODY" $'dynamic/\nmeta-data/\nuser-data' "/latest/ listing"
req GET "$U4/latest" "${H[@]}"
is "$BODY" $'dynamic/\nmeta-data/\nuser-data' "/latest without slash lists too"

req GET "$M/" "${H[@]}"
is "$CODE" 200 "meta-data listing: 200"
is "$(hdr Content-Type)" text/plain "listing is text/plain"
is "$(hdr Server)" EC2ws "Server: EC2ws"
ok "iam/ listed as a directory" has_line iam/
ok "instance-id listed as a leaf" has_line instance-id
ok "listing has no trailing newline" no_final_newline
req GET "$M" "${H[@]}"
ok "meta-data without slash lists too" has_line network/

for v in latest 1.0 2009-04-04 2021-07-15 2024-04-11; do
	req GET "$U4/$v/meta-data/instance-id" "${H[@]}"
	is "$CODE:$BODY" 200:i-0aaaabbbbccccdddd "instance-id under /$v"
done
req GET "$U4/2099-01-01/meta-data/instance-id" "${H[@]}"
is "$CODE" 404 "unknown version: 404"
req GET "$U4/foo" "${H[@]}"
is "$CODE" 404 "unknown top-level name: 404"

req GET "$M/no-such-thing" "${H[@]}"
is "$CODE" 404 "missing resource: 404"
like "$BODY" '<h1>404 - Not Found</h1>' "404 body is the small HTML page"
is "$SIZE:$(sed -n 3p "$TMPD/body")" "339:$(printf '\t\t ')$DTD" \
	"404 page: 339 bytes, two tabs and a space"
# As on EC2: a leaf asked with a trailing slash is the leaf (botocore and
# the aws CLI ask placement/availability-zone/), repeated slashes are one
# (@aws-sdk/ec2-metadata-service sends //latest/...).
req GET "$M/instance-id/" "${H[@]}"
is "$CODE:$BODY" 200:i-0aaaabbbbccccdddd "a leaf with a trailing slash: the leaf"
req GET "$M/instance-id/x" "${H[@]}"
is "$CODE" 404 "below a leaf: 404"
req GET "$U4//latest/meta-data/instance-id" "${H[@]}"
is "$CODE:$BODY" 200:i-0aaaabbbbccccdddd "//latest/...: the same"
req GET "$U4/latest//meta-data//iam/security-credentials/" "${H[@]}"
is "$CODE:$BODY" 200:app-role "repeated slashes inside: the same listing"
req GET "$U4//" "${H[@]}"
like "$CODE:$BODY" '^200:1\.0' "// is the version listing"
req GET "$M/iam/security-credentials/app-role2" "${H[@]}"
is "$CODE" 404 "a longer role name: 404"

for m in POST DELETE PUT PATCH; do
	req $m "$M/instance-id" "${H[@]}"
	is "$CODE" 405 "$m on a metadata path: 405"
done
req HEAD "$M/instance-id" "${H[@]}"
is "$CODE" 200 "HEAD: 200"
is "$(hdr Content-Length)" 19 "HEAD: Content-Length of the value"
is "$SIZE" 0 "HEAD: no body"

out=$(in_inst curl -sv -m 30 -H "$TOKHDR: $T" "$M/instance-id" "$M/ami-id" 2>&1 >/dev/null)
like "$out" 'Re-using existing connection' "keep-alive: two requests on one connection"

# Identity and credentials.
req GET "$M/iam/info" "${H[@]}"
is "$(jfield Code)" Success "iam/info Code"
is "$(jfield InstanceProfileArn)" arn:aws:iam::210987654321:instance-profile/app-role \
	"iam/info InstanceProfileArn"
req GET "$M/iam/security-credentials/" "${H[@]}"
is "$CODE:$BODY" 200:app-role "role listing"
req GET "$M/iam/security-credentials/app-role" "${H[@]}"
is "$CODE" 200 "role credentials: 200"
is "$(hdr Content-Type)" text/plain "credentials are text/plain"
is "$(sed -n 's/^  "\([A-Za-z]*\)" : .*/\1/p' "$TMPD/body" | tr '\n' ' ')" \
	"Code LastUpdated Type AccessKeyId SecretAccessKey Token Expiration " \
	"credential fields in IMDS order, two-space indent"
is "$(head -c2 "$TMPD/body"; tail -c2 "$TMPD/body")" $'{\n\n}' "pretty-printed object"
like "$(jfield AccessKeyId)" '^ASIA[A-Z0-9]{16}$' "AccessKeyId is ASIA + 16"
like "$(jfield SecretAccessKey)" '^[A-Za-z0-9+/]{40}$' "SecretAccessKey 40 characters"
like "$(jfield Expiration)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
	"Expiration is RFC 3339 UTC"
is "$(jfield Type)" AWS-HMAC "Type AWS-HMAC"
ROLE_KEY=$(jfield AccessKeyId)
req GET "$M/identity-credentials/ec2/security-credentials/ec2-instance" "${H[@]}"
is "$CODE" 200 "ec2-instance credentials: 200"
is "$(sed -n 's/^  "\([A-Za-z]*\)" : .*/\1/p' "$TMPD/body" | tr '\n' ' ')" \
	"Code LastUpdated Type AccessKeyId SecretAccessKey Token Expiration " \
	"ec2-instance credentials have the same shape"
EC2_KEY=$(jfield AccessKeyId)
req GET "$M/identity-credentials/ec2/info" "${H[@]}"
is "$(jfield Code) $(jfield AccountId)" "Success 210987654321" "identity-credentials/ec2/info"
req GET "$M/identity-credentials/ec2/" "${H[@]}"
is "$BODY" $'info\nsecurity-credentials/' "identity-credentials/ec2/ listing"
nok "ec2-instance key differs from the role's" test "$EC2_KEY" = "$ROLE_KEY"
req GET "$U4/latest/dynamic/instance-identity/document" "${H[@]}"
is "$(jfield accountId) $(jfield instanceId) $(jfield region) $(jfield privateIp) $(jfield availabilityZone)" \
	"210987654321 i-0aaaabbbbccccdddd eu-west-1 10.1.2.3 eu-west-1a" "identity document"

# Network identity.
for p in local-ipv4:10.1.2.3 public-ipv4:198.51.100.7 mac:$MAC1 ipv6:2001:db8::7; do
	req GET "$M/${p%%:*}" "${H[@]}"
	is "$BODY" "${p#*:}" "${p%%:*}"
done
req GET "$M/network/interfaces/macs/" "${H[@]}"
is "$BODY" "$MAC1/"$'\n'"$MAC2/" "MAC listing"
I=$M/network/interfaces/macs/$MAC1
for p in local-ipv4s:10.1.2.3 public-ipv4s:198.51.100.7 ipv6s:2001:db8::7 \
	vpc-id:vpc-0feedface0000000 subnet-id:subnet-0feedface000000 device-number:0; do
	req GET "$I/${p%%:*}" "${H[@]}"
	is "$CODE:$BODY" "200:${p#*:}" "interface ${p%%:*}"
done
req GET "$M/network/interfaces/macs/$MAC2/device-number" "${H[@]}"
is "$BODY" 1 "second interface device-number"
req GET "$M/public-keys/" "${H[@]}"
is "$CODE:$BODY" 200:0=imdsgate-sim "public-keys listing: index=name"
req GET "$M/public-keys/0/" "${H[@]}"
is "$BODY" openssh-key "public-keys/0/ listing"
req GET "$M/public-keys/0/openssh-key" "${H[@]}"
like "$BODY" '^ssh-ed25519 ' "public key"
req GET "$U4/latest/user-data" "${H[@]}"
is "$BODY" $'#!/bin/sh\necho hi' "user-data"

# IPv6 endpoint.
T6=$(tok 60 "$U6")
like "$T6" '^[A-Za-z0-9+/]{56}$' "token over IPv6"
req GET "$U6/latest/meta-data/instance-id" -H "$TOKHDR: $T6"
is "$CODE:$BODY" 200:i-0aaaabbbbccccdddd "instance-id over IPv6"
req GET "$U6/latest/meta-data/instance-id"
is "$CODE" 401 "v1 over IPv6: 401"
req GET "$U6/latest/meta-data/instance-id" -H "$TOKHDR: $T"
is "$CODE" 200 "a token from the IPv4 endpoint works over IPv6"
tap_done
