# TAP helpers for shell tests (sourced). automake's tap-driver.sh reads the
# output; a test that cannot run prints "1..0 # SKIP reason" and exits 0.
_tap_n=0
_tap_failed=0

tap_plan() { echo "1..$1"; }

tap_ok() {	# tap_ok STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

ok() {		# ok DESCRIPTION COMMAND...   (passes when COMMAND exits 0)
	local d=$1; shift
	"$@" >/dev/null 2>&1
	tap_ok $? "$d"
}

nok() {		# nok DESCRIPTION COMMAND...  (passes when COMMAND fails)
	local d=$1; shift
	if "$@" >/dev/null 2>&1; then tap_ok 1 "$d"; else tap_ok 0 "$d"; fi
}

is() {		# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

like() {	# like GOT REGEX DESCRIPTION  (grep -E)
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		printf '#   got:  %s\n#   want match: %s\n' "$1" "$2"
	fi
}

# tap_todo STATUS DESCRIPTION REASON: a test of something not built yet
# (TAP TODO): its failure is expected and not counted; once it passes the
# driver reports it (XPASS, a failure) so the marker gets removed.
tap_todo() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2 # TODO $3"
	else
		echo "not ok $_tap_n - $2 # TODO $3"
	fi
}

diag() { printf '# %s\n' "$*"; }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

need_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || { echo "Bail out! missing command: $c"; exit 1; }
	done
}

tap_done() {	# print the plan and exit with the right status
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}

# wait_for SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds.
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 )); shift
	until "$@" >/dev/null 2>&1; do
		[ $(( $(date +%s%N) / 1000000 )) -lt $deadline ] || return 1
		sleep 0.05
	done
}

# wait_progress STALL DONE PROGRESS: wait until the command DONE succeeds,
# for as long as the output of the command PROGRESS keeps changing (a
# count that grows): fail only when nothing moved for STALL seconds. For
# work whose length load decides (10,000 connections), where any fixed
# deadline is a guess a busy machine can miss.
wait_progress() {
	local stall=$(( $1 * 1000 )) done=$2 prog=$3 last="" cur t0
	t0=$(( $(date +%s%N) / 1000000 ))
	until $done >/dev/null 2>&1; do
		cur=$($prog 2>/dev/null)
		if [ "$cur" != "$last" ]; then
			last=$cur
			t0=$(( $(date +%s%N) / 1000000 ))
		fi
		[ $(( $(date +%s%N) / 1000000 - t0 )) -lt "$stall" ] || return 1
		sleep 0.5
	done
}

# wait_line SECONDS FILE REGEX: wait until FILE has a line matching REGEX.
wait_line() { wait_for "$1" grep -Eq -- "$3" "$2"; }
