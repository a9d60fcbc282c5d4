#!/bin/bash
# A broken upstream never hangs a client: stopped (connection refused),
# never answering, resetting, answering garbage or a huge body each give
# a quick 502 or 504 within the configured timeouts, and the proxy keeps
# serving once the IMDS is back.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/proxy-common.sh"
need_root
need_cmd curl
ns_setup
proxy_setup proxy.connect_timeout=1 proxy.upstream_timeout=1 \
	proxy.upstream_body_timeout=1.5 proxy.client_timeout=1
proxy_start

sim_stop() {	# every process in our own "imds" namespace: the simulator
	local p
	p=$(ip netns pids "$NS_IMDS")
	[ -n "$p" ] && kill $p
	wait_for 30 sh -c "[ -z \"\$(ip netns pids $NS_IMDS)\" ]"
}
sim_restart() {	# sim_restart ARGS...: a new simulator in "imds"
	sim_stop
	: >"$TMPD/sim.log"
	sim_start --tokens optional "$@"
}
# timed UID CURL-ARGS...: code in CODE, milliseconds in MS
timed() {
	local t=$(date +%s%N)
	CODE=$(ucurl "$@")
	MS=$(( ($(date +%s%N) - t) / 1000000 ))
}

sim_restart
T=$(token $ALICE_UID)
timed $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id"
is "$CODE" 200 "healthy upstream: 200"

sim_stop
timed $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id"
is "$CODE" 502 "upstream stopped: 502"
ok "upstream stopped: quick (${MS} ms)" test "$MS" -lt 1500

for f in never-answer:504 reset:502 garbage:502 huge-body:502; do
	mode=${f%:*} want=${f#*:}
	sim_restart --fault "$mode"
	timed $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id"
	is "$CODE" "$want" "fault $mode: $want"
	ok "fault $mode: within the timeout (${MS} ms)" test "$MS" -lt 2500
done

# a huge body on a credential path is refused the same way
timed $ALICE_UID -H "$TH: $T" "$U4$CREDS/app-role"
is "$CODE" 502 "huge credential body: 502"

# a quick head, then a body trickled a byte every 100 ms: the body has
# upstream_body_timeout in all (a deadline bytes do not re-arm); the head
# is out, so the client connection is cut (curl 18: partial) and audited
trickle='
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("169.254.169.254", 80)); l.listen(4)
while True:
    s, _ = l.accept(); s.recv(4096)
    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n")
    try:
        for i in range(1000):
            s.send(b"x"); time.sleep(0.1)
    except OSError:
        pass
    s.close()'
sim_stop
in_imds python3 -c "$trickle" &
wait_for 30 sh -c "ip netns exec $NS_IMDS ss -Htln '( sport = :80 )' | grep -q ."
t0=$(date +%s%N)
rc=0; as_user $ALICE_UID curl -s -m 10 -o /dev/null -H "$TH: $T" "$U4/latest/meta-data/ami-id" || rc=$?
MS=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$rc" 18 "body trickled: the client connection is cut (curl rc $rc)"
ok "body trickled: cut after upstream_body_timeout (${MS} ms)" test "$MS" -ge 1300 -a "$MS" -lt 3000
ok "body trickled: audited" wait_line 30 "$GATE_AUDIT" 'upstream body timeout'

# the IMDS back (a new one: it does not know the old token): served again
sim_restart --role app-role
T=$(token $ALICE_UID)
timed $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id"
is "$CODE" 200 "upstream back: 200"
ok "proxy still alive" kill -0 "$PROXY_PID"

# a client dribbling its head a byte at a time is cut off after
# client_timeout, though it never stays idle that long
slow='
import socket, time
s = socket.create_connection(("169.254.169.254", 80), timeout=10)
t = time.time()
try:
    for c in b"GET /latest/meta-data/ami-id HTTP/1.1\r\nHost: xxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n\r\n":
        s.send(bytes([c]))
        time.sleep(0.2)
        if time.time() - t > 8: break
    r = s.recv(100)
    print("answered" if r else "closed", int(time.time() - t))
except OSError:
    print("closed", int(time.time() - t))'
like "$(as_user $ALICE_UID timeout 20 python3 -c "$slow")" '^closed [0-3]$' "slow head: closed within client_timeout"
ok "audit: the 504 was logged" grep -q '"status":504' "$TMPD/log/audit.log"
# SIGTERM with a request in flight: it is finished (here: 504 from the
# silent upstream), then the daemon exits 0
sim_restart --fault never-answer
ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id" >"$TMPD/inflight" &
C=$!
# in flight: the client's connection is read (Recv-Q 0) and the
# simulator holds a connection from the proxy
busy() { in_inst ss -Htn state established "( sport = :$GATE_PORT )" | awk '$1 == 0 { f = 1 } END { exit !f }' &&
	[ "$(in_imds ss -Htn state established '( sport = :80 )' | wc -l)" -ge 1 ]; }
wait_for 30 busy
kill -TERM "$PROXY_PID"
wait "$C"
is "$(cat "$TMPD/inflight")" 504 "SIGTERM: the in-flight request still answered"
ok "SIGTERM: exit 0 after it" wait "$PROXY_PID"
ns_keep_logs
tap_done
