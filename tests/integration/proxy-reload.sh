#!/bin/bash
# Check mode, --explain, and SIGHUP: a reload that replaces the rules
# under a running stream of requests loses none of them; the new rules
# apply afterwards; a broken rule file is refused and the old set kept;
# SIGTERM stops cleanly.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/proxy-common.sh"
need_root
need_cmd curl
ns_setup
sim_start --tokens required --role app-role
# generous timeouts: this test is about reloads, not a loaded machine
proxy_setup proxy.upstream_timeout=15 proxy.client_timeout=30
CONF=$TMPD/imdsgate.conf

# -t: silent and 0 when valid; 2 with FILE:LINE when not
out=$("$PROXY" -t -c "$CONF" 2>&1); rc=$?
is "$rc:$out" "0:" "-t on a valid configuration: exit 0, silent"
cp -a "$TMPD/rules.d" "$TMPD/rules.good"
printf '[broken]\naction = maybe\npath = /x\n' >"$TMPD/rules.d/20-broken.rules"
out=$("$PROXY" -t -c "$CONF" 2>&1); rc=$?
is "$rc" 2 "-t on a broken rule file: exit 2"
like "$out" '20-broken\.rules:[0-9]+' "-t names the file and line"
rm "$TMPD/rules.d/20-broken.rules"
gate_conf -b -o "$TMPD/bad.conf" proxy.mode=sometimes
out=$("$PROXY" -t -c "$TMPD/bad.conf" 2>&1); rc=$?
is "$rc" 2 "-t on a bad configuration: exit 2"
like "$out" 'bad\.conf:2' "bad configuration: FILE:LINE"
gate_spawn -n bad -c "$TMPD/bad.conf"
wait "$GATE_PID"; is "$?" 2 "running with a bad configuration: exit 2"

# --explain
out=$("$PROXY" --explain -c "$CONF" igt-bob GET /latest/meta-data/iam/security-credentials/app-role)
like "$out" '^deny: rule "no credentials for bob"' "--explain: bob denied by rule"
out=$("$PROXY" --explain -c "$CONF" igt-alice GET /latest/meta-data/iam/security-credentials/app-role)
like "$out" '^allow: rule "credentials for alice"' "--explain: alice allowed"
"$PROXY" --explain -c "$CONF" no-such-user-here GET / >/dev/null 2>&1
is "$?" 2 "--explain with an unknown user: exit 2"
"$PROXY" --bogus-option >/dev/null 2>&1; is "$?" 2 "unknown option: exit 2"

proxy_start
T=$(token $ALICE_UID 600)
N=400
urls=(); for i in $(seq $N); do urls+=(-o /dev/null "$U4/latest/meta-data/ami-id"); done
# a stream of N keep-alive requests, and N/4 separate connections, while
# the rules are swapped back and forth
as_user $ALICE_UID curl -s -m 120 -H "$TH: $T" -w '%{http_code}\n' "${urls[@]}" >"$TMPD/stream" &
S1=$!
as_user $ALICE_UID sh -c 'for i in $(seq '$((N / 4))'); do curl -s -m 30 -H "$0: $1" -o /dev/null -w "%{http_code}\n" "$2"; done' \
	"$TH" "$T" "$U4/latest/meta-data/instance-id" >"$TMPD/loop" &
S2=$!
reloads=0
while kill -0 $S1 2>/dev/null || kill -0 $S2 2>/dev/null; do
	# add a second file (same decisions for these paths), then remove it
	if [ $((reloads % 2)) = 0 ]; then
		printf '[extra]\naction = allow\npath = /meta-data/ami-id\n' >"$TMPD/rules.d/30-extra.rules"
	else
		rm -f "$TMPD/rules.d/30-extra.rules"
	fi
	kill -HUP "$PROXY_PID"
	reloads=$((reloads + 1))
	[ $reloads -ge 100 ] && break
	sleep 0.02	# pacing the reloads, not waiting for readiness
done
wait $S1; wait $S2
diag "$reloads reloads during the stream; other answers:" $(sort "$TMPD/stream" "$TMPD/loop" | uniq -c | grep -v ' 200$')
ok "several reloads happened during the stream" test "$reloads" -ge 3
is "$(grep -c '^200$' "$TMPD/stream")" $N "keep-alive stream: all $N answered 200"
is "$(grep -c '^200$' "$TMPD/loop")" $((N / 4)) "separate connections: all $((N / 4)) answered 200"

# the new rules apply after a reload
printf '[no ami for alice]\naction = deny\nuser = igt-alice\npath = /meta-data/ami-id\n' \
	>"$TMPD/rules.d/40-deny.rules"
kill -HUP "$PROXY_PID"
denied() { [ "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id")" = 403 ]; }
ok "new rule in force after SIGHUP" wait_for 30 denied

# a broken file: refused, the old set stays
printf '[broken]\naction = allow\n' >"$TMPD/rules.d/50-broken.rules"
kill -HUP "$PROXY_PID"
ok "broken reload logged with FILE:LINE" wait_line 30 "$GATE_ERR" 'keeping the old rules: .*50-broken\.rules:[0-9]+'
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id")" 403 "old rules still in force"
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/instance-id")" 200 "and still serving"

# SIGTERM: clean exit
kill -TERM "$PROXY_PID"
ok "SIGTERM: exit 0" wait "$PROXY_PID"
nok "no listener left" in_inst sh -c "ss -ltn | grep -q ':$GATE_PORT '"
ns_keep_logs
tap_done
