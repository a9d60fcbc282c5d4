#!/bin/bash
# Two independent layers (issue 16): with `backend = auto` the eBPF layer
# and the nft table are both installed, and removing either one, over and
# over, lets no credential through. A denied user (igt-alice) and an
# allowed one (igt-bob) fetch credentials in a loop on fresh connections
# (reusing the token the proxy gave them), in the test's cgroup, while root
# deletes the nft table, flushes the ruleset, detaches the eBPF programs
# with bpftool, one layer after the other; the daemon's self-check puts
# each back and writes one audit `error` record per removal.
#
# The clients use 169.254.169.254:80, the daemon's upstream is a simulator
# at 169.254.169.254:81: the one on :80 is a tripwire only a request
# escaping both layers can reach.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
source "$top_srcdir/tests/lib/cgroup.sh"
need_root
need_cmd python3 nft
ns_setup
test_users
cg_setup
ROUNDS=${LAYER_ROUNDS:-4}

robust_dirs
cg_conf proxy.upstream=169.254.169.254:81
sim_start -v --role "$ROLE"	# the tripwire, on :80
in_imds "$SIM" -f -l 169.254.169.254:81 --role "$ROLE" \
	--secrets-file "$TMPD/sim-secrets-up.env" >/dev/null 2>"$TMPD/sim-up.log" &
bg_track $!
wait_line 10 "$TMPD/sim-up.log" ready || { echo "Bail out! upstream simulator not ready"; exit 1; }

cg_install 2>"$TMPD/install.err"
tap_ok $? "--redirect install: both layers"
out=$(in_cg "$PROXY" --redirect status -c "$GATE_CONF"); rc=$?
is "$rc" 0 "--redirect status: complete"
like "$out" '^bpf: installed' "status reports the eBPF layer"
like "$out" '^nft: installed' "status reports the nft layer"
cg_daemon_start proxy

cg_load_start alice "$ALICE_UID" --path "$CREDS" --interval 0.02 --stop "$TMPD/stop" --timeout 3
cg_load_start bob "$BOB_UID" --path "$CREDS" --interval 0.02 --stop "$TMPD/stop" --timeout 3
bob_creds_since() { [ "$(res_count bob "\$1 >= $1 && \$6 == 1")" -gt 0 ]; }
ok "bob gets credentials through the proxy" wait_for 30 bob_creds_since 0

nft_whole() { ip netns exec "$NS_INST" nft list table inet imdsgate >/dev/null 2>&1; }
bpf_whole() { [ "$(cg_bpf_count)" = 5 ]; }
errors() { gate_audit count event=error what=redirect; }
more_errors() { [ "$(errors)" -gt "$1" ]; }
tripped() { [ "$(sim_requests "$SIM_LOG")" -gt 0 ]; }

# remove NAME LAYER-CHECK COMMAND...: remove, see it restored and recorded,
# and bob served again afterwards.
remove() {
	local name=$1 whole=$2 e0 t0 t1
	shift 2
	e0=$(errors)
	t0=$(now_ms)
	"$@"
	ok "$name: restored" wait_for 30 "$whole"
	t1=$(now_ms)
	ok "$name: an audit error record" wait_for 30 more_errors "$e0"
	ok "$name: bob served after the removal" wait_for 30 bob_creds_since "$t1"
	echo "$name $((t1 - t0))" >>"$TMPD/restore.ms"
}

