#!/bin/bash
# imdsgated's own front ends to the rules: `-t` checks configuration and
# rule files (nothing printed but errors, exit 0 or 2) and `--explain`
# prints the deciding rule, with real users from test_users.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_root
test_users
D=$TMPD/rules.d
mkdir -p "$D"
cp "$top_srcdir/rules/00-default.rules" "$D/"
cat >"$D/50-app.rules" <<'RULES'
[creds for app]
action = allow
user = igt-alice
group = igt-readers
path = /meta-data/iam/security-credentials/*

[creds for readers]
action = allow
group = igt-readers
path = /meta-data/iam/security-credentials/*
RULES
gate_conf "rules.dir=$D"
C=/latest/meta-data/iam/security-credentials/r

out=$("$PROXY" -t -c "$TMPD/imdsgate.conf" 2>&1); rc=$?
is "$rc:$out" "0:" "-t: a good configuration prints nothing, exit 0"

out=$("$PROXY" --explain -c "$TMPD/imdsgate.conf" igt-bob GET "$C" 2>&1); rc=$?
is "$rc" 0 "--explain: exit 0"
is "$out" "allow: rule \"creds for readers\" at $D/50-app.rules:7" \
	"--explain: supplementary group decides"
is "$("$PROXY" --explain -c "$TMPD/imdsgate.conf" igt-alice GET "$C" 2>&1)" \
	"deny: rule \"secrets are not for everyone\" at $D/00-default.rules:27" \
	"--explain: user AND group both needed"
is "$("$PROXY" --explain -c "$TMPD/imdsgate.conf" "$BOB_UID" GET "/1.0/meta-data//iam/security-credentials/x/" 2>&1)" \
	"allow: rule \"creds for readers\" at $D/50-app.rules:7" \
	"--explain: numeric uid, other version, messy path"
is "$("$PROXY" --explain -c "$TMPD/imdsgate.conf" igt-bob DELETE /latest/meta-data/instance-id 2>&1)" \
	"deny: no rule matches" "--explain: default deny"
out=$("$PROXY" --explain -c "$TMPD/imdsgate.conf" igt-nobody-here GET / 2>&1); rc=$?
is "$rc" 2 "--explain: unknown user, exit 2"

printf '[broken]\naction = allow\npath = /meta-data/**/x\n' >"$D/60-broken.rules"
out=$("$PROXY" -t -c "$TMPD/imdsgate.conf" 2>&1); rc=$?
is "$rc" 2 "-t: a bad rule file, exit 2"
like "$out" "$D/60-broken.rules:3: bad path pattern" "-t: FILE:LINE of the bad rule"
out=$("$PROXY" --explain -c "$TMPD/imdsgate.conf" igt-bob GET / 2>&1); rc=$?
is "$rc" 2 "--explain: a bad rule file, exit 2"
tap_done
