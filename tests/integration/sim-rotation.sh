#!/bin/bash
# Credential rotation with a short lifetime: a new AccessKeyId appears
# before the old Expiration, the secrets file follows, and with -v the
# log names requests but never a SecretAccessKey or Token.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/sim-common.sh"
need_root
need_cmd curl
ns_setup
SECRETS=$TMPD/sim-secrets.env
sim_start -v --credential-lifetime 6 --role r1 --secrets-file "$SECRETS"
T=$(tok 600)
C=$U4/latest/meta-data/iam/security-credentials/r1
E=$U4/latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance
epoch() { date -u -d "$1" +%s; }

req GET "$C" -H "$TOKHDR: $T"
K1=$(jfield AccessKeyId) E1=$(jfield Expiration) U1=$(jfield LastUpdated)
S1=$(jfield SecretAccessKey) TK1=$(jfield Token)
is "$(( $(epoch "$E1") - $(epoch "$U1") ))" 6 "Expiration = LastUpdated + lifetime"
ok "secrets file exists" test -s "$SECRETS"
is "$(stat -c %a "$SECRETS")" 600 "secrets file is mode 600"
# The keys in the file are the keys served, compared across a GET made
# between two reads of the file that agree: with a 6 s lifetime a loaded
# machine can see a rotation in between, and then it is asked again.
steady_get() {	# steady_get URL: GET it, the file unchanged meanwhile
	local before
	before=$(cat "$SECRETS")
	req GET "$1" -H "$TOKHDR: $T"
	[ "$before" = "$(cat "$SECRETS")" ] && source "$SECRETS"
}
role_in_file() {
	steady_get "$C" || return 1
	K1=$(jfield AccessKeyId) E1=$(jfield Expiration) S1=$(jfield SecretAccessKey) TK1=$(jfield Token)
	[ "$ROLE_ACCESS_KEY_ID:$ROLE_SECRET_ACCESS_KEY:$ROLE_SESSION_TOKEN" = "$K1:$S1:$TK1" ]
}
ec2_in_file() { steady_get "$E" && [ "$(jfield AccessKeyId)" = "$EC2_ACCESS_KEY_ID" ]; }
ok "secrets file holds the served key, secret and token" wait_for 30 role_in_file
ok "secrets file holds the ec2-instance key" wait_for 30 ec2_in_file

rotated() {
	req GET "$C" -H "$TOKHDR: $T"
	K2=$(jfield AccessKeyId)
	SEEN_AT=$(date +%s)
	[ -n "$K2" ] && [ "$K2" != "$K1" ]
}
ok "a new AccessKeyId appears within 8 s" wait_for 8 rotated
E2=$(jfield Expiration)
like "$K2" '^ASIA[A-Z0-9]{16}$' "the new key is ASIA + 16"
ok "it appeared before the old Expiration ($SEEN_AT < $(epoch "$E1"))" \
	test "$SEEN_AT" -lt "$(epoch "$E1")"
ok "the new Expiration is later" test "$(epoch "$E2")" -gt "$(epoch "$E1")"
nok "the new secret differs" test "$(jfield SecretAccessKey)" = "$S1"
# One read of the file, so a later rotation cannot split the check.
followed() {
	local c
	c=$(cat "$SECRETS")
	grep -qx "ROLE_ACCESS_KEY_ID=$K2" <<<"$c" &&
		grep -qx "ROLEPREV_ACCESS_KEY_ID=$K1" <<<"$c"
}
ok "the secrets file follows the rotation, keeping the replaced key" \
	wait_for 3 followed
req GET "$E" -H "$TOKHDR: $T"
E_K=$(jfield AccessKeyId)
ok "the ec2-instance key rotates too" wait_for 8 eval \
	'req GET "$E" -H "$TOKHDR: $T"; [ "$(jfield AccessKeyId)" != "$E_K" ]'

ok "the log names requests" grep -q 'GET /latest/meta-data/iam/security-credentials/r1 200' "$SIM_LOG"
ok "the log has the rotation" grep -q "new credentials $K2" "$SIM_LOG"
[ "$_tap_failed" -eq 0 ] || { diag "K2=$K2 SIM_LOG=$SIM_LOG"; sed 's/^/# /' "$SIM_LOG" | head -20; }
nok "the log has no secret" grep -qF -e "$S1" -e "${TK1:20:40}" -e "$ROLE_SECRET_ACCESS_KEY" "$SIM_LOG"
nok "the log has no session token" grep -qF -e "$T" -e "$ROLE_SESSION_TOKEN" "$SIM_LOG"
tap_done
