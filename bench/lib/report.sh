# The Markdown report of bench/run-all (sourced in a subshell, after
# common.sh), from the medians of $RAW; printed on stdout.

# pass VALUE OP LIMIT: "met" or "MISSED" (or "-" without a value)
pass() {
	case "$1" in -|'') echo "-"; return ;; esac
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
		ok = (op == ">=") ? v >= l : (op == "<=") ? v <= l : v < l
		print ok ? "met" : "**MISSED**" }'
}

rp_machine() {
	echo "## Machine"
	echo
	echo "- $(nproc) CPUs: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
	echo "- memory: $(free -g | awk '/^Mem:/ { print $2 " GiB" }'); kernel $(uname -r)"
	echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- shared machine: other builds and test suites ran at the same time,"
	echo "  so absolute figures are noisy; ratios are between runs interleaved"
	echo "  in the same minutes. Medians of $RUNS runs unless said otherwise."
	echo
}

rp_px_row() {	# rp_px_row TARGET NAME MODE
	local t=$1 m=$3 rps lrps
	rps=$(med "px.$t.$m.load.rps")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$m" \
		"$(fmt 0 "$rps")" "$(fmt 0 "$(med "px.$t.$m.load.p50_us")")" \
		"$(fmt 0 "$(med "px.$t.$m.load.p99_us")")" \
		"$(fmt 0 "$(med "px.$t.$m.lat.p50_us")")" \
		"$(fmt 0 "$(med "px.$t.$m.lat.p99_us")")" \
		"$(ratio "$rps" "$(med "px.a.$m.load.rps")")" \
		"$(ratio "$rps" "$(med "px.c.$m.load.rps")")"
}

rp_proxy() {
	local m added r
	echo "## Proxy: requests/s and latency (wrk)"
	echo
	echo "GET ${PX_PATH:-/latest/meta-data/iam/security-credentials/app-role} with a token,"
	echo "wrk -t1 for ${PX_DUR:-3} s per run; \"load\": ${PX_CONNS:-16} connections,"
	echo "\"1 conn\": one request at a time (the latency a single SDK call sees)."
	if [ "${BENCH_PIN:-0}" = 1 ]; then
		echo "Servers pinned to CPU 0, wrk to CPU 1."
	else
		echo "No CPU pinning (pinning starves whichever side shares its CPU with"
		echo "other work on a shared machine; BENCH_PIN=1 pins)."
	fi
	echo "ka = keep-alive, close = a new connection per request; latencies in"
	echo "microseconds."
	echo
	echo "| path | conn | req/s (load) | p50 | p99 | p50 (1 conn) | p99 (1 conn) | vs direct | vs nginx |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	for m in ka close; do
		rp_px_row a "(a) direct to imdsgate-sim" "$m"
		rp_px_row b "(b) imdsgated, tokens + rules" "$m"
		rp_px_row c "(c) nginx reverse proxy" "$m"
		rp_px_row d "(d) imdsgated via the eBPF layer" "$m"
	done
	echo
	echo "(b): clients connect to the proxy's address (identity: the /proc"
	echo "fallback); (d): clients in the cgroup the eBPF layer is attached to"
	echo "connect to 169.254.169.254 (identity: its connect() records)."
	echo
	echo "GET ${PX_PATH2:-/latest/meta-data/instance-id} with a token, the same load:"
	echo
	echo "| path | conn | req/s (load) | p50 | p99 | vs direct | vs nginx | CPU ms / 100k |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for m in ka close; do
		rp_px_iid a "(a) direct to imdsgate-sim" "$m"
		rp_px_iid b "(b) imdsgated, tokens + rules" "$m"
		rp_px_iid c "(c) nginx reverse proxy" "$m"
		rp_px_iid d "(d) imdsgated via the eBPF layer" "$m"
	done
	echo
	rp_px_targets
}

rp_px_iid() {	# rp_px_iid TARGET NAME MODE: the instance-id row
	local t=$1 m=$3 rps
	rps=$(med "px.$t.$m.iid.rps")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$m" \
		"$(fmt 0 "$rps")" "$(fmt 0 "$(med "px.$t.$m.iid.p50_us")")" \
		"$(fmt 0 "$(med "px.$t.$m.iid.p99_us")")" \
		"$(ratio "$rps" "$(med "px.a.$m.iid.rps")")" \
		"$(ratio "$rps" "$(med "px.c.$m.iid.rps")")" \
		"$(med "px.$t.$m.iid.cpu_ms_100k")"
}