# One credentials request as alice, outside the cgroup (ip netns exec):
# its status.
load_once_status() {
	local t
	t=$(as_user "$ALICE_UID" curl -s -m 10 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		http://169.254.169.254/latest/api/token)
	as_user "$ALICE_UID" curl -s -m 10 -o /dev/null -w '%{http_code}' \
		-H "X-aws-ec2-metadata-token: $t" "http://169.254.169.254$CREDS"
}

detach_all() {
	local h
	for h in connect4:cgroup_inet4_connect connect6:cgroup_inet6_connect \
	    getpeername4:cgroup_inet4_getpeername getpeername6:cgroup_inet6_getpeername \
	    sock_release:cgroup_inet_sock_release; do
		bpftool cgroup detach "$CG" "${h#*:}" pinned "$PIN/${h%%:*}"
	done
}

for ((i = 1; i <= ROUNDS; i++)); do
	remove "round $i: nft delete table" nft_whole \
		ip netns exec "$NS_INST" nft delete table inet imdsgate
	remove "round $i: bpftool cgroup detach (all five)" bpf_whole detach_all
	remove "round $i: nft flush ruleset" nft_whole ip netns exec "$NS_INST" nft flush ruleset
	remove "round $i: bpftool cgroup detach connect4" bpf_whole \
		bpftool cgroup detach "$CG" cgroup_inet4_connect pinned "$PIN/connect4"
done
load_stop

is "$(res_count alice '$6 == 1')" 0 "alice never received a credential body"
is "$(sim_requests "$SIM_LOG")" 0 "no request ever reached IMDS around the proxy (tripwire)"
ok "alice was refused by rule (403) while it ran ($(res_count alice '$5 == 403') times)" \
	test "$(res_count alice '$3 == "GET" && $5 == 403')" -gt 0
diag "alice: $(res_count alice '$3 == "GET"') requests, $(res_count alice '$5 == 403') refused by rule," \
	"$(res_count alice '$4 != "http"') connection failures; bob: $(res_count bob '$6 == 1') credential bodies"
diag "restored after (ms): $(awk '{ printf "%s%s", s, $NF; s = ", " }' "$TMPD/restore.ms")"
ok "an audit error record for every removal ($(errors) for $((ROUNDS * 4)); detaching five programs one by one may be seen as more than one)" \
	test "$(errors)" -ge "$((ROUNDS * 4))"

# A daemon that starts while the programs are detached attaches them
# again before it says ready (from the pins the install made).
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
detach_all
is "$(cg_bpf_count)" 0 "daemon stopped, programs detached"
cg_daemon_start proxy-again
is "$(cg_bpf_count)" 5 "a starting daemon attaches them again"

# The control: with both layers gone the tripwire does see a request.
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
in_cg "$PROXY" --redirect remove -c "$GATE_CONF"
is "$(cg_bpf_count)" 0 "--redirect remove: the eBPF layer is gone"
cg_user "$ALICE_UID" curl -s -m 3 -o /dev/null http://169.254.169.254/latest/meta-data/instance-id
ok "control: without the layers the tripwire simulator sees the request" \
	wait_for 10 tripped

# Where eBPF is unavailable (here: `ip netns exec` hides the cgroup tree
# and bpffs) `auto` says so once and runs on nft alone; `bpf` refuses.
gate_conf -o "$TMPD/noebpf.conf" proxy.upstream=169.254.169.254:81 redirect.manage=yes
out=$(in_inst "$PROXY" --redirect status -c "$TMPD/noebpf.conf")
like "$out" '^bpf: eBPF layer unavailable: .*; nft alone' "status says why eBPF is not there"
in_inst "$PROXY" --redirect install -c "$TMPD/noebpf.conf" 2>"$TMPD/noebpf-install.err"
tap_ok $? "auto without eBPF: install succeeds (nft)"
like "$(in_inst "$PROXY" --redirect status -c "$TMPD/noebpf.conf")" '^nft: installed' "the nft layer is installed"
gate_start -n noebpf -c "$TMPD/noebpf.conf"
DAEMON_PID=$GATE_PID
is "$(grep -c 'eBPF layer unavailable' "$TMPD/noebpf.err")" 1 "the daemon says it once"
is "$(load_once_status)" 403 "and serves on nft alone: alice refused"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
gate_conf -o "$TMPD/bpfonly.conf" proxy.upstream=169.254.169.254:81 redirect.backend=bpf
out=$(in_inst "$PROXY" --redirect install -c "$TMPD/bpfonly.conf" 2>&1); rc=$?
is "$rc" 1 "backend = bpf where eBPF is unavailable: install fails"
like "$out" 'redirect install \(bpf\): ' "and says why: $out"
tap_done
