#!/bin/bash
# The example Ansible role (examples/ansible) against this machine, with a
# scratch rules directory and the imdsgated of this build: syntax check; a
# good rule file is validated by `imdsgated -t`, installed, and the reload
# handler runs once; a second run changes nothing; a bad rule file fails
# the play with imdsgated's FILE:LINE error and never reaches the
# directory.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
need_root
need_cmd ansible-playbook
test_users

A=$top_srcdir/examples/ansible
# Keep ansible's state out of root's home and away from other tests.
export HOME=$TMPD ANSIBLE_HOME=$TMPD/.ansible ANSIBLE_LOCAL_TEMP=$TMPD/.ansible/tmp \
	ANSIBLE_REMOTE_TEMP=$TMPD/.ansible/rtmp ANSIBLE_NOCOLOR=1 \
	ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_FORCE_COLOR=0 \
	ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 TMPDIR=$TMPD
mkdir -p "$TMPD/rules.d" "$TMPD/.ansible/tmp"
cp "$top_srcdir/rules/00-default.rules" "$TMPD/rules.d/"
play() {	# play RULE-FILE: run the role, output in $TMPD/play.out
	ansible-playbook -i localhost, -c local "$A/site.yml" \
		-e "imdsgate_rule_src=$1" -e imdsgate_rule_name=50-app.rules \
		-e "imdsgate_rules_dir=$TMPD/rules.d" -e "imdsgated_path=$PROXY" \
		-e "imdsgate_reload_command='touch $TMPD/reloaded.$2'" \
		>"$TMPD/play.out" 2>&1
}

ok "ansible-playbook --syntax-check" \
	ansible-playbook -i localhost, --syntax-check "$A/site.yml"

play "$A/roles/imdsgate_rules/files/50-app.rules" 1
tap_ok $? "the example rule file passes imdsgated -t and is installed"
cmp -s "$A/roles/imdsgate_rules/files/50-app.rules" "$TMPD/rules.d/50-app.rules"
tap_ok $? "the installed file is the example"
ok "the reload handler ran" test -f "$TMPD/reloaded.1"
like "$(grep -E '^localhost' "$TMPD/play.out")" 'failed=0' "play recap: no failure"

play "$A/roles/imdsgate_rules/files/50-app.rules" 2
tap_ok $? "second run succeeds"
like "$(grep -E '^localhost' "$TMPD/play.out")" 'changed=0 ' "second run changes nothing"
nok "no reload when nothing changed" test -f "$TMPD/reloaded.2"

# A rule for a user that does not exist: a load error, not a silent no-match.
printf '[bad]\naction = allow\nuser = igt-nosuchuser\npath = /meta-data/**\n' \
	>"$TMPD/bad.rules"
before=$(md5sum "$TMPD/rules.d/50-app.rules")
play "$TMPD/bad.rules" 3
tap_ok $(( ! $? )) "a rule file that does not load fails the play"
like "$(cat "$TMPD/play.out")" '50-app\.rules:[0-9]+' \
	"the failure names the file and line"
is "$(md5sum "$TMPD/rules.d/50-app.rules")" "$before" "the installed file is unchanged"
nok "no reload after a refused file" test -f "$TMPD/reloaded.3"
is "$(ls -A "$TMPD" | grep -c '\.imdsgate$')" 0 "the scratch directories are removed"

tap_done
