# The privilege drop, checked where it counts: /proc/PID/status of a
# process that dropped (ids, groups, every capability set, no_new_privs).
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_root
TOOL=$(stage "$top_builddir/tests/sys/sys-tool")	# the daemon's user runs it
test_users
DUID=$(id -u imdsgate)
DGID=$(id -g imdsgate)

field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | sed "s/[[:space:]]*$//"; }

# drop_case NAME EXPECTED-CAPMASK BOUNDING-MASK CMD...
drop_case() {
	local name=$1 caps=$2 bnd=$3 log=$TMPD/$1.out; shift 3
	"$@" >"$log" 2>&1 &
	local pid=$!; bg_track $pid
	if ! wait_line 30 "$log" dropped; then
		tap_ok 1 "$name: dropped"; sed 's/^/# /' "$log"; return
	fi
	is "$(field $pid Uid)" "$DUID	$DUID	$DUID	$DUID" "$name: all four uids"
	is "$(field $pid Gid)" "$DGID	$DGID	$DGID	$DGID" "$name: all four gids"
	is "$(field $pid Groups)" "$DGID" "$name: no supplementary groups but its own"
	is "$(field $pid CapPrm)" "$caps" "$name: CapPrm"
	is "$(field $pid CapEff)" "$caps" "$name: CapEff"
	is "$(field $pid CapInh)" 0000000000000000 "$name: CapInh empty"
	is "$(field $pid CapAmb)" 0000000000000000 "$name: CapAmb empty"
	is "$(field $pid CapBnd)" "$bnd" "$name: CapBnd"
	is "$(field $pid NoNewPrivs)" 1 "$name: NoNewPrivs"
	kill $pid
}

# CAP_DAC_READ_SEARCH=2, CAP_NET_ADMIN=12, CAP_SYS_PTRACE=19, CAP_BPF=39.
# The -c cases are the set imdsgated's monitor keeps (its worker keeps
# none: tests/integration/bpf-ident.sh).
drop_case explicit 0000000000081000 0000000000081000 \
	"$TOOL" drop imdsgate cap_net_admin cap_sys_ptrace
# configurations of one or two keys: everything else at its default
gate_conf -b -o "$TMPD/default.conf" proxy.user=imdsgate
drop_case conf-default 0000008000081004 0000008000081004 \
	"$TOOL" drop imdsgate -c "$TMPD/default.conf"
gate_conf -b -o "$TMPD/nomanage.conf" redirect.manage=no
drop_case conf-manage-no 0000008000080004 0000008000080004 \
	"$TOOL" drop imdsgate -c "$TMPD/nomanage.conf"
gate_conf -b -o "$TMPD/noproc.conf" proxy.process_info=no redirect.manage=no
drop_case conf-bpf-only 0000008000000004 0000008000000004 \
	"$TOOL" drop imdsgate -c "$TMPD/noproc.conf"
gate_conf -b -o "$TMPD/none.conf" proxy.process_info=no redirect.manage=no \
	redirect.backend=nft
drop_case conf-nothing 0000000000000000 0000000000000000 \
	"$TOOL" drop imdsgate -c "$TMPD/none.conf"
# Already the user (systemd User= + AmbientCapabilities=): only trim.
# Without CAP_SETPCAP the bounding set is systemd's business: unchanged.
full=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
drop_case already-user 0000000000001000 "$full" \
	setpriv --reuid imdsgate --regid imdsgate --init-groups \
	--inh-caps +net_admin,+sys_ptrace --ambient-caps +net_admin,+sys_ptrace \
	"$TOOL" drop imdsgate cap_net_admin

out=$("$TOOL" drop root 2>&1); rc=$?
is "$rc" 2 "root refused"
like "$out" 'uid 0' "says why: $out"
out=$("$TOOL" drop no-such-user-igt 2>&1); rc=$?
is "$rc" 2 "unknown user refused"

# What the kept capabilities are for, verified: a dropped process keeping
# only CAP_DAC_READ_SEARCH + CAP_SYS_PTRACE can read another user's fds
# and exe; with either alone it cannot.
setpriv --reuid "$ALICE_UID" --regid "$ALICE_UID" --clear-groups sleep 30 &
APID=$!; bg_track $APID
probe() {	# probe CAPS: can uid imdsgate readlink alice's fd 0 and exe?
	setpriv --reuid imdsgate --regid imdsgate --clear-groups --inh-caps "$1" \
		--ambient-caps "$1" sh -c "readlink /proc/$APID/fd/0 && readlink /proc/$APID/exe"
}
ok "DAC_READ_SEARCH + SYS_PTRACE: reads alice's fd and exe" probe +dac_read_search,+sys_ptrace
nok "SYS_PTRACE alone: cannot" probe +sys_ptrace
nok "DAC_READ_SEARCH alone: cannot" probe +dac_read_search
tap_done
