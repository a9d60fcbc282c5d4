# The imdsgated test fixture (sourced after tap.sh and netns.sh): every
# test and benchmark that configures or starts the daemon does it here,
# so a change of the daemon's defaults (its port, a new key) is made once.
#
#   GATE_PORT                    the port test daemons listen on (169, a
#                                privileged port as in production; extra
#                                daemons of one test take GATE_PORT+N)
#   gate_rules SET...            the named rule sets (tests/lib/rules/SET.rules,
#                                "shipped" for rules/*.rules, or a path) into
#                                $GATE_RULES, in that order (last match wins)
#   gate_conf [-o FILE] [-b] SECTION.KEY=VALUE...
#                                the configuration into $GATE_CONF (or FILE):
#                                the base below with KEY=VALUE replacing every
#                                line of that key (given twice: two lines),
#                                KEY+=VALUE adding one, KEY= removing it;
#                                -b: the overrides alone, no base
#   gate_start [-k] [-n NAME] [-c FILE] [-t SECS] [WRAPPER...]
#                                imdsgated -f (under WRAPPER: valgrind, strace,
#                                setpriv, ...) in the "instance" namespace (or
#                                here when the test made none), waits for its
#                                ready line; $GATE_PID (killed by the trap),
#                                stderr in $GATE_ERR ($TMPD/NAME.err, NAME
#                                "proxy"); -c '': no -c (the default file);
#                                -k: return 1 if it does not start, no bail out
#   gate_spawn [-n NAME] [-c FILE] [WRAPPER...]   the same start, not
#                                waiting (socket activation: the daemon
#                                runs at the first connection); then
#   gate_ready [-k] [SECS]       wait for the ready line of the last start
#   gate_stop [SIGNAL]           signal the daemon (TERM), return its status
#   gate_redirect install|remove|status   imdsgated --redirect for $GATE_CONF
#   gate_audit [-f FILE]... count|has|select|last|wait N  COND...
#                                audit records (of $GATE_AUDIT, or the files)
#                                where every COND holds: KEY=VALUE (a number,
#                                true/false/null, else a string) or a jq
#                                boolean expression; wait: until there are N
#                                (bound $GATE_WAIT_SECS)
GATE_PORT=${GATE_PORT:-169}
GATE_CONF=${GATE_CONF:-$TMPD/imdsgate.conf}
GATE_RULES=${GATE_RULES:-$TMPD/rules.d}
GATE_AUDIT=${GATE_AUDIT:-$TMPD/log/audit.log}
# Bounds of the waits: a busy 2-core machine, a sanitizer or valgrind.
GATE_READY_SECS=${GATE_READY_SECS:-60}
GATE_WAIT_SECS=${GATE_WAIT_SECS:-30}
GATE_RULESETS=$top_srcdir/tests/lib/rules
# who owns the audit log's directory (the daemon's user after its drop)
GATE_LOG_OWNER=${GATE_LOG_OWNER:-imdsgate}

_gate_bail() { echo "Bail out! $*"; exit 1; }

# The configuration every test starts from, one SECTION.KEY=VALUE a line.
_gate_base() {
	cat <<BASE
proxy.listen=127.0.0.1:$GATE_PORT
proxy.listen=[::1]:$GATE_PORT
proxy.upstream=169.254.169.254:80
proxy.upstream=[fd00:ec2::254]:80
proxy.mode=enforce
proxy.require_token=yes
proxy.bind_token_to_uid=yes
proxy.user=imdsgate
proxy.upstream_timeout=10
rules.dir=$GATE_RULES
log.audit=$GATE_AUDIT
redirect.manage=no
BASE
}

gate_rules() {
	local i=10 s
	rm -rf "$GATE_RULES"
	mkdir -p "$GATE_RULES"
	for s; do
		case $s in
		shipped) cp "$top_srcdir"/rules/*.rules "$GATE_RULES/" ;;
		*/*) cp "$s" "$GATE_RULES/$i-$(basename "$s")" ;;
		*) [ -f "$GATE_RULESETS/$s.rules" ] || _gate_bail "gate_rules: no rule set $s"
		   cp "$GATE_RULESETS/$s.rules" "$GATE_RULES/$i-$s.rules" ;;
		esac
		i=$((i + 1))
	done
	# the daemon reloads them on SIGHUP as its own unprivileged user
	chmod -R a+rX "$GATE_RULES"
}

# _gate_merge OVERRIDE...: the base (unless -b) with the overrides
# applied, one SECTION.KEY=VALUE a line, in first-seen order.
_gate_merge() {
	local -a lines=() keep=()
	local kv k v l replaced=" "
	[ "$_gate_bare" = 1 ] || mapfile -t lines < <(_gate_base)
	for kv; do
		case $kv in
		*+=*) k=${kv%%+=*} v=${kv#*+=} ;;
		*=*) k=${kv%%=*} v=${kv#*=}
		     if [[ $replaced != *" $k "* ]]; then
			keep=()
			for l in "${lines[@]}"; do [ "${l%%=*}" = "$k" ] || keep+=("$l"); done
			lines=("${keep[@]}")
			replaced="$replaced$k "
		     fi ;;
		*) _gate_bail "gate_conf: not SECTION.KEY=VALUE: $kv" ;;
		esac
		[[ $k == ?*.?* ]] || _gate_bail "gate_conf: no section in $k"
		[ -z "$v" ] || lines+=("$k=$v")
	done
	printf '%s\n' "${lines[@]}"
}

