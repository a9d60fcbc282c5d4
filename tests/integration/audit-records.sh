#!/bin/bash
# Audit records made by real clients through the real daemon and redirect:
# the exact caller fields (uid, user, gids, pid, comm, exe) of request and
# credential_fetch records, the instance record, a denied request, an
# IMDSv1 request, the identity credential, a credential rotation in the
# simulator that must show up as a new credential_fetch with the new key,
# and botocore as a second real client.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_root
need_cmd curl jq
ns_setup
test_users
IID=i-0a0d17c0ffee12345
LOG=$GATE_AUDIT
gate_rules creds-alice
gate_conf redirect.manage=yes
sim_start --tokens required --instance-id $IID --account 444455556666 \
	--region ap-south-2 --role audit-role --credential-lifetime 6 \
	--private-ipv4 172.31.9.9 --public-ipv4 18.1.2.3 --ipv6 2600:1f18:9::9 \
	--mac 0e:aa:bb:cc:dd:ee --vpc-id vpc-0a11
gate_start

# rec EVENT JQ-FILTER: the last record of that event matching the filter.
rec() { gate_audit last event="$1" "$2"; }
field() { local r=$1; shift; jq -r "$@" <<<"$r"; }

# instance
ok "instance record" wait_line 30 "$LOG" '"event":"instance"'
r=$(rec instance true)
is "$(field "$r" .instance_id)" $IID "instance: instance_id"
is "$(field "$r" .account_id)/$(field "$r" .region)" 444455556666/ap-south-2 "instance: account/region"
is "$(field "$r" -c .private_ips)" '["172.31.9.9"]' "instance: private_ips"
is "$(field "$r" -c .public_ips)" '["18.1.2.3","2600:1f18:9::9"]' "instance: public_ips"
is "$(field "$r" -c '[.vpc_id,.macs,.require_token]')" '["vpc-0a11",["0e:aa:bb:cc:dd:ee"],true]' "instance: vpc, macs, require_token"

# A caller whose pid we know: sh writes its pid, then execs curl.
call() {	# call UID NAME CURL-ARGS...: output in $TMPD/NAME.body, pid in $TMPD/NAME.pid
	local uid=$1 name=$2; shift 2
	# as the user's real primary group (as_user defaults the gid to the uid)
	as_user "$uid:$(id -g "$uid")" sh -c 'echo $$ >"$0"; o=$1; shift; exec curl -s -m 30 -o "$o" -w "%{http_code}" "$@"' \
		"$TMPD/$name.pid" "$TMPD/$name.body" "$@"
}
TOK_URL=http://169.254.169.254/latest/api/token
MD=http://169.254.169.254/latest/meta-data
chmod 777 "$TMPD"
call "$ALICE_UID" atok -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' $TOK_URL >/dev/null
ATOK=$(cat "$TMPD/atok.body")
ok "alice has a token" test -n "$ATOK"

# request: every field, for alice's GET of instance-id
code=$(call "$ALICE_UID" aiid -H "X-aws-ec2-metadata-token: $ATOK" $MD/instance-id)
is "$code" 200 "alice reads instance-id"
wait_for 30 grep -q '"path":"/latest/meta-data/instance-id"' "$LOG"
r=$(rec request '.path == "/latest/meta-data/instance-id" and .uid == '"$ALICE_UID")
is "$(field "$r" .user)" igt-alice "request: user"
is "$(field "$r" .pid)" "$(cat "$TMPD/aiid.pid")" "request: pid of the caller"
is "$(field "$r" .exe)" /usr/bin/curl "request: exe"
is "$(field "$r" .comm)" curl "request: comm"
is "$(field "$r" '.gids[0]')" "$(id -g igt-alice)" "request: primary gid first"
is "$(field "$r" -c '[.method,.status,.bytes,.decision,.rule,.mode,.imds_version]')" \
	"[\"GET\",200,${#IID},\"allow\",\"metadata for all\",\"enforce\",2]" \
	"request: method, status, bytes, decision, rule, mode, imds_version"
is "$(field "$r" .instance_id)" $IID "request: instance_id"
like "$(field "$r" .ts)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' "request: ts"

# IMDSv1: no token
code=$(call "$ALICE_UID" av1 $MD/ami-id)
is "$code" 401 "alice without a token: 401"
wait_for 30 grep -q '"path":"/latest/meta-data/ami-id"' "$LOG"
r=$(rec request '.path == "/latest/meta-data/ami-id"')
is "$(field "$r" -c '[.imds_version,.status,.pid]')" "[1,401,$(cat "$TMPD/av1.pid")]" "v1 request: imds_version 1, status, pid"

