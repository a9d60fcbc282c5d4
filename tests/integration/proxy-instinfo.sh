#!/bin/bash
# The instance poller against the simulator: the IMDSv2 token dance, an
# `instance` record with exactly the simulator's identity and addresses,
# no new record while nothing changes, one on refresh (SIGHUP), one when
# the network identity changes, and survival of an IMDS outage.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
need_root
need_cmd jq
ns_setup
RUN=$top_builddir/tests/unit/test_instinfo
LOG=$TMPD/audit.log
SIMARGS=(-v --tokens required --instance-id i-0a1b2c3d4e5f60718
	--account 111122223333 --region eu-west-3 --vpc-id vpc-0feedc0ffee
	--mac 0e:11:22:33:44:55 --mac 0e:11:22:33:44:66
	--private-ipv4 172.31.5.6 --ipv6 2600:1f18:1:2::5)
sim_start "${SIMARGS[@]}" --public-ipv4 3.4.5.6

# Not through the in_inst function: `func &` forks a subshell, and its pid
# is not the poller's (ip netns exec execs the command in place).
ip netns exec "$NS_INST" "$RUN" 169.254.169.254:80 "$LOG" 1 \
	>"$TMPD/instinfo.out" 2>"$TMPD/instinfo.err" &
RUN_PID=$!
bg_track $RUN_PID
wait_line 60 "$TMPD/instinfo.err" ready
ok "first instance record" wait_line 30 "$LOG" '"event":"instance"'
rec=$(grep '"event":"instance"' "$LOG" | head -1)
is "$(jq -r .instance_id <<<"$rec")" i-0a1b2c3d4e5f60718 "instance_id"
is "$(jq -r .account_id <<<"$rec")" 111122223333 "account_id"
is "$(jq -r .region <<<"$rec")" eu-west-3 "region"
is "$(jq -r .vpc_id <<<"$rec")" vpc-0feedc0ffee "vpc_id"
is "$(jq -c .private_ips <<<"$rec")" '["172.31.5.6"]' "private_ips"
is "$(jq -c .public_ips <<<"$rec")" '["3.4.5.6","2600:1f18:1:2::5"]' "public_ips: IPv4 and IPv6"
is "$(jq -c .macs <<<"$rec")" '["0e:11:22:33:44:55","0e:11:22:33:44:66"]' "macs"
is "$(jq -c .require_token <<<"$rec")" true "require_token"
is "$(jq -c '.interfaces[1]' <<<"$rec")" \
	'{"mac":"0e:11:22:33:44:66","vpc_id":"vpc-0feedc0ffee","local_ipv4s":[],"public_ipv4s":[],"ipv6s":[]}' \
	"second interface: no addresses (404s), its VPC"
like "$(jq -r .ts <<<"$rec")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$' "ts"
ok "it fetched an IMDSv2 token" grep -q 'PUT /latest/api/token' "$SIM_LOG"
ok "it sent the token (no 401 in the simulator log)" sh -c "! grep -q ' 401' '$SIM_LOG'"

# Three more polls with nothing changed: still one record.
# The simulator's own pid is not $SIM_PID (a subshell, see above): stop
# every process of the imds namespace, and wait until they are gone.
sim_stop() {
	ip netns pids "$NS_IMDS" | xargs -r kill
	wait_for 30 sh -c "test -z \"\$(ip netns pids $NS_IMDS)\""
}
idcount() { grep -c 'instance-identity/document' "$SIM_LOG"; }
n0=$(idcount)
ok "polls go on every second" wait_for 10 sh -c "test \$(grep -c instance-identity/document '$SIM_LOG') -ge $((n0 + 3))"
is "$(grep -c '"event":"instance"' "$LOG")" 1 "no new record while nothing changes"

kill -USR1 $RUN_PID
ok "a later record carries instance_id" wait_line 30 "$LOG" '"event":"error".*"instance_id":"i-0a1b2c3d4e5f60718"'

kill -HUP $RUN_PID
ok "refresh (SIGHUP) writes a record even without a change" \
	wait_for 30 sh -c "test \$(grep -c '\"event\":\"instance\"' '$LOG') -eq 2"

# A new public IPv4: the next poll notices.
sim_stop
mv "$SIM_LOG" "$TMPD/sim1.log"
sim_start "${SIMARGS[@]}" --public-ipv4 3.4.5.99
ok "a change of public IP writes a record" wait_line 30 "$LOG" '"public_ips":\["3\.4\.5\.99"'
is "$(grep -c '"event":"instance"' "$LOG")" 3 "exactly one record for the change"

# The IMDS goes away: the poller says so, keeps running, and recovers.
# Counted from here: on a loaded machine an earlier poll may have timed
# out and recovered already.
nlines() { grep -c -- "$1" "$TMPD/instinfo.err"; }
down0=$(nlines 'cannot read it') up0=$(nlines 'reachable again')
sim_stop
ok "outage reported on the diagnostics log" \
	wait_for 30 sh -c "[ \$(grep -c 'cannot read it' '$TMPD/instinfo.err') -gt $down0 ]"
ok "still running during the outage" kill -0 $RUN_PID
mv "$SIM_LOG" "$TMPD/sim2.log"
sim_start "${SIMARGS[@]}" --public-ipv4 3.4.5.99
ok "recovery reported" \
	wait_for 30 sh -c "[ \$(grep -c 'reachable again' '$TMPD/instinfo.err') -gt $up0 ]"
is "$(nlines 'cannot read it')" $((down0 + 1)) "the outage reported once"
is "$(grep -c '"event":"instance"' "$LOG")" 3 "no record after recovery without a change"
bad=$(jq -c . "$LOG" 2>&1 >/dev/null | wc -l)
is "$bad" 0 "every line of the log is JSON"
# A clean stop (under --enable-asan this is also the leak check).
kill -TERM $RUN_PID
wait $RUN_PID
is "$?" 0 "the poller stops cleanly on SIGTERM"
nok "no sanitizer report" grep -q Sanitizer "$TMPD/instinfo.err"
tap_done