# _gate_ini: SECTION.KEY=VALUE lines to an INI file, sections in order.
_gate_ini() {
	awk '{ i = index($0, "."); s = substr($0, 1, i - 1); r = substr($0, i + 1)
		e = index(r, "="); k = substr(r, 1, e - 1); v = substr(r, e + 1)
		if (!(s in seen)) { seen[s] = 1; order[n++] = s }
		body[s] = body[s] k " = " v "\n" }
	END { for (j = 0; j < n; j++) printf "[%s]\n%s", order[j], body[order[j]] }'
}

# A directory the dropped daemon can write its audit log in (it reopens
# the log as its own user on SIGHUP).
_gate_logdir() {
	local d
	case $1 in /*/*) d=${1%/*} ;; *) return 0 ;; esac
	[ -d "$d" ] || mkdir -p "$d"
	[ "$(id -u)" -eq 0 ] && getent passwd "$GATE_LOG_OWNER" >/dev/null &&
		chown "$GATE_LOG_OWNER": "$d"
	return 0
}

gate_conf() {
	local out=$GATE_CONF _gate_bare=0 merged
	while [ $# -gt 0 ]; do
		case $1 in
		-o) out=$2; shift 2 ;;
		-b) _gate_bare=1; shift ;;
		*) break ;;
		esac
	done
	# the test users the rule sets name, and the daemon's own
	[ "$(id -u)" -ne 0 ] || [ -n "${ALICE_UID:-}" ] || test_users
	merged=$(_gate_merge "$@") || exit 1
	printf '%s\n' "$merged" | _gate_ini >"$out"
	chmod a+r "$out"
	_gate_logdir "$(printf '%s\n' "$merged" | sed -n 's/^log\.audit=//p' | tail -1)"
}

# Ready, or gone (then there is no use waiting).
_gate_up() { grep -q ready "$GATE_ERR" || ! kill -0 "$GATE_PID" 2>/dev/null; }

gate_start() {
	local keep=
	local -a opts=()
	while [ $# -gt 0 ]; do
		case $1 in
		-k) keep=-k; shift ;;
		-t) opts+=(-t "$2"); shift 2 ;;
		-n|-c) opts+=("$1" "$2"); shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	gate_spawn "${opts[@]}" -- "$@"
	gate_ready $keep "${_gate_secs:-$GATE_READY_SECS}"
}

gate_spawn() {
	local name=proxy conf=$GATE_CONF
	_gate_secs=$GATE_READY_SECS
	while [ $# -gt 0 ]; do
		case $1 in
		-n) name=$2; shift 2 ;;
		-c) conf=$2; shift 2 ;;
		-t) _gate_secs=$2; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	GATE_NAME=$name
	GATE_ERR=$TMPD/$name.err
	set -- "$@" "$PROXY" -f
	[ -z "$conf" ] || set -- "$@" -c "$conf"
	# ip netns exec and every wrapper exec in place: $! is the daemon
	if [ "${_ns_made:-0}" = 1 ]; then
		ip netns exec "$NS_INST" "$@" 2>"$GATE_ERR" &
	else
		"$@" 2>"$GATE_ERR" &
	fi
	GATE_PID=$!
	bg_track "$GATE_PID"
}

gate_ready() {
	local keep=0 secs
	[ "${1:-}" = -k ] && { keep=1; shift; }
	secs=${1:-$GATE_READY_SECS}
	wait_for "$secs" _gate_up
	if ! grep -q ready "$GATE_ERR"; then
		kill -0 "$GATE_PID" 2>/dev/null && echo "# not ready after $secs s"
		sed 's/^/# /' "$GATE_ERR"
		[ "$keep" = 1 ] && return 1
		_gate_bail "imdsgated ($GATE_NAME) not ready"
	fi
}

gate_stop() {
	kill -"${1:-TERM}" "$GATE_PID" 2>/dev/null
	wait "$GATE_PID"
}

gate_redirect() {
	if [ "$1" = install ]; then
		in_inst "$PROXY" --redirect install -c "$GATE_CONF" >"$TMPD/redirect.out" 2>&1 ||
			{ sed 's/^/# /' "$TMPD/redirect.out"; _gate_bail "imdsgated --redirect install failed"; }
	else
		in_inst "$PROXY" --redirect "$1" -c "$GATE_CONF"
	fi
}

# _gate_jq COND...: the jq boolean for the conditions.
_gate_jq() {
	local c e="true" k v
	for c; do
		if [[ $c =~ ^([a-z_]+)=(.*)$ ]]; then
			k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]}
			if [[ $v =~ ^(-?[0-9]+|true|false|null)$ ]]; then
				e="$e and .$k == $v"
			else
				e="$e and .$k == $(jq -Rn --arg v "$v" '$v')"
			fi
		else
			e="$e and ($c)"
		fi
	done
	printf '%s' "$e"
}

# The records of the files that match; a line still being written (or
# not JSON) is skipped, never an error.
_gate_select() {
	local -n _files=$1
	shift
	cat "${_files[@]}" 2>/dev/null |
		jq -c -R "fromjson? | select($(_gate_jq "$@"))" 2>/dev/null
}

_gate_count_ge() { [ "$(_gate_select "$1" "${@:3}" | wc -l)" -ge "$2" ]; }

gate_audit() {
	local -a files=()
	local op n
	while [ "$1" = -f ]; do files+=("$2"); shift 2; done
	[ ${#files[@]} -gt 0 ] || files=("$GATE_AUDIT")
	op=$1
	shift
	case $op in
	count) _gate_select files "$@" | wc -l ;;
	has) _gate_select files "$@" | grep -q . ;;
	select) _gate_select files "$@" ;;
	last) _gate_select files "$@" | tail -n 1 ;;
	wait) n=$1; shift
	      wait_for "$GATE_WAIT_SECS" _gate_count_ge files "$n" "$@" ;;
	*) _gate_bail "gate_audit: unknown operation $op" ;;
	esac
}
