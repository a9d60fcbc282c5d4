# The interception tests, shared by sys-redirect-{nft,iptlegacy,iptnft}.sh
# (sourced with BACKEND set to nft, iptables-legacy or iptables-nft).
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
need_root
TOOL=$(stage "$top_builddir/tests/sys/sys-tool")	# test users run it
EXE=$(readlink -f "$TOOL")
ns_setup
test_users
DUID=$(id -u imdsgate)
IPT=${BACKEND/iptables/ip6tables}

# A "container": a third namespace routed through the instance, whose
# connections to IMDS are forwarded, not locally generated.
NS_CTR=igc$$
ctr_cleanup() { ip netns del "$NS_CTR" 2>/dev/null; ns_cleanup; }
trap ctr_cleanup EXIT
ip netns add "$NS_CTR"
in_ctr() { ip netns exec "$NS_CTR" "$@"; }
ip link add "vc$$" netns "$NS_INST" type veth peer name "vk$$" netns "$NS_CTR"
in_inst ip addr add 10.77.0.1/24 dev "vc$$"
in_inst ip link set "vc$$" up
in_ctr ip link set lo up
in_ctr ip addr add 10.77.0.2/24 dev "vk$$"
in_ctr ip link set "vk$$" up
in_ctr ip route add default via 10.77.0.1
in_inst sysctl -qw net.ipv4.ip_forward=1
in_imds ip route add 10.77.0.0/24 via 169.254.0.2

R() { in_inst "$TOOL" redirect "$@" -b "$BACKEND" -p 169 -u "$DUID"; }

# A foreign table / chain that install and remove must leave alone.
foreign_setup() {
	if [ "$BACKEND" = nft ]; then
		in_inst nft 'add table inet foreign; add chain inet foreign c { type nat hook output priority 0; }; add rule inet foreign c ip daddr 10.9.9.9 counter'
	else
		in_inst "$BACKEND" -t nat -N FOREIGN
		in_inst "$BACKEND" -t nat -A FOREIGN -d 10.9.9.9/32 -j RETURN
		in_inst "$BACKEND" -t nat -A OUTPUT -j FOREIGN
	fi
}
foreign_ok() {
	if [ "$BACKEND" = nft ]; then
		in_inst nft list table inet foreign | grep -q 'ip daddr 10.9.9.9 counter'
	else
		in_inst "$BACKEND-save" -t nat | grep -q -- '-A OUTPUT -j FOREIGN' &&
			in_inst "$BACKEND-save" -t nat | grep -q -- '-A FOREIGN -d 10.9.9.9/32 -j RETURN'
	fi
}
# How many copies of our redirect rules (v4 + v6) are loaded.
copies() {
	if [ "$BACKEND" = nft ]; then
		in_inst nft list ruleset | grep -c 'redirect to :169'
	else
		echo $(( $(in_inst "$BACKEND-save" -t nat | grep -c -- '-j REDIRECT --to-ports 169') +
			$(in_inst "$IPT-save" -t nat | grep -c -- '-j REDIRECT --to-ports 169') ))
	fi
}
jumps() {
	[ "$BACKEND" = nft ] && { echo 2; return; }
	echo $(( $(in_inst "$BACKEND-save" -t nat | grep -c -- '-A OUTPUT -j IMDSGATE$') +
		$(in_inst "$IPT-save" -t nat | grep -c -- '-A OUTPUT -j IMDSGATE$') ))
}

foreign_setup
out=$(R status); rc=$?
is "$rc" 1 "status before install: not complete"
like "$out" 'missing|jump' "status says missing: $out"
ok "install" R install
ok "install again" R install
is "$(copies)" 2 "one copy of the redirect (v4 + v6) after two installs"
is "$(jumps)" 2 "one jump per family"
is "$(R status)" complete "status: complete"
# Without /etc/protocols (no netbase package) nft names no protocol: the
# rules are just as complete.
is "$(in_inst unshare -m sh -c 'mount --bind /dev/null /etc/protocols && exec "$@"' _ \
	"$TOOL" redirect status -b "$BACKEND" -p 169 -u "$DUID")" complete \
	"status: complete without /etc/protocols"
ok "foreign rules untouched by install" foreign_ok

# The proxy's place (redirect port) and the real IMDS (the far namespace).
# The listener drops to the daemon's user as imdsgated does, keeping only
# CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE: the lookups below prove enough.
ip netns exec "$NS_INST" "$TOOL" listen -d imdsgate 127.0.0.1:169 '[::1]:169' >"$TMPD/proxy.out" 2>&1 &
LPID=$!; bg_track $LPID
ip netns exec "$NS_IMDS" "$TOOL" listen 169.254.169.254:80 '[fd00:ec2::254]:80' >"$TMPD/imds.out" 2>&1 &
bg_track $!
wait_line 60 "$TMPD/proxy.out" ready || echo "Bail out! listener not ready"
wait_line 60 "$TMPD/imds.out" ready || echo "Bail out! imds listener not ready"

out=$(as_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80)
pid=$(printf '%s\n' "$out" | sed -n 's/^self pid=\([0-9]*\).*/\1/p')
like "$out" 'origdst=169\.254\.169\.254:80 redirected=1 ' "v4: redirected, original destination"
like "$out" " uid=$ALICE_UID user=igt-alice " "v4: peer uid is alice's"
like "$out" " pid=$pid comm=sys-tool exe=$EXE\$" "v4: pid, comm, exe of the client"

