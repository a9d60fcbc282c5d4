#!/bin/bash
# The audit log's path cannot be turned against the daemon (issue 14.9):
# a non-root user who can write the log's directory plants a symbolic
# link (to a root-owned file), a FIFO or a hard link where the log goes,
# before the root-started daemon opens it and again before a SIGHUP
# reopen. The daemon must refuse each (not start, or keep its old file),
# never write to nor chown the link's target, and never hang on a FIFO.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
need_root
need_cmd curl stat
ns_setup
test_users
robust_dirs
sim_start --tokens optional --role "$ROLE"

# The directory is alice's; the file she would like the daemon to write
# (or give away) is root's.
ADIR=$TMPD/adir
mkdir -m 0755 "$ADIR"
chown "$ALICE_UID:$ALICE_UID" "$ADIR"
VICTIM=$TMPD/victim
printf 'precious\n' >"$VICTIM"
chmod 0600 "$VICTIM"
victim_intact() {
	[ "$(stat -c '%u:%g %a %s' "$VICTIM")" = "0:0 600 9" ] &&
		[ "$(cat "$VICTIM")" = precious ]
}
# the log's directory stays alice's (the fixture gives it to its owner)
GATE_LOG_OWNER=igt-alice gate_conf "log.audit=$ADIR/audit.log" \
	proxy.require_token=no
P=$GATE_PORT

# start_refused NAME WANT: the daemon exits non-zero, quickly, saying WANT.
start_refused() {
	local rc
	gate_spawn -n "$1"
	if wait_for 30 sh -c "! kill -0 $GATE_PID 2>/dev/null"; then
		wait "$GATE_PID"
		rc=$?
	else
		kill -9 "$GATE_PID"
		wait "$GATE_PID"
		rc=hung
	fi
	ok "$1: the daemon does not start (exit $rc)" test "$rc" != 0 -a "$rc" != hung
	like "$(cat "$GATE_ERR")" "audit\.log: .*$2" "$1: it says why"
	ok "$1: the root-owned target untouched (owner, mode, content)" victim_intact
}

as_user "$ALICE_UID" ln -s "$VICTIM" "$ADIR/audit.log"
start_refused "symlink at start" "symbolic link"
rm -f "$ADIR/audit.log"
as_user "$ALICE_UID" ln -s "$TMPD/nonexistent" "$ADIR/audit.log"
start_refused "dangling symlink at start" "symbolic link"
ok "dangling symlink: nothing created through it" test ! -e "$TMPD/nonexistent"
rm -f "$ADIR/audit.log"
as_user "$ALICE_UID" mkfifo "$ADIR/audit.log"
start_refused "FIFO at start (never a hang)" "not a regular file"
# with alice reading it, the open itself would succeed: every record
# would go to her
as_user "$ALICE_UID" sh -c "exec cat '$ADIR/audit.log' >'$ADIR/stolen'" &
READER=$!; bg_track $READER
start_refused "FIFO with alice reading" "not a regular file"
kill $READER 2>/dev/null; wait $READER 2>/dev/null
is "$(cat "$ADIR/stolen" 2>/dev/null)" "" "FIFO: alice read nothing"
rm -f "$ADIR/audit.log"
as_user "$ALICE_UID" sh -c "echo mine >'$ADIR/hers' && ln '$ADIR/hers' '$ADIR/audit.log'"
start_refused "hard link at start" "hard links"
rm -f "$ADIR/audit.log" "$ADIR/hers"

# A plain start, then the link planted before a reopen.
gate_start -n ok
DAEMON_WORKER=$(pgrep -P "$GATE_PID" | head -1)
read -r code _ < <(fetch "$BOB_UID" "$P" "$MD")
is "$code" 200 "a normal start serves"
ok "the record is in the log" wait_line 10 "$ADIR/audit.log" '"event":"request"'
is "$(stat -c %U "$ADIR/audit.log")" imdsgate "the log was given to the daemon's user"
as_user "$ALICE_UID" mv "$ADIR/audit.log" "$ADIR/audit.log.1"
as_user "$ALICE_UID" ln -s "$VICTIM" "$ADIR/audit.log"
kill -HUP "$GATE_PID"
ok "SIGHUP with a planted link: the reopen is refused and says why" \
	wait_line 30 "$TMPD/ok.err" 'reopen failed, keeping the old one: a symbolic link'
read -r code _ < <(fetch "$BOB_UID" "$P" "$MD")
is "$code" 200 "still serving"
old_has() { [ "$(grep -c '"event":"request"' "$ADIR/audit.log.1")" -ge "$1" ]; }
ok "records go on to the old file" wait_for 30 old_has 2
ok "the target untouched after the reopen" victim_intact
ok "the daemon is still running" kill -0 "$DAEMON_WORKER"
tap_done
