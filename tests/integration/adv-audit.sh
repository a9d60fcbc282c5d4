#!/bin/bash
# The audit log cannot be flooded until records are lost (issue 14.6).
# 1. igt-alice sends 20,000 refused requests as fast as the daemon
#    answers them: beyond a burst her refusals must be folded into
#    refusals_folded records (the log grows by a bounded number of
#    records a second), and nothing may be lost: her request records plus
#    the folded counts equal the refusals she received, exactly.
# 2. The log's file system full (a small tmpfs the test mounts, in the
#    daemon's own mount namespace, filled): igt-bob, allowed, must never
#    be handed a credential whose credential_fetch record could not be
#    written; he gets 503 and the daemon says why. Metadata is still
#    served; once there is room again, credentials are, each with its
#    record.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
need_root
need_cmd curl python3 jq nsenter unshare
ns_setup
test_users
robust_dirs
PIPE="/usr/bin/python3 $(stage "$top_srcdir/tests/lib/pipeline.py")"
P=750
N=20000
sim_start --tokens optional --role "$ROLE"
mkdir -p "$TMPD/logfs"
WRAP=(unshare -m --propagation private sh -c \
	'mount -t tmpfs -o size=4m,mode=0777 adv "$0" || exit 1; shift; exec "$@"' \
	"$TMPD/logfs" _)
fault_daemon f-audit $P 169.254.169.254:80 "log.audit=$TMPD/logfs/audit.log" -- "${WRAP[@]}"
in_fs() { nsenter -t "$DAEMON_PID" -m -- "$@"; }
log() { in_fs cat "$TMPD/logfs/audit.log"; }

# --- 1. a flood of refusals ------------------------------------------------
t0=$(now_ms)
printf "GET $CREDS HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" |
	as_user "$ALICE_UID" $PIPE 127.0.0.1 $P --count $N --conns 4 --window 64 >"$TMPD/flood.out" &
FLOOD=$!; bg_track $FLOOD
# bob's own refusal in the middle of it (a PUT no rule allows)
folding() { log | grep -q '"event":"refusals_folded"'; }
ok "alice's refusals are being folded" wait_for 30 folding
read -r code _ < <(fetch "$BOB_UID" $P "$MD" -X PUT)
is "$code" 403 "bob refused during alice's flood"
wait $FLOOD
secs=$(( ($(now_ms) - t0 + 999) / 1000 ))
refused=$(awk '$1 == 403 { print $2 }' "$TMPD/flood.out")
is "$refused" "$N" "alice's $N requests were all refused (in $secs s)"
ok "bob's refusal has its own record, not folded into alice's" \
	wait_for 10 sh -c "nsenter -t $DAEMON_PID -m -- cat '$TMPD/logfs/audit.log' |
		grep '\"event\":\"request\"' | grep '\"method\":\"PUT\"' | grep -q '\"uid\":$BOB_UID'"
# her records: request records plus what the summaries folded
tally() {
	log | jq -r --argjson u "$ALICE_UID" 'select(.uid == $u) |
		if .event == "request" then 1 elif .event == "refusals_folded" then .folded else 0 end' |
		awk '{ n += $1 } END { print n + 0 }'
}
tally_is() { [ "$(tally)" = "$1" ]; }
wait_for 30 tally_is "$N"
is "$(tally)" "$N" "every refusal recorded or folded (summaries written)"
written=$(log | jq -r --argjson u "$ALICE_UID" 'select(.uid == $u and .event == "request") | 1' | wc -l)
sums=$(log | jq -r --argjson u "$ALICE_UID" 'select(.uid == $u and .event == "refusals_folded") | 1' | wc -l)
diag "alice: $N refusals in $secs s -> $written request records and $sums refusals_folded records" \
	"(log $(log | wc -c) bytes)"
ok "her request records bounded by the burst and the rate ($written)" \
	test "$written" -le $((500 + 100 * (secs + 2)))
ok "one summary a second at most ($sums)" test "$sums" -le $((secs + 2))
like "$(log | grep '"event":"refusals_folded"' | head -1)" '"statuses":\{"403":[0-9]+\}' \
	"the summary counts by status"

# --- 2. no credential without its record ------------------------------------
creds() {	# creds: "STATUS HAS_SECRET" of bob's credential fetch
	local body code
	body=$(as_user "$BOB_UID" curl -s -m 10 -w '\n%{http_code}' "http://127.0.0.1:$P$CREDS")
	code=${body##*$'\n'}
	printf '%s %s\n' "$code" "$(printf '%s' "$body" | grep -c SecretAccessKey)"
}
fetches() { log | grep '"event":"credential_fetch"' | grep -c "\"uid\":$BOB_UID"; }
fetches_are() { [ "$(fetches)" = "$1" ]; }
is "$(creds)" "200 1" "room on the log: bob gets his credentials"
got=1
wait_for 30 fetches_are 1
is "$(fetches)" 1 "with its credential_fetch record"
in_fs sh -c "head -c 8M /dev/zero >'$TMPD/logfs/fill'" 2>/dev/null
ok "the log's file system is full" in_fs sh -c "! echo x >>'$TMPD/logfs/probe'"
# the log's last page may still take a few records: fetch until the
# first refusal (each one served until then must have its record)
first=""
for i in $(seq 1 100); do
	r=$(creds)
	[ "$r" = "200 1" ] && { got=$((got + 1)); continue; }
	first=$r; break
done
is "$first" "503 0" "log full: bob's credential fetch refused, no secret handed out (after $((got - 1)) more fitted)"
for i in 1 2 3 4 5; do
	is "$(creds)" "503 0" "log still full: refused again ($i)"
done
ok "the daemon says why" grep -q 'credentials refused (503): their credential_fetch record could not be written' \
	"$TMPD/f-audit.err"
read -r code _ < <(fetch "$BOB_UID" $P "$MD")
is "$code" 200 "log full: metadata is still served"
in_fs rm -f "$TMPD/logfs/fill"
is "$(creds)" "200 1" "room again: credentials served"
got=$((got + 1))
wait_for 30 fetches_are "$got"
is "$(fetches)" "$got" "every credential bob was handed has its record"
ok "the daemon is still running" kill -0 "$DAEMON_WORKER"
tap_done
