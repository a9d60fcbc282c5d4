#!/bin/bash
# Every numeric configuration key (issue 14.9): "nan" once passed
# `imdsgated -t` for all four timeouts and the daemon then aborted on a
# libevent assertion. Each numeric key is given values strtod or strtol
# would take but a configuration must not (nan, inf, an exponent, hex, a
# sign, blanks inside, a fraction where a count is meant, out of range);
# -t and the daemon itself must refuse each with exit 2 and FILE:LINE
# naming the key and what it takes, and accept the limits of the range.
# No root needed: the configuration is read before anything else.
source "$top_srcdir/tests/lib/tap.sh"
PROXY=${PROXY:-$top_builddir/imdsgated}
TMPD=$(mktemp -d "${TMPDIR:-/tmp}/imdsgate-conf.XXXXXX")
trap 'rm -rf "$TMPD"' EXIT
mkdir "$TMPD/rules.d"
printf '[all]\naction = allow\npath = /**\n' >"$TMPD/rules.d/10.rules"

# SECTION KEY MIN MAX: every numeric key and its documented range.
KEYS="proxy connect_timeout 0.01 60
proxy upstream_timeout 0.01 60
proxy upstream_body_timeout 0.1 3600
proxy client_timeout 0.1 3600
proxy max_connections 1 1000000
proxy max_connections_per_uid 1 1000000
redirect check_interval 0.1 3600
instance poll_interval 1 86400"

conf() {	# conf SECTION KEY VALUE: a configuration with that one line
	printf '[rules]\ndir = %s\n[%s]\n%s = %s\n' "$TMPD/rules.d" "$1" "$2" "$3" >"$TMPD/c.conf"
}
BAD=(nan NaN inf -inf infinity 1e2 0x10 -1 +1 "1 0" 1,5 . "" 99999999999999999999 0.0001)
while read -r sec key min max; do
	for v in "${BAD[@]}"; do
		conf "$sec" "$key" "$v"
		out=$("$PROXY" -t -c "$TMPD/c.conf" 2>&1); rc=$?
		if [ "$rc" != 2 ] || ! printf '%s' "$out" | grep -q "c\.conf:4: invalid value .* for $key: "; then
			tap_ok 1 "-t refuses $key = '$v'"; diag "exit $rc: $out"
			continue
		fi
		tap_ok 0 "-t refuses $key = '$v'"
	done
	conf "$sec" "$key" nan
	out=$("$PROXY" -f -c "$TMPD/c.conf" 2>&1); rc=$?
	like "$rc $out" "^2 .*c\\.conf:4: .*$key" "the daemon refuses $key = nan before it starts"
	for v in "$min" "$max"; do
		conf "$sec" "$key" "$v"
		out=$("$PROXY" -t -c "$TMPD/c.conf" 2>&1); rc=$?
		is "$rc:$out" "0:" "$key = $v (a limit of its range) accepted"
	done
	case $min in *.*) ;; *)
		conf "$sec" "$key" "$((min - 1))"
		nok "$key = $((min - 1)) (below the range) refused" "$PROXY" -t -c "$TMPD/c.conf" ;;
	esac
done <<<"$KEYS"
conf proxy connect_timeout .5
ok "seconds may be written .5" "$PROXY" -t -c "$TMPD/c.conf"
conf proxy max_connections 1.5
out=$("$PROXY" -t -c "$TMPD/c.conf" 2>&1)
like "$out" 'a whole number from 1 to 1000000' "a count refuses a fraction and says what it takes"
conf proxy connect_timeout 0.001
out=$("$PROXY" -t -c "$TMPD/c.conf" 2>&1)
like "$out" 'seconds from 0.01 to 60' "a timeout below its range says the range"
tap_done
