# cgroups and the eBPF layer for integration tests (sourced after tap.sh
# and netns.sh). Each test gets a cgroup of its own under the cgroup2 mount
# and a pin directory of its own, so tests run in parallel and nothing
# outside the test's cgroup is redirected; the EXIT trap detaches every
# program attached at or below it, unpins, kills what still runs in it and
# removes it.
#
#   cg_setup            $CG (the test's cgroup), $CG_REL (its path in the
#                       cgroup2 tree), $PIN (its pin directory), $CG2 (the
#                       cgroup2 mount)
#   cg_sub NAME         a child cgroup (made once); prints its path
#   in_cg [-g DIR] CMD...       CMD as root in the cgroup (or DIR) and the
#                       "instance" network namespace: the cgroup is joined
#                       first, then the namespace entered with nsenter
#                       (`ip netns exec` remounts /sys: no cgroup tree)
#   cg_user [-g DIR] UID CMD... the same as a real unprivileged uid
#   cg_bpf_count        programs attached at $CG (bpftool)
#   cg_conf FILE MANAGE [BACKEND]   robust_conf (tests/lib/robust.sh) for the
#                       daemon, attaching to $CG and pinning in $PIN
#   cg_daemon_start NAME CONF       imdsgated -f in the cgroup and the
#                       namespace, wait for ready; $DAEMON_PID (the monitor),
#                       $WORKER_PID, stderr in $TMPD/NAME.err ($DAEMON_V:
#                       extra options, e.g. -vv)
#   cg_load_start NAME UID ARGS...  tests/lib/load.py in the cgroup as UID
: "${CG2:=$(findmnt -n -o TARGET -t cgroup2 | head -1)}"

cg_setup() {
	need_cmd bpftool jq nsenter findmnt
	[ -n "$CG2" ] || { echo "Bail out! no cgroup2 file system mounted"; exit 1; }
	[ -f /sys/kernel/btf/vmlinux ] || { echo "Bail out! the kernel has no BTF"; exit 1; }
	CG_REL=/igt-$(basename "$0" .sh)-$$
	CG=$CG2$CG_REL
	PIN=/sys/fs/bpf/igt-$$
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
	mkdir "$CG" || { echo "Bail out! cannot make $CG"; exit 1; }
	trap cg_cleanup EXIT
}

# Every cgroup from $CG down, deepest first.
_cg_dirs() { find "$CG" -depth -type d 2>/dev/null; }

# Detach every program attached to one cgroup directory.
_cg_detach() {
	local d=$1 id type
	bpftool -j cgroup show "$d" 2>/dev/null | jq -r '.[] | "\(.id) \(.attach_type)"' |
	while read -r id type; do
		bpftool cgroup detach "$d" "$type" id "$id" 2>/dev/null
	done
}

cg_cleanup() {
	local d p
	if [ -n "${CG:-}" ] && [ -d "$CG" ]; then
		for d in $(_cg_dirs); do
			[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
			for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		done
		for d in $(_cg_dirs); do _cg_detach "$d"; done
		for _ in $(seq 50); do
			for d in $(_cg_dirs); do rmdir "$d" 2>/dev/null; done
			[ -d "$CG" ] || break
			sleep 0.1
		done
	fi
	[ -n "${PIN:-}" ] && rm -rf "$PIN"
	ns_cleanup
}

cg_sub() {
	mkdir -p "$CG/$1" && echo "$CG/$1"
}

in_cg() {
	local g=$CG
	[ "$1" = -g ] && { g=$2; shift 2; }
	bash -c 'echo $$ >"$1/cgroup.procs" || exit 126; shift; exec "$@"' _ "$g" \
		nsenter --net=/run/netns/"$NS_INST" "$@"
}

cg_user() {
	local g=$CG u gid
	[ "$1" = -g ] && { g=$2; shift 2; }
	u=$1; shift
	gid=${u#*:}; [ "$gid" = "$u" ] && gid=$u; u=${u%%:*}
	if getent passwd "$u" >/dev/null 2>&1; then
		in_cg -g "$g" setpriv --reuid "$u" --regid "$gid" --init-groups \
			--inh-caps=-all --bounding-set=-all -- "$@"
	else
		in_cg -g "$g" setpriv --reuid "$u" --regid "$gid" --clear-groups \
			--inh-caps=-all --bounding-set=-all -- "$@"
	fi
}

# The command prefix that runs a program in $CG and the instance
# namespace as the same process (for $! to be its pid).
_cg_run() {
	CG_RUN=(bash -c 'echo $$ >"$1/cgroup.procs" || exit 126; shift; exec "$@"'
		_ "${1:-$CG}" nsenter --net=/run/netns/"$NS_INST")
}

cg_conf() {
	robust_conf "$1" "${GATE_PORT:-169}" 169.254.169.254:80 "$2" <<CONF
backend = ${3:-auto}
cgroup = $CG
pin_dir = $PIN
check_interval = 1
CONF
}

cg_daemon_start() {
	local name=$1 conf=$2 secs=${DAEMON_READY_SECS:-60}
	_cg_run
	"${CG_RUN[@]}" "$PROXY" -f ${DAEMON_V:-} -c "$conf" 2>"$TMPD/$name.err" &
	DAEMON_PID=$!
	bg_track $DAEMON_PID
	if ! wait_for "$secs" grep -q ready "$TMPD/$name.err"; then
		echo "Bail out! imdsgated ($name) not ready"
		sed 's/^/# /' "$TMPD/$name.err"
		exit 1
	fi
	WORKER_PID=$(pgrep -P "$DAEMON_PID" | head -1)
}

cg_load_start() {
	local name=$1 uid=$2
	shift 2
	: >"$TMPD/$name.res"
	chown "$uid" "$TMPD/$name.res"
	cg_user "$uid" $LOADPY --out "$TMPD/$name.res" "$@" &
	bg_track $!
	LOAD_PIDS="${LOAD_PIDS:-} $!"
}

cg_bpf_count() { bpftool -j cgroup show "$CG" 2>/dev/null | jq -s 'map(length) | add // 0'; }