# Issue 18: at or past nginx on requests/s and CPU per request, and an
# added median latency (one connection) no larger than nginx's.
rp_px_targets() {
	local m k r c added nadded
	echo "Targets (issue 18):"
	for m in ka close; do
		for k in load iid; do
			r=$(ratio "$(med "px.b.$m.$k.rps")" "$(med "px.c.$m.$k.rps")")
			c=$(ratio "$(med "px.b.$m.$k.cpu_ms_100k")" "$(med "px.c.$m.$k.cpu_ms_100k")")
			echo "- $m, $([ $k = load ] && echo credentials || echo instance-id):" \
				"imdsgated/nginx requests/s $r — $(pass "$r" '>=' 1.0);" \
				"CPU per request $c x nginx's — $(pass "$c" '<' 1.0001)"
		done
	done
	r=$(ratio "$(med "px.d.close.load.rps")" "$(med "px.c.close.load.rps")")
	echo "- imdsgated via the eBPF layer >= 1.0x nginx requests/s (close): $r — $(pass "$r" '>=' 1.0)"
	added=$(awk -v b="$(med px.b.ka.lat.p50_us)" -v a="$(med px.a.ka.lat.p50_us)" \
		'BEGIN { if (a == "-" || b == "-") print "-"; else print b - a }')
	nadded=$(awk -v b="$(med px.c.ka.lat.p50_us)" -v a="$(med px.a.ka.lat.p50_us)" \
		'BEGIN { if (a == "-" || b == "-") print "-"; else print b - a }')
	[ "$nadded" = - ] && added=-
	echo "- added median latency with keep-alive (1 conn, b - a): $added us;" \
		"nginx's (c - a): $nadded us — $(pass "$added" '<' "$(awk -v n="$nadded" 'BEGIN { print n + 0.5 }')")"
	echo
}

rp_footprint() {
	local t
	echo "## Footprint"
	echo
	echo "| | imdsgated worker | imdsgated monitor | nginx worker |"
	echo "|---|---:|---:|---:|"
	echo "| RSS idle after start (KiB) | $(med px.rss.b.start) | $(med px.rss.m.start) | $(med px.rss.c.start) |"
	echo "| RSS idle after the wrk runs (KiB) | $(med px.rss.b.after) | $(med px.rss.m.after) | $(med px.rss.c.after) |"
	echo "| RSS holding ${PX_HOLD:-1000} connections (KiB) | $(med px.rss.b.hold) | | $(med px.rss.c.hold) |"
	echo "| peak RSS, VmHWM (KiB) | $(med px.rss.b.hwm) | $(med px.rss.m.hwm) | |"
	echo
	echo "imdsgated is two processes since the privilege separation (issue 16):"
	echo "the worker serves the connections (the targets below are its), the"
	echo "monitor answers who is calling; after the fork they share most pages."
	echo
	echo "CPU time of the serving process per 100,000 requests (ms; utime+stime"
	echo "from /proc/PID/stat around each load run; for imdsgated its two"
	echo "processes, not the simulator):"
	echo
	echo "| | (a) imdsgate-sim | (b) imdsgated | (c) nginx worker | (d) imdsgated, eBPF |"
	echo "|---|---:|---:|---:|---:|"
	for t in ka close; do
		echo "| $t | $(med px.a.$t.load.cpu_ms_100k) | $(med px.b.$t.load.cpu_ms_100k) | $(med px.c.$t.load.cpu_ms_100k) | $(med px.d.$t.load.cpu_ms_100k) |"
	done
	echo
	echo "System calls per request (strace -c -f on each serving process over"
	echo "one load run with strace attached, ${PX_CONNS:-16} connections):"
	echo
	echo "| | nginx worker | imdsgated worker, eBPF (d) | its monitor |"
	echo "|---|---:|---:|---:|"
	for t in ka close; do
		echo "| $t | $(med px.sys.c.$t.worker) | $(med px.sys.d.$t.worker) | $(med px.sys.d.$t.monitor) |"
	done
	echo
	echo "Targets: RSS < 4 MiB idle: $(pass "$(med px.rss.b.start)" '<' 4096);"
	echo "< 12 MiB (issue 18) with ${PX_HOLD:-1000} connections: $(pass "$(med px.rss.b.hold)" '<' 12288)."
	echo "Audit log written during the runs: $(med px.audit_bytes) bytes."
	echo
	for m in ka close; do
		[ -s "$OUT/perf-proxy-d-$m.txt" ] || continue
		echo "Profile of imdsgated during one $m load run (perf record -g -p;"
		echo "self time, top symbols; call graphs in $OUT):"
		echo
		echo '```'
		head -15 "$OUT/perf-proxy-d-$m.txt"
		echo '```'
		echo
	done
}

