#!/bin/bash
# IMDSv2 tokens in imdsgate-sim: the PUT's rules (TTL range, 403s), real
# expiry, 401 for bad tokens whether or not tokens are required, and v1
# allowed only when tokens are optional.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/sim-common.sh"
need_root
need_cmd curl nft
ns_setup
sim_start
sim_extra optional 169.254.169.254:81 --tokens optional
P=$U4/latest/api/token
TTL=X-aws-ec2-metadata-token-ttl-seconds

# The token response leaves with IP TTL / hop limit 1 (--hop-limit),
# other answers with the system default: count what reaches the instance,
# before any other token is asked for.
in_inst nft -f - <<'NFT'
table inet simttl {
	counter ttl1 { }
	counter hop1 { }
	chain in {
		type filter hook input priority 0;
		ip saddr 169.254.169.254 tcp sport 80 ip ttl 1 counter name ttl1
		ip6 saddr fd00:ec2::254 tcp sport 80 ip6 hoplimit 1 counter name hop1
	}
}
NFT
pkts() { in_inst nft list counter inet simttl "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
req GET "$U4/latest/meta-data/ami-id"
is "$CODE:$(pkts ttl1)" 401:0 "a 401 answer leaves with the default TTL"
tok 60 >/dev/null
seen() { [ "$(pkts "$1")" -gt 0 ]; }
ok "the IPv4 token response has TTL 1" wait_for 30 seen ttl1
tok 60 "$U6" >/dev/null
ok "the IPv6 token response has hop limit 1" wait_for 30 seen hop1

req PUT "$P"
is "$CODE" 400 "PUT without a TTL: 400"
like "$BODY" '400 - Bad Request' "400 page"
for t in 0 21601 -1 abc 1.5 '' 999999999999; do
	req PUT "$P" -H "$TTL: $t"
	is "$CODE" 400 "PUT with TTL '$t': 400"
done
for t in 1 21600; do
	req PUT "$P" -H "$TTL: $t"
	is "$CODE:$(hdr $TTL)" "200:$t" "PUT with TTL $t: 200, echoed"
done
req PUT "$P" -H "$TTL: 60" -H 'X-Forwarded-For: 10.0.0.9'
is "$CODE" 403 "PUT with X-Forwarded-For: 403"
for v in 2021-03-23 1.0; do
	req PUT "$U4/$v/api/token" -H "$TTL: 60"
	is "$CODE" 403 "PUT on /$v/api/token: 403"
done
req GET "$P" -H "$TTL: 60"
is "$CODE" 405 "GET on the token path: 405"
req POST "$P" -H "$TTL: 60"
is "$CODE" 405 "POST on the token path: 405"

# Made-up and expired tokens.
req GET "$U4/latest/meta-data/instance-id" -H "$TOKHDR: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
is "$CODE" 401 "made-up token: 401"
start=$(now_ms)
T=$(tok 1)
req GET "$U4/latest/meta-data/instance-id" -H "$TOKHDR: $T"
is "$CODE" 200 "TTL 1 token works at once"
expired() {
	req GET "$U4/latest/meta-data/instance-id" -H "$TOKHDR: $T"
	[ "$CODE" = 401 ]
}
ok "TTL 1 token expires (401) within 3 s" wait_for 3 expired
elapsed=$(( $(now_ms) - start ))
ok "...and not before 1 s ($elapsed ms)" test "$elapsed" -ge 1000

# Many tokens at once all stay valid.
bad=0
toks=()
for i in $(seq 1 40); do toks+=("$(tok 600)"); done
for t in "${toks[@]}"; do
	req GET "$U4/latest/meta-data/ami-id" -H "$TOKHDR: $t"
	[ "$CODE" = 200 ] || bad=$((bad + 1))
done
is "$bad" 0 "40 concurrent tokens all valid"
is "$(printf '%s\n' "${toks[@]}" | sort -u | wc -l)" 40 "40 distinct tokens"

# Tokens optional.
O=http://169.254.169.254:81
req GET "$O/latest/meta-data/instance-id"
is "$CODE" 200 "optional: v1 GET works"
req GET "$O/latest/meta-data/instance-id" -H "$TOKHDR: nonsense"
is "$CODE" 401 "optional: an invalid token still gets 401"
T=$(tok 1 "$O")
req GET "$O/latest/meta-data/instance-id" -H "$TOKHDR: $T"
is "$CODE" 200 "optional: a valid token works"
ok "optional: the expired token gets 401" wait_for 3 eval \
	'req GET "$O/latest/meta-data/instance-id" -H "$TOKHDR: $T"; [ "$CODE" = 401 ]'
req GET "$U4/latest/meta-data/instance-id" -H "$TOKHDR: $(tok 60 "$O")"
is "$CODE" 401 "a token from another simulator is unknown: 401"
tap_done
