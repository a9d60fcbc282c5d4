# Namespace harness for integration tests (sourced after tap.sh).
#
#   +-------------------- ns "instance" ---+      +--- ns "imds" ----------------+
#   | clients, imdsgated, iptables/nft     | veth | imdsgate-sim                 |
#   | 169.254.0.2/16  fd00:ec2::2/64       |------| 169.254.169.254  fd00:ec2::254|
#   +--------------------------------------+      +------------------------------+
#
# Names carry the test's pid so tests can run in parallel; everything is
# removed by the EXIT trap, whatever way the test ends.
#
#   ns_setup            create both namespaces and the link
#   sim_start ARGS...   run imdsgate-sim in "imds" on both IMDS addresses,
#                       wait for its ready line; $SIM_PID, $SIM_LOG
#   sim_extra NAME ADDR:PORT ARGS...   one more simulator in "imds",
#                       its log $TMPD/NAME.log
#   in_inst CMD...      run CMD in "instance"     in_imds CMD...  in "imds"
#   as_user UID CMD...  run CMD in "instance" as that uid (setpriv)
#   bg_track PID        kill PID at cleanup
#   stage PATH          a copy of PATH (file or directory) that the test
#                       users may read and run; prints the copy's path
#   test_users          create the test users/groups (idempotent), see below

: "${top_builddir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
SIM=${SIM:-$top_builddir/imdsgate-sim}
PROXY=${PROXY:-$top_builddir/imdsgated}
DETECT=${DETECT:-$top_builddir/imdsgate-detect}

NS_INST=igi$$
NS_IMDS=igm$$
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/imdsgate-test.XXXXXX")
chmod 755 "$TMPD"
_ns_pids=""
_ns_made=0

bg_track() { _ns_pids="$_ns_pids $*"; }

# stage PATH: what a test user runs or reads (a script, node_modules, a
# test program) is copied into the test's world-readable directory: a
# checkout in a 0700 home (the default on Debian 12) is not theirs to
# read, and tests run from any checkout.
stage() {
	local d=$TMPD/stage
	mkdir -p "$d"
	cp -a -- "$1" "$d/" || { echo "Bail out! cannot stage $1"; exit 1; }
	chmod -R a+rX "$d"
	chmod 755 "$d"
	echo "$d/$(basename "$1")"
}

