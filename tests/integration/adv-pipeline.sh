#!/bin/bash
# Unbounded memory from pipelining (issue 14.2): the next pipelined
# request used to be parsed as soon as the previous answer was queued,
# whatever was still unsent, so one uid with 16 slow-reading connections
# grew the daemon by ~35 MB/s and wrote 1.36 M audit records in 20 s.
# Here igt-alice floods 16 connections with pipelined requests while
# reading each at READ_RATE bytes a second; the daemon's RSS (VmRSS,
# sampled) and the audit records written must stay bounded, and igt-bob
# must be served promptly meanwhile.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
need_root
need_cmd curl python3
ns_setup
test_users
robust_dirs
asan_small_quarantine	# RSS is measured
RSS_LIMIT_KB=8192
# under ASan the quarantine (8 MB here) and the shadow count too
asan_build && RSS_LIMIT_KB=$((RSS_LIMIT_KB + 16384))
PIPE="/usr/bin/python3 $(stage "$top_srcdir/tests/lib/pipeline.py")"
DURATION=${FLOOD_SECONDS:-10}
READ_RATE=1024
CONNS=16
P=740
sim_start --tokens optional --role "$ROLE"
fault_daemon f-pipe $P 169.254.169.254:80
LOG=$TMPD/log/f-pipe.log
base=$(rss_kb "$DAEMON_WORKER")

sleep_until() { [ "$(now_ms)" -ge "$1" ]; }

# flood NAME PATH: alice's flood of GET PATH; bob is served in the middle
# of it; sets $max (largest RSS seen) and $recs (audit records written)
flood() {
	local t0 code ms sent got
	rm -f "$TMPD/rss" "$TMPD/rss.stop"
	rec0=$(grep -c . "$LOG")
	rss_sampler "$DAEMON_WORKER" "$TMPD/rss" &
	local sampler=$!
	t0=$(now_ms)
	printf "GET $2 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" |
		as_user "$ALICE_UID" $PIPE 127.0.0.1 $P --flood --conns $CONNS \
			--duration "$DURATION" --read-rate $READ_RATE >"$TMPD/$1.out" &
	local pid=$!
	wait_for $((DURATION + 30)) sleep_until $((t0 + DURATION * 500))
	read -r code ms _ < <(fetch "$BOB_UID" $P "$MD")
	is "$code" 200 "$1: bob is served during alice's flood"
	ok "$1: promptly ($ms ms)" test "$ms" -lt 2000
	wait $pid
	touch "$TMPD/rss.stop"; wait $sampler
	max=$(cat "$TMPD/rss")
	read -r _ sent _ got <"$TMPD/$1.out"
	recs=$(( $(grep -c . "$LOG") - rec0 ))
	diag "$1: alice sent $((sent / 1024)) kB of pipelined requests in ${DURATION} s" \
		"and read $((got / 1024)) kB; daemon RSS $base kB -> max $max kB; $recs audit records"
}

# Refused at once (no upstream): the fastest answers, the worst case for
# the daemon's memory.
flood refused "$CREDS"
ok "refused: RSS bounded: +$((max - base)) kB (under $RSS_LIMIT_KB kB)" test $((max - base)) -lt $RSS_LIMIT_KB
# Served by the upstream: each answer must have its record; what a
# reader at READ_RATE takes, plus what the kernel buffers hold, is far
# below what the daemon could answer in that time.
flood served "$MD"
ok "served: RSS bounded: +$((max - base)) kB (under $RSS_LIMIT_KB kB)" test $((max - base)) -lt $RSS_LIMIT_KB
ok "served: audit records bounded: $recs (1,000 requests per connection: under $((CONNS * 1000 + 10)))" \
	test "$recs" -le $((CONNS * 1000 + 10))
ok "the daemon is still running" kill -0 "$DAEMON_WORKER"
tap_done
