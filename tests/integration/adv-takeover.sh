#!/bin/bash
# Issue 14.1: nobody takes over IMDS while imdsgated restarts. The redirect
# stays in place while the daemon is down, pointing at its listen port; a
# user who binds that port first would answer everyone's IMDS requests,
# root's included. So the port is one only root can bind (169 by default),
# a privileged daemon refuses any other, and under systemd the socket is
# held across restarts (socket activation, tested here with
# systemd-socket-activate).
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/proxy-common.sh"
need_root
need_cmd curl python3 systemd-socket-activate
ns_setup
sim_start --tokens required --role app-role
proxy_setup
CONF=$TMPD/imdsgate.conf

# The attacker: bind the port on every address the redirect could reach,
# in a loop, until $2 seconds pass or a stop file appears; a file
# $3.started says the loop is running. Prints "tries N bound M".
cat >"$TMPD/squat.py" <<'PY'
import os, socket, sys, time
port, secs, stop = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
tries = bound = 0
end = time.time() + secs
held = []
while time.time() < end and not os.path.exists(stop):
    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "0.0.0.0"),
                      (socket.AF_INET6, "::1"), (socket.AF_INET6, "::")):
        tries += 1
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            s.bind((host, port)); s.listen(16); held.append(s); bound += 1
        except OSError:
            s.close()
    if tries == 4:
        open(stop + ".started", "w").close()
    time.sleep(0.001)
print("tries %d bound %d" % (tries, bound), flush=True)
PY
chmod 644 "$TMPD/squat.py"
mkdir "$TMPD/alice" && chown "$ALICE_UID" "$TMPD/alice"

# Control: the same attacker does take an unprivileged port, so the
# refusals below are the port's doing, not a broken attacker.
UNPRIV=8169	# a port above net.ipv4.ip_unprivileged_port_start
out=$(as_user "$ALICE_UID" /usr/bin/python3 "$TMPD/squat.py" $UNPRIV 0.2 "$TMPD/alice/none")
like "$out" 'bound [1-9]' "control: alice can bind an unprivileged port ($out)"

# A privileged daemon refuses a port anyone could bind: -t, the start and
# the redirect install all say why, and exit 2.
gate_conf -o "$TMPD/unpriv.conf" "proxy.listen=127.0.0.1:$UNPRIV" "proxy.listen=[::1]:$UNPRIV"
out=$("$PROXY" -t -c "$TMPD/unpriv.conf" 2>&1); rc=$?
is "$rc" 2 "-t refuses listen port $UNPRIV"
like "$out" "unpriv\\.conf: listen 127\\.0\\.0\\.1:$UNPRIV: port $UNPRIV can be bound by any user" \
	"-t says which address and why"
gate_spawn -n unpriv -c "$TMPD/unpriv.conf"
wait "$GATE_PID"; is "$?" 2 "the daemon refuses to start on it"
in_inst "$PROXY" --redirect remove -c "$CONF" >/dev/null 2>&1
in_inst "$PROXY" --redirect install -c "$TMPD/unpriv.conf" 2>/dev/null; is "$?" 2 \
	"--redirect install refuses to point IMDS at it"
nok "and installed nothing" in_inst nft list table inet imdsgate
in_inst "$PROXY" --redirect install -c "$CONF" || echo "Bail out! reinstall failed"

# Lowering the sysctl makes GATE_PORT (169) unprivileged too: refused as well.
in_inst sysctl -qw net.ipv4.ip_unprivileged_port_start=$((GATE_PORT - 1))
out=$(in_inst "$PROXY" -t -c "$CONF" 2>&1); rc=$?
is "$rc" 2 "-t refuses $GATE_PORT once ip_unprivileged_port_start is $((GATE_PORT - 1))"
like "$out" "ip_unprivileged_port_start = $((GATE_PORT - 1))" "and names the sysctl"
in_inst sysctl -qw net.ipv4.ip_unprivileged_port_start=1024

# The race: the daemon dies; alice loops on bind() until it is back.
proxy_start
T=$(token "$BOB_UID")
code=$(ucurl "$BOB_UID" -H "$TH: $T" "$U4/latest/meta-data/instance-id")
is "$code" 200 "bob is served before the restart"
kill -9 "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null
as_user "$ALICE_UID" /usr/bin/python3 "$TMPD/squat.py" "$GATE_PORT" 120 "$TMPD/alice/stop" >"$TMPD/squat.out" &
SQUAT=$!
bg_track "$SQUAT"
wait_for 60 test -e "$TMPD/alice/stop.started" || diag "the attacker did not start"
proxy_start
touch "$TMPD/alice/stop"; wait "$SQUAT"
out=$(cat "$TMPD/squat.out")
like "$out" '^tries [1-9][0-9]* bound 0$' "alice never bound the port during the restart ($out)"
T=$(token "$BOB_UID")
code=$(ucurl "$BOB_UID" -H "$TH: $T" "$U4/latest/meta-data/instance-id")
is "$code" 200 "the restarted daemon serves bob"
like "$(gate_audit count event=request uid="$BOB_UID" status=200 path=/latest/meta-data/instance-id)" '^[2-9]' \
	"bob's answers came from imdsgated (audited)"
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null

# Socket activation: the listening sockets come from the service manager,
# which holds them while the daemon is down: a request made before the
# daemon runs waits in the backlog and is served once it does (here
# systemd-socket-activate starts the daemon at the first connection). A
# socket that is not a configured listen address is refused, not served.
T=$(token "$BOB_UID" 300 "$U6" 2>/dev/null)	# nobody listens: no token yet
is "$T" "" "with the daemon down, nothing answers"
gate_spawn systemd-socket-activate -l "127.0.0.1:$GATE_PORT" -l "[::1]:$GATE_PORT"
PROXY_PID=$GATE_PID
wait_for 60 in_inst sh -c "ss -Hltn | grep -q '127.0.0.1:$GATE_PORT '" || diag "no socket"
T=$(as_user "$BOB_UID" curl -s -m 60 -X PUT "$U4/latest/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
like "$T" '^.{20,}$' "socket-activated: the first request, queued before the daemon ran, is served"
gate_ready
like "$(cat "$GATE_ERR")" '2 listening socket\(s\) from systemd' "socket-activated: uses systemd's sockets"
T=$(token "$BOB_UID" 300 "$U6")
code=$(ucurl "$BOB_UID" -H "$TH: $T" "$U6/latest/meta-data/instance-id")
is "$code" 200 "socket-activated: bob is served over IPv6"
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null
WRONGP=$((GATE_PORT + 1))
gate_spawn -n wrong systemd-socket-activate -l "127.0.0.1:$WRONGP"
wait_for 60 in_inst sh -c "ss -Hltn | grep -q '127.0.0.1:$WRONGP '" || diag "no socket"
in_inst curl -s -m 60 -o /dev/null "http://127.0.0.1:$WRONGP/" 2>/dev/null
wait "$GATE_PID"
is "$?" 1 "a passed socket that is not a listen address: exit 1"
like "$(cat "$GATE_ERR")" 'socket 3 passed by systemd is not a listen address' \
	"and the error says so"
tap_done
