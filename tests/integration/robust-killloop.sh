#!/bin/bash
# No unfiltered window (issue 11.4): the daemon is SIGKILLed and restarted
# KILL_CYCLES times (default 10) while an allowed user (igt-bob) and a
# denied one (igt-alice) fetch credentials in a loop through the redirect.
#
# Two simulators tell pass-through from proxying exactly: the daemon's
# upstream is a simulator on 169.254.169.254:81, while the address clients
# use, 169.254.169.254:80, is a "tripwire" simulator that only a request
# escaping the redirect can reach. It must serve nothing.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
need_root
need_cmd python3 nft
ns_setup
test_users
CYCLES=${KILL_CYCLES:-10}

robust_dirs
robust_conf 169.254.169.254:81
sim_start -v --role "$ROLE"	# the tripwire, on :80
sim_extra sim-up 169.254.169.254:81 --role "$ROLE" --secrets-file "$TMPD/sim-secrets-up.env"

gate_redirect install
daemon_start proxy-0
t_up=$(now_ms)

load_start bob "$BOB_UID" --path "$CREDS" --interval 0.02 --stop "$TMPD/stop" --timeout 2
load_start alice "$ALICE_UID" --path "$CREDS" --interval 0.02 --stop "$TMPD/stop" --timeout 2

bob_creds_since() { [ "$(res_count bob "\$1 >= $1 && \$6 == 1")" -gt 0 ]; }
# both loops saw a refusal that started after $1
refused_since() {
	[ "$(res_count bob "\$1 >= $1 && \$4 == \"refused\"")" -gt 0 ] &&
	[ "$(res_count alice "\$1 >= $1 && \$4 == \"refused\"")" -gt 0 ]
}

: >"$TMPD/windows"
for ((i = 1; i <= CYCLES; i++)); do
	if ! wait_for 60 bob_creds_since "$t_up"; then
		tap_ok 1 "cycle $i: bob gets credentials through the restarted daemon"
		sed 's/^/# /' "$TMPD/proxy-$((i - 1)).err"
		break
	fi
	tap_ok 0 "cycle $i: bob gets credentials through the restarted daemon"
	worker=$(pgrep -P "$DAEMON_PID")
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	# The worker dies with the monitor (PR_SET_PDEATHSIG), a moment
	# later: the daemon is down once neither holds the listening socket.
	for w in $worker; do wait_for 30 exited "$w"; done
	t_down=$(now_ms)
	ok "cycle $i: while it is down, both users' connections are refused" \
		wait_for 30 refused_since "$t_down"
	t_restart=$(now_ms)
	echo "$t_down $t_restart" >>"$TMPD/windows"
	daemon_start "proxy-$i"
	t_up=$(now_ms)
done
ok "after the last restart bob gets credentials" wait_for 60 bob_creds_since "$t_up"
load_stop

# Any request that started and ended inside a down window had no daemon
# to answer it: it must have been refused, never answered.
in_window_answered() {
	awk 'NR == FNR { lo[NR] = $1; hi[NR] = $2; n = NR; next }
	{ for (k = 1; k <= n; k++)
		if ($1 >= lo[k] && $2 <= hi[k] && $4 != "refused") bad++ }
	END { print bad + 0 }' "$TMPD/windows" "$TMPD/$1.res"
}
is "$(in_window_answered bob)" 0 "bob: no request answered while the daemon was down"
is "$(in_window_answered alice)" 0 "alice: no request answered while the daemon was down"
is "$(sim_requests "$SIM_LOG")" 0 "no request ever reached IMDS around the proxy (tripwire simulator)"
is "$(res_count alice '$6 == 1')" 0 "alice never received a credential body"
ok "alice was refused by the proxy (403) while it ran ($(res_count alice '$5 == 403') times)" \
	test "$(res_count alice '$3 == "GET" && $5 == 403')" -gt 0
diag "bob: $(res_count bob '$6 == 1') credential bodies, $(res_count bob '$4 == "refused"') refused;" \
	"alice: $(res_count alice '$5 == 403') refused by rule, $(res_count alice '$4 == "refused"') connections refused;" \
	"$(res_count bob '$4 != "http" && $4 != "refused"') + $(res_count alice '$4 != "http" && $4 != "refused"') other failures"
ok "the last daemon is still serving" kill -0 "$DAEMON_PID"
ok "the redirect is complete after $CYCLES kills" \
	gate_redirect status
# Control: the tripwire does see a request that is not redirected (the
# daemon stopped first: running, it would restore the redirect).
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
gate_redirect remove >/dev/null 2>&1
as_user "$ALICE_UID" curl -s -m 30 -o /dev/null http://169.254.169.254/latest/meta-data/instance-id
ok "control: without the redirect the tripwire simulator sees the request" \
	wait_for 30 test "$(sim_requests "$SIM_LOG")" -gt 0
tap_done
