# --state keeps the session table across runs (a restart does not let an
# attacker be "first"); --follow sees appended lines and new objects;
# --on-finding gets each new finding on stdin; --v1-report is wired.
source "$top_srcdir/tests/lib/tap.sh"

D=$top_srcdir/tests/detect
S=$D/scenarios/outside.jsonl
T=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

sed -n 1,2p "$S" > "$T/day1.jsonl"	# the instance's own use
sed -n 3,4p "$S" > "$T/day2.jsonl"	# the attacker's
imdsgate-detect "$T/day2.jsonl" >/dev/null 2>&1
is "$?" 0 "without state, the attacker alone is locked in (blind spot)"
imdsgate-detect --state "$T/s.db" "$T/day1.jsonl" >/dev/null 2>&1
is "$?" 0 "first run: no finding"
out=$(imdsgate-detect --state "$T/s.db" "$T/day2.jsonl" 2>/dev/null)
is "$?" 3 "second run with state: finding"
is "$(printf '%s' "$out" | jq -r '"\(.type) \(.source_ip)"')" \
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS 198.51.100.7" \
    "the session learnt in the first run is remembered"
# SQLite header bytes 18 and 19 are 2 in WAL mode.
is "$(od -An -tu1 -j18 -N2 "$T/s.db" | tr -s ' ')" " 2 2" \
    "state database in WAL mode"

# NAT egress learnt in one run locks the VPC's other instances in the
# next; an endpoint binding likewise.
N=$D/scenarios
P=(--proxy-log "$N/nat-first.proxy.log")
grep -v 'i-0ccc' "$N/nat-first.jsonl" > "$T/nat1.jsonl"
grep 'i-0ccc' "$N/nat-first.jsonl" > "$T/nat2.jsonl"
imdsgate-detect "${P[@]}" --state "$T/n.db" "$T/nat1.jsonl" >/dev/null 2>&1
is "$?" 0 "NAT: first run, the VPC's egress learnt"
is "$(imdsgate-detect "${P[@]}" "$T/nat2.jsonl" 2>/dev/null | jq -r .source_ip)" \
    15.188.50.1 "NAT: without state, the attacker first is locked in (the NAT alarms)"
out=$(imdsgate-detect "${P[@]}" --state "$T/n.db" "$T/nat2.jsonl" 2>/dev/null)
is "$(printf '%s' "$out" | jq -r '"\(.type) \(.source_ip)"')" \
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS 198.51.100.7" \
    "NAT: with state, the learnt egress locks the new instance"
is "$(python3 -c 'import sqlite3, sys; print("|".join(map(str, sqlite3.connect(sys.argv[1]).execute("SELECT scope, hex(ip), flags FROM vpc_egress").fetchone())))' "$T/n.db")" \
    "vpc-0feedc0ffee|00000000000000000000FFFF0FBC3201|1" "NAT: egress row saved"
P=(--proxy-log "$N/vpce-unknown.proxy.log")
sed -n 1,4p "$N/vpce-unknown.jsonl" > "$T/e1.jsonl"
sed -n '5,$p' "$N/vpce-unknown.jsonl" > "$T/e2.jsonl"
imdsgate-detect "${P[@]}" --state "$T/e.db" "$T/e1.jsonl" >/dev/null 2>&1
out=$(imdsgate-detect "${P[@]}" --state "$T/e.db" "$T/e2.jsonl" 2>/dev/null)
is "$(printf '%s' "$out" | jq -r '"\(.type) \(.source_ip)"')" \
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS 172.31.200.9" \
    "endpoints: the VPC's endpoint binding is remembered"

# The affiliated account's instance learnt in one run is named in the
# next (its account kept with the session).
A=$N/affiliated.jsonl
grep -v 'GetObject' "$A" > "$T/aff1.jsonl"
grep 'GetObject' "$A" > "$T/aff2.jsonl"
imdsgate-detect --state "$T/a.db" "$T/aff1.jsonl" >/dev/null 2>&1
out=$(imdsgate-detect --ip-ranges "$D/ip-ranges-small.json" --state "$T/a.db" "$T/aff2.jsonl" 2>/dev/null)
is "$(printf '%s' "$out" | jq -r '"\(.source_account_id) \(.source_instance_id)"')" \
    "222233334444 i-0ddd000000000000d" \
    "affiliated: the other account's instance remembered across runs"

# --follow: a file gets a new line, a directory a new object.
mkdir "$T/trail"
cp "$T/day1.jsonl" "$T/live.jsonl"
imdsgate-detect --follow --on-finding "cat >> '$T/hook.out'" \
    "$T/live.jsonl" "$T/trail" > "$T/follow.out" 2> "$T/follow.err" &
pid=$!
wait_line 60 "$T/follow.err" "following 2 inputs"; tap_ok $? "follow started"
sed -n 3p "$S" >> "$T/live.jsonl"
wait_line 30 "$T/follow.out" '"source_ip":"198.51.100.7"'
tap_ok $? "appended line seen and reported"
sed -n 4p "$S" | jq -c '{Records: [. + {eventID: "late-1",
    sourceIPAddress: "192.0.2.44"}]}' | gzip > "$T/trail/111122223333_CloudTrail_eu-west-3_20261120T1010Z_x.json.gz"
wait_line 30 "$T/follow.out" '"source_ip":"192.0.2.44"'
tap_ok $? "new object in the directory seen and reported"
wait_line 30 "$T/hook.out" '"source_ip":"192.0.2.44"'
tap_ok $? "--on-finding got the finding on stdin"
is "$(jq -r .type "$T/hook.out" | sort -u)" \
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS" \
    "--on-finding input is finding JSON"
kill "$pid"; wait "$pid" 2>/dev/null; pid=

# --v1-report hands the audit log to the IMDSv1 report.
printf '%s\n' '{"ts":"2026-11-20T10:00:00.000Z","event":"request","instance_id":"i-0aaa000000000000a","uid":1001,"user":"app","pid":42,"comm":"curl","exe":"/usr/bin/curl","method":"GET","path":"/latest/meta-data/","status":200,"bytes":10,"decision":"allow","mode":"enforce","imds_version":1}' > "$T/audit.log"
imdsgate-detect --v1-report "$T/audit.log" > "$T/v1.out" 2>&1
is "$?" 3 "--v1-report: IMDSv1 caller found"
like "$(cat "$T/v1.out")" "/usr/bin/curl" "--v1-report names the caller"
tap_done
