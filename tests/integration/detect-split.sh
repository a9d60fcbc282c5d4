# The same events give the same findings however CloudTrail split them
# (issue 19): one JSON lines file; S3 objects delivered up to 14 minutes
# late with random names, several per period, records in no order (so
# objects that sort first hold later events), read as a directory and
# named on the command line in a shuffled order; and under --follow, the
# objects delivered late arriving while it runs. Every scenario and the
# real captures, with lateness at random and at its worst (the earliest
# events delivered last).
source "$top_srcdir/tests/lib/tap.sh"

D=$top_srcdir/tests/detect
S=$D/scenarios
T=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
det() { imdsgate-detect --ip-ranges "$D/ip-ranges-small.json" "$@"; }
# The whole-role policy's cut-off is the time of the run: left out.
norm() { sed -E 's/("revoke_sessions_policy":[^]]*"aws:TokenIssueTime":")[^"]*/\1/'; }
keys() { jq -r '"\(.type) \(.source_ip) \(.session_arn)"' | sort; }
cd "$D" || exit 1

R=$D/real
STRATUS=$R/aws.credential-access.ec2-steal-instance-credentials.json
OTRF=$R/ec2_proxy_s3_exfiltration_2020-09-14011940.json

# The inputs and the options each is read with.
specs=() declare -A opts
for f in "$S"/*.jsonl; do
	s=$(basename "$f" .jsonl)
	specs+=("$s=$f")
	opts[$s]="$(cat "$S/$s.args")"
	[ -f "$S/$s.proxy.log" ] && opts[$s]+=" --proxy-log $S/$s.proxy.log"
done
specs+=("stratus=$STRATUS" "otrf=$OTRF" "otrf-proxy=$OTRF")
opts[stratus]="--proxy-log $R/stratus.proxy.log"
opts[otrf]=""
opts[otrf-proxy]="--proxy-log $R/otrf.proxy.log"

splits=0 inverted=0
for mode in random reverse; do
	flag=; [ $mode = reverse ] && flag=--reverse
	python3 "$D/split.py" "$T/$mode" --seed 19 $flag "${specs[@]}"
	for spec in "${specs[@]}"; do
		s=${spec%%=*} o=$T/$mode/${spec%%=*}
		# shellcheck disable=SC2086
		ref=$(det ${opts[$s]} "$o/all.jsonl" 2>/dev/null | norm)
		# shellcheck disable=SC2086
		dir=$(det ${opts[$s]} "$o/objects" 2>/dev/null | norm)
		# shellcheck disable=SC2046,SC2086
		cmd=$(det ${opts[$s]} $(cat "$o/order.txt") 2>/dev/null | norm)
		is "$dir|$cmd" "$ref|$ref" \
		    "$s, lateness $mode: objects as a directory and in any order on the command line"
		splits=$((splits + 1))
		inverted=$((inverted + $(cat "$o/inverted")))
	done
done
tap_ok "$([ "$inverted" -ge $((splits / 2)) ]; echo $?)" \
    "the splits hold events out of order ($inverted of $splits)"

# The theft in the real capture is still found when its objects come in
# any order, and nothing false comes with it.
is "$(det --proxy-log "$R/stratus.proxy.log" "$T/reverse/stratus/objects" 2>/dev/null | jq -r '"\(.type) \(.source_ip)"' | sort)" \
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS 18.236.253.47
imdsgate:CredentialNotIssuedByProxy 18.236.253.47" \
    "Stratus capture as delivered objects: the theft, nothing else"

# --follow: the early objects are there at start, the late ones arrive
# while it runs (events moved to the last minutes, so that the clock does
# not close the window before they come); the findings on SIGTERM are
# those of the whole trail read at once.
python3 "$D/split.py" "$T/now" --seed 19 --reverse --now \
    "first-ec2=$S/first-ec2.jsonl" "benign=$S/benign.jsonl" \
    "affiliated=$S/affiliated.jsonl" "pod-inside=$S/pod-inside.jsonl"
follow_check() {	# follow_check NAME DETECT-ARGS...
	local name=$1 o=$T/now/$1 f n=0 ref; shift
	ref=$(det "$@" "$o/all.jsonl" 2>/dev/null | keys)
	rm -rf "$T/live"; mkdir -p "$T/live"
	cp -r "$o/early/." "$T/live/"
	imdsgate-detect --ip-ranges "$D/ip-ranges-small.json" -v --follow "$@" \
	    "$T/live" > "$T/f.out" 2> "$T/f.err" &
	pid=$!
	wait_line 30 "$T/f.err" "following 1 inputs" ||
	    { tap_ok 1 "$name: --follow started"; return; }
	for f in $(cd "$o/late" && find . -type f | sort); do
		mkdir -p "$T/live/$(dirname "$f")"
		cp "$o/late/$f" "$T/live/$(dirname "$f")/.part"
		mv "$T/live/$(dirname "$f")/.part" "$T/live/$f"
		wait_line 30 "$T/f.err" "${f#./}: read" && n=$((n + 1))
	done
	kill -TERM "$pid"; wait "$pid"; pid=
	is "$(keys < "$T/f.out")" "$ref" \
	    "$name: --follow with $n late objects gives the findings of one file"
}
follow_check first-ec2
follow_check benign --user-agents agents.txt
follow_check affiliated
follow_check pod-inside
tap_done
