#!/bin/bash
# Many uids exhausting max_connections (issue 14.8): five unprivileged
# uids each hold 250 idle connections against max_connections = 1000
# (each under max_connections_per_uid = 256); an allowed user (igt-bob)
# used to get 503. He must be served: the uid holding the most gives up
# its oldest idle connection. The busiest uids themselves get no more,
# and nothing but idle connections is ever closed for it.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
need_root
need_cmd curl python3
ns_setup
test_users
robust_dirs
P=760
HOLD=250
UIDS="60101 60102 60103 60104 60105"	# real uids without an account
sim_start --tokens optional --role "$ROLE"
fault_daemon f-conn $P 169.254.169.254:80 proxy.max_connections=1000 \
	proxy.max_connections_per_uid=256 proxy.client_timeout=300 \
	-- sh -c 'ulimit -n 4096 && exec "$@"' _
LOG=$TMPD/log/f-conn.log
nfds() { ls "/proc/$DAEMON_WORKER/fd" | wc -l; }
fds0=$(nfds)
mkdir -m 1777 "$TMPD/hold"
for u in $UIDS; do
	as_user "$u" /usr/bin/python3 -c "$HOLDER" 127.0.0.1 $P $HOLD "$TMPD/hold/$u" &
	bg_track $!
	# one after the other, so the limit is reached with every uid in
	ok "uid $u: $HOLD connections opened" wait_for 60 test -s "$TMPD/hold/$u"
done
# settled: the connections refused over the limit (answered 503, then
# drained for a second) are gone, max_connections remain
settled() {
	[ "$(nfds)" -le $((fds0 + 1002)) ] && grep -q 'closing an idle connection' "$TMPD/f-conn.err"
}
ok "the daemon reached max_connections and balanced the uids" wait_for 60 settled
diag "the daemon holds $(( $(nfds) - fds0 )) more fds for $((HOLD * 5)) connections attempted"
read -r code ms _ < <(fetch "$BOB_UID" $P "$MD" -m 30)
is "$code" 200 "bob is served while five uids hold $((HOLD * 5)) connections"
ok "promptly ($ms ms)" test "$ms" -lt 5000
ok "an audit error record says an idle connection was closed for it" \
	wait_for 30 grep -q 'closed an idle connection of the uid holding the most' "$LOG"
# who holds how many, from the client sockets' owners
held() {
	in_inst ss -tnHe state established "( dport = :$P )" 2>/dev/null |
		grep -o 'uid:[0-9]*' | sort | uniq -c | sort -rn
}
diag "connections held per uid: $(held | awk '{ printf "%s=%s ", $2, $1 }')"
busiest=$(held | awk 'NR == 1 { sub("uid:", "", $2); print $2 }')
least=$(held | awk '{ n = $1 } END { print n + 0 }')
ok "the uids hold about equal shares ($least to $(held | awk 'NR == 1 { print $1 }'))" \
	test "$(held | awk 'NR == 1 { print $1 }')" -le $((least + 2))
# bob's connection is closed again: the busiest uid takes that slot with
# a few more held connections, then asks
as_user "$busiest" /usr/bin/python3 -c "$HOLDER" 127.0.0.1 $P 5 "$TMPD/hold/more" &
bg_track $!
ok "the busiest uid opens 5 more" wait_for 60 test -s "$TMPD/hold/more"
read -r code _ < <(fetch "$busiest" $P "$MD" -m 30)
is "$code" 503 "the uid holding the most ($busiest) gets no more (503)"
read -r code _ < <(fetch "$BOB_UID" $P "$MD" -m 30)
is "$code" 200 "bob again"
ok "the daemon is still running" kill -0 "$DAEMON_WORKER"
for u in $UIDS more; do touch "$TMPD/hold/$u.stop"; done
tap_done

