#!/bin/bash
# The shipping examples, as far as this machine allows: the rsyslog one is
# validated (rsyslogd -N1) and run for real: an rsyslogd in the "instance"
# namespace tails an audit log with it and forwards over TCP to a second
# rsyslogd in the "imds" namespace, which must write out exactly the
# records, byte for byte, across a logrotate-style rename. The Fluent Bit
# and CloudWatch agent files are checked for syntax only (Fluent Bit is not
# in Debian 12; the agent is not packaged).
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
need_root
need_cmd rsyslogd jq
EX=$top_srcdir/examples/shipping
ns_setup

# 1. Validation of the example as shipped (Debian's rsyslog.conf sets the
# work directory; a wrapper does it here).
mkdir -p "$TMPD/send-work" "$TMPD/recv-work"
cat >"$TMPD/validate.conf" <<CONF
global(workDirectory="$TMPD/send-work")
include(file="$EX/rsyslog-imdsgate.conf")
CONF
ok "rsyslogd -N1 accepts rsyslog-imdsgate.conf" rsyslogd -N1 -f "$TMPD/validate.conf"

# 2. A real run. The example with the test's file, collector and port.
sed -e "s|/var/log/imdsgate/audit.log|$TMPD/audit.log|" \
	-e 's|target="logs.example.internal" port="514"|target="169.254.169.254" port="10514"|' \
	"$EX/rsyslog-imdsgate.conf" >"$TMPD/send-example.conf"
ok "the test copy points at the test collector" grep -q 'port="10514"' "$TMPD/send-example.conf"
cat >"$TMPD/send.conf" <<CONF
global(workDirectory="$TMPD/send-work")
include(file="$TMPD/send-example.conf")
CONF
cat >"$TMPD/recv.conf" <<CONF
global(workDirectory="$TMPD/recv-work" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="169.254.169.254" port="10514" ruleset="recv")
template(name="msgonly" type="string" string="%msg%\n")
ruleset(name="recv") {
    action(type="omfile" file="$TMPD/received.out" template="msgonly")
}
CONF

ip netns exec "$NS_IMDS" rsyslogd -n -f "$TMPD/recv.conf" -i "$TMPD/recv.pid" \
	>"$TMPD/recv.err" 2>&1 &
bg_track $!
ok "collector listening" wait_for 60 sh -c "ip netns exec $NS_IMDS ss -ltn | grep -q 169.254.169.254:10514"

# Records like imdsgated's: quotes, backslashes, escaped control bytes,
# non-ASCII UTF-8.
records() {	# records FROM TO
	local i
	for ((i = $1; i <= $2; i++)); do
		jq -nc --argjson i "$i" '{ts: "2026-11-23T15:00:00.000Z", event: "request",
			uid: 1001, user: "igt-alice", method: "GET", n: $i,
			path: "/latest/meta-data/\u001b[31m\"q\"\\\\é😀/\($i)",
			decision: "deny", imds_version: 1}'
	done
}
records 1 50 >"$TMPD/audit.log"
chmod 640 "$TMPD/audit.log"
ip netns exec "$NS_INST" rsyslogd -n -f "$TMPD/send.conf" -i "$TMPD/send.pid" \
	>"$TMPD/send.err" 2>&1 &
bg_track $!
lines() { wc -l <"$TMPD/received.out" 2>/dev/null || echo 0; }
ok "50 records forwarded" wait_for 60 sh -c "test \$(wc -l <'$TMPD/received.out' 2>/dev/null || echo 0) -ge 50"
ok "byte for byte the same" cmp "$TMPD/audit.log" "$TMPD/received.out"

# 3. logrotate with imdsgated's semantics: rename; the daemon still writes
# to the old file until SIGHUP; then a new file.
cp "$TMPD/audit.log" "$TMPD/expected.txt"
mv "$TMPD/audit.log" "$TMPD/audit.log.1"
records 51 60 >>"$TMPD/audit.log.1"
records 61 80 >"$TMPD/audit.log"
records 51 80 >>"$TMPD/expected.txt"
ok "80 records forwarded across the rotation" wait_for 60 sh -c "test \$(wc -l <'$TMPD/received.out') -ge 80"
is "$(sort "$TMPD/received.out" | uniq -d | wc -l)" 0 "no record forwarded twice"
is "$(sort "$TMPD/received.out" | md5sum)" "$(sort "$TMPD/expected.txt" | md5sum)" \
	"every record forwarded, none lost, none changed"

# 3b. `audit = syslog`: a real rsyslogd (imuxsock on a socket of ours)
# must see our datagrams as authpriv.info from "imdsgate-audit", with the
# record intact.
cat >"$TMPD/sys.conf" <<CONF
global(workDirectory="$TMPD/recv-work")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$TMPD/log.sock" CreatePath="on")
template(name="fmt" type="string" string="%syslogfacility-text%.%syslogseverity-text% %programname% %msg:2:\$%\n")
if \$programname == "imdsgate-audit" then {
    action(type="omfile" file="$TMPD/syslog.out" template="fmt")
}
CONF
rsyslogd -n -f "$TMPD/sys.conf" -i "$TMPD/sys.pid" >"$TMPD/sys.err" 2>&1 &
bg_track $!
ok "rsyslogd listens on the test socket" wait_for 60 test -S "$TMPD/log.sock"
TEST_SYSLOG_PATH=$TMPD/log.sock "$top_builddir/tests/unit/test_instinfo" \
	127.0.0.1:9 syslog 60 >/dev/null 2>"$TMPD/writer.err" &
WPID=$!
bg_track $WPID
wait_line 60 "$TMPD/writer.err" ready
syslines_ge() { [ "$(wc -l <"$TMPD/syslog.out" 2>/dev/null || echo 0)" -ge "$1" ]; }
got=0
for i in 1 2 3; do	# one at a time: pending signals coalesce
	kill -USR1 $WPID
	wait_for 30 syslines_ge $i && got=$i
done
is "$got" 3 "three records through syslog"
like "$(head -n 1 "$TMPD/syslog.out")" '^authpriv\.info imdsgate-audit \{"ts":"[^"]+","event":"error","what":"test","detail":"marker"\}$' \
	"authpriv.info, tag imdsgate-audit, the record intact (%msg:2:\$% drops the separating space)"

# 4. The other examples: syntax only.
ok "CloudWatch agent snippet is JSON" jq -e '.logs.logs_collected.files.collect_list[0].file_path == "/var/log/imdsgate/audit.log"' \
	"$EX/cloudwatch-agent-imdsgate.json"
ok "Fluent Bit config tails the audit log with the JSON parser" sh -c \
	"grep -Eq '^ *Name +tail' '$EX/fluent-bit-imdsgate.conf' && grep -Eq '^ *Parser +imdsgate_audit' '$EX/fluent-bit-imdsgate.conf' && grep -Eq '^ *Format +json' '$EX/fluent-bit-parsers-imdsgate.conf'"
tap_done
