# Every delivery form of the same events gives identical findings: S3
# objects (gzip and plain), JSON lines, EventBridge, CloudWatch Logs,
# lookup-events, stdin and a directory of CloudTrail objects. Malformed
# records are reported with their position and skipped, the rest kept.
source "$top_srcdir/tests/lib/tap.sh"

D=$top_srcdir/tests/detect
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
norm() { jq -c 'del(.remediation.revoke_sessions_policy)'; }

check_forms() {	# check_forms NAME INPUT DETECT-ARGS...
	local name=$1 in=$2 ref got f; shift 2
	rm -rf "$T/forms"; mkdir -p "$T/forms"
	python3 "$D/forms.py" "$in" "$T/forms"
	ref=$(imdsgate-detect "$@" "$in" 2>/dev/null | norm)
	[ -n "$ref" ] || { tap_ok 1 "$name: reference has findings"; return; }
	for f in lines.jsonl s3.json.gz s3.json eventbridge.jsonl cwl.json.gz \
	    lookup.json dir; do
		got=$(imdsgate-detect "$@" "$T/forms/$f" 2>/dev/null | norm)
		is "$got" "$ref" "$name: $f gives the same findings"
	done
	got=$(imdsgate-detect "$@" - < "$T/forms/lines.jsonl" 2>/dev/null | norm)
	is "$got" "$ref" "$name: stdin gives the same findings"
	got=$(imdsgate-detect "$@" "$T/forms/lines.jsonl" "$T/forms/s3.json.gz" \
	    "$T/forms/lookup.json" 2>/dev/null | norm)
	is "$got" "$ref" "$name: the same events thrice are counted once"
}

check_forms outside "$D/scenarios/outside.jsonl" --ip-ranges "$D/ip-ranges-small.json"
check_forms otrf "$D/real/ec2_proxy_s3_exfiltration_2020-09-14011940.json" \
    --proxy-log "$D/real/otrf.proxy.log"
check_forms stratus "$D/real/aws.credential-access.ec2-steal-instance-credentials.json" \
    --proxy-log "$D/real/stratus.proxy.log"

# Malformed input: a broken line, a record without time, a bad address,
# an unreadable gzip; everything else still read.
S=$D/scenarios/outside.jsonl
{
	sed -n 1,2p "$S"
	echo '{"eventID": "broken", "eventTime": '
	sed -n 3p "$S" | jq -c '.eventID = "badip" | .sourceIPAddress = "999.1.2.x"'
	sed -n 4p "$S"
	sed -n 3p "$S" | jq -c 'del(.eventTime) | .eventID = "notime"'
} > "$T/bad.jsonl"
out=$(imdsgate-detect "$T/bad.jsonl" 2>"$T/err")
is "$(printf '%s' "$out" | jq -r '"\(.type) \(.count)"')" \
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS 2" \
    "events around malformed records are all used"
like "$(cat "$T/err")" "bad.jsonl: record 2 \(byte [0-9]+\): malformed JSON line" \
    "broken line reported with record index and byte offset"
like "$(cat "$T/err")" "bad.jsonl: record 5: no usable eventTime" \
    "record without time reported"
like "$(cat "$T/err")" "bad.jsonl: record 3: unparseable sourceIPAddress \"999.1.2.x\"" \
    "bad address reported"
printf '\037\213\010\000garbage-garbage-garbage' > "$T/bad.json.gz"
imdsgate-detect "$T/bad.json.gz" "$S" >/dev/null 2>"$T/err"
is "$?" 3 "a corrupt gzip file does not stop the others"
like "$(cat "$T/err")" "bad.json.gz: corrupt gzip" "corrupt gzip reported by name"

