#!/bin/bash
# imdsgated started by a user who is not root, end to end on loopback: it
# runs unprivileged (no privilege drop, no redirect, any port); clients
# connect straight to its listener, and imdsgate-sim on another loopback
# port is its upstream. The one end-to-end test a developer without root
# can run; as root (CI) it runs the same as igt-alice, so it never skips.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_cmd curl jq python3 setpriv

if [ "$(id -u)" -eq 0 ]; then
	test_users
	ME=igt-alice MEUID=$ALICE_UID
	RUNAS=(setpriv --reuid "$MEUID" --regid "$MEUID" --clear-groups
		--inh-caps=-all --bounding-set=-all --)
else
	ME=$(id -un) MEUID=$(id -u)
	RUNAS=()
fi
# The programs where the user can run them, whatever the checkout's mode.
mkdir -p "$TMPD/bin"
cp "$PROXY" "$SIM" "$TMPD/bin/"
chmod 755 "$TMPD/bin" "$TMPD/bin"/*
PROXY=$TMPD/bin/imdsgated SIM=$TMPD/bin/imdsgate-sim
# Two free loopback ports (the host's loopback: no namespace without root).
read -r SP PP < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
U=http://127.0.0.1:$PP
TH=X-aws-ec2-metadata-token

# The simulator as that user, tokens required; its keys in a directory
# it may write.
mkdir -p "$TMPD/run"
[ "$(id -u)" -ne 0 ] || chown "$ME" "$TMPD/run"
"${RUNAS[@]}" "$SIM" -f -l "127.0.0.1:$SP" --tokens required --role loop-role \
	--secrets-file "$TMPD/run/sim-secrets.env" >"$TMPD/sim.log.out" 2>"$TMPD/sim.log" &
SIM_PID=$!
bg_track $SIM_PID
wait_for 60 _sim_up "$TMPD/sim.log" "$SIM_PID"
grep -q ready "$TMPD/sim.log" || { sed 's/^/# /' "$TMPD/sim.log"; echo "Bail out! imdsgate-sim not ready"; exit 1; }
source "$TMPD/run/sim-secrets.env"

# Rules naming that user: the role's credentials for it, nothing else
# secret (user-data falls to the default deny).
cat >"$TMPD/me.rules" <<RULES
[metadata and tokens]
action = allow
path = /meta-data/**
path = /api/token

[credentials for $ME]
action = allow
user = $MEUID
path = /meta-data/iam/security-credentials/**
RULES
gate_rules "$TMPD/me.rules"
GATE_LOG_OWNER=$ME gate_conf "proxy.listen=127.0.0.1:$PP" "proxy.upstream=127.0.0.1:$SP" \
	proxy.user= redirect.manage=no

gate_start "${RUNAS[@]}"
ok "imdsgated runs as $ME (uid $MEUID) on 127.0.0.1:$PP" kill -0 "$GATE_PID"
is "$(awk '/^Uid:/ { print $2 }' "/proc/$GATE_PID/status")" "$MEUID" "the daemon's uid is $ME's"

# curl as that user, straight to the listener: status out, body in $TMPD/body
me_curl() { "${RUNAS[@]}" curl -s -m 30 -w '%{stderr}%{http_code}' "$@" 2>&1 >"$TMPD/body"; }

is "$(me_curl -X PUT -H "$TH-ttl-seconds: 300" "$U/latest/api/token")" 200 "token through the proxy"
T=$(cat "$TMPD/body")
is "$(me_curl -H "$TH: $T" "$U/latest/meta-data/iam/security-credentials/loop-role")" 200 \
	"the role's credentials"
is "$(jq -r .AccessKeyId "$TMPD/body")" "$ROLE_ACCESS_KEY_ID" "the simulator's key"
is "$(me_curl "$U/latest/meta-data/instance-id")" 401 "no token: 401"
is "$(me_curl -H "$TH: $T" "$U/latest/user-data")" 403 "user-data: 403 (default deny)"
ok "audit: the credential fetch, by uid $MEUID" \
	gate_audit wait 1 event=credential_fetch uid="$MEUID" access_key_id="$ROLE_ACCESS_KEY_ID"
ok "audit: the refusal, with the caller's exe" \
	gate_audit wait 1 event=request uid="$MEUID" status=403 '.exe | endswith("/curl")'
nok "audit: no secret" grep -qF -- "$ROLE_SECRET_ACCESS_KEY" "$GATE_AUDIT"
ok "SIGTERM: exit 0" gate_stop
tap_done