# credential_fetch: alice's role credentials
CP=/latest/meta-data/iam/security-credentials/audit-role
code=$(call "$ALICE_UID" acred -H "X-aws-ec2-metadata-token: $ATOK" http://169.254.169.254$CP)
is "$code" 200 "alice gets credentials"
AKID1=$(jq -r .AccessKeyId "$TMPD/acred.body")
cp "$SIM_SECRETS" "$TMPD/sim-secrets.1"
ok "credential_fetch record" wait_line 30 "$LOG" "\"access_key_id\":\"$AKID1\""
r=$(rec credential_fetch ".access_key_id == \"$AKID1\"")
is "$(field "$r" -c '[.uid,.user,.pid,.exe,.comm]')" \
	"[$ALICE_UID,\"igt-alice\",$(cat "$TMPD/acred.pid"),\"/usr/bin/curl\",\"curl\"]" \
	"credential_fetch: uid, user, pid, exe, comm"
is "$(field "$r" -c '[.role,.credential_kind,.path]')" "[\"audit-role\",\"instance-profile\",\"$CP\"]" \
	"credential_fetch: role, kind, path"
is "$(field "$r" .expiration)" "$(jq -r .Expiration "$TMPD/acred.body")" "credential_fetch: expiration"
is "$(field "$r" .instance_id)" $IID "credential_fetch: instance_id"
# (the caller's cgroup when it is not the root: the test's own, here)
cgkey=$(sed -n 's/^0::\(.*\)/\1/p' /proc/self/cgroup | grep -qvx / && echo '"cgroup",')
is "$(jq -c 'keys' <<<"$r")" \
	'["access_key_id",'"$cgkey"'"comm","credential_kind","event","exe","expiration","gids","ident","instance_id","path","pid","role","ts","uid","user"]' \
	"credential_fetch: exactly these fields, nothing of the secret"
r=$(rec request ".path == \"$CP\" and .uid == $ALICE_UID")
is "$(field "$r" -c '[.status,.decision,.rule]')" '[200,"allow","credentials for alice"]' "its request record"

# The identity credential
IP=/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance
call "$ALICE_UID" aid -H "X-aws-ec2-metadata-token: $ATOK" http://169.254.169.254$IP >/dev/null
EAKID=$(jq -r .AccessKeyId "$TMPD/aid.body")
ok "identity credential_fetch" wait_line 30 "$LOG" "\"access_key_id\":\"$EAKID\""
r=$(rec credential_fetch ".access_key_id == \"$EAKID\"")
is "$(field "$r" -c '[.role,.credential_kind]')" '["ec2-instance","instance-identity"]' "identity: role ec2-instance, kind"

# bob is refused: a deny record, no credential_fetch
call "$BOB_UID" btok -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' $TOK_URL >/dev/null
code=$(call "$BOB_UID" bcred -H "X-aws-ec2-metadata-token: $(cat "$TMPD/btok.body")" http://169.254.169.254$CP)
is "$code" 403 "bob is refused credentials"
wait_for 30 grep -q "\"uid\":$BOB_UID,.*\"path\":\"$CP\"" "$LOG"
r=$(rec request ".path == \"$CP\" and .uid == $BOB_UID")
is "$(field "$r" -c '[.decision,.rule,.status,.pid]')" "[\"deny\",\"no credentials for bob\",403,$(cat "$TMPD/bcred.pid")]" \
	"bob: deny, rule, status, pid"
is "$(field "$r" -c "[.gids[0], (.gids | index($READERS_GID) != null)]")" "[$(id -g igt-bob),true]" \
	"bob: primary gid, and igt-readers among the gids"
is "$(rec credential_fetch ".uid == $BOB_UID")" "" "bob: no credential_fetch"

# Rotation: the simulator's credentials live 6 s; fetch until the key
# changes, then the new key must be in a new credential_fetch record.
newkey() {
	call "$ALICE_UID" acred2 -H "X-aws-ec2-metadata-token: $ATOK" http://169.254.169.254$CP >/dev/null
	[ "$(jq -r .AccessKeyId "$TMPD/acred2.body")" != "$AKID1" ]
}
ok "the simulator rotated the credentials" wait_for 30 newkey
AKID2=$(jq -r .AccessKeyId "$TMPD/acred2.body")
cp "$SIM_SECRETS" "$TMPD/sim-secrets.2"
ok "a new credential_fetch with the new AccessKeyId" wait_line 30 "$LOG" "\"access_key_id\":\"$AKID2\""
r=$(rec credential_fetch ".access_key_id == \"$AKID2\"")
is "$(field "$r" .pid)" "$(cat "$TMPD/acred2.pid")" "rotation: the record names the caller"

# botocore, a real SDK client
if /usr/bin/python3 -c 'import botocore' 2>/dev/null; then
	BK=$(as_user "$ALICE_UID" /usr/bin/python3 -c '
import botocore.utils
c = botocore.utils.InstanceMetadataFetcher(timeout=2, num_attempts=1).retrieve_iam_role_credentials()
print(c.get("access_key", ""))')
	cp "$SIM_SECRETS" "$TMPD/sim-secrets.3"
	ok "botocore got credentials" test -n "$BK"
	ok "botocore's fetch recorded" wait_line 30 "$LOG" "\"access_key_id\":\"$BK\""
	r=$(rec credential_fetch ".access_key_id == \"$BK\" and (.exe // \"\" | startswith(\"/usr/bin/python3\"))")
	ok "botocore: credential_fetch names python3 as the exe" test -n "$r"
else
	tap_ok 1 "python3-botocore is missing (scripts/setup-deps installs it)"
fi

is "$(jq -c . "$LOG" 2>&1 >/dev/null | wc -l)" 0 "every line is JSON"
nok "no secret in the log" grep -qE 'SecretAccessKey|"Token"' "$LOG"
tap_done