# Objects that are not CloudTrail records (lower-case keys, another log's
# lines) are counted and reported, not dropped without a word.
{
	sed -n 1,2p "$S"
	echo '{"eventname": "GetObject", "eventsource": "s3.amazonaws.com", "sourceipaddress": "198.51.100.9"}'
	sed -n 3,4p "$S"
} > "$T/lower.jsonl"
out=$(imdsgate-detect -v "$T/lower.jsonl" 2>"$T/err")
like "$(cat "$T/err")" "lower.jsonl: record 2 \(byte [0-9]+\): not a CloudTrail record" \
    "an object with lower-case keys is reported with its position"
like "$(cat "$T/err")" " 1 malformed or not CloudTrail" "and counted in the summary"
is "$(printf '%s' "$out" | jq -r .count)" 2 "the records around it are all used"
printf '{"Records":[{"eventID":"x","eventTime":"2026-11-20T10:00:00Z"},{"foo":1}]}' \
    > "$T/rec.json"
imdsgate-detect "$T/rec.json" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "rec.json: record 1: not a CloudTrail record" \
    "a Records member that is not a record is reported"

# A first record without eventTime takes the next record's time, not 0.
{
	sed -n 3p "$S" | jq -c 'del(.eventTime) | .eventID = "first-notime"'
	sed -n 1,2p "$S"
	sed -n 4p "$S"
} > "$T/notime.jsonl"
out=$(imdsgate-detect --ip-ranges "$D/ip-ranges-small.json" "$T/notime.jsonl" 2>"$T/err")
like "$(cat "$T/err")" "notime.jsonl: record 0: no usable eventTime .*using the time of the next record" \
    "a first record without time is reported"
is "$(printf '%s' "$out" | jq -r '[.event_ids[0], .first_seen] | join(" ")')" \
    "first-notime 2026-11-20T10:00:00.000Z" \
    "it is applied at the next record's time, not at 1970"
jq -c 'del(.eventTime)' "$S" > "$T/untimed.jsonl"
imdsgate-detect "$T/untimed.jsonl" >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "untimed.jsonl: no record has a usable time; 4 records skipped" \
    "an input without any time is reported, not applied at 1970"

# An empty file (or gzip of nothing, or blank lines) is an empty trail.
: > "$T/empty.json"
printf '' | gzip > "$T/empty.json.gz"
printf '\n  \n' > "$T/blank.jsonl"
for f in empty.json empty.json.gz blank.jsonl; do
	imdsgate-detect "$T/$f" >/dev/null 2>"$T/err"
	is "$?:$(cat "$T/err")" "0:" "$f: an empty trail, no error"
done

# A JSON lines file is parsed a 1 MiB read window at a time (the window
# of events moving on every 16,384 events): same findings as the whole file through stdin, and record numbers
# and byte offsets that run on across windows.
python3 - "$top_srcdir/tests/detect/scenarios/outside.jsonl" "$T/big.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[2], "w") as f:
    f.write(json.dumps(ev[0]) + "\n" + json.dumps(ev[1]) + "\n")
    pad = dict(ev[1]); n = 2
    while f.tell() < 40 << 20:
        pad["eventID"] = "pad-%07d" % n; n += 1
        f.write(json.dumps(pad) + "\n")
    print(n, file=open(sys.argv[2] + ".n", "w"))
    f.write("{broken\n")
    for e in ev[2:]:
        f.write(json.dumps(e) + "\n")
PY
imdsgate-detect "$T/big.jsonl" > "$T/big.out" 2> "$T/big.err"
is "$?" 3 "40 MiB JSON lines: finding"
imdsgate-detect - < "$T/big.jsonl" > "$T/big.stdin" 2>/dev/null
is "$(jq -c 'del(.remediation)' "$T/big.out")" \
    "$(jq -c 'del(.remediation)' "$T/big.stdin")" \
    "40 MiB JSON lines: windows give the findings of the whole file"
off=$(grep -b -o '^{broken' "$T/big.jsonl" | cut -d: -f1)
like "$(cat "$T/big.err")" "record $(cat "$T/big.jsonl.n") .byte $off." \
    "a bad line past the first window: record and byte numbers run on"
tap_done
