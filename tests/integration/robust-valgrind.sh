#!/bin/bash
# The daemon under valgrind (issue 7.4): started through the redirect as
# in production, a few real requests (token, allowed and denied
# credentials, IPv6), a reload, more requests, then SIGTERM. valgrind must
# report no error and no definite or possible leak (--error-exitcode=99).
# In an AddressSanitizer build valgrind cannot run the binary; the same
# scenario then runs under ASan and LeakSanitizer, which must stay silent.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
need_root
need_cmd curl valgrind
ns_setup
test_users
robust_dirs
robust_conf 169.254.169.254:80
AUDIT=$GATE_AUDIT
sim_start --role "$ROLE"
gate_redirect install

if asan_build; then
	TOOL=asan
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:exitcode=99"
	daemon_start proxy
else
	TOOL=valgrind
	daemon_start proxy -t 180 \
		valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,possible --track-fds=no --vgdb=no \
		--suppressions="$top_srcdir/tests/lib/robust-valgrind.supp" \
		--log-file="$TMPD/valgrind.out"
fi
diag "running under $TOOL"

# round NAME: the requests of one round, each checked.
round() {
	local t code
	t=$(in_inst curl -s -m 20 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		http://169.254.169.254/latest/api/token)
	ok "$1: root gets a token" test -n "$t"
	like "$(in_inst curl -s -m 20 -H "X-aws-ec2-metadata-token: $t" \
		"http://169.254.169.254$CREDS")" SecretAccessKey "$1: root gets credentials"
	t=$(as_user "$ALICE_UID" curl -s -m 20 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
		http://169.254.169.254/latest/api/token)
	code=$(as_user "$ALICE_UID" curl -s -m 20 -o /dev/null -w '%{http_code}' \
		-H "X-aws-ec2-metadata-token: $t" "http://169.254.169.254$CREDS")
	is "$code" 403 "$1: alice refused credentials"
	code=$(as_user "$ALICE_UID" curl -s -m 20 -o /dev/null -w '%{http_code}' \
		-H "X-aws-ec2-metadata-token: $t" "http://[fd00:ec2::254]/latest/meta-data/instance-id")
	is "$code" 200 "$1: alice reads metadata over IPv6"
	code=$(as_user "$ALICE_UID" curl -s -m 20 -o /dev/null -w '%{http_code}' \
		"http://169.254.169.254/latest/meta-data/instance-id")
	is "$code" 401 "$1: a request without a token gets 401"
}
round "first round"
kill -HUP "$DAEMON_PID"
ok "reload: done" wait_line 30 "$TMPD/proxy.err" 'reloaded'
grep -i 'reload\|reopen' "$TMPD/proxy.err" | sed 's/^/# /'
round "after the reload"

kill -TERM "$DAEMON_PID"
rc=0
wait "$DAEMON_PID" || rc=$?
is "$rc" 0 "stopped by SIGTERM, exit 0 under $TOOL (99: errors found)"
if [ "$TOOL" = valgrind ]; then
	is "$(grep -c . "$TMPD/valgrind.out")" 0 "valgrind printed nothing (no error, no leak)"
	sed 's/^/# /' "$TMPD/valgrind.out" | head -60
else
	nok "no sanitizer report" grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMPD/proxy.err"
fi
gate_redirect remove >/dev/null 2>&1
tap_done
