#!/bin/bash
# Log rotation under load: while a client loop runs through the daemon,
# the audit log is renamed and the daemon sent SIGHUP three times. Every
# request sent must have exactly one record across the four files: none
# lost, none duplicated, every line whole.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
need_root
need_cmd curl jq
ns_setup
test_users
LOG=$TMPD/log/audit.log
N=1200		# requests, in batches of 50 on one curl each
mkdir -p "$TMPD/rules.d" "$TMPD/log"
chown imdsgate: "$TMPD/log"
cat >"$TMPD/rules.d/10-all.rules" <<'RULES'
[metadata for all]
action = allow
path = /meta-data/**
path = /api/token
RULES
cat >"$TMPD/imdsgate.conf" <<CONF
[proxy]
listen = 127.0.0.1:169
upstream = 169.254.169.254:80
require_token = yes
user = imdsgate
[rules]
dir = $TMPD/rules.d
[log]
audit = $LOG
[redirect]
manage = yes
CONF
chmod -R a+rX "$TMPD"
sim_start --tokens required
ip netns exec "$NS_INST" "$PROXY" -f -c "$TMPD/imdsgate.conf" 2>"$TMPD/proxy.err" &
PROXY_PID=$!
bg_track $PROXY_PID
wait_line 10 "$TMPD/proxy.err" ready || { echo "Bail out! imdsgated not ready"; sed 's/^/# /' "$TMPD/proxy.err"; exit 1; }

TOK=$(as_user "$ALICE_UID" curl -s -m 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 600' \
	http://169.254.169.254/latest/api/token)
ok "token" test -n "$TOK"
urls=()
for ((i = 0; i < 50; i++)); do urls+=(-o /dev/null http://169.254.169.254/latest/meta-data/instance-id); done
# The load: N requests as alice; each curl's exit status is kept.
(
	for ((b = 0; b < N / 50; b++)); do
		as_user "$ALICE_UID" curl -s -m 10 -w '%{http_code}\n' \
			-H "X-aws-ec2-metadata-token: $TOK" "${urls[@]}"
	done >"$TMPD/codes.txt"
	echo done >"$TMPD/load.done"
) &
bg_track $!

count() { cat "$LOG"* 2>/dev/null | grep -c '"path":"/latest/meta-data/instance-id"'; }
count_ge() { [ "$(count)" -ge "$1" ]; }
for k in 1 2 3; do
	ok "load running before rotation $k" wait_for 30 count_ge $((k * N / 4))
	mv "$LOG" "$LOG.$k"
	kill -HUP $PROXY_PID
done
ok "load finished" wait_for 60 test -e "$TMPD/load.done"
ok "load was still running at the last rotation" test "$(grep -c instance-id "$LOG" 2>/dev/null || echo 0)" -gt 0
is "$(grep -c '^200$' "$TMPD/codes.txt")" $N "all $N requests answered 200"
ok "records settle" wait_for 10 count_ge $N
is "$(count)" $N "exactly $N request records across the rotated files"
is "$(cat "$LOG"* | jq -c . 2>&1 >/dev/null | wc -l)" 0 "every line whole JSON"
for k in 1 2 3; do
	ok "rotated file $k has records" grep -q instance-id "$LOG.$k"
done
ok "the daemon survived" kill -0 $PROXY_PID
tap_done
