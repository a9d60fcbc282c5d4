#!/bin/bash
# Who connected, as imdsgated decides and audits it with the eBPF layer
# (issue 16): the worker that parses requests holds no capability, the
# monitor only its four; every audit record comes from the kernel's
# connect() record (ident bpf) and names the process that connected, even
# when another process holds the socket by the time the proxy looks
# (SCM_RIGHTS and the connector gone, exec after connect), among 1,000
# processes of the same uid, in a container's cgroup.
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
HANDOFF="$PY $(stage "$top_srcdir/tests/lib/handoff.py")"
W=$TMPD/w	# where the test users write
mkdir -m 1777 "$W"
AUDIT=$GATE_AUDIT

robust_dirs
cg_conf
sim_start --role "$ROLE"
cg_install 2>"$TMPD/install.err"
tap_ok $? "--redirect install"
cg_daemon_start proxy

field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
ok "the daemon is two processes" test -n "$WORKER_PID"
is "$(field "$WORKER_PID" CapEff)" 0000000000000000 "worker (parses requests): CapEff 0"
is "$(field "$WORKER_PID" CapPrm)" 0000000000000000 "worker: CapPrm 0"
is "$(field "$WORKER_PID" CapBnd)" 0000000000000000 "worker: bounding set empty"
is "$(field "$WORKER_PID" NoNewPrivs)" 1 "worker: no new privileges"
is "$(field "$WORKER_PID" Uid | awk '{ print $1 }')" "$(id -u imdsgate)" "worker: the daemon's user"
# CAP_DAC_READ_SEARCH=2, CAP_NET_ADMIN=12, CAP_SYS_PTRACE=19, CAP_BPF=39
is "$(field "$DAEMON_PID" CapEff)" 0000008000081004 "monitor: CAP_NET_ADMIN, CAP_BPF, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH only"
diag "CapEff: monitor $(field "$DAEMON_PID" CapEff), worker $(field "$WORKER_PID" CapEff)"
nok "the worker cannot open the pinned maps" \
	setpriv --reuid imdsgate --regid imdsgate --clear-groups bpftool map show pinned "$PIN/map_ident"

# The worker reads connect() records itself (no round trip to the
# monitor), through one descriptor of the records map that is read-only:
# it can write no map (the exemptions least of all) and holds no program.
# (fdinfo: "flags" is the open mode in octal, O_RDONLY 0; "map_id", or
# "prog_type" for a program.)
# Before Linux 6.5 the kernel refuses bpf() to a process without
# capabilities: the worker then holds no map at all and says so.
ident_id=$(bpftool map show pinned "$PIN/map_ident" | sed -n 's/^\([0-9]*\):.*/\1/p')
maps=$(grep -l '^map_id:' /proc/"$WORKER_PID"/fdinfo/* 2>/dev/null)
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
if [ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "${kmin%%[!0-9]*}" -ge 5 ]; }; then
	is "$(echo "$maps" | grep -c .)" 1 "the worker holds one eBPF map"
	is "$(sed -n 's/^map_id:[[:space:]]*//p' $maps)" "$ident_id" "... the records map"
	is "$(awk '$1 == "flags:" { print (("0" $2) + 0) % 4 }' $maps)" 0 "... opened read-only"
else
	is "$(echo "$maps" | grep -c .)" 0 "kernel $(uname -r): the worker holds no eBPF map"
	ok "... and says the monitor reads the records" grep -q "eBPF records: read by the monitor" "$GATE_ERR"
fi
is "$(grep -l '^prog_type:' /proc/"$WORKER_PID"/fdinfo/* 2>/dev/null | wc -l)" 0 "the worker holds no eBPF program"

# records TEXT...: the request records with every TEXT in them
records() {
	local r
	r=$(grep '"event":"request"' "$AUDIT")
	while [ $# -gt 0 ]; do r=$(printf '%s\n' "$r" | grep -F -- "$1"); shift; done
	[ -n "$r" ] && printf '%s\n' "$r"
}
fetch_as() {	# fetch_as UID PATH [CGROUP]: the status code
	local g=${3:-$CG}
	cg_user -g "$g" "$1" curl -s -m 10 -o /dev/null -w '%{http_code}' \
		-H "X-aws-ec2-metadata-token: $(cg_user -g "$g" "$1" curl -s -m 10 -X PUT \
		-H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)" \
		"http://169.254.169.254$2"
}
is "$(fetch_as "$BOB_UID" "$CREDS")" 200 "bob: credentials (the daemon's own upstream connection is exempt)"
is "$(fetch_as "$ALICE_UID" "$CREDS")" 403 "alice: refused"
wait_for 10 grep -q "\"uid\":$ALICE_UID," "$AUDIT"
like "$(records "\"uid\":$BOB_UID," security-credentials)" "\"uid\":$BOB_UID,.*\"comm\":\"curl\",\"exe\":\"/usr/bin/curl\",\"cgroup\":\"$CG_REL\",\"ident\":\"bpf\"" \
	"bob's record: from the kernel's connect() record, his cgroup, the verified exe"
like "$(records "\"uid\":$ALICE_UID," security-credentials)" "\"uid\":$ALICE_UID,.*\"ident\":\"bpf\".*\"status\":403" "alice's record: ident bpf, 403"
like "$(records "\"uid\":$BOB_UID," security-credentials)" "\"gids\":\\[[0-9,]*$READERS_GID[],]" "bob's supplementary group igt-readers, from his credentials"