rp_ident() {
	echo "## Caller identity and rule matching (per connection / request)"
	echo
	echo "From bench/peer_bench -n ${ID_NPROC:-1000} -B CGROUP and bench/rules_bench (owned by"
	echo "the system and rules areas; their own medians):"
	echo
	echo '```'
	cat "$OUT/peer_bench.txt" "$OUT/rules_bench.txt" 2>/dev/null
	echo '```'
	echo
	echo "Through imdsgated: the first request (GET with a token) of a process"
	echo "started before ${ID_NPROC:-1000} other processes of its uid, client side, median of"
	echo "$(nruns id.first.auto.ms) (eBPF) and $(nruns id.first.nft.ms) (fallback) such processes;"
	echo "served: from the request sent to the whole answer (the daemon identifies"
	echo "the caller, decides, asks IMDS); with connect(): from before connect()."
	[ "${ID_RT:-1}" = 1 ] && echo "The daemon, the simulator and these clients ran SCHED_FIFO (ID_RT=1)."
	echo
	echo "| identity | served, median ms | with connect(), median ms |"
	echo "|---|---:|---:|"
	echo "| eBPF layer's connect() record (backend = auto) | $(fmt 2 "$(med id.first.auto.ms)") | $(fmt 2 "$(med id.first.auto.total_ms)") |"
	echo "| /proc fallback (backend = nft) | $(fmt 2 "$(med id.first.nft.ms)") | $(fmt 2 "$(med id.first.nft.total_ms)") |"
	echo
	echo "Target: within 2 ms with the eBPF layer: $(pass "$(med id.first.auto.ms)" '<=' 2)."
	echo
}

# rp_dt_row NAME FMT: one corpus and format
rp_dt_row() {
	local n=$1 f=$2 ev cpu wall bcpu bwall
	ev=$(med "dt.$n.$f.events")
	[ "$ev" = - ] && return
	cpu=$(med "dt.$n.$f.det.cpu"); wall=$(med "dt.$n.$f.det.wall")
	bcpu=$(med "dt.$n.$f.base.cpu"); bwall=$(med "dt.$n.$f.base.wall")
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
		"$n" "$f" "$ev" "$wall" "$cpu" \
		"$(fmt 0 "$(ratio "$ev" "$cpu")")" "$(med "dt.$n.$f.det.rss")" \
		"$bwall" "$bcpu" "$(ratio "$cpu" "$bcpu")" "$(ratio "$wall" "$bwall")" \
		"$(med "dt.$n.$f.det.findings")/$(dt_want "$n")"
}

dt_want() {
	sed -n 's/.*"expected_findings":\([0-9]*\).*/\1/p' \
		"$WORK/corpora/$1/manifest.json" 2>/dev/null
}

# The earlier build (DT_PREV) and this one, run in the same rounds.
rp_dt_prev() {
	local n f ev pc c
	echo "Before and after: \`DT_PREV=${DT_PREV:-?}\` run on the same files in"
	echo "the same rounds as this build, alternating which goes first:"
	echo
	echo "| corpus | input | events/s/core before | after | after/before | peak RSS KiB before | after | findings before | after | expected |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in c1m-10k c1m-1m c10m-10k c10m-1m; do
		for f in jsonl s3; do
			ev=$(med "dt.$n.$f.events")
			pc=$(med "dt.$n.$f.prev.cpu"); c=$(med "dt.$n.$f.det.cpu")
			[ "$ev" = - ] || [ "$pc" = - ] && continue
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
				"$n" "$f" "$(fmt 0 "$(ratio "$ev" "$pc")")" \
				"$(fmt 0 "$(ratio "$ev" "$c")")" "$(ratio "$pc" "$c")" \
				"$(med "dt.$n.$f.prev.rss")" "$(med "dt.$n.$f.det.rss")" \
				"$(med "dt.$n.$f.prev.findings")" \
				"$(med "dt.$n.$f.det.findings")" "$(dt_want "$n")"
		done
	done
	echo
}

