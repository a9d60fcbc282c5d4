# Helpers shared by the proxy-*.sh tests (sourced after tap.sh, netns.sh
# and gate.sh).
#   proxy_setup [KEY=VALUE...] the configuration (gate_conf overrides), the
#                             rules, the redirect installed by
#                             `imdsgated --redirect install`
#   proxy_start               gate_start; $PROXY_PID
#   ucurl UID ARGS...         curl in "instance" as UID: prints the code
#   token UID [TTL] [URL]     a token fetched by UID through the proxy
source "$top_srcdir/tests/lib/gate.sh"
U4=http://169.254.169.254
U6='http://[fd00:ec2::254]'
TH=X-aws-ec2-metadata-token
CREDS=/latest/meta-data/iam/security-credentials

# proxy_setup [SECTION.KEY=VALUE...]: the daemon's configuration
# (tests/lib/gate.sh's base and these overrides), the rule set
# creds-alice, the redirect installed.
proxy_setup() {
	gate_rules creds-alice
	gate_conf "$@"
	gate_redirect install
}

proxy_start() {
	gate_start
	PROXY_PID=$GATE_PID
}

ucurl() {	# ucurl UID CURL-ARGS...: the status code; body in $TMPD/body
	local uid=$1; shift
	as_user "$uid" curl -s -m 30 -w '%{stderr}%{http_code}' "$@" \
		2>&1 >"$TMPD/body"
}

token() {	# token UID [TTL] [BASE-URL]
	as_user "$1" curl -s -m 30 -X PUT "${3:-$U4}/latest/api/token" \
		-H "X-aws-ec2-metadata-token-ttl-seconds: ${2:-300}"
}
