#!/bin/bash
# Soak (issue 7.5): a steady load through the redirect for SOAK_SECONDS
# (default 30 in make check; the long run is documented in
# docs/robustness.md, e.g. SOAK_SECONDS=180) with a reload (SIGHUP) at a
# third and a log rotation (rename + SIGHUP) at two thirds of the run.
#   - zero failed requests from the allowed users (root, igt-bob);
#   - the denied user (igt-alice) never gets a credential;
#   - RSS flat: the last sample within a margin of the first (taken after
#     a warm-up of a tenth of the run);
#   - every request logged exactly once: per uid, requests sent = `request`
#     records across the old and the new audit log.
# SOAK_RATE (default 60) is the total request rate per second.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
need_root
need_cmd python3 nft jq
ns_setup
test_users
SECS=${SOAK_SECONDS:-30}
RATE=${SOAK_RATE:-60}
RSS_MARGIN_KB=${SOAK_RSS_MARGIN_KB:-4096}
asan_small_quarantine
# under ASan the quarantine (8 MB here) fills as the run goes: allow it
asan_build && RSS_MARGIN_KB=$((RSS_MARGIN_KB + 8192))

robust_dirs
robust_conf 169.254.169.254:80
AUDIT=$GATE_AUDIT
sim_start --role "$ROLE"
gate_redirect install
daemon_start proxy

# three loops share the rate: root on metadata, bob on credentials (both
# allowed), alice on credentials (denied)
iv=$(awk -v r="$RATE" 'BEGIN { printf "%.4f", 3 / r }')
load_start root 0 --path /latest/meta-data/instance-id --interval "$iv" --duration "$SECS"
load_start bob "$BOB_UID" --path "$CREDS" --interval "$iv" --duration "$SECS"
load_start alice "$ALICE_UID" --path "$CREDS" --interval "$iv" --duration "$SECS"
t_start=$(now_ms)

# RSS once a second (the sampling period, not a wait for readiness); the
# reload and the rotation at their times.
: >"$TMPD/rss.txt"
reloaded=0 rotated=0
while :; do
	el=$(( $(now_ms) - t_start ))
	[ "$el" -lt $((SECS * 1000)) ] || break
	echo "$el $(rss_kb "$DAEMON_WORKER")" >>"$TMPD/rss.txt"
	if [ $reloaded = 0 ] && [ "$el" -ge $((SECS * 1000 / 3)) ]; then
		kill -HUP "$DAEMON_PID"; reloaded=1
	fi
	if [ $rotated = 0 ] && [ "$el" -ge $((SECS * 2000 / 3)) ]; then
		mv "$AUDIT" "$AUDIT.1"; kill -HUP "$DAEMON_PID"; rotated=1
	fi
	sleep 1
done
load_stop
ok "the reload and the rotation happened" test $reloaded = 1 -a $rotated = 1

for u in root bob; do
	sent=$(res_count $u 1)
	is "$(res_count $u '$4 != "http" || $5 != 200')" 0 "$u: zero failed requests out of $sent"
done
is "$(res_count alice '$6 == 1')" 0 "alice never got a credential"
is "$(res_count alice '$3 == "GET" && $5 != 403')" 0 "every credential request of alice refused with 403"

first=$(awk -v w=$((SECS * 100)) '$1 >= w { print $2; exit }' "$TMPD/rss.txt")
last=$(tail -1 "$TMPD/rss.txt" | cut -d' ' -f2)
ok "RSS flat: first $first kB, last $last kB (margin $RSS_MARGIN_KB kB)" \
	test "$last" -le $((first + RSS_MARGIN_KB))

# Exactly once: per uid, what the loops sent (every one was answered,
# checked above for root and bob) against the records of both files.
records() {
	cat "$AUDIT.1" "$AUDIT" 2>/dev/null | jq -r 'select(.event == "request") | .uid' | grep -cx "$1"
}
sent_all=0
for u in root:0 bob:$BOB_UID alice:$ALICE_UID; do
	name=${u%%:*} uid=${u#*:}
	sent=$(res_count "$name" '$4 == "http"')
	sent_all=$((sent_all + sent))
	wait_for 30 test "$(records "$uid")" -ge "$sent"
	is "$(records "$uid")" "$sent" "$name: every request logged exactly once"
done
ok "both the rotated and the new log have records" \
	test "$(grep -c '"event":"request"' "$AUDIT.1")" -gt 0 -a "$(grep -c '"event":"request"' "$AUDIT")" -gt 0
is "$(cat "$AUDIT.1" "$AUDIT" | python3 -c '
import json, sys
bad = 0
for line in sys.stdin:
    try:
        json.loads(line)
    except ValueError:
        bad += 1
print(bad)')" 0 "every audit line is whole JSON"
ok "the daemon survived" kill -0 "$DAEMON_PID"
diag "soak: ${SECS} s, $sent_all requests ($(( sent_all / SECS )) per second), RSS first $first kB last $last kB," \
	"max $(sort -k2 -n "$TMPD/rss.txt" | tail -1 | cut -d' ' -f2) kB"
gate_redirect remove >/dev/null 2>&1
tap_done
