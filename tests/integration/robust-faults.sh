#!/bin/bash
# Faults (issue 7.2): a broken upstream (down, never answering, resetting,
# sending garbage, a 100 MB body, trickling), a reload with a broken rule
# file, an audit log on a full file system, file descriptor exhaustion,
# one user over max_connections_per_uid (10,000 idle connections:
# robust-idle.sh). Each case runs its own daemon (no redirect:
# clients connect to its listener) so one failure cannot hide another.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
source "$top_srcdir/tests/integration/sim-common.sh"
need_root
need_cmd python3 curl unshare
ns_setup
test_users
robust_dirs
UP_TIMEOUT_S=2
MARGIN_MS=3000
asan_small_quarantine	# RSS is measured below

# A good upstream (v1 allowed, so these daemons need no token dance) and
# one simulator per fault mode.
sim_start --tokens optional --role "$ROLE"
port=8000
for f in never-answer reset garbage huge-body slow; do
	port=$((port + 1))
	sim_extra "$f" "169.254.169.254:$port" --fault "$f"
	eval "UP_${f//-/_}=169.254.169.254:$port"
done
UP_down=169.254.169.254:8090	# nothing listens there

MD=/latest/meta-data/instance-id
# each daemon its own privileged port, next to the usual one
for i in 1 2 3 4 5 6 7 8 9 11; do eval "P$i=\$((GATE_PORT + i))"; done

# --- upstream faults -------------------------------------------------------
fault_daemon f-down $P1 "$UP_down"
read -r code ms rc _ < <(fetch "$BOB_UID" $P1 "$MD")
is "$code" 502 "upstream down: 502"
ok "upstream down: fast ($ms ms)" test "$ms" -lt 2000

fault_daemon f-never $P2 "$UP_never_answer"
read -r code ms rc _ < <(fetch "$BOB_UID" $P2 "$MD")
is "$code" 504 "upstream never answers: 504"
ok "never answers: after upstream_timeout ($ms ms, timeout ${UP_TIMEOUT_S} s)" \
	test "$ms" -ge $((UP_TIMEOUT_S * 1000 - 200)) -a "$ms" -le $((UP_TIMEOUT_S * 1000 + MARGIN_MS))

fault_daemon f-reset $P3 "$UP_reset"
read -r code ms rc _ < <(fetch "$BOB_UID" $P3 "$MD")
is "$code" 502 "upstream resets: 502 ($ms ms)"

fault_daemon f-garbage $P4 "$UP_garbage"
read -r code ms rc _ < <(fetch "$BOB_UID" $P4 "$MD")
is "$code" 502 "upstream sends garbage: 502 ($ms ms)"

# An upstream that trickles its answer (a byte every 200 ms): the head
# must arrive within upstream_timeout, a deadline that bytes do not re-arm.
fault_daemon f-slow $P5 "$UP_slow"
# (the client gives up a second after the margin: a hang shows as 000)
read -r code ms rc _ < <(fetch "$BOB_UID" $P5 "$MD" -m $((UP_TIMEOUT_S + MARGIN_MS / 1000 + 1)))
is "$code" 504 "upstream trickles its answer: 504 (got $code)"
ok "trickle: answered within upstream_timeout + margin ($ms ms)" \
	test "$ms" -le $((UP_TIMEOUT_S * 1000 + MARGIN_MS))

# The 100 MB body, read slowly (25 MB/s) so a daemon that buffers instead
# of applying back-pressure shows it in its RSS. Sampled every 50 ms.
fault_daemon f-huge $P6 "$UP_huge_body"
HUGE_PID=$DAEMON_WORKER	# the process that serves
huge_case() {	# huge_case NAME UID PATH
	local base max code ms rc size
	base=$(rss_kb "$HUGE_PID")
	rm -f "$TMPD/rss-$1" "$TMPD/rss-$1.stop"
	rss_sampler "$HUGE_PID" "$TMPD/rss-$1" &
	local sampler=$!
	read -r code ms rc size < <(fetch "$2" $P6 "$3" --limit-rate 25M)
	touch "$TMPD/rss-$1.stop"; wait $sampler
	max=$(cat "$TMPD/rss-$1")
	ok "huge body, $1: never a hang (curl rc $rc, $ms ms)" test "$rc" -ne 28
	like "$code $size" '^(200 104857600|502 .*)$' "huge body, $1: the whole body or a 502 ($code, $size bytes)"
	ok "huge body, $1: RSS bounded ($base kB -> max $max kB)" test $((max - base)) -lt 40960
	diag "huge body, $1: RSS $base kB before, max $max kB during"
}
huge_case metadata "$BOB_UID" "$MD"
huge_case credentials "$BOB_UID" "$CREDS"
ok "huge body: the daemon is still running" kill -0 "$HUGE_PID"

diag "(${SECONDS} s so far)"
# --- reload with a broken rule file keeps the old rules ---------------------
GATE_RULES=$TMPD/rules-reload.d gate_rules creds-root-bob
fault_daemon f-reload $P7 169.254.169.254:80 "rules.dir=$TMPD/rules-reload.d"
RELOAD_PID=$DAEMON_PID
RLOG=$TMPD/log/f-reload.log
read -r code _ < <(fetch "$ALICE_UID" $P7 "$CREDS")
is "$code" 403 "reload: alice refused credentials by the first rule set"
# The new set would let alice in, but another file in it is broken.
cat >>"$TMPD/rules-reload.d/10-creds-root-bob.rules" <<'RULES'

