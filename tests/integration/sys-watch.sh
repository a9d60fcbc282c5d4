# The self-check: after `nft flush ruleset` (nft backend) or a flush of
# our iptables chain (iptables-legacy, no change events), the watch puts
# the rules back within its period and reports the gap.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
need_root
TOOL=$top_builddir/tests/sys/sys-tool
ns_setup
test_users
DUID=$(id -u imdsgate)

# watch [-d USER] BACKEND INTERVAL_MS BREAK-COMMAND...
watch_case() {
	local drop=()
	[ "$1" = -d ] && { drop=(-d "$2"); shift 2; }
	local b=$1 ms=$2 log=$TMPD/watch-$1-${#drop[@]}.out t0 t1; shift 2
	in_inst "$TOOL" redirect install -b "$b" -p 169 -u "$DUID"
	ip netns exec "$NS_INST" "$TOOL" watch "${drop[@]}" -b "$b" -p 169 -u "$DUID" -i "$ms" >"$log" 2>&1 &
	local wpid=$!; bg_track $wpid
	wait_line 60 "$log" ready || echo "Bail out! watch not ready"
	is "$(grep -c gap "$log")" 0 "$b: no gap reported while complete"
	t0=$(date +%s%N)
	in_inst "$@"
	ok "$b: gap reported and restored within the period" wait_line $(( ms / 1000 + 3 )) "$log" 'gap restored=1'
	t1=$(date +%s%N)
	diag "$b: restored after $(( (t1 - t0) / 1000000 )) ms (interval $ms ms)"
	# a long interval: only the nf_tables change notification is this fast
	[ "$ms" -lt 4000 ] || ok "$b: restored before the interval ran out" \
		test $(( (t1 - t0) / 1000000 )) -lt "$ms"
	like "$(grep gap "$log" | head -1)" 'what=(missing|partial|ip)' "$b: says what was missing"
	is "$(in_inst "$TOOL" redirect status -b "$b" -p 169 -u "$DUID")" complete "$b: complete again"
	kill $wpid; wait $wpid 2>/dev/null
	in_inst "$TOOL" redirect remove -b "$b" -p 169 -u "$DUID"
}

# nft: a long period, so a fast repair proves the change notification.
watch_case nft 4000 nft flush ruleset
watch_case iptables-legacy 500 iptables-legacy -t nat -F IMDSGATE
# As the daemon runs: dropped to its user, keeping CAP_NET_ADMIN (and
# CAP_NET_RAW), no_new_privs; iptables-nft gets the capability through
# the ambient set of its child only.
watch_case -d imdsgate nft 4000 nft flush ruleset
watch_case -d imdsgate iptables-nft 500 iptables-nft -t nat -F IMDSGATE
tap_done