# ns_keep_logs: keep this test's logs for tests/integration/zz-secret-scan.sh
# (audit area): every *.log, rotated *.log.N and *.err under $TMPD, and the
# simulator's secrets file(s), into $top_builddir/tests/artifacts/TEST/.
# So never save a credential body in a file named like a log.
ns_keep_logs() {
	local dst=$top_builddir/tests/artifacts/$(basename "$0" .sh) f rel
	[ -f "$top_builddir/Makefile" ] || return 0	# not a build tree
	rm -rf "$dst"
	mkdir -p "$dst" || return 0
	(cd "$TMPD" 2>/dev/null && find . -maxdepth 3 -type f \( -name '*.log' \
		-o -name '*.log.[0-9]*' -o -name '*.err' -o -name 'sim-secrets*' \)) |
	while IFS= read -r f; do
		rel=${f#./}
		cp -p "$TMPD/$rel" "$dst/$(printf '%s' "$rel" | tr / _)" 2>/dev/null
	done
}

ns_cleanup() {
	local p
	for p in $_ns_pids; do kill "$p" 2>/dev/null; done
	for p in $_ns_pids; do
		# give each a moment to exit, then insist
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -9 "$p" 2>/dev/null
	done
	if [ "$_ns_made" = 1 ]; then
		ip netns pids "$NS_INST" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns pids "$NS_IMDS" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$NS_INST" 2>/dev/null
		ip netns del "$NS_IMDS" 2>/dev/null
	fi
	ns_keep_logs
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$TMPD"
}
trap ns_cleanup EXIT
trap 'exit 130' INT TERM

in_inst() { ip netns exec "$NS_INST" "$@"; }
in_imds() { ip netns exec "$NS_IMDS" "$@"; }

# as_user UID[:GID] CMD...: a real unprivileged uid, no inherited groups
# unless the user has supplementary groups in /etc/group (--init-groups).
as_user() {
	local u=$1; shift
	local uid=${u%%:*} gid=${u#*:}
	[ "$gid" = "$u" ] && gid=$uid
	if getent passwd "$uid" >/dev/null 2>&1; then
		in_inst setpriv --reuid "$uid" --regid "$gid" --init-groups \
			--inh-caps=-all --bounding-set=-all -- "$@"
	else
		in_inst setpriv --reuid "$uid" --regid "$gid" --clear-groups \
			--inh-caps=-all --bounding-set=-all -- "$@"
	fi
}

ns_setup() {
	need_root
	need_cmd ip setpriv
	ip netns add "$NS_INST" || { echo "Bail out! ip netns add failed"; exit 1; }
	ip netns add "$NS_IMDS" || { echo "Bail out! ip netns add failed"; exit 1; }
	_ns_made=1
	ip link add "vi$$" netns "$NS_INST" type veth peer name "vm$$" netns "$NS_IMDS"
	in_inst ip link set lo up
	in_imds ip link set lo up
	in_inst ip link set "vi$$" name eth0
	in_imds ip link set "vm$$" name eth0
	in_inst ip addr add 169.254.0.2/16 dev eth0
	in_inst ip -6 addr add fd00:ec2::2/64 dev eth0 nodad
	in_imds ip addr add 169.254.169.254/16 dev eth0
	in_imds ip -6 addr add fd00:ec2::254/64 dev eth0 nodad
	in_inst ip link set eth0 up
	in_imds ip link set eth0 up
	in_inst sysctl -qw net.ipv4.ip_forward=0
}

# sim_start ARGS...: the simulator on both IMDS endpoints.
sim_start() {
	SIM_LOG=$TMPD/sim.log
	# The keys it hands out, for the final secret scan (unless the test
	# names its own --secrets-file, which is then kept if it is in $TMPD
	# and named sim-secrets*).
	SIM_SECRETS=$TMPD/sim-secrets.env
	case " $* " in *" --secrets-file"*) set -- "$@" ;;
		*) set -- --secrets-file "$SIM_SECRETS" "$@" ;; esac
	# ip netns exec directly (not the in_imds function): $! is then the
	# simulator itself, not a subshell around it
	_sim_run "$SIM_LOG" -l 169.254.169.254:80 -l '[fd00:ec2::254]:80' "$@"
	SIM_PID=$_sim_pid
}

# sim_extra NAME ADDR:PORT ARGS...: one more simulator in the imds
# namespace; waits for its ready line. Its log is $TMPD/NAME.log.
sim_extra() {
	local name=$1 listen=$2
	shift 2
	_sim_run "$TMPD/$name.log" -l "$listen" "$@"
}

# _sim_run LOG ARGS...: imdsgate-sim -f in "imds" (ip netns exec
# directly, not the in_imds function: $! is then the simulator itself),
# ready or bail out; $_sim_pid.
_sim_run() {
	local log=$1
	shift
	ip netns exec "$NS_IMDS" "$SIM" -f "$@" >"$log.out" 2>"$log" &
	_sim_pid=$!
	bg_track "$_sim_pid"
	wait_for "${SIM_READY_SECS:-60}" _sim_up "$log" "$_sim_pid"
	if ! grep -q ready "$log"; then
		echo "Bail out! imdsgate-sim ($log) did not become ready"
		sed 's/^/# /' "$log"
		exit 1
	fi
}

# Ready, or gone (no use waiting then).
_sim_up() { grep -q ready "$1" || ! kill -0 "$2" 2>/dev/null; }

# Test users: igt-alice and igt-bob (bob in group igt-readers as a
# supplementary member), and the daemon's own user imdsgate; system accounts without a home or a shell. Their
# uids are in $ALICE_UID, $BOB_UID; the group's gid in $READERS_GID.
test_users() {
	# tests run in parallel: one at a time may edit /etc/passwd
	(
	flock 9
	getent group igt-readers >/dev/null || groupadd -r igt-readers
	getent passwd igt-alice >/dev/null ||
		useradd -r -M -U -s /usr/sbin/nologin igt-alice
	getent passwd igt-bob >/dev/null ||
		useradd -r -M -U -s /usr/sbin/nologin -G igt-readers igt-bob
	getent passwd imdsgate >/dev/null ||
		useradd -r -M -U -d /nonexistent -s /usr/sbin/nologin imdsgate
	) 9>/run/imdsgate-test-users.lock
	ALICE_UID=$(id -u igt-alice)
	BOB_UID=$(id -u igt-bob)
	READERS_GID=$(getent group igt-readers | cut -d: -f3)
}
