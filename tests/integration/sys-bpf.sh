#!/bin/bash
# The eBPF interception layer on its own (sys-tool, no daemon), attached to
# a cgroup this test made: install and status, every spelling of IMDS
# redirected for processes in the cgroup (and only there), getpeername
# still saying IMDS, the connect() record naming who connected (after fd
# passing, exec, exit, in a container's cgroup, in a user namespace), the
# exemption (pid and uid together), fail closed without a target, removal
# by `bpftool cgroup detach` seen and restored.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/cgroup.sh"
need_root
need_cmd python3 unshare
TOOL=$(stage "$top_builddir/tests/sys/sys-tool")	# test users run it
EXE=$(readlink -f "$TOOL")
PY=/usr/bin/python3
HANDOFF="$PY $(stage "$top_srcdir/tests/lib/handoff.py")"
ns_setup
test_users
cg_setup
DUID=$(id -u imdsgate)
B=(-b bpf -c "$CG" -P "$PIN" -o "$DUID" -p 8169)
R() { "$TOOL" redirect "$@" "${B[@]}"; }
W=$TMPD/w	# where the test users write
mkdir -m 1777 "$W"

out=$(R status); rc=$?
is "$rc" 1 "status before install: not complete"
like "$out" '^missing:' "status says missing: $out"
ok "install" R install
ok "install again" R install
is "$(R status)" complete "status: complete"
is "$(cg_bpf_count)" 5 "five programs attached to the test's cgroup, once each"
is "$(stat -c '%U %a' "$PIN")" "root 700" "pin directory: root's alone"
is "$(stat -c '%u %a' "$PIN/map_ident")" "$DUID 600" "pins: the daemon's user's"
is "$(bpftool -j cgroup show "$CG" | jq -r '[.[].attach_flags] | unique | join(",")')" \
	multi "attached with BPF_F_ALLOW_MULTI"

# The proxy's place (it reads the records, as the monitor would, dropped
# to the daemon's user) and the real IMDS (the far namespace).
nsenter --net=/run/netns/"$NS_INST" "$TOOL" listen -d imdsgate -B "$PIN" 127.0.0.1:8169 '[::1]:8169' \
	>"$TMPD/proxy.out" 2>&1 &
LPID=$!; bg_track $LPID
ip netns exec "$NS_IMDS" "$TOOL" listen 169.254.169.254:80 '[fd00:ec2::254]:80' >"$TMPD/imds.out" 2>&1 &
bg_track $!
wait_line 10 "$TMPD/proxy.out" ready || echo "Bail out! listener not ready"
wait_line 10 "$TMPD/imds.out" ready || echo "Bail out! imds listener not ready"
imds_seen() { grep -c redirected "$TMPD/imds.out"; }

out=$(cg_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80)
pid=$(printf '%s\n' "$out" | sed -n 's/^self pid=\([0-9]*\).*/\1/p')
like "$out" 'peer=169\.254\.169\.254:80' "v4: getpeername still says IMDS"
like "$out" 'origdst=127\.0\.0\.1:8169 redirected=0 ' "v4: rewritten before the connection existed (no NAT)"
like "$out" " uid=$ALICE_UID user=igt-alice .* ident=bpf tid=$pid " "v4: the connect() record, alice's"
like "$out" " cgroup=$CG_REL container= pid=$pid comm=sys-tool exe=$EXE\$" "v4: pid, comm, verified exe, cgroup"

out=$(cg_user "$BOB_UID" "$TOOL" connect '[fd00:ec2::254]:80')
like "$out" 'peer=\[fd00:ec2::254\]:80' "v6: getpeername still says IMDS"
like "$out" 'origdst=\[::1\]:8169 redirected=0 ' "v6: rewritten to the IPv6 listener"
like "$out" " uid=$BOB_UID user=igt-bob gid=$BOB_UID gids=([0-9,]*,)?$READERS_GID[ ,].*ident=bpf " \
	"v6: bob's supplementary group, from his credentials at connect()"

