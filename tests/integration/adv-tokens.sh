#!/bin/bash
# One token table for everyone (issue 14.5): the table holds 65,536 token
# hashes, and a full table used to forget the token closest to expiry
# whoever owned it, with two whole scans per new token. Here igt-alice
# mints 70,000 tokens through the proxy (pipelined on keep-alive
# connections) while igt-bob holds one long-lived token; bob's token must
# still work afterwards, and alice's own quota must have applied to her
# (her oldest token forgotten, her newest working).
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/robust.sh"
need_root
need_cmd curl python3
ns_setup
test_users
robust_dirs
PIPE="/usr/bin/python3 $(stage "$top_srcdir/tests/lib/pipeline.py")"
MINT=${MINT_TOKENS:-70000}
P=$GATE_PORT
sim_start --tokens required --role "$ROLE"
gate_conf
gate_start -n t
DAEMON_WORKER=$(pgrep -P "$GATE_PID" | head -1)

tok() {	# tok UID: a 6-hour token through the proxy
	as_user "$1" curl -s -m 10 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' \
		"http://127.0.0.1:$P/latest/api/token"
}
get() {	# get UID TOKEN: status of a metadata GET with that token
	as_user "$1" curl -s -m 10 -o /dev/null -w '%{http_code}' \
		-H "X-aws-ec2-metadata-token: $2" "http://127.0.0.1:$P$MD"
}
B_TOK=$(tok "$BOB_UID")
A_FIRST=$(tok "$ALICE_UID")
is "$(get "$BOB_UID" "$B_TOK")" 200 "bob's token works before"
is "$(get "$ALICE_UID" "$A_FIRST")" 200 "alice's first token works before"

# mint BATCH: alice mints that many on pipelined connections; prints
# the elapsed milliseconds and the number answered 200
mint() {
	local t0 out
	t0=$(now_ms)
	out=$(printf 'PUT /latest/api/token HTTP/1.1\\r\\nHost: x\\r\\nX-aws-ec2-metadata-token-ttl-seconds: 21600\\r\\n\\r\\n' |
		as_user "$ALICE_UID" $PIPE 127.0.0.1 $P --count "$1" --conns 8 --window 32)
	echo "$(( $(now_ms) - t0 )) $(printf '%s\n' "$out" | awk '$1 == 200 { print $2 }')"
}
read -r ms_first ok_first < <(mint 5000)
read -r ms_rest ok_rest < <(mint $((MINT - 10000)))
read -r ms_last ok_last < <(mint 5000)
is "$((ok_first + ok_rest + ok_last))" "$MINT" "alice minted $MINT tokens through the proxy"
# (the O(1) insert is measured in tests/unit/test_token, without noise)
diag "minting: first 5000 in $ms_first ms, last 5000 (table full) in $ms_last ms"
is "$(get "$BOB_UID" "$B_TOK")" 200 "bob's token survives alice's mass minting"
is "$(get "$ALICE_UID" "$A_FIRST")" 401 "alice's own oldest token fell to her quota"
is "$(gate_audit last event=request uid="$ALICE_UID" | jq -r .reason)" "unknown token" \
	"audited as unknown to the proxy"
A_NEW=$(tok "$ALICE_UID")
is "$(get "$ALICE_UID" "$A_NEW")" 200 "alice's newest token works"
is "$(get "$BOB_UID" "$A_NEW")" 401 "and is still hers alone"
ok "the daemon is still running" kill -0 "$DAEMON_WORKER"
diag "daemon RSS after the flood: $(rss_kb "$DAEMON_WORKER") kB"
tap_done