rp_detect() {
	local n f ps per jl
	echo "## Detector (imdsgate-detect)"
	echo
	echo "Corpora from bench/gen-cloudtrail (see README.md); baseline = cat"
	echo "(JSON lines) or zcat (gzip S3 objects) of the same files, page cache"
	echo "warm. Times in seconds; events/s per CPU-second = events / (user+sys)."
	echo
	echo "| corpus | input | events | wall | cpu | events/s/core | peak RSS KiB | base wall | base cpu | cpu vs base | wall vs base | findings/expected |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in c1m-10k c1m-1m c10m-10k c10m-1m; do
		for f in jsonl s3; do rp_dt_row "$n" "$f"; done
	done
	echo
	grep -q '^dt\..*\.prev\.' "$RAW" && rp_dt_prev
	echo "Python baseline (bench/lockip.py, ${PY_RUNS:-1} run(s), c1m-10k):"
	echo
	echo "| input | wall | cpu | events/s | peak RSS KiB | findings | detector speed-up (cpu) |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for f in jsonl s3; do
		ps=$(med "dt.c1m-10k.$f.py.cpu")
		[ "$ps" = - ] && continue
		echo "| $f | $(med "dt.c1m-10k.$f.py.wall") | $ps | $(fmt 0 "$(ratio 1000000 "$ps")") | $(med "dt.c1m-10k.$f.py.rss") | $(med "dt.c1m-10k.$f.py.findings") | $(ratio "$ps" "$(med "dt.c1m-10k.$f.det.cpu")")x |"
	done
	echo
	per=$(awk -v a="$(med dt.c10m-1m.s3.det.rss)" -v b="$(med dt.c10m-10k.s3.det.rss)" \
		'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.0f", (a - b) * 1024 / 990000 }')
	mjl=$(awk -v a="$(med dt.c1m-1m.jsonl.det.rss)" -v b="$(med dt.c1m-10k.jsonl.det.rss)" \
		'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.0f", (a - b) * 1024 / 990000 }')
	echo "Memory per tracked session: (peak RSS at 1M sessions - at 10k) / 990,000:"
	echo "$per bytes on the 10M-event gzip corpora, $mjl bytes on the 1M-event JSON lines."
	echo
	echo "Targets (issue 18):"
	jl=$(ratio "$(med dt.c1m-10k.jsonl.events)" "$(med dt.c1m-10k.jsonl.det.cpu)")
	echo "- >= 500,000 events/s per core on JSON lines (c1m-10k): $(fmt 0 "$jl") — $(pass "$jl" '>=' 500000)"
	gz=$(ratio "$(med dt.c1m-10k.s3.base.cpu)" "$(med dt.c1m-10k.s3.det.cpu)")
	echo "- >= 2x zcat on gzip S3 objects (c1m-10k, zcat's CPU / the detector's): ${gz}x — $(pass "$gz" '>=' 2)"
	# the same in wall time (the detector reads ahead on a second
	# thread, zcat runs on one), and with a million sessions
	for c in c1m-10k c1m-1m; do
		gz=$(ratio "$(med "dt.$c.s3.base.wall")" "$(med "dt.$c.s3.det.wall")")
		[ "$gz" = - ] && continue
		gc=$(ratio "$(med "dt.$c.s3.base.cpu")" "$(med "dt.$c.s3.det.cpu")")
		echo "  - $c: CPU ${gc}x, wall ${gz}x zcat's speed"
	done
	[ "$per" = - ] && per=$mjl
	echo "- <= 300 bytes per tracked session at 1M sessions: $per — $(pass "$per" '<=' 300)"
	echo "- (no target) the Python baseline, c1m-10k JSON lines, CPU: $(ratio "$(med dt.c1m-10k.jsonl.py.cpu)" "$(med dt.c1m-10k.jsonl.det.cpu)")x"
	echo
	for f in jsonl s3; do
		[ -s "$OUT/perf-c1m-10k-$f.txt" ] || continue
		echo "Profile, imdsgate-detect on c1m-10k/$f (perf record; top symbols):"
		echo
		echo '```'
		cat "$OUT/perf-c1m-10k-$f.txt"
		echo '```'
		echo
	done
}

rp_main() {
	echo "# imdsgate benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Command: \`${DT_PREV:+DT_PREV=$DT_PREV }${DT_SPECS:+DT_SPECS=\$'$(echo "$DT_SPECS" | sed ':a;N;s/\n/\\n/;ba')' }bench/run-all -b $BUILD -r $RUNS$([ "$QUICK" = 1 ] && echo ' --quick')$ONLY_ARGS\`"
	echo "(raw numbers: $OUT/raw.tsv)."
	echo
	rp_machine
	grep -q '^px\.' "$RAW" && { rp_proxy; rp_footprint; }
	grep -q '^id\.' "$RAW" && rp_ident
	grep -q '^dt\.' "$RAW" && rp_detect
	if [ -s "$NOTES" ]; then
		echo "## Notes from this run"
		echo
		sed 's/^/- /' "$NOTES"
		echo
	fi
}