# Other spellings of the same address all end at the proxy.
spell() {	# spell HOST FAMILY: connect as alice, print the answer
	cg_user "$ALICE_UID" $PY -c '
import socket, sys
s = socket.socket(int(sys.argv[2]), socket.SOCK_STREAM)
s.settimeout(3)
s.connect((sys.argv[1], 80))
print("peer=%s %s" % (s.getpeername(), s.recv(1000).decode()))' "$1" "$2" 2>&1
}
for h in 2852039166 0xa9fea9fe 0251.0376.0251.0376 169.254.43518; do
	like "$(spell $h 2)" "peer=\('169\.254\.169\.254', 80\).*uid=$ALICE_UID .*ident=bpf" "spelling $h: redirected, recorded"
done
out=$(spell ::ffff:169.254.169.254 10)
like "$out" "peer=\('::ffff:169\.254\.169\.254', 80, 0, 0\)" "v4-mapped IPv6: getpeername still says IMDS"
like "$out" "client=127\.0\.0\.1:[0-9]+ origdst=127\.0\.0\.1:8169 .*uid=$ALICE_UID .*ident=bpf" \
	"v4-mapped IPv6: to the IPv4 listener, recorded"
out=$(cg_user "$ALICE_UID" $PY -c '
import socket, struct
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 3, 0))
s.sendto(b"GET / HTTP/1.0\r\n\r\n", socket.MSG_FASTOPEN, ("169.254.169.254", 80))
print(s.recv(1000).decode())' 2>&1)
like "$out" "origdst=127\.0\.0\.1:8169 .*uid=$ALICE_UID .*ident=bpf" "TCP Fast Open (sendto MSG_FASTOPEN): redirected too"
is "$(imds_seen)" 0 "nothing reached the real IMDS"

# Only the cgroup it is attached to: a process outside goes straight on.
out=$(as_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80)
like "$out" 'origdst=169\.254\.169\.254:80 redirected=0' "outside the cgroup: not redirected (the layer's scope)"
is "$(imds_seen)" 1 "control: that one reached IMDS"

# Who connected, whoever holds the socket when the proxy looks (the proxy
# is stopped meanwhile, so the handshake completes in its backlog):
# passed with SCM_RIGHTS to another process and the connector gone, or
# the connector exec'd another program.
kill -STOP $LPID
cg_user "$ALICE_UID" $HANDOFF pass "$W/holder.pid" "$W/connector.pid" "$W/passed.out" &
wait $!	# the connector is gone
wait_for 10 test -s "$W/holder.pid"
cg_user "$ALICE_UID" $HANDOFF exec "$W/execer.pid" "$W/exec.out" &
wait_for 10 test -e "$W/execer.pid.sh"	# python is gone
kill -CONT $LPID
wait_for 10 test -s "$W/passed.out"
wait_for 10 test -s "$W/exec.out"
cpid=$(cat "$W/connector.pid")
like "$(cat "$W/passed.out")" " ident=bpf tid=$cpid .* pid=$cpid comm=python3 " \
	"SCM_RIGHTS, connector exited: the record names the connector ($cpid), not the holder ($(cat "$W/holder.pid"))"
read -r epid _ <"$W/execer.pid"
like "$(cat "$W/exec.out")" " ident=bpf tid=$epid .* pid=$epid comm=python3 exe_unverified=/usr/bin/(dash|cat)\$" \
	"exec after connect: pid and comm at connect(); the exe it runs now is not the one that connected"

# A container's cgroup: its path, and the id in it.
CID=$(printf '%064x' $$)
DOCKER=$(cg_sub "system.slice/docker-$CID.scope")
out=$(cg_user -g "$DOCKER" "$ALICE_UID" "$TOOL" connect 169.254.169.254:80)
like "$out" " ident=bpf .* cgroup=$CG_REL/system.slice/docker-$CID\.scope container=$CID " "Docker (systemd driver): cgroup and container id"
ECS=$(cg_sub "ecs/0123456789abcdef0123456789abcdef/$CID")
out=$(cg_user -g "$ECS" "$ALICE_UID" "$TOOL" connect 169.254.169.254:80)
like "$out" " cgroup=$CG_REL/ecs/0123456789abcdef0123456789abcdef/$CID container=$CID " "ECS task: container id"

