#!/bin/bash
# The proxy's behaviour as data (relayd's regress): every file in
# tests/proxy/cases/*.case is one case, run against a fresh imdsgated
# behind the real redirect, in front of imdsgate-sim, with real uids.
# A case is lines of words (quoted as in the shell; # starts a comment):
#
#   conf KEY=VALUE...        gate_conf overrides (tests/lib/gate.sh)
#   rules SET...             named rule sets (tests/lib/rules/), "shipped"
#                            for rules/*.rules, "case" for the case's own
#                            NAME.rules beside it (default: creds-alice)
#   sim ARGS...              imdsgate-sim's options (default: --tokens
#                            optional --role app-role: every 401 is the
#                            proxy's own)
#   token USER [TTL] [v6]    USER fetches a token through the proxy (200)
#   USER METHOD PATH [OPT...] STATUS
#                            a request as USER (alice, bob, root or a uid),
#                            PATH sent as it is; OPT: tok=USER (that user's
#                            token), tok=:TEXT (that token), ttl=N, v6,
#                            H=HEADER, body=DATA; the status it must get
#   body REGEX / nobody REGEX   the last answer's body matches / does not
#   audit [N] COND...        a record of the case's audit log where every
#                            COND (gate_audit's KEY=VALUE or jq; @USER is
#                            that user's uid) holds; N: exactly N of them
#
# The daemon's configuration, rules and start are gate.sh's; each case
# has its own audit log and daemon, so cases cannot see each other.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_root
need_cmd curl jq xargs
CASES=${PROXY_CASES:-$top_srcdir/tests/proxy/cases}
SIM_DEFAULT="--tokens optional --role app-role"
ns_setup
test_users
declare -A TOK

# case_uid USER: the numeric uid of alice, bob, root or a number.
case_uid() {
	case $1 in
	alice) echo "$ALICE_UID" ;;
	bob) echo "$BOB_UID" ;;
	root) echo 0 ;;
	*[!0-9]*|'') return 1 ;;
	*) echo "$1" ;;
	esac
}

case_bail() { echo "Bail out! $CASE: $*"; exit 1; }

# case_words LINE: the words of a case line in ${W[@]}; a word starting
# with # ends the line.
case_words() {
	local line=$1
	[[ $line =~ ^[[:space:]]*# ]] && line=""
	line=${line%%[[:space:]]#*}
	mapfile -d '' -t W < <(printf '%s' "$line" | xargs -r printf '%s\0')
}

# case_curl USER CURL-ARGS...: curl in "instance" as USER (root: root
# itself); the status on stdout, the body in $TMPD/body.
case_curl() {
	local uid
	uid=$(case_uid "$1")
	shift
	# the body on stdout into a file of ours (the user cannot write in
	# $TMPD), the status on stderr
	set -- curl -s -g --path-as-is -m 30 -w '%{stderr}%{http_code}' "$@"
	if [ "$uid" = 0 ]; then in_inst "$@"; else as_user "$uid" "$@"; fi 2>&1 >"$TMPD/body"
}

# case_sim ARGS...: the simulator with these options, restarted only
# when they change.
case_sim() {
	[ "$*" = "${SIM_ARGS-}" ] && return
	if [ -n "${SIM_PID:-}" ]; then
		kill "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
	fi
	sim_start "$@"
	SIM_ARGS=$*
}

case_token() {	# token USER [TTL] [v6]
	local user=$1 ttl=300 base=$U4 w code
	shift
	case_uid "$user" >/dev/null || case_bail "unknown user $user"
	for w; do case $w in v6) base=$U6 ;; *) ttl=$w ;; esac; done
	code=$(case_curl "$user" -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: $ttl" \
		"$base/latest/api/token")
	TOK[$user]=$(cat "$TMPD/body" 2>/dev/null)
	is "$code" 200 "$CASE: $user gets a token${base/$U4/}"
}

case_request() {	# USER METHOD PATH [OPT...] STATUS
	local user=$1 method=$2 path=$3 want=${!#} base=$U4 o
	local -a args=() opts=("${@:4:$(($# - 4))}")
	case_uid "$user" >/dev/null || case_bail "unknown user $user"
	[[ $want =~ ^[0-9]{3}$ ]] || case_bail "no status at the end of: $*"
	[ "$method" = HEAD ] && args=(--head) || args=(-X "$method")
	for o in "${opts[@]}"; do
		case $o in
		tok=:*) args+=(-H "X-aws-ec2-metadata-token: ${o#tok=:}") ;;
		tok=*) args+=(-H "X-aws-ec2-metadata-token: ${TOK[${o#tok=}]}") ;;
		ttl=*) args+=(-H "X-aws-ec2-metadata-token-ttl-seconds: ${o#ttl=}") ;;
		H=*) args+=(-H "${o#H=}") ;;
		body=*) args+=(--data-binary "${o#body=}") ;;
		v6) base=$U6 ;;
		*) case_bail "unknown option $o" ;;
		esac
	done
	is "$(case_curl "$user" "${args[@]}" "$base$path")" "$want" \
		"$CASE: $user $method $path${opts[*]:+ ${opts[*]}} -> $want"
}

