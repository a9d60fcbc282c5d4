#!/bin/bash
# The shipped rule files with real users: the default set and every
# commented example, uncommented with the test users in place of the
# example names, load cleanly and decide as documented; a name that does
# not exist fails the load with its FILE:LINE. Uses tests/rules/rules-tool,
# the same rules_check_dir/rules_explain_dir calls imdsgated makes.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
need_root
test_users
TOOL=$top_builddir/tests/rules/rules-tool
D=$TMPD/rules.d
umask 022
mkdir -p "$D"

# Uncomment the rule lines ("#x", not "# prose") and swap in test users.
uncomment() {
	sed -e 's/^#\([^ #]\)/\1/' -e 's/^user = app$/user = igt-alice/' \
	    -e 's/^group = aws-readers$/group = igt-readers/' \
	    -e 's/^user = intern$/user = igt-bob/' \
	    -e 's/^user = legacy$/user = igt-alice, igt-bob/' "$1"
}

cp "$top_srcdir"/rules/*.rules "$D/"
out=$("$TOOL" -t "$D" 2>&1); rc=$?
is "$rc:$out" "0:" "shipped files load as they are (examples commented)"

explain() { "$TOOL" "$D" "$@" 2>&1; }
C=/latest/meta-data/iam/security-credentials/app-role
is "$(explain igt-alice GET "$C")" \
   "deny: rule \"secrets are not for everyone\" at $D/00-default.rules:27" \
   "default: alice may not read role credentials"
is "$(explain root GET "$C")" \
   "allow: rule \"secrets for root\" at $D/00-default.rules:34" \
   "default: root may"
is "$(explain 0 GET /1.0/user-data)" \
   "allow: rule \"secrets for root\" at $D/00-default.rules:34" \
   "default: uid 0 by number"
is "$(explain igt-bob GET /latest/meta-data/instance-id)" \
   "allow: rule \"metadata for everyone\" at $D/00-default.rules:13" \
   "default: everyone reads metadata"
is "$(explain igt-bob PUT /latest/api/token)" \
   "allow: rule \"tokens for everyone\" at $D/00-default.rules:20" \
   "default: everyone gets a token"
is "$(explain igt-bob POST /latest/api/token)" "deny: no rule matches" \
   "default: no rule for POST"
is "$(explain igt-bob GET '/latest/meta-data/iam%2fsecurity-credentials/x')" \
   "deny: path refused with 400 (encoded slash)" "explain shows a 400"
out=$(explain igt-no-such-user GET /); rc=$?
is "$rc" 2 "unknown user: exit 2"
like "$out" 'unknown user "igt-no-such-user"' "unknown user: message"

for f in 50-service-account 60-group 70-imdsv1-legacy; do
	uncomment "$top_srcdir/rules/$f.rules" >"$D/$f.rules"
done
out=$("$TOOL" -t "$D" 2>&1); rc=$?
is "$rc:$out" "0:" "every example loads when uncommented"
is "$(explain igt-alice GET "$C")" \
   "allow: rule \"credentials for the app\" at $D/50-service-account.rules:6" \
   "service account: alice reads her role"
is "$(explain igt-alice GET "${C}2")" \
   "deny: rule \"secrets are not for everyone\" at $D/00-default.rules:27" \
   "service account: not another role (app-role2)"
is "$(explain igt-bob GET /latest/meta-data/iam/security-credentials/other)" \
   "deny: rule \"but not for the intern\" at $D/60-group.rules:13" \
   "group: the exception wins (a later rule)"
# bob is in igt-readers only as a supplementary group; alice is not in it
is "$(explain igt-alice GET /latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance)" \
   "deny: rule \"secrets are not for everyone\" at $D/00-default.rules:27" \
   "group: a non-member gets nothing"
is "$(explain igt-alice GET /latest/meta-data/placement/availability-zone)" \
   "allow: rule \"legacy monitor, no token\" at $D/70-imdsv1-legacy.rules:6 (imdsv1 = allow: also without a token)" \
   "legacy: imdsv1 exception"
is "$(explain "$ALICE_UID" HEAD /latest/meta-data/placement/availability-zone)" \
   "allow: rule \"metadata for everyone\" at $D/00-default.rules:13" \
   "legacy: only for its method"

# A supplementary member through a group-only rule.
cat >"$D/80-readers.rules" <<'RULES'
[readers see the role]
action = allow
group = igt-readers
path = /meta-data/iam/security-credentials/*
RULES
is "$(explain igt-bob GET /latest/meta-data/iam/security-credentials/x)" \
   "allow: rule \"readers see the role\" at $D/80-readers.rules:1" \
   "supplementary group membership counts"

# A rule file others can write is loaded, with a warning naming it.
chmod g+w "$D/80-readers.rules"
out=$("$TOOL" -t "$D" 2>&1); rc=$?
is "$rc" 0 "group-writable file: still loads"
like "$out" "$D/80-readers.rules: writable by group or others" \
	"group-writable file: warned"
chmod g-w "$D/80-readers.rules"
chown nobody "$D/80-readers.rules"
like "$("$TOOL" -t "$D" 2>&1)" "$D/80-readers.rules: owned by uid [0-9]+, not root" \
	"file owned by another user: warned"
chown root "$D/80-readers.rules"

# A user name that does not exist fails the whole set, with its line.
printf '[ghost]\naction = allow\nuser = igt-alice, igt-ghost\npath = /**\n' \
	>"$D/90-ghost.rules"
out=$("$TOOL" -t "$D" 2>&1); rc=$?
is "$rc" 2 "unknown user in a file: exit 2"
like "$out" "$D/90-ghost.rules:3: unknown user \"igt-ghost\"" \
	"unknown user in a file: FILE:LINE"
out=$(explain igt-alice GET /); rc=$?
is "$rc" 2 "explain refuses a broken set"
tap_done
