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
AUDIT_LOG=$ADIR/audit.log robust_conf "$TMPD/a.conf" 720 169.254.169.254:80 no <<CONF
[proxy]
require_token = no
CONF

# start_refused NAME WANT: the daemon exits non-zero, quickly, saying WANT.
start_refused() {
	local rc
	timeout 30 ip netns exec "$NS_INST" "$PROXY" -f -c "$TMPD/a.conf" 2>"$TMPD/$1.err"
	rc=$?
	ok "$1: the daemon does not start (exit $rc)" test "$rc" != 0 -a "$rc" != 124
	like "$(cat "$TMPD/$1.err")" "audit\.log: .*$2" "$1: it says why"
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
daemon_start ok "$TMPD/a.conf"
read -r code _ < <(fetch "$BOB_UID" 720 "$MD")
is "$code" 200 "a normal start serves"
ok "the record is in the log" wait_line 10 "$ADIR/audit.log" '"event":"request"'
is "$(stat -c %U "$ADIR/audit.log")" imdsgate "the log was given to the daemon's user"
as_user "$ALICE_UID" mv "$ADIR/audit.log" "$ADIR/audit.log.1"
as_user "$ALICE_UID" ln -s "$VICTIM" "$ADIR/audit.log"
kill -HUP "$DAEMON_PID"
ok "SIGHUP with a planted link: the reopen is refused and says why" \
	wait_line 20 "$TMPD/ok.err" 'reopen failed, keeping the old one: a symbolic link'
read -r code _ < <(fetch "$BOB_UID" 720 "$MD")
is "$code" 200 "still serving"
old_has() { [ "$(grep -c '"event":"request"' "$ADIR/audit.log.1")" -ge "$1" ]; }
ok "records go on to the old file" wait_for 30 old_has 2
ok "the target untouched after the reopen" victim_intact
ok "the daemon is still running" kill -0 "$DAEMON_PID"
tap_done
