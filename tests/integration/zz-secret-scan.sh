#!/bin/bash
# Runs after every other test (see mk/audit.am): scans every log the
# integration tests kept (tests/lib/netns.sh ns_keep_logs copies them to
# tests/artifacts/TEST/) for any SecretAccessKey or session Token the
# simulator handed out (its --secrets-file), and for secret-shaped data in
# general. A leak anywhere fails the whole suite.
source "$top_srcdir/tests/lib/tap.sh"
need_root
ART=$top_builddir/tests/artifacts
WORK=$(mktemp -d "${TMPDIR:-/tmp}/imdsgate-scan.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Every secret value ever written to a kept secrets file.
find "$ART" -type f -name '*sim-secrets*' 2>/dev/null | sort >"$WORK/secretfiles"
xargs -r -d '\n' cat <"$WORK/secretfiles" |
	sed -nE 's/^[A-Z0-9]+_(SECRET_ACCESS_KEY|SESSION_TOKEN)=(.+)$/\2/p' |
	sort -u >"$WORK/values"
find "$ART" -type f ! -name '*sim-secrets*' 2>/dev/null | sort >"$WORK/logs"
nsecrets=$(wc -l <"$WORK/values")
nlogs=$(wc -l <"$WORK/logs")
diag "$nlogs kept logs, $nsecrets secret values from $(wc -l <"$WORK/secretfiles") secrets files"

ok "secret values to look for" test "$nsecrets" -gt 0
ok "logs to scan" test "$nlogs" -gt 0
withcred=$(xargs -r -d '\n' grep -l '"event":"credential_fetch"' <"$WORK/logs" | wc -l)
ok "at least one scanned log holds a credential_fetch ($withcred)" test "$withcred" -gt 0

# Exact values: name the file, never print the secret itself.
leaks=0
while IFS= read -r f; do
	if [ -s "$WORK/values" ] && grep -qF -f "$WORK/values" -- "$f"; then
		diag "LEAK: a secret or token value appears in ${f#$ART/}"
		leaks=$((leaks + 1))
	fi
done <"$WORK/logs"
is "$leaks" 0 "no secret or token value in any kept log"

# Shapes: a credential body or an STS session token in a log.
shapes=0
while IFS= read -r f; do
	if grep -qE '"SecretAccessKey"|"Token" *:|IQoJb3JpZ2luX2Vj' -- "$f"; then
		diag "LEAK: a credential body or session token shape in ${f#$ART/}"
		shapes=$((shapes + 1))
	fi
done <"$WORK/logs"
is "$shapes" 0 "no credential body or token shape in any kept log"
tap_done
