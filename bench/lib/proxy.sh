# Proxy benchmarks of bench/run-all (sourced in a subshell, after
# common.sh): wrk in the test harness's "instance" namespace against
#   a  imdsgate-sim directly (169.254.169.254:80, across the veth)
#   b  imdsgated on 127.0.0.1:$GATE_PORT, tokens required, the shipped rules
#      plus one for the client's user, audit log on
#   c  nginx on 127.0.0.1:8180, a plain reverse proxy (bench/nginx.conf)
#   d  imdsgated as clients reach it: wrk in a cgroup the eBPF layer is
#      attached to, connecting to 169.254.169.254:80 (rewritten to the
#      proxy; callers named by the layer's connect() records, where (b)'s
#      direct connections take the /proc fallback)
# each with keep-alive and with a new connection per request, at load
# (PX_CONNS connections) and one request at a time (latency). With
# BENCH_PIN=1 servers run on CPU $SRV_CPU and wrk on $CLI_CPU (clean on an
# idle machine; on a shared one pinning starves whichever side shares its
# CPU, so the default leaves placement to the scheduler). Then the footprint: RSS idle and
# with 1,000 connections held, CPU time per 100,000 requests.

PX_CONNS=${PX_CONNS:-16}
PX_DUR=${PX_DUR:-3}
PX_HOLD=${PX_HOLD:-1000}
PX_PATH=${PX_PATH:-/latest/meta-data/iam/security-credentials/app-role}
PX_PATH2=${PX_PATH2:-/latest/meta-data/instance-id}	# the "iid" runs
PX_MODES=${PX_MODES:-ka close}	# PX_MODES=close: the new-connection rounds only
SRV_CPU=${SRV_CPU:-0}
CLI_CPU=${CLI_CPU:-1}
TH=X-aws-ec2-metadata-token
if [ "${BENCH_PIN:-0}" = 0 ]; then	# let the scheduler place everything
	SRV_CPU=0-$(($(nproc) - 1))
	CLI_CPU=$SRV_CPU
fi

px_die() { note "proxy benchmarks stopped: $*"; exit 1; }

px_sim_start() {
	# ip itself (not in_imds, a function: $! would be a subshell) so that
	# SIM_PID is the simulator's pid once ip and taskset have exec'd
	ip netns exec "$NS_IMDS" taskset -c "$SRV_CPU" "$SIM" -f -q --tokens required \
		--role app-role -l 169.254.169.254:80 \
		>"$TMPD/sim.out" 2>"$TMPD/sim.err" &
	SIM_PID=$!
	bg_track "$SIM_PID"
	wait_line 60 "$TMPD/sim.err" ready || px_die "imdsgate-sim not ready"
}

# The daemon through tests/lib/gate.sh: the shipped rules plus the rule
# set "bench" (tests/lib/rules/bench.rules), IPv4 only, limits raised for
# the load; the eBPF layer on the bench's cgroup (tests/lib/cgroup.sh),
# the daemon in it.
px_proxy_start() {
	gate_rules shipped bench
	cg_conf "proxy.listen=127.0.0.1:$GATE_PORT" proxy.upstream=169.254.169.254:80 \
		proxy.client_timeout=120 proxy.max_connections=8192 \
		proxy.max_connections_per_uid=4096 "log.audit=$TMPD/audit/audit.jsonl" \
		redirect.manage=no redirect.backend=bpf
	cg_install >"$TMPD/install.err" 2>&1 || px_die "eBPF layer: $(cat "$TMPD/install.err")"
	cg_daemon_start proxy taskset -c "$SRV_CPU"
	PROXY_PID=$DAEMON_PID
	PROXY_WORKER=$WORKER_PID
}

px_nginx_start() {
	local p=$TMPD/nginx
	mkdir -p "$p/logs" "$p/tmp"
	chmod -R a+rwX "$p"
	ip netns exec "$NS_INST" taskset -c "$SRV_CPU" nginx -p "$p/" \
		-c "$top_srcdir/bench/nginx.conf" 2>"$p/logs/start.err" &
	NGINX_PID=$!
	bg_track "$NGINX_PID"
	wait_for 60 pgrep -P "$NGINX_PID" nginx || px_die "nginx not ready"
	NGINX_WORKER=$(pgrep -P "$NGINX_PID" nginx | head -1)
}

# px_as TARGET CMD...: igt-alice runs CMD where TARGET's clients run
px_as() {
	local t=$1
	shift
	if [ "$t" = d ]; then cg_user "$ALICE_UID" "$@"; else as_user "$ALICE_UID" "$@"; fi
}

# px_token TARGET: a token for igt-alice, fetched through TARGET's path
px_token() {
	px_as "$1" curl -sf -m 5 -X PUT "$(px_url "$1")/latest/api/token" \
		-H 'X-aws-ec2-metadata-token-ttl-seconds: 21600'
}

