# Helpers for the robustness tests (tests/integration/robust-*.sh), sourced
# after tap.sh and netns.sh.
#
#   robust_dirs               the rule set creds-root-bob (tests/lib/rules)
#   robust_conf UPSTREAM [KEY=VALUE...]   $GATE_CONF with the redirect
#                             managed, that upstream and the overrides
#   daemon_start NAME [WRAPPER...]   gate_start -n NAME; $DAEMON_PID (the
#                             monitor: signals go there), $DAEMON_WORKER
#                             (the worker: connections, memory, CPU),
#                             stderr in $TMPD/NAME.err
#   load_start NAME UID ARGS...   tests/lib/load.py as that uid (0: root)
#                             in the background, results in $TMPD/NAME.res
#   res_count NAME AWK-COND   results of NAME matching the condition
#                             ($1 start, $2 end, $3 method, $4 kind,
#                             $5 status, $6 creds)
#   rss_kb PID                the process's resident set, in kB
#   now_ms                    wall clock in ms (as load.py writes it)
#   sim_requests LOG          requests a verbose imdsgate-sim served
#   fault_daemon NAME PORT UPSTREAM [KEY=VALUE...] [-- WRAPPER...]
#                             a daemon without redirect on PORT
#                             ($DAEMON_PID, $DAEMON_WORKER as daemon_start)
#   fetch UID PORT PATH [CURL-ARGS...]   one GET to a daemon's listener
#   $HOLDER                   a Python program that holds idle connections
#
# The rule set (creds-root-bob): everyone may read metadata and get a
# token; credentials only for root and igt-bob; everyone else (igt-alice)
# is refused them by the rule "no credentials for others".
source "$top_srcdir/tests/lib/gate.sh"
LOADPY="/usr/bin/python3 $(stage "$top_srcdir/tests/lib/load.py")"
ROLE=robust-role
CREDS=/latest/meta-data/iam/security-credentials/$ROLE

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# exited PID: the process is gone, or a zombie (its files closed either
# way). The worker dies with the monitor (PR_SET_PDEATHSIG), a moment
# after the monitor is reaped: a test timing a "down" window waits for it.
exited() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}

robust_dirs() { gate_rules creds-root-bob; }

# robust_conf UPSTREAM [KEY=VALUE...]: listens on GATE_PORT (127.0.0.1
# and ::1), the redirect managed.
robust_conf() {
	local up=$1
	shift
	gate_conf "proxy.upstream=$up" redirect.manage=yes "$@"
}

# daemon_start NAME [WRAPPER...]: WRAPPER (e.g. valgrind ...) runs the
# daemon; the pid is the daemon's.
daemon_start() {
	local name=$1
	shift
	gate_start -n "$name" "$@"
	DAEMON_PID=$GATE_PID
	DAEMON_WORKER=$(pgrep -P "$DAEMON_PID" | head -1)
}

# load_start NAME UID ARGS...
load_start() {
	local name=$1 uid=$2
	shift 2
	: >"$TMPD/$name.res"
	[ "$uid" = 0 ] || chown "$uid" "$TMPD/$name.res"
	if [ "$uid" = 0 ]; then
		in_inst $LOADPY --out "$TMPD/$name.res" "$@" &
	else
		as_user "$uid" $LOADPY --out "$TMPD/$name.res" "$@" &
	fi
	bg_track $!
	LOAD_PIDS="${LOAD_PIDS:-} $!"
}

# load_stop: ask every loop to stop (they watch $TMPD/stop), wait for them.
load_stop() {
	local p
	touch "$TMPD/stop"
	for p in ${LOAD_PIDS:-}; do wait "$p" 2>/dev/null; done
	LOAD_PIDS=""
}

res_count() {
	[ -f "$TMPD/$1.res" ] || { echo 0; return; }
	awk "$2 { n++ } END { print n + 0 }" "$TMPD/$1.res"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# rss_sampler PID FILE: the largest RSS of PID seen (KiB), kept in FILE,
# sampled every 50 ms until FILE.stop exists; run it in the background.
rss_sampler() {
	local max=0 r
	while [ ! -e "$2.stop" ]; do
		r=$(rss_kb "$1"); [ "${r:-0}" -gt "$max" ] && max=$r
		echo "$max" >"$2"
		sleep 0.05
	done
}

# Requests a simulator started with -v served (one log line each).
sim_requests() {
	grep -cE '^imdsgate-sim: (GET|HEAD|PUT|POST|DELETE|OTHER) ' "$1" 2>/dev/null
}

# audit_count FILTER FILES...: records of the audit log(s) with FILTER
# (a fixed string) in them.
audit_count() {
	local f=$1
	shift
	cat "$@" 2>/dev/null | grep -cF -- "$f"
}

# asan_build: the daemon was built with AddressSanitizer (valgrind cannot
# run it; memory figures include the shadow).
asan_build() { grep -q '^SAN_FLAGS = .*-fsanitize=address' "$top_builddir/Makefile" 2>/dev/null; }

# Under ASan, a freed block is kept in quarantine (256 MB by default):
# a daemon whose RSS is measured gets a small one, so the figure shows
# the daemon's own memory, not ASan's.
asan_small_quarantine() {
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
}

# fault_daemon NAME PORT UPSTREAM [KEY=VALUE...] [-- WRAPPER...]: a
# daemon without redirect, tokens optional, its own configuration and
# audit log ($TMPD/NAME.conf, $TMPD/log/NAME.log).
fault_daemon() {
	local name=$1 p=$2 up=$3
	local -a kv=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do kv+=("$1"); shift; done
	[ $# -eq 0 ] || shift
	gate_conf -o "$TMPD/$name.conf" "proxy.listen=127.0.0.1:$p" \
		"proxy.listen=[::1]:$p" "proxy.upstream=$up" proxy.require_token=no \
		proxy.connect_timeout=1 "proxy.upstream_timeout=${UP_TIMEOUT_S:-2}" \
		"log.audit=$TMPD/log/$name.log" "${kv[@]}"
	gate_start -n "$name" -c "$TMPD/$name.conf" "$@"
	DAEMON_PID=$GATE_PID
	DAEMON_WORKER=$(pgrep -P "$DAEMON_PID" | head -1)
}

# fetch UID PORT PATH [CURL-ARGS...]: "CODE MS RC SIZE" of one GET.
fetch() {
	local uid=$1 p=$2 path=$3 t0 out rc=0
	shift 3
	t0=$(now_ms)
	out=$(as_user "$uid" curl -s -m 30 -o /dev/null -w '%{http_code} %{size_download}' \
		"$@" "http://127.0.0.1:$p$path") || rc=$?
	set -- $out
	echo "$1 $(( $(now_ms) - t0 )) $rc $2"
}

# $HOLDER, run as `python3 -c "$HOLDER" HOST PORT N FILE`: holds N idle
# connections open until FILE.stop exists; writes how many it opened to
# FILE once done, and its progress every 100 to FILE.n (the directory must
# be writable by the user running it).
HOLDER='import socket, sys, os, time
n, out = int(sys.argv[3]), sys.argv[4]
socks = []
for i in range(n):
    try:
        socks.append(socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60))
    except OSError as e:
        print("connect %d: %s" % (i, e), file=sys.stderr)
        break
    if i % 100 == 0:
        with open(out + ".n", "w") as f:
            f.write("%d\n" % i)
with open(out + ".tmp", "w") as f:
    f.write("%d\n" % len(socks))
os.rename(out + ".tmp", out)
while not os.path.exists(out + ".stop"):
    time.sleep(0.05)
'
MD=/latest/meta-data/instance-id
