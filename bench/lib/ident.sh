# Cost per connection of caller identity and of rule matching (sourced in
# a subshell by bench/run-all): runs the programs their owners wrote,
# bench/peer_bench (sock_diag + /proc lookup among 1,000 processes, and
# the eBPF layer's connect() record) and bench/rules_bench (10 and 1,000
# rules), and records their medians; then, through the daemon, the first
# request of a process started before 1,000 others of its uid, with the
# eBPF layer and on the /proc fallback, side by side.

ID_NPROC=${ID_NPROC:-1000}
ID_FIRST=${ID_FIRST:-20}	# old processes, one first request each
# ID_RT=1 (default): the daemon's two processes, the simulator and the
# clients measured run SCHED_FIFO (chrt -f 10), so the figure is the
# path's, not the wait for a CPU the other tenants of a shared machine
# hold (every request crosses five processes); ID_RT=0: ordinary.
ID_RT=${ID_RT:-1}

id_rules() {
	local f=$OUT/rules_bench.txt
	"$BUILD/bench/rules_bench" >"$f" 2>&1 || { note "rules_bench failed"; return; }
	sed -n 's/^rules_bench: *\([0-9]*\) rules: median \([0-9.]*\) ns.*/\1 \2/p' "$f" |
	while read -r n ns; do rec "id.rules.$n.ns" "$ns"; done
}

id_peer() {
	local f=$OUT/peer_bench.txt
	local cg
	cg=$(findmnt -n -o TARGET -t cgroup2 | head -1)/igbench-$$
	mkdir -p "$cg" || cg=""
	"$BUILD/bench/peer_bench" -n "$ID_NPROC" ${cg:+-B "$cg"} >"$f" 2>&1 ||
		note "peer_bench failed: $(tail -1 "$f")"
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null
	awk '/us\/lookup/ {
		for (i = 1; i <= NF; i++) if ($i == "us/lookup") break
		v = $(i - 1); $0 = substr($0, 1, index($0, v) - 1)
		gsub(/^ +| +$/, ""); gsub(/[^a-z0-9]+/, "_"); sub(/_$/, "")
		print $0, v }' "$f" |
	while read -r k v; do rec "id.peer.$k.us" "$v"; done
}

# id_first_run BACKEND: the daemon in the bench cgroup with that backend;
# ID_FIRST processes of igt-bob wait, then ID_NPROC more start, then each
# waiting one in turn makes its first request (a GET with a token another
# process fetched): client side, from the request sent (connect() has
# returned: the kernel completed the handshake, the daemon is identifying
# the caller) to the whole answer, and from before connect() (which on a
# loaded machine adds the client's own wait for a CPU).
id_first_run() {
	local b=$1 i t
	cg_conf -o "$TMPD/$b.conf" redirect.manage=no "redirect.backend=$b"
	cg_install "$TMPD/$b.conf" 2>"$TMPD/$b-install.err"
	cg_daemon_start "first-$b" -c "$TMPD/$b.conf"
	if [ "$ID_RT" = 1 ]; then
		chrt -f -p 10 "$DAEMON_PID" >/dev/null && chrt -f -p 10 "$WORKER_PID" >/dev/null ||
			note "chrt on the daemon failed"
	fi
	t=$(cg_user "$BOB_UID" curl -s -m 10 -X PUT \
		-H 'X-aws-ec2-metadata-token-ttl-seconds: 600' http://169.254.169.254/latest/api/token)
	rm -f "$W"/go.* "$W"/ms.*
	for i in 1 2 3 4 5; do	# warm: the upstream connection is kept alive
		cg_user "$BOB_UID" curl -s -m 10 -o /dev/null -H "X-aws-ec2-metadata-token: $t" \
			http://169.254.169.254/latest/meta-data/instance-id
	done
	for i in $(seq "$ID_FIRST"); do
		in_cg ${ID_CHRT:+$ID_CHRT} setpriv --reuid "$BOB_UID" --regid "$BOB_UID" \
			--init-groups --inh-caps=-all --bounding-set=-all -- \
			/usr/bin/python3 "$TMPD/first.py" "$W/go.$i" "$W/ms.$i" "$t" &
	done
	local pool
	pool=$(cg_sub "pool-$b")
	cg_user -g "$pool" "$BOB_UID" bash -c 'for i in $(seq "$2"); do sleep 600 & done; echo >"$1"; wait' \
		_ "$W/pool-$b" "$ID_NPROC" &
	wait_for 120 test -e "$W/pool-$b"
	for i in $(seq "$ID_FIRST"); do
		touch "$W/go.$i"
		wait_for 30 test -s "$W/ms.$i" || note "first request $i ($b): no answer"
		[ -s "$W/ms.$i" ] || continue
		read -r served total <"$W/ms.$i"
		rec "id.first.$b.ms" "$served"
		rec "id.first.$b.total_ms" "$total"
	done
	echo 1 >"$pool/cgroup.kill"
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	in_cg "$PROXY" --redirect remove -c "$TMPD/$b.conf" 2>/dev/null
}

id_first() {
	source "$top_srcdir/tests/lib/tap.sh"
	source "$top_srcdir/tests/lib/netns.sh"
	source "$top_srcdir/tests/lib/robust.sh"
	source "$top_srcdir/tests/lib/cgroup.sh"
	SIM=$BUILD/imdsgate-sim PROXY=$BUILD/imdsgated
	ns_setup
	test_users
	cg_setup
	W=$TMPD/w
	mkdir -m 1777 "$W"
	robust_dirs
	# raw sockets: http.client's first use imports its header parser
	# (milliseconds that are the client's, not the proxy's)
	cat >"$TMPD/first.py" <<'PY'
import os, socket, sys, time
req = ("GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\n"
       "X-aws-ec2-metadata-token: %s\r\nConnection: close\r\n\r\n" % sys.argv[3]).encode()
while not os.path.exists(sys.argv[1]):
    time.sleep(0.01)
t0 = time.monotonic()
c = socket.create_connection(("169.254.169.254", 80), timeout=30)
t1 = time.monotonic()
c.sendall(req)
ans = b""
while True:
    b = c.recv(65536)
    if not b:
        break
    ans += b
t2 = time.monotonic()
if ans.startswith(b"HTTP/1.1 200"):
    open(sys.argv[2], "w").write("%.2f %.2f\n" % ((t2 - t1) * 1000, (t2 - t0) * 1000))
PY
	chmod a+r "$TMPD/first.py"
	sim_start --role "$ROLE"
	ID_CHRT=""
	if [ "$ID_RT" = 1 ]; then
		ID_CHRT="chrt -f 10"
		chrt -f -p 10 "$SIM_PID" >/dev/null || note "chrt on the simulator failed"
	fi
	for b in $(seq "$RUNS"); do
		id_first_run auto
		id_first_run nft
	done
}

id_main() {
	for p in rules_bench peer_bench; do
		[ -x "$BUILD/bench/$p" ] || make -C "$BUILD" "bench/$p" >/dev/null 2>&1 ||
			{ note "bench/$p could not be built"; }
	done
	[ -x "$BUILD/bench/rules_bench" ] && id_rules
	[ -x "$BUILD/bench/peer_bench" ] && id_peer
	( id_first ) || note "first-request measurement failed"
	return 0
}