# px_url TARGET, px_pid TARGET: where a target listens, who serves it
px_url() {
	case $1 in a|d) echo "http://169.254.169.254" ;;
	b) echo "http://127.0.0.1:$GATE_PORT" ;; c) echo "http://127.0.0.1:8180" ;; esac
}
# (imdsgated is two processes: both count)
px_pid() {
	case $1 in a) echo "$SIM_PID" ;; b|d) echo "$PROXY_PID $PROXY_WORKER" ;;
	c) echo "$NGINX_WORKER" ;; esac
}
px_ticks() {
	local p n=0
	for p in $(px_pid "$1"); do n=$((n + $(cpu_ticks "$p"))); done
	echo "$n"
}
# px_rss TARGET [FIELD]: the serving process's VmRSS (or FIELD) in KiB:
# for imdsgated its worker (px_monitor_rss: the monitor's)
px_rss() {
	local pids
	pids=$(px_pid "$1")
	rss_kb "${pids##* }" "${2:-VmRSS}"
}
px_monitor_rss() { rss_kb "$PROXY_PID" "${1:-VmRSS}"; }

px_tokens() {
	local t code
	for t in a b c d; do
		eval "TOK_$t=\$(px_token $t)"
		eval "[ -n \"\$TOK_$t\" ]" || px_die "no token through $t"
		code=$(px_as "$t" curl -s -o /dev/null -w '%{http_code}' \
			-H "$TH: $(eval echo "\$TOK_$t")" "$(px_url $t)$PX_PATH")
		[ "$code" = 200 ] || px_die "GET $PX_PATH through $t: $code"
	done
}

# px_wrk TARGET ka|close CONNS KIND [PATH]: one wrk run, recorded as
# px.TARGET.MODE.KIND.{rps,p50,p99} and the server's CPU per 100k
px_wrk() {
	local t=$1 mode=$2 conns=$3 kind=$4 path=${5:-$PX_PATH} line tok k v t0 t1
	local label=$t.$mode.$kind
	tok=$(eval echo "\$TOK_$t")
	t0=$(px_ticks "$t")
	line=$(px_as "$t" env IMDS_TOKEN="$tok" BENCH_PATH="$path" \
		BENCH_CLOSE=$([ "$mode" = close ] && echo 1 || echo 0) \
		BENCH_LABEL="$label" taskset -c "$CLI_CPU" wrk -t1 -c"$conns" \
		-d"${PX_DUR}s" -s "$TMPD/wrk-token.lua" "$(px_url "$t")" |
		grep '^RESULT')
	t1=$(px_ticks "$t")
	[ -n "$line" ] || { note "wrk $label: no result"; return; }
	for kv in ${line#RESULT * }; do
		k=${kv%%=*} v=${kv#*=}
		case $k in rps|p50_us|p99_us|requests) rec "px.$label.$k" "$v" ;;
		errors|non2xx) [ "$v" = 0 ] || note "wrk $label: $k=$v" ;; esac
	done
	v=$(echo "$line" | sed -n 's/.* requests=\([0-9]*\) .*/\1/p')
	[ "${v:-0}" -gt 0 ] && rec "px.$label.cpu_ms_100k" \
		"$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$v" \
		'BEGIN { printf "%.1f", d / hz * 1000 / n * 100000 }')"
}

# One round of one mode: every target at load and one by one, targets
# interleaved so that drift on the shared machine hits them alike, and in
# the opposite order every other round (px_round MODE N), as what runs
# first leaves the others a minute of its TIME_WAIT sockets.
px_round() {
	local mode=$1 kind t conns order="a b c d"
	[ $(($2 % 2)) = 0 ] && order="d c b a"
	for kind in load lat; do
		conns=$PX_CONNS
		[ "$kind" = lat ] && conns=1
		for t in $order; do
			px_wrk "$t" "$mode" "$conns" "$kind"
		done
	done
	# the other work of issue 18: a plain metadata leaf, at load
	for t in $order; do
		px_wrk "$t" "$mode" "$PX_CONNS" iid "$PX_PATH2"
	done
}