out=$(as_user "$BOB_UID" "$TOOL" connect '[fd00:ec2::254]:80')
pid=$(printf '%s\n' "$out" | sed -n 's/^self pid=\([0-9]*\).*/\1/p')
like "$out" 'origdst=\[fd00:ec2::254\]:80 redirected=1 ' "v6: redirected, original destination"
like "$out" " uid=$BOB_UID user=igt-bob " "v6: peer uid is bob's"
like "$out" "gids=([0-9,]*,)?$READERS_GID(,|\$| )" "v6: bob's supplementary group igt-readers"
like "$out" " pid=$pid comm=sys-tool " "v6: pid and comm"

out=$(as_user "$DUID" "$TOOL" connect 169.254.169.254:80)
like "$out" 'client=169\.254\.0\.2:[0-9]+ origdst=169\.254\.169\.254:80 redirected=0' \
	"exempt uid reaches the real IMDS (v4)"
out=$(as_user "$DUID" "$TOOL" connect '[fd00:ec2::254]:80')
like "$out" 'client=\[fd00:ec2::2\]:[0-9]+ origdst=\[fd00:ec2::254\]:80 redirected=0' \
	"exempt uid reaches the real IMDS (v6)"
out=$(in_inst "$TOOL" connect 169.254.169.254:80)
like "$out" 'redirected=1 uid=0 user=root ' "root is not exempt either: redirected"
out=$(as_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80 -m 0x2a); rc=$?
is "$rc" 3 "a user cannot set a socket mark (no CAP_NET_ADMIN)"

# With a mark required too, the daemon's uid alone is not enough; its uid
# with the mark (settable only with CAP_NET_ADMIN) goes through.
in_inst "$TOOL" redirect install -b "$BACKEND" -u "$DUID" -p 169 -m 0x2a
out=$(as_user "$DUID" "$TOOL" connect 169.254.169.254:80)
like "$out" "redirected=1 uid=$DUID " "mark mode: daemon uid without the mark is redirected"
out=$(in_inst setpriv --reuid "$DUID" --regid "$DUID" --clear-groups \
	--inh-caps +net_admin --ambient-caps +net_admin "$TOOL" connect 169.254.169.254:80 -m 0x2a)
like "$out" 'client=169\.254\.0\.2:[0-9]+ origdst=169\.254\.169\.254:80 redirected=0' \
	"mark mode: daemon uid with the mark reaches the real IMDS"
ok "back to the uid-only exemption" R install

# Fail closed: no proxy listening -> refused, never passed through.
kill $LPID; wait $LPID 2>/dev/null
n0=$(grep -c redirected "$TMPD/imds.out")
out=$(as_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80); rc=$?
is "$rc" 1 "v4: proxy down: connection refused ($out)"
out=$(as_user "$ALICE_UID" "$TOOL" connect '[fd00:ec2::254]:80'); rc=$?
is "$rc" 1 "v6: proxy down: connection refused ($out)"
is "$(grep -c redirected "$TMPD/imds.out")" "$n0" "nothing reached the real IMDS"

out=$(in_ctr "$TOOL" connect 169.254.169.254:80); rc=$?
is "$rc" 1 "forwarded (container) connection refused ($out)"
is "$(grep -c redirected "$TMPD/imds.out")" "$n0" "nothing forwarded reached the real IMDS"

# Partial: one of our rules deleted -> status says partial.
if [ "$BACKEND" = nft ]; then
	h=$(in_inst nft -a list chain inet imdsgate output | sed -n 's/.*ip6 daddr.*redirect.*# handle //p')
	in_inst nft delete rule inet imdsgate output handle "$h"
else
	in_inst "$IPT" -t nat -D IMDSGATE -d fd00:ec2::254/128 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 169
fi
out=$(R status); rc=$?
is "$rc" 1 "status after deleting one rule: not complete"
like "$out" 'partial|missing' "status names the gap: $out"
ok "install repairs it" R install
is "$(R status)" complete "complete again"
is "$(copies)" 2 "still one copy"

# A dual-stack listener sees an IPv4 client as ::ffff:a.b.c.d.
ip netns exec "$NS_INST" "$TOOL" listen '[::]:8170' >"$TMPD/dual.out" 2>&1 &
bg_track $!
wait_line 60 "$TMPD/dual.out" ready || echo "Bail out! dual-stack listener not ready"
in_inst "$TOOL" redirect install -b "$BACKEND" -u "$DUID" -p 8170
out=$(as_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80)
like "$out" "client=\[::ffff:169\.254\.0\.2\]:[0-9]+ origdst=169\.254\.169\.254:80 redirected=1 uid=$ALICE_UID " \
	"v4-mapped client: original destination and uid"
ok "back to port 169" R install

ok "remove" R remove
is "$(copies)" 0 "our rules are gone"
[ "$BACKEND" = nft ] && nok "our table is gone" in_inst nft list table inet imdsgate
[ "$BACKEND" = nft ] || nok "our chain is gone" in_inst "$BACKEND" -t nat -L IMDSGATE
ok "foreign rules survive remove" foreign_ok
ok "remove again (nothing to remove) succeeds" R remove
out=$(R status); rc=$?
is "$rc" 1 "status after remove: not complete"
out=$(as_user "$ALICE_UID" "$TOOL" connect 169.254.169.254:80)
like "$out" 'redirected=0' "after remove, IMDS is reachable directly again"
out=$(in_ctr "$TOOL" connect 169.254.169.254:80)
like "$out" 'client=10\.77\.0\.2:[0-9]+ origdst=169\.254\.169\.254:80 redirected=0' \
	"after remove, forwarded connections pass again (the test path works)"
tap_done