# A process that connects, then hands the socket on and exits, or execs:
# the worker is stopped meanwhile, so the proxy looks only afterwards.
kill -STOP "$WORKER_PID"
cg_user "$ALICE_UID" $HANDOFF pass "$W/holder.pid" "$W/connector.pid" - /latest/meta-data/ami-id &
wait $!	# the connector is gone
wait_for 10 test -s "$W/holder.pid"
cg_user "$ALICE_UID" $HANDOFF exec "$W/execer.pid" /dev/null /latest/meta-data/hostname &
wait_for 10 test -e "$W/execer.pid.sh"	# python is gone
kill -CONT "$WORKER_PID"
wait_for 20 records /ami-id
wait_for 20 records /hostname
cpid=$(cat "$W/connector.pid")
like "$(records /ami-id)" "\"uid\":$ALICE_UID,.*\"pid\":$cpid,\"comm\":\"python3\",.*\"ident\":\"bpf\"" \
	"SCM_RIGHTS, connector exited: the record names the connector ($cpid), not the holder ($(cat "$W/holder.pid"))"
read -r epid _ <"$W/execer.pid"
like "$(records /hostname)" "\"pid\":$epid,\"comm\":\"python3\",\"exe_unverified\":\"/usr/bin/(dash|cat)\",.*\"ident\":\"bpf\"" \
	"exec after connect: pid and comm at connect(); the program it runs now only as unverified"

# The worker names a process from the monitor's answer for its previous
# connection (a second at most), but only while it runs the same file:
# one process connects, then execs another program that connects again
# at once; each record names the program that connected.
cg_user "$ALICE_UID" $PY -c '
import http.client, os, sys
c = http.client.HTTPConnection("169.254.169.254", 80, timeout=20)
c.request("GET", "/latest/meta-data/ami-launch-index")
c.getresponse().read()
os.execv("/usr/bin/curl", ["curl", "-s", "-m", "10", "-o", "/dev/null",
    "http://169.254.169.254/latest/meta-data/ami-manifest-path"])
' &
rpid=$!
wait "$rpid"
wait_for 10 records /ami-manifest-path
like "$(records /ami-launch-index)" "\"comm\":\"python3\",\"exe\":\"/usr/bin/python3[.0-9]*\",.*\"ident\":\"bpf\"" \
	"a process's first connection: its program"
like "$(records /ami-manifest-path)" "\"comm\":\"curl\",\"exe\":\"/usr/bin/curl\",.*\"ident\":\"bpf\"" \
	"the same pid after exec, a moment later: the new program, not the remembered one"
is "$(records /ami-launch-index | sed -n 's/.*"pid":\([0-9]*\),.*/\1/p')" \
	"$(records /ami-manifest-path | sed -n 's/.*"pid":\([0-9]*\),.*/\1/p')" "... under the same pid"

# A container's cgroup: its path and id in the record.
CID=$(printf '%064x' $((0xc0ffee + $$)))
DOCKER=$(cg_sub "docker/$CID")
is "$(fetch_as "$ALICE_UID" "/latest/meta-data/local-ipv4" "$DOCKER")" 200 "a request from a container's cgroup"
wait_for 10 records /local-ipv4
like "$(records /local-ipv4)" "\"cgroup\":\"$CG_REL/docker/$CID\",\"container_id\":\"$CID\",\"ident\":\"bpf\"" \
	"its record names the cgroup and the container"

# 1,000 processes of the same uid (a worker pool) started after the
# caller: its first request is answered from its connect() record, not by
# reading every process's fds (bench/peer_bench measures the cost).
cg_user "$BOB_UID" $PY -c '
import http.client, os, sys, time
open(sys.argv[1], "w").write("%d\n" % os.getpid())
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
def once(method, path, headers):
    c = http.client.HTTPConnection("169.254.169.254", 80, timeout=20)
    c.request(method, path, headers=headers)
    r = c.getresponse()
    return r.status, r.read()
t0 = time.monotonic()
st, tok = once("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
t1 = time.monotonic()
st, _ = once("GET", "/latest/meta-data/instance-type", {"X-aws-ec2-metadata-token": tok.decode()})
open(sys.argv[3], "w").write("%.1f %.1f %d\n" % ((t1 - t0) * 1000, (time.monotonic() - t1) * 1000, st))
' "$W/old.pid" "$W/go" "$W/old.ms" &
wait_for 10 test -s "$W/old.pid"
POOL=$(cg_sub pool)
cg_user -g "$POOL" "$BOB_UID" bash -c 'for i in $(seq 1000); do sleep 300 & done; echo started >"$1"; wait' _ "$W/pool" &
wait_for 60 test -s "$W/pool"
n=$(wc -l <"$POOL/cgroup.procs")
ok "1,000 processes of bob's uid besides the old one ($n)" test "$n" -ge 1000
touch "$W/go"
wait_for 20 records /instance-type
opid=$(cat "$W/old.pid")
like "$(records /instance-type)" "\"uid\":$BOB_UID,.*\"pid\":$opid,\"comm\":\"python3\",.*\"ident\":\"bpf\".*\"status\":200" \
	"the old process's first request: served, its record names its pid ($opid)"
read -r put_ms get_ms _ <"$W/old.ms"
diag "among $n same-uid processes: its token PUT took $put_ms ms, its GET $get_ms ms (client side, whole requests)"
echo 1 >"$POOL/cgroup.kill"

ok "no request record without the eBPF layer's ident" \
	bash -c "! grep '\"event\":\"request\"' '$AUDIT' | grep -vq '\"ident\":\"bpf\"'"
tap_done
