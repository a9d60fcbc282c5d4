#!/bin/bash
# Caller lookup under attack (issue 14, items 3, 4 and 7), each attack by
# the unprivileged igt-alice, on both identity paths: the /proc fallback
# (backend = nft) and the eBPF layer's connect() records (backend = auto).
#   3. the stall: sockets parked in flight with SCM_RIGHTS (no process
#      holds them) among processes holding thousands of fds: bob, allowed,
#      is served meanwhile, quickly;
#   4. a closed client: connections closed before the daemon looks (their
#      TIME_WAIT/orphan entry reads uid 0): never audited as root, never
#      matched by the root-only rule;
#   7. a borrowed group: her connected socket read by a setgid-igt-readers
#      program after exec: no `group = igt-readers` rule matches her.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
source "$top_srcdir/tests/lib/cgroup.sh"
need_root
need_cmd python3 curl
ns_setup
test_users
cg_setup
PY=/usr/bin/python3
W=$TMPD/w
mkdir -m 1777 "$W"
cat >"$TMPD/attacks.rules" <<RULES
[metadata for everyone]
action = allow
path = /meta-data/**
path = /api/token
method = GET, HEAD, PUT

[no credentials for anyone]
action = deny
path = /meta-data/iam/security-credentials/**

[credentials for root]
action = allow
user = 0
path = /meta-data/iam/security-credentials/**

[credentials for the readers]
action = allow
group = igt-readers
path = /meta-data/iam/security-credentials/**
RULES
gate_rules "$TMPD/attacks.rules"
sim_start --role "$ROLE"

# A setgid-igt-readers program that prints what it reads (cat).
cp /bin/cat "$W/sgcat"
chgrp igt-readers "$W/sgcat"
chmod 2755 "$W/sgcat"
like "$(cg_user "$ALICE_UID" "$W/sgcat" /proc/self/status | grep '^Gid:')" "^Gid:	[0-9]+	$READERS_GID	" \
	"control: the setgid program really runs with igt-readers as alice's effective gid"

FDS=$(( $(ulimit -Hn) - 200 ))
[ "$FDS" -gt 15000 ] && FDS=15000

runs_sgcat() { [ "$(readlink "/proc/$1/exe")" = "$W/sgcat" ]; }
held() { [ "$(ls "$W"/held.* 2>/dev/null | wc -l)" -ge 3 ]; }
# The daemon's records of one path.
records() { grep '"event":"request"' "$AUDIT" | grep -F "\"path\":\"$1\""; }
nrecords() { [ "$(records "$1" | grep -c .)" -ge "$2" ]; }

attacks() {	# attacks BACKEND LABEL
	local backend=$1 label=$2 i
	AUDIT=$TMPD/log/$label.log
	cg_conf -o "$TMPD/$label.conf" redirect.manage=no "redirect.backend=$backend" \
		"log.audit=$AUDIT"
	cg_install "$TMPD/$label.conf" 2>"$TMPD/$label-install.err"
	cg_daemon_start "$label" -c "$TMPD/$label.conf"

	# 4. closed before the daemon looks: the worker is stopped meanwhile.
	kill -STOP "$WORKER_PID"
	cg_user "$ALICE_UID" $PY -c '
import socket, sys
for i in range(20):
    c = socket.create_connection(("169.254.169.254", 80))
    c.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % sys.argv[1].encode())
    c.close()' "/latest/meta-data/iam/security-credentials/$ROLE"
	kill -CONT "$WORKER_PID"
	ok "$label: closed clients: 20 records" wait_for 30 nrecords "/latest/meta-data/iam/security-credentials/$ROLE" 20
	is "$(records "/latest/meta-data/iam/security-credentials/$ROLE" | grep -c '"uid":0,')" 0 \
		"$label: closed clients: never audited as root"
	is "$(records "/latest/meta-data/iam/security-credentials/$ROLE" | grep -c '"status":200')" 0 \
		"$label: closed clients: never served by the root-only rule"
	like "$(records "/latest/meta-data/iam/security-credentials/$ROLE" | head -1)" '"reason":"socket owner unknown"' \
		"$label: closed clients: refused as unknown"

	# 7. a borrowed group: alice sends her request, then her process execs
	# the setgid program, which holds the socket when the daemon looks.
	rm -f "$W/sg.out" "$W/sg.pid"
	tok=$(cg_user "$ALICE_UID" curl -s -m 10 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		http://169.254.169.254/latest/api/token)
	kill -STOP "$WORKER_PID"
	cg_user "$ALICE_UID" $PY -c '
import os, socket, sys
c = socket.create_connection(("169.254.169.254", 80))
c.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: %s\r\nConnection: close\r\n\r\n"
          % (sys.argv[1].encode(), sys.argv[2].encode()))
os.dup2(c.fileno(), 0)
out = os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT, 0o644)
os.dup2(out, 1)
open(sys.argv[4], "w").write("%d\n" % os.getpid())
os.execv(sys.argv[5], [sys.argv[5]])
' "/latest/meta-data/iam/security-credentials/$ROLE" "$tok" "$W/sg.out" "$W/sg.pid" "$W/sgcat" 2>/dev/null &
	wait_for 10 test -s "$W/sg.pid"
	ok "$label: setgid: the program holds her socket" wait_for 10 runs_sgcat "$(cat "$W/sg.pid")"
	kill -CONT "$WORKER_PID"
	wait_for 20 grep -q 'HTTP/1' "$W/sg.out"
	like "$(head -1 "$W/sg.out")" '^HTTP/1\.1 403' "$label: setgid: no credentials through a borrowed group"
	nok "$label: setgid: no credential body" grep -q SecretAccessKey "$W/sg.out"
	kill "$(cat "$W/sg.pid")" 2>/dev/null

	# 3. the stall: processes with thousands of fds, connections parked in
	# flight, while bob fetches credentials.
	cg_user "$ALICE_UID" bash -c 'ulimit -n $(( $2 + 100 )); for i in 1 2 3; do
		'"$PY"' -c "import os,sys,time
fds=[os.open(\"/dev/null\", os.O_RDONLY) for i in range(int(sys.argv[1]))]
open(sys.argv[2] + str(os.getpid()), \"w\").close()
time.sleep(600)" "$2" "$1/held." & done; wait' _ "$W" "$FDS" &
	ok "$label: stall: 3 processes of alice hold $FDS fds each" wait_for 60 held
	cg_user "$ALICE_UID" $PY -c '
import os, socket, sys, time
a, b = socket.socketpair()
a.setblocking(False)
n = 0
while not os.path.exists(sys.argv[1]):
    try:
        c = socket.create_connection(("169.254.169.254", 80), timeout=5)
        c.sendall(b"GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n\r\n")
        socket.send_fds(a, [b"x"], [c.fileno()])
        c.close()
        n += 1
        if n == 20:
            open(sys.argv[3], "w").close()   # under way
    except (BlockingIOError, OSError):
        a.close(); b.close()   # the queue is full: let those go, start again
        a, b = socket.socketpair()
        a.setblocking(False)
    time.sleep(0.005)
open(sys.argv[2], "w").write("%d\n" % n)
' "$W/stall.stop" "$W/stall.n" "$W/stall.going" &
	local stall=$!
	ok "$label: stall: alice's first 20 sockets parked in flight" wait_for 60 test -e "$W/stall.going"
	cg_user "$BOB_UID" $PY -c '
import http.client, statistics, sys, time
def once(method, path, headers):
    t = time.monotonic()
    c = http.client.HTTPConnection("169.254.169.254", 80, timeout=10)
    c.request(method, path, headers=headers)
    r = c.getresponse()
    body = r.read()
    return r.status, body, (time.monotonic() - t) * 1000
st, tok, _ = once("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
ms, ok = [], 0
for i in range(20):
    st, body, t = once("GET", sys.argv[1], {"X-aws-ec2-metadata-token": tok.decode()})
    ok += st == 200 and b"SecretAccessKey" in body
    ms.append(t)
print(ok, "%.1f" % statistics.median(ms), "%.1f" % max(ms))
' "/latest/meta-data/iam/security-credentials/$ROLE" >"$TMPD/$label-bob.out"
	touch "$W/stall.stop"
	wait $stall
	read -r served med max <"$TMPD/$label-bob.out"
	is "$served" 20 "$label: stall: bob served 20 of 20 while alice parked sockets in flight"
	ok "$label: stall: bob's median $med ms <= 100 ms" awk -v m="$med" 'BEGIN { exit !(m <= 100) }'
	ok "$label: stall: no request of bob's waited a second (max $max ms)" awk -v m="$max" 'BEGIN { exit !(m < 1000) }'
	diag "$label: alice parked $(cat "$W/stall.n") sockets in flight among 3 processes of $FDS fds; bob: median $med ms, max $max ms"
	for i in "$W"/held.*; do kill "${i##*.}" 2>/dev/null; done
	rm -f "$W"/held.* "$W/stall.stop" "$W/stall.going"

	kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
	in_cg "$PROXY" --redirect remove -c "$TMPD/$label.conf" 2>/dev/null
}

attacks nft fallback
attacks auto bpf
grep -q '"ident":"bpf"' "$TMPD/log/bpf.log"; tap_ok $? "the eBPF run identified callers from connect() records"
nok "the fallback run made none" grep -q '"ident":"bpf"' "$TMPD/log/fallback.log"
tap_done