# A user namespace changes nothing: the kernel records the real uid.
out=$(cg_user "$ALICE_UID" unshare -r "$TOOL" connect 169.254.169.254:80)
like "$out" " uid=$ALICE_UID user=igt-alice .* ident=bpf " "unshare -r (root in a user namespace): still alice"
# A new network namespace has no IMDS: the connect is sent to its own
# loopback, where nothing listens.
n0=$(imds_seen)
out=$(cg_user "$ALICE_UID" unshare -rn sh -c "ip link set lo up; $TOOL connect 169.254.169.254:80"); rc=$?
is "$rc" 1 "unshare -rn: refused in its own namespace ($out)"
is "$(imds_seen)" "$n0" "unshare -rn: nothing reached IMDS"

# The exemption is a pid listed by the monitor, running as the listed uid.
exempt_try() {	# exempt_try UID EXEMPT-UID: connect from a pid exempted as EXEMPT-UID
	rm -f "$W/go" "$W/me"
	cg_user "$1" bash -c 'echo $$ >"$1"; while [ ! -e "$2" ]; do sleep 0.05; done; exec "$3" connect 169.254.169.254:80' \
		_ "$W/me" "$W/go" "$TOOL" >"$TMPD/exempt.out" &
	local p=$!
	wait_for 10 test -s "$W/me"
	"$TOOL" exempt "$(cat "$W/me")" "$2" "${B[@]}"
	touch "$W/go"
	wait $p
	cat "$TMPD/exempt.out"
	"$TOOL" exempt - 0 "${B[@]}"
}
like "$(exempt_try "$DUID" "$DUID")" 'origdst=169\.254\.169\.254:80 redirected=0 ' \
	"exempted pid running as the daemon's uid: reaches IMDS"
like "$(exempt_try "$ALICE_UID" "$DUID")" 'origdst=127\.0\.0\.1:8169 ' \
	"a pid listed for the daemon's uid, running as alice: redirected"
like "$(cg_user "$DUID" "$TOOL" connect 169.254.169.254:80)" 'origdst=127\.0\.0\.1:8169 ' \
	"the daemon's uid alone (a pid not listed): redirected"

# Without a target the hooks refuse IMDS (fail closed), never pass it.
bpftool map update pinned "$PIN/map_cfg" key 0 0 0 0 value $(printf '0 %.0s' $(seq 28))
n0=$(imds_seen)
out=$(cg_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80); rc=$?
is "$rc" 1 "no target in the configuration map: connect refused ($out)"
is "$(imds_seen)" "$n0" "and nothing reached IMDS"
like "$(R status)" 'partial' "status: partial (the target differs)"
ok "install repairs it" R install

# Removal by root: status sees it, the watch restores it.
nsenter --net=/run/netns/"$NS_INST" "$TOOL" watch -d imdsgate "${B[@]}" -i 5000 >"$TMPD/watch.out" 2>&1 &
WPID=$!; bg_track $WPID
wait_line 10 "$TMPD/watch.out" ready || echo "Bail out! watch not ready"
t0=$(date +%s%N)
bpftool cgroup detach "$CG" cgroup_inet4_connect pinned "$PIN/connect4"
ok "bpftool cgroup detach: seen and restored" wait_line 5 "$TMPD/watch.out" 'gap restored=1 .*layer=bpf'
diag "restored after $(( ($(date +%s%N) - t0) / 1000000 )) ms (interval 5 s: the eBPF layer is checked every 250 ms)"
like "$(grep gap "$TMPD/watch.out" | head -1)" 'what=missing: connect4 not attached' "says what was missing"
is "$(R status)" complete "complete again"
kill $WPID; wait $WPID 2>/dev/null	# it would restore what remove takes

out=$("$TOOL" redirect remove -b bpf -c /nonexistent -P "$PIN" -o "$DUID" -p 8169); rc=$?
is "$rc" 1 "remove without its cgroup: refused"
like "$out" 'eBPF layer kept' "says so: $out"
ok "and the pins stay (the attachments could not be named otherwise)" test -e "$PIN/connect4"
ok "remove" R remove
is "$(cg_bpf_count)" 0 "nothing attached any more"
nok "no pins left" test -e "$PIN"
ok "remove again (nothing to remove) succeeds" R remove
n0=$(imds_seen)
like "$(cg_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80)" 'redirected=0' "after remove, IMDS is reachable directly"
tap_done