case_audit() {	# audit [N] COND...
	local n="" c
	local -a conds=()
	[[ $1 =~ ^[0-9]+$ ]] && { n=$1; shift; }
	for c; do
		while [[ $c =~ @(alice|bob|root) ]]; do
			c=${c/@${BASH_REMATCH[1]}/$(case_uid "${BASH_REMATCH[1]}")}
		done
		conds+=("$c")
	done
	if [ -z "$n" ]; then
		ok "$CASE: audit $*" gate_audit wait 1 "${conds[@]}"
	else
		gate_audit wait "$n" "${conds[@]}"
		is "$(gate_audit count "${conds[@]}")" "$n" "$CASE: audit $*"
	fi
}

# case_setup FILE: the lines before the first request decide the
# daemon; collect them, then start it.
case_setup() {
	local conf=() rules=(creds-alice) sim=($SIM_DEFAULT) line i
	while IFS= read -r line; do
		case_words "$line"
		case ${W[0]-} in
		conf) conf=("${W[@]:1}") ;;
		rules) rules=("${W[@]:1}") ;;
		sim) sim=("${W[@]:1}") ;;
		esac
	done <"$1"
	for i in "${!rules[@]}"; do
		[ "${rules[i]}" != case ] || rules[i]=${1%.case}.rules
	done
	case_sim "${sim[@]}"
	gate_rules "${rules[@]}"
	gate_conf "log.audit=$TMPD/log/$CASE.log" "${conf[@]}"
	GATE_AUDIT=$TMPD/log/$CASE.log
	gate_redirect install
	gate_start -n "$CASE"
}

# case_run FILE: one case, line by line.
case_run() {
	local line
	CASE=$(basename "$1" .case)
	TOK=()
	case_setup "$1"
	# the case on fd 3: nothing a request runs can read it
	while IFS= read -r line <&3; do
		case_words "$line"
		[ ${#W[@]} -gt 0 ] || continue
		case ${W[0]} in
		conf|rules|sim) ;;
		token) case_token "${W[@]:1}" ;;
		body) like "$(cat "$TMPD/body" 2>/dev/null)" "${W[1]}" "$CASE: body matches ${W[1]}" ;;
		nobody) nok "$CASE: body does not match ${W[1]}" grep -Eq -- "${W[1]}" "$TMPD/body" ;;
		audit) case_audit "${W[@]:1}" ;;
		*) case_request "${W[@]}" ;;
		esac
	done 3<"$1"
	nok "$CASE: no secret in the audit log" grep -qE 'SecretAccessKey|"Token"' "$GATE_AUDIT"
	for line in "${TOK[@]}"; do
		[ -z "$line" ] || nok "$CASE: no token in the audit log" grep -qF -- "$line" "$GATE_AUDIT"
	done
	ok "$CASE: the daemon stops cleanly" gate_stop
}

U4=http://169.254.169.254
U6='http://[fd00:ec2::254]'
n=0
for f in "$CASES"/*.case; do
	case_run "$f"
	n=$((n + 1))
done
diag "$n cases"
ns_keep_logs
tap_done
