#!/bin/bash
# Every C and C++ file under src/ is formatted with the tree's .clang-format
# (docs/style.md); one TAP line per room, naming the files that are not.
. "$top_srcdir/tests/lib/tap.sh"
need_cmd clang-format
cd "$top_srcdir" || exit 1
for room in src/*/; do
	bad=""
	for f in "$room"*.c "$room"*.h "$room"*.cc; do
		[ -e "$f" ] || continue
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
	done
	is "${bad# }" "" "clang-format clean: $room"
done
tap_done
