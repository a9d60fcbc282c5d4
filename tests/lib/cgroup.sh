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
#   cg_conf [-o FILE] [KEY=VALUE...]  $GATE_CONF (or FILE, tests/lib/gate.sh) for a daemon
#                       attaching to $CG and pinning in $PIN, backend auto,
#                       managed, checked every second; then the overrides
#   cg_install [CONF]   imdsgated --redirect install where the cgroup tree
#                       and bpffs are visible
#   cg_daemon_start NAME [-c CONF] [WRAPPER...]  gate_start -n NAME, the daemon in
#                       the cgroup (the wrapper $CG_WRAP: the test's mount
#                       namespace, where `ip netns exec` hid the cgroup
#                       tree and bpffs, then the cgroup); $DAEMON_PID (the
#                       monitor), $WORKER_PID, stderr in $TMPD/NAME.err
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
	CG_WRAP=(nsenter --mount=/proc/$$/ns/mnt -- bash -c
		'echo $$ >"$1/cgroup.procs" || exit 126; shift; exec "$@"' _ "$CG")
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

cg_conf() {
	local -a out=()
	[ "${1:-}" = -o ] && { out=(-o "$2"); shift 2; }
	gate_conf "${out[@]}" redirect.manage=yes redirect.backend=auto \
		"redirect.cgroup=$CG" "redirect.pin_dir=$PIN" redirect.check_interval=1 "$@"
}

cg_install() {
	in_cg "$PROXY" --redirect install -c "${1:-$GATE_CONF}"
}

cg_daemon_start() {
	local name=$1
	shift
	gate_start -n "$name" "$@" "${CG_WRAP[@]}"
	DAEMON_PID=$GATE_PID
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
