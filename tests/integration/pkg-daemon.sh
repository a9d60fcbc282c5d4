#!/bin/bash
# The installed package at work: the .deb from this tree installed on this
# machine, then /usr/sbin/imdsgated with the shipped configuration and
# rules, started the way imdsgated.service starts it (as user imdsgate with
# exactly the unit's ambient capabilities), in a test namespace in front
# of imdsgate-sim. root gets credentials with the token dance; igt-alice
# gets a token but not the credentials. Purged in the EXIT trap.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_root
need_cmd dpkg-buildpackage unshare flock setpriv curl systemd-socket-activate
ns_setup
test_users

installed=0
pkg_cleanup() {
	if [ "$installed" = 1 ]; then
		# Stop the daemon before the purge removes its files.
		for p in $_ns_pids; do kill "$p" 2>/dev/null; done
		cp -p /var/log/imdsgate/audit.log "$TMPD/installed-audit.log" 2>/dev/null
		(flock 9; unshare -n dpkg --purge imdsgate) \
			9>/run/imdsgate-test-users.lock >/dev/null 2>&1
	fi
	ns_cleanup
}
trap pkg_cleanup EXIT

DEB_BUILD_OPTIONS=nocheck "$top_srcdir/scripts/build-deb" "$TMPD/out" >"$TMPD/build.out" 2>&1 ||
	{ sed 's/^/# /' "$TMPD/build.out" | tail -30; echo "Bail out! build-deb failed"; exit 1; }
deb=$(ls "$TMPD"/out/imdsgate_*.deb)

exec 8>/run/imdsgate-pkg-test.lock
flock 8
if dpkg-query -W -f='${Status}' imdsgate 2>/dev/null | grep -q installed; then
	echo "Bail out! imdsgate is already installed on this machine: remove it first"
	exit 1
fi
installed=1
(flock 9; unshare -n dpkg -i "$deb") 9>/run/imdsgate-test-users.lock >"$TMPD/install.out" 2>&1
tap_ok $? "the package installs"

sim_start --tokens required
unit=/lib/systemd/system/imdsgated.service
caps=$(sed -n 's/^AmbientCapabilities=//p' "$unit")
capset=$(for c in $caps; do printf '+%s,' "$(echo "${c#CAP_}" | tr A-Z a-z)"; done)
capset=${capset%,}
diag "unit capabilities: $caps"

# What imdsgate-redirect.service does at boot, then the daemon as the units
# run it: the sockets of imdsgated.socket passed in (the daemon cannot bind
# port 169 itself), User=imdsgate, AmbientCapabilities=, no new
# privileges. systemd-socket-activate starts it at the first connection,
# made once the sockets listen; gate_start waits for its ready line.
in_inst /usr/sbin/imdsgated --redirect install >"$TMPD/redirect.err" 2>&1
tap_ok $? "imdsgated --redirect install (the redirect unit's command)"
listen=$(sed -n 's/^ListenStream=/-l /p' /lib/systemd/system/imdsgated.socket)
# (the shipped configuration: no -c)
# shellcheck disable=SC2086
PROXY=/usr/sbin/imdsgated gate_spawn -c '' systemd-socket-activate $listen \
	setpriv --reuid imdsgate --regid imdsgate --init-groups --inh-caps "-all,$capset" \
	--ambient-caps "-all,$capset" --bounding-set "-all,$capset" --no-new-privs
wait_for 60 in_inst sh -c 'ss -Hltn | grep -q "127.0.0.1:169 "'
in_inst curl -s -m 60 -o /dev/null http://127.0.0.1:169/	# the first connection
gate_ready
ok "the installed daemon starts as imdsgate with the unit's capabilities" kill -0 "$GATE_PID"
sed 's/^/# /' "$GATE_ERR" | head -5
daemon_pid=$GATE_PID
is "$(cat "/proc/$daemon_pid/comm" 2>&1)" imdsgated "found the daemon's pid"
capset_of() { tr ',' '\n' | sort | tr '\n' ' '; }
capsof() {	# capsof CapXxx: that set of the daemon, as sorted names
	local hex
	hex=$(sed -n "s/^$1:[[:space:]]*//p" "/proc/$daemon_pid/status" 2>/dev/null)
	capsh --decode="$hex" 2>/dev/null | sed 's/^[^=]*=//' | capset_of
}
want=$(echo "$caps" | tr 'A-Z ' 'a-z,' | capset_of)
is "$(capsof CapBnd)" "$want" "the daemon's bounding set is the unit's"
is "$(capsof CapEff)" "$want" "the daemon's effective set is the unit's"
# It trims the ambient set itself (docs/interception.md), so children
# get nothing by default.
is "$(capsof CapAmb)" "$(echo | capset_of)" "the daemon's ambient set is empty"

url=http://169.254.169.254/latest
root_tok=$(in_inst curl -s -m 30 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$url/api/token")
like "$root_tok" '^[A-Za-z0-9_=+/-]{20,}$' "root gets a token through the proxy"
role=$(in_inst curl -s -m 30 -H "X-aws-ec2-metadata-token: $root_tok" \
	"$url/meta-data/iam/security-credentials/")
like "$role" '^[A-Za-z0-9_+=,.@-]+$' "root lists the role ($role)"
body=$(in_inst curl -s -m 30 -H "X-aws-ec2-metadata-token: $root_tok" \
	"$url/meta-data/iam/security-credentials/$role")
like "$body" '"SecretAccessKey"' "root gets the role's credentials (shipped rules)"

a_tok=$(as_user "$ALICE_UID" curl -s -m 30 -X PUT \
	-H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$url/api/token")
like "$a_tok" '^[A-Za-z0-9_=+/-]{20,}$' "igt-alice gets a token"
code=$(as_user "$ALICE_UID" curl -s -o "$TMPD/alice.body" -w '%{http_code}' -m 30 \
	-H "X-aws-ec2-metadata-token: $a_tok" "$url/meta-data/iam/security-credentials/$role")
is "$code" 403 "igt-alice is refused the credentials"
nok "igt-alice's answer holds no secret" grep -q SecretAccessKey "$TMPD/alice.body"
rm -f "$TMPD/alice.body"
is "$(as_user "$ALICE_UID" curl -s -o /dev/null -w '%{http_code}' -m 30 \
	-H "X-aws-ec2-metadata-token: $a_tok" "$url/meta-data/instance-id")" 200 \
	"igt-alice reads ordinary metadata"

# The shipped [log] audit path, in the directory the package made.
log=/var/log/imdsgate/audit.log
wait_line 30 "$log" "\"uid\":$ALICE_UID.*\"decision\":\"deny\""
tap_ok $? "the audit log in /var/log/imdsgate records alice's deny"
is "$(stat -c '%U %a' "$log" 2>&1)" "imdsgate 640" "audit log owned by imdsgate, mode 640 (UMask)"

tap_done
