#!/bin/bash
# Log rotation under load: while a client loop runs through the daemon,
# the audit log is renamed and the daemon sent SIGHUP three times. Every
# request sent must have exactly one record across the four files: none
# lost, none duplicated, every line whole.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_root
need_cmd curl jq
ns_setup
test_users
LOG=$GATE_AUDIT
N=1200		# requests, in batches of 50 on one curl each
gate_rules creds-alice
gate_conf redirect.manage=yes
sim_start --tokens required
gate_start
PROXY_PID=$GATE_PID

TOK=$(as_user "$ALICE_UID" curl -s -m 30 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 600' \
	http://169.254.169.254/latest/api/token)
ok "token" test -n "$TOK"
urls=()
for ((i = 0; i < 50; i++)); do urls+=(-o /dev/null http://169.254.169.254/latest/meta-data/instance-id); done
# The load: N requests as alice; each curl's exit status is kept.
(
	for ((b = 0; b < N / 50; b++)); do
		as_user "$ALICE_UID" curl -s -m 30 -w '%{http_code}\n' \
			-H "X-aws-ec2-metadata-token: $TOK" "${urls[@]}"
	done >"$TMPD/codes.txt"
	echo done >"$TMPD/load.done"
) &
bg_track $!

count() { cat "$LOG"* 2>/dev/null | grep -c '"path":"/latest/meta-data/instance-id"'; }
count_ge() { [ "$(count)" -ge "$1" ]; }
for k in 1 2 3; do
	ok "load running before rotation $k" wait_for 60 count_ge $((k * N / 4))
	mv "$LOG" "$LOG.$k"
	kill -HUP $PROXY_PID
done
ok "load finished" wait_for 120 test -e "$TMPD/load.done"
ok "load was still running at the last rotation" test "$(grep -c instance-id "$LOG" 2>/dev/null || echo 0)" -gt 0
is "$(grep -c '^200$' "$TMPD/codes.txt")" $N "all $N requests answered 200"
ok "records settle" wait_for 30 count_ge $N
is "$(count)" $N "exactly $N request records across the rotated files"
is "$(cat "$LOG"* | jq -c . 2>&1 >/dev/null | wc -l)" 0 "every line whole JSON"
for k in 1 2 3; do
	ok "rotated file $k has records" grep -q instance-id "$LOG.$k"
done
ok "the daemon survived" kill -0 $PROXY_PID
tap_done
