# Helpers shared by the proxy-*.sh tests (sourced after tap.sh, netns.sh).
#   proxy_setup [CONF-LINES]  users, a rules dir, imdsgate.conf (extra
#                             [proxy] lines from $1; default a generous
#                             upstream_timeout for loaded CI), the redirect
#                             installed by `imdsgated --redirect install`
#   proxy_start               run imdsgated -f in "instance", wait for ready
#   ucurl UID ARGS...         curl in "instance" as UID: prints the code
#   token UID [TTL] [URL]     a token fetched by UID through the proxy
U4=http://169.254.169.254
U6='http://[fd00:ec2::254]'
TH=X-aws-ec2-metadata-token
CREDS=/latest/meta-data/iam/security-credentials

proxy_rules() {
	mkdir -p "$TMPD/rules.d"
	cat >"$TMPD/rules.d/10-proxy.rules" <<'RULES'
[metadata for all]
action = allow
path = /meta-data/**
path = /api/token
path = /

[credentials for alice]
action = allow
user = igt-alice
path = /meta-data/iam/security-credentials/**

[no credentials for others]
action = deny
user = igt-bob
path = /meta-data/iam/security-credentials/**

[legacy v1 instance-id]
action = allow
path = /meta-data/instance-id
imdsv1 = allow
RULES
}

proxy_setup() {
	test_users
	proxy_rules
	mkdir -p "$TMPD/log"
	chown imdsgate: "$TMPD/log"
	cat >"$TMPD/imdsgate.conf" <<CONF
[proxy]
listen = 127.0.0.1:169
listen = [::1]:169
upstream = 169.254.169.254:80
upstream = [fd00:ec2::254]:80
mode = enforce
require_token = yes
bind_token_to_uid = yes
user = imdsgate
${1:-upstream_timeout = 10}
[rules]
dir = $TMPD/rules.d
[log]
audit = $TMPD/log/audit.log
[redirect]
manage = no
CONF
	chmod -R a+rX "$TMPD"
	in_inst "$PROXY" --redirect install -c "$TMPD/imdsgate.conf" ||
		{ echo "Bail out! imdsgated --redirect install failed"; exit 1; }
}

proxy_start() {
	# the daemon itself, not a subshell: ip netns exec execs in place
	ip netns exec "$NS_INST" "$PROXY" -f -c "$TMPD/imdsgate.conf" \
		2>"$TMPD/proxy.err" &
	PROXY_PID=$!
	bg_track "$PROXY_PID"
	wait_line 10 "$TMPD/proxy.err" ready || { echo "Bail out! imdsgated not ready";
		sed 's/^/# /' "$TMPD/proxy.err"; exit 1; }
}

ucurl() {	# ucurl UID CURL-ARGS...: the status code; body in $TMPD/body
	local uid=$1; shift
	as_user "$uid" curl -s -m 5 -w '%{stderr}%{http_code}' "$@" \
		2>&1 >"$TMPD/body"
}

token() {	# token UID [TTL] [BASE-URL]
	as_user "$1" curl -s -m 5 -X PUT "${3:-$U4}/latest/api/token" \
		-H "X-aws-ec2-metadata-token-ttl-seconds: ${2:-300}"
}
