#!/bin/bash
# Every man page in the tree renders without a warning from man/groff
# (`man --warnings -l`), has a NAME section, and the pages the packages
# install are all there.
source "$top_srcdir/tests/lib/tap.sh"
need_cmd man groff

shopt -s nullglob
pages=("$top_srcdir"/man/*.[1-8])
ok "the tree has man pages" test "${#pages[@]}" -gt 0

for p in "${pages[@]}"; do
	name=${p##*/}
	# groff writes its warnings to stderr; the rendered page goes nowhere.
	err=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
	is "$err" "" "$name renders without warnings"
	like "$(head -c 4096 "$p")" '^\.TH |^\.Dt |
\.TH |
\.Dt ' "$name has a title line"
	ok "$name has a NAME section" grep -Eq '^\.(SH|Sh) "?NAME' "$p"
	sec=${name##*.}
	like "$(grep -Em1 '^\.(TH|Dt) ' "$p")" "^\.(TH|Dt) [^ ]+ $sec( |\$)" \
		"$name: section in .TH matches the file name"
done

# The pages docs/interfaces.md and the packages promise.
for want in imdsgated.8 imdsgate.conf.5 imdsgate.rules.5 imdsgate-detect.1 \
    imdsgate-sim.1; do
	ok "man/$want exists" test -f "$top_srcdir/man/$want"
done

# imdsgate.conf(5) documents every key of src/proxy/conf.c's table.
keys=$(sed -n 's/^[[:space:]]*{ *"\([a-z]*\)", "\([a-z_]*\)",.*/\1 \2/p' \
	"$top_srcdir/src/proxy/conf.c")
ok "conf.c's key table was found" test -n "$keys"
while read -r sect key; do
	[ -n "$key" ] || continue
	ok "imdsgate.conf.5 documents [$sect] $key" \
		awk -v s="SECTION [$sect]" -v k="$key" '
		/^\.SH/ { in_s = index($0, s) > 0 }
		in_s && /^\.B[IR]? / && $2 == k { found = 1 }
		END { exit !found }' "$top_srcdir/man/imdsgate.conf.5"
done <<<"$keys"

tap_done