# px_hold TARGET KEY: RSS of TARGET's server with PX_HOLD connections
px_hold() {
	local t=$1 key=$2 url host port out
	url=$(px_url "$t")
	host=${url#http://}; port=${host##*:}; host=${host%:*}
	out=$TMPD/hold-$t.txt
	as_user "$ALICE_UID" env IMDS_TOKEN="$(eval echo "\$TOK_$t")" \
		python3 "$TMPD/connhold.py" "$host" "$port" "$PX_HOLD" \
		/latest/meta-data/instance-id >"$out" 2>&1 &
	local hp=$! cp
	bg_track "$hp"
	if wait_line 60 "$out" '^holding' ; then
		rec "$key" "$(px_rss "$t")"
	else
		note "connhold to $t: $(tail -1 "$out")"
	fi
	cp=$(sed -n 's/^holding [0-9]* pid \([0-9]*\)$/\1/p' "$out")
	[ -n "$cp" ] && kill "$cp" 2>/dev/null
	wait "$hp" 2>/dev/null
}

# px_profile TARGET MODE: where the serving process spends a load run
px_profile() {
	local pid f=$OUT/perf-proxy-$1-$2
	command -v perf >/dev/null || return 0
	pid=$(px_pid "$1" | tr ' ' ,)
	perf record -q -g -o "$f.data" -p "$pid" -- sleep "$PX_DUR" >/dev/null 2>&1 &
	local pp=$!
	px_wrk "$1" "$2" "$PX_CONNS" profile
	wait "$pp"
	perf report -i "$f.data" --stdio --no-children --sort dso,sym 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -25 >"$f.txt"
	perf report -i "$f.data" --stdio --children --sort sym 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -40 >"$f-children.txt"
	rm -f "$f.data"
}

# px_traced TARGET: strace is attached to each of its processes
px_traced() {
	local p
	for p in $(px_pid "$1"); do
		awk '$1 == "TracerPid:" { exit $2 == 0 }' "/proc/$p/status" || return 1
	done
}

# px_syscalls TARGET MODE: system calls per request of each serving
# process (strace -c over one load run; strace slows the run, so its
# requests/s are not recorded), as px.sys.TARGET.MODE.PID-ROLE and the
# counts by call in $OUT/strace-TARGET-MODE-ROLE.txt
px_syscalls() {
	local t=$1 mode=$2 p role n out sp=""
	command -v strace >/dev/null || return 0
	for p in $(px_pid "$t"); do
		role=worker
		[ "$t" != c ] && [ "$p" = "$PROXY_PID" ] && role=monitor
		out=$OUT/strace-$t-$mode-$role.txt
		strace -c -f -o "$out" -p "$p" 2>/dev/null &
		sp="$sp $!"
	done
	wait_for 30 px_traced "$t"
	px_wrk "$t" "$mode" "$PX_CONNS" strace
	kill -INT $sp 2>/dev/null
	wait $sp 2>/dev/null
	n=$(med "px.$t.$mode.strace.requests")
	for out in "$OUT"/strace-"$t"-"$mode"-*.txt; do
		role=${out##*-}; role=${role%.txt}
		rec "px.sys.$t.$mode.$role" "$(awk -v n="$n" '$NF == "total" {
			printf "%.1f", $4 / n }' "$out")"
	done
}

px_main() {
	source "$top_srcdir/tests/lib/tap.sh"
	source "$top_srcdir/tests/lib/netns.sh"
	source "$top_srcdir/tests/lib/gate.sh"
	source "$top_srcdir/tests/lib/cgroup.sh"
	need_cmd wrk nginx curl taskset python3
	ulimit -n "$(ulimit -Hn)"
	cp "$top_srcdir/bench/wrk-token.lua" "$top_srcdir/bench/connhold.py" "$TMPD/"
	ns_setup
	test_users
	cg_setup
	px_sim_start
	px_proxy_start
	px_nginx_start
	px_tokens
	rec px.rss.b.start "$(px_rss b)"
	rec px.rss.m.start "$(px_monitor_rss)"
	rec px.rss.c.start "$(px_rss c)"
	# keep-alive rounds first: the close rounds leave thousands of
	# TIME_WAIT sockets in the namespace for a minute, which make every
	# later connect() (imdsgated's and nginx's to the IMDS) slower
	for mode in $PX_MODES; do
		for r in $(seq "$RUNS"); do
			say "proxy: $mode round $r/$RUNS"
			px_round "$mode" "$r"
		done
		px_profile d "$mode"
		for t in c d; do px_syscalls "$t" "$mode"; done
	done
	rec px.rss.b.after "$(px_rss b)"
	rec px.rss.m.after "$(px_monitor_rss)"
	rec px.rss.c.after "$(rss_kb "$NGINX_WORKER")"
	say "holding $PX_HOLD connections"
	px_hold b px.rss.b.hold
	px_hold c px.rss.c.hold
	rec px.rss.b.hwm "$(px_rss b VmHWM)"
	rec px.rss.m.hwm "$(px_monitor_rss VmHWM)"
	rec px.audit_bytes "$(stat -c %s "$TMPD/audit/audit.jsonl" 2>/dev/null || echo 0)"
	grep -E -i 'warn|error' "$TMPD/proxy.err" | sort | uniq -c | sort -rn |
		head -5 | while read -r l; do note "imdsgated stderr: $l"; done
}