[alice let in by the new set]
action = allow
user = igt-alice
path = /meta-data/iam/security-credentials/**
RULES
printf '[broken]\naction = maybe\npath = /meta-data/**\n' >"$TMPD/rules-reload.d/20-broken.rules"
chmod a+r "$TMPD/rules-reload.d"/*
kill -HUP "$RELOAD_PID"
ok "reload: the error names the broken file and line" \
	wait_line 30 "$TMPD/f-reload.err" '20-broken\.rules:2'
read -r code _ < <(fetch "$ALICE_UID" $P7 "$CREDS")
is "$code" 403 "reload: alice still refused (old rules kept)"
like "$(grep '"event":"request"' "$RLOG" | grep "\"uid\":$ALICE_UID" | tail -1)" \
	'"rule":"no credentials for others"' "reload: decided by the old rule"
read -r code _ < <(fetch "$BOB_UID" $P7 "$CREDS")
is "$code" 200 "reload: bob still served"
ok "reload: the daemon is still running" kill -0 "$RELOAD_PID"

diag "(${SECONDS} s so far)"
# --- the audit log on a full file system -----------------------------------
# A 8 kB tmpfs, filled, in a mount namespace of the daemon's own.
mkdir -p "$TMPD/full"
FULLWRAP=(unshare -m --propagation private sh -c \
	'mount -t tmpfs -o size=8k,mode=0777 robust "$0" || exit 1
	head -c 1048576 /dev/zero >"$0/fill" 2>/dev/null
	shift; exec "$@"' "$TMPD/full" _)
fault_daemon f-full $P8 169.254.169.254:80 "log.audit=$TMPD/full/audit.log" -- "${FULLWRAP[@]}"
n200=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	read -r code _ < <(fetch "$BOB_UID" $P8 "$MD")
	[ "$code" = 200 ] && n200=$((n200 + 1))
done
is "$n200" 10 "audit log full: all 10 requests still served"
warns=$(sed -n '/ready/,$p' "$TMPD/f-full.err" | grep -ciE 'audit|space')
is "$warns" 1 "audit log full: exactly one diagnostic warning"
sed -n '/ready/,$p' "$TMPD/f-full.err" | grep -iE 'audit|space' | sed 's/^/# /'
ok "audit log full: no crash" kill -0 "$DAEMON_PID"

diag "(${SECONDS} s so far)"
# --- file descriptor exhaustion ---------------------------------------------
mkdir -m 1777 "$TMPD/hold"
fault_daemon f-fds $P9 169.254.169.254:80 -- sh -c 'ulimit -n 64 && exec "$@"' _
FDS_PID=$DAEMON_WORKER	# the process that serves
as_user "$BOB_UID" /usr/bin/python3 -c "$HOLDER" 127.0.0.1 $P9 150 "$TMPD/hold/held" &
HOLD=$!; bg_track $HOLD
ok "fd exhaustion: 150 connections opened against a limit of 64" wait_for 60 test -s "$TMPD/hold/held"
is "$(cat "$TMPD/hold/held")" 150 "fd exhaustion: all 150 connected (the kernel queues what is not accepted)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
c0=$(cpu_ticks "$FDS_PID"); t0=$(now_ms)
sleep 2	# the measured period: CPU burnt while accept() fails with EMFILE
c1=$(cpu_ticks "$FDS_PID"); t1=$(now_ms)
ticks=$(getconf CLK_TCK)
ok "fd exhaustion: no busy loop ($((c1 - c0)) ticks of CPU in $((t1 - t0)) ms)" \
	test $(( (c1 - c0) * 1000 / ticks )) -lt $(( (t1 - t0) / 2 ))
touch "$TMPD/hold/held.stop"; wait $HOLD
served() { [ "$(fetch "$ALICE_UID" $P9 "$MD" | cut -d' ' -f1)" = 200 ]; }
ok "fd exhaustion: serves again once the connections are gone" wait_for 60 served
ok "fd exhaustion: the daemon is still running" kill -0 "$FDS_PID"

diag "(${SECONDS} s so far)"
# --- one user holding more idle connections than max_connections_per_uid -----
# Defaults (256 per uid, process_info = yes): alice opens PERUID_N; bob,
# asking right after her connects went through, is served promptly, and
# the limit is applied to hers (the ones over it get a 503).
PERUID_N=${PERUID_N:-300}
fault_daemon f-peruid $P11 169.254.169.254:80
PERUID_PID=$DAEMON_WORKER	# the process that serves
nfds() { ls "/proc/$1/fd" | wc -l; }
fds0=$(nfds "$PERUID_PID"); t0=$(now_ms)
as_user "$ALICE_UID" /usr/bin/python3 -c "$HOLDER" 127.0.0.1 $P11 "$PERUID_N" "$TMPD/hold/peruid" &
PHOLD=$!; bg_track $PHOLD
ok "per uid: alice opened $PERUID_N connections" wait_for 60 test -s "$TMPD/hold/peruid"
read -r code ms _ < <(fetch "$BOB_UID" $P11 "$MD" -m 60)
is "$code" 200 "per uid: bob is served while alice holds her connections"
ok "per uid: promptly ($ms ms)" test "$ms" -lt 5000
ok "per uid: the limit was applied (an audit error record says so)" \
	wait_for 30 grep -q '"detail":"max_connections_per_uid"' "$TMPD/log/f-peruid.log"
diag "per uid: limit reached after $(( $(now_ms) - t0 )) ms; the daemon holds $(nfds "$PERUID_PID") fds ($fds0 at rest)"
touch "$TMPD/hold/peruid.stop"; wait $PHOLD

diag "(${SECONDS} s in all)"
tap_done
