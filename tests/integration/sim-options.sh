#!/bin/bash
# imdsgate-sim's command line and configuration file: --help, --version,
# exit 2 with a clear message (FILE:LINE for the file) on bad usage, exit
# 1 when it cannot listen, file settings served and overridden.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/sim-common.sh"
need_root
need_cmd curl
ns_setup

out=$("$SIM" --help); rc=$?
is "$rc" 0 "--help exits 0"
missing=""
for o in foreground listen config verbose quiet tokens instance-id account region \
	role private-ipv4 public-ipv4 ipv6 mac vpc-id subnet-id credential-lifetime \
	hop-limit user-data secrets-file fault help version; do
	printf '%s\n' "$out" | grep -q -- "--$o" || missing="$missing $o"
	grep -q -- "\\\\-\\\\-${o//-/\\\\-}" "$top_srcdir/man/imdsgate-sim.1" ||
		missing="$missing man:$o"
done
is "$missing" "" "--help and the man page document every option"
like "$("$SIM" --version)" '^imdsgate-sim [0-9]' "--version"
if command -v man >/dev/null; then
	is "$(man --warnings -l "$top_srcdir/man/imdsgate-sim.1" 2>&1 >/dev/null)" "" \
		"man page has no warnings"
fi

# usage_err DESCRIPTION REGEX ARGS...: exit 2 and a message matching REGEX.
usage_err() {
	local d=$1 re=$2 rc
	shift 2
	"$SIM" -f "$@" >/dev/null 2>"$TMPD/err"; rc=$?
	is "$rc" 2 "$d: exit 2"
	like "$(head -1 "$TMPD/err")" "$re" "$d: message"
}
usage_err "unknown option" 'unrecognized option|invalid option' --bogus
usage_err "bad tokens value" 'tokens: "maybe" is not required or optional' --tokens maybe
usage_err "TTL out of range" 'credential-lifetime: "1" is not a number from 2' --credential-lifetime 1
usage_err "bad listen address" 'listen:' -l nonsense
usage_err "bad fault" 'fault: "sometimes"' --fault sometimes
usage_err "bad MAC" 'mac: "zz' --mac zz:zz:zz:zz:zz:zz
usage_err "extra argument" 'unexpected argument' extra
usage_err "missing file" 'nope\.conf' -c "$TMPD/nope.conf"
printf '[sim]\nrole = web\n\ntokens = sometimes\n' >"$TMPD/bad.conf"
usage_err "bad file value" "bad\\.conf:4: tokens" -c "$TMPD/bad.conf"
printf '[sim]\nrole = web\n[other]\nx = 1\n' >"$TMPD/bad2.conf"
usage_err "unknown section" "bad2\\.conf:3: .*\\[other\\]" -c "$TMPD/bad2.conf"
printf '[sim]\nrolle = web\n' >"$TMPD/bad3.conf"
usage_err "unknown key" "bad3\\.conf:2: .*rolle" -c "$TMPD/bad3.conf"

in_imds "$SIM" -f -q -l 192.0.2.99:80 2>"$TMPD/err"; rc=$?
is "$rc" 1 "an address it cannot bind: exit 1"
like "$(cat "$TMPD/err")" '192\.0\.2\.99:80' "the message names the address"

# Settings from a file, one overridden on the command line.
cat >"$TMPD/sim.conf" <<'CONF'
[sim]
listen = 169.254.169.254:80
listen = [fd00:ec2::254]:80
tokens = required
role = file-role
instance-id = i-0f11e0000000000aa
region = ap-southeast-2
user-data = #!/bin/sh
credential-lifetime = 3600
CONF
in_imds "$SIM" -f -c "$TMPD/sim.conf" --role cli-role >"$TMPD/c.out" 2>"$TMPD/c.log" &
bg_track $!
ok "file-configured simulator is ready" wait_line 60 "$TMPD/c.log" ready
T=$(tok 60)
H=(-H "$TOKHDR: $T")
req GET "$U4/latest/meta-data/instance-id" "${H[@]}"
is "$BODY" i-0f11e0000000000aa "instance-id from the file"
req GET "$U4/latest/meta-data/placement/region" "${H[@]}"
is "$BODY" ap-southeast-2 "region from the file"
req GET "$U4/latest/meta-data/iam/security-credentials/" "${H[@]}"
is "$BODY" cli-role "the command line overrides the file"
req GET "$U4/latest/user-data" "${H[@]}"
is "$BODY" '#!/bin/sh' "user-data from the file"
req GET "$U6/latest/meta-data/instance-id" -H "$TOKHDR: $(tok 60 "$U6")"
is "$CODE" 200 "both listen lines of the file are used"
req GET "$U4/latest/meta-data/iam/security-credentials/cli-role" "${H[@]}"
E=$(jfield Expiration) L=$(jfield LastUpdated)
is "$(( $(date -d "$E" +%s) - $(date -d "$L" +%s) ))" 3600 "credential-lifetime from the file"

# Without -f it detaches once listening (the namespace's cleanup ends it).
in_imds "$SIM" -q -l 169.254.169.254:82 >/dev/null 2>&1; rc=$?
is "$rc" 0 "without -f: detaches, exit 0"
ok "the detached simulator answers" wait_for 30 in_inst curl -sf -m 2 -X PUT \
	-H 'X-aws-ec2-metadata-token-ttl-seconds: 5' http://169.254.169.254:82/latest/api/token

# Defaults: no user-data, tokens required, the documented identity.
sim_extra defaults 169.254.169.254:81
D=http://169.254.169.254:81
T=$(tok 60 "$D")
req GET "$D/latest/user-data" -H "$TOKHDR: $T"
is "$CODE" 404 "no user-data by default: 404"
req GET "$D/latest/meta-data/instance-id" -H "$TOKHDR: $T"
is "$BODY" i-0123456789abcdef0 "default instance-id"
req GET "$D/latest/meta-data/instance-id"
is "$CODE" 401 "tokens required by default"
tap_done
