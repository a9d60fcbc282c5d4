#!/bin/bash
# imdsgated with curl, behind the real redirect in a namespace: the IMDS
# 401 byte for byte, path rules per uid, tokens bound to the uid that
# fetched them and their expiry, IPv6 filtered like IPv4, strict parsing,
# pipelining, and X-Forwarded-For on the token PUT.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/proxy-common.sh"
need_root
need_cmd curl jq
ns_setup
# tokens optional at the simulator: every 401 below is the proxy's own
sim_start --tokens optional --role app-role
proxy_setup
proxy_start

# The exact 401 the IMDS gives (here for a bad token): status line,
# headers (minus Date), body.
in_imds curl -s -i -H "$TH: bogus" "$U4$CREDS/" | grep -v '^Date:' >"$TMPD/direct401"
in_inst curl -s -i "$U4$CREDS/" | grep -v '^Date:' >"$TMPD/proxy401"
ok "no token: the IMDS's 401, byte for byte" cmp "$TMPD/direct401" "$TMPD/proxy401"
[ -s "$TMPD/direct401" ] && head -1 "$TMPD/direct401" | grep -q ' 401 ' ||
	diag "direct answer: $(head -1 "$TMPD/direct401")"

# alice: token, then her credentials.
T=$(token $ALICE_UID)
like "$T" '^[A-Za-z0-9+/=_-]{20,}$' "alice gets a token through the proxy"
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4$CREDS/app-role")" 200 "alice: credentials 200"
ok "alice: the body is the credential JSON" jq -e '.AccessKeyId | startswith("ASIA")' "$TMPD/body"
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/instance-id")" 200 "alice: instance-id"

# bob: the token dance works, the credentials are refused with 403.
TB=$(token $BOB_UID)
is "$(ucurl $BOB_UID -H "$TH: $TB" "$U4$CREDS/app-role")" 403 "bob: credentials 403 (rule)"
ok "bob: 403 page as IMDS" grep -q '<h1>403 - Forbidden</h1>' "$TMPD/body"
is "$(ucurl $BOB_UID -H "$TH: $TB" "$U4/1.0/meta-data/iam/security-credentials/app-role")" 403 \
	"bob: the /1.0/ form is refused too"
is "$(ucurl $BOB_UID -H "$TH: $TB" "$U4/latest/meta-data/iam/security-credentials/%61pp-role")" 403 \
	"bob: percent-encoded path is refused too"
is "$(ucurl $BOB_UID -H "$TH: $TB" "$U4/latest/meta-data/../meta-data/iam/security-credentials/app-role" --path-as-is)" 403 \
	"bob: dot-segments are refused too"

# tokens are bound to the uid that fetched them
is "$(ucurl $BOB_UID -H "$TH: $T" "$U4/latest/meta-data/instance-id")" 401 "alice's token used by bob: 401"
is "$(ucurl $ALICE_UID -H "$TH: made-up-token" "$U4/latest/meta-data/instance-id")" 401 "unknown token: 401"
is "$(ucurl 0 -H "$TH: $T" "$U4/latest/meta-data/ami-id")" 401 "alice's token used by root: 401"

# expiry: a 2-second token stops working once it is over
T1=$(token $ALICE_UID 2)
is "$(ucurl $ALICE_UID -H "$TH: $T1" "$U4/latest/meta-data/ami-id")" 200 "2 s token works at once"
expired() { [ "$(ucurl $ALICE_UID -H "$TH: $T1" "$U4/latest/meta-data/ami-id")" = 401 ]; }
ok "2 s token refused with 401 after expiry" wait_for 6 expired
ok "the proxy refused it itself (audit: expired token)" wait_line 5 "$TMPD/log/audit.log" \
	'"status":401.*"reason":"expired token"'

# imdsv1 = allow: the rule lets this one path through without a token
is "$(ucurl $BOB_UID "$U4/latest/meta-data/instance-id")" 200 "imdsv1 = allow rule: v1 request served"
is "$(ucurl $BOB_UID "$U4/latest/meta-data/ami-id")" 401 "other paths still need the token"

# IPv6: the same decisions
T6=$(token $ALICE_UID 300 "$U6")
like "$T6" '^[A-Za-z0-9+/=_-]{20,}$' "IPv6: token"
is "$(ucurl $ALICE_UID -H "$TH: $T6" "$U6$CREDS/app-role")" 200 "IPv6: alice's credentials"
TB6=$(token $BOB_UID 300 "$U6")
is "$(ucurl $BOB_UID -H "$TH: $TB6" "$U6$CREDS/app-role")" 403 "IPv6: bob refused"
is "$(ucurl $BOB_UID -H "$TH: $T6" "$U6/latest/meta-data/ami-id")" 401 "IPv6: alice's token refused for bob"
is "$(ucurl $BOB_UID "$U6$CREDS/app-role")" 401 "IPv6: no token, 401"

# X-Forwarded-For on the token PUT: 403 as from IMDS
is "$(ucurl $ALICE_UID -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
	-H 'X-Forwarded-For: 10.0.0.1' "$U4/latest/api/token")" 403 "PUT with X-Forwarded-For: 403"
is "$(ucurl $ALICE_UID -X POST -H "$TH: $T" "$U4/latest/meta-data/")" 405 "POST: 405"
is "$(ucurl $ALICE_UID -X DELETE -H "$TH: $T" "$U4/latest/meta-data/")" 405 "DELETE: 405"
is "$(ucurl $ALICE_UID -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
	-H 'Transfer-Encoding: chunked' -d x "$U4/latest/api/token")" 400 "chunked body: 400"
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/a%2Fb")" 400 "unsafe escape: 400"
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/%2e%2e/user-data")" 403 \
	"escaped dot-segments resolve, then the rules judge: 403"

# never routed by Host
is "$(ucurl $ALICE_UID -H "$TH: $T" -H 'Host: 127.0.0.1:1' "$U4/latest/meta-data/ami-id")" 200 \
	"Host header ignored for routing"
big=$(head -c 17000 /dev/zero | tr '\0' a)
is "$(ucurl $ALICE_UID -H "$TH: $T" -H "X-Big: $big" "$U4/latest/meta-data/ami-id")" 431 "headers over 16 KiB: 431"

# raw HTTP: absolute-form, HTTP/0.9, pipelining
raw() { as_user $ALICE_UID timeout 5 bash -c 'exec 3<>/dev/tcp/169.254.169.254/80; printf "$0" >&3; cat <&3' "$1"; }
like "$(raw 'GET http://169.254.169.254/latest/meta-data/ HTTP/1.1\r\nHost: x\r\n\r\n' | head -1)" \
	'^HTTP/1.1 400 ' "absolute-form target: 400"
like "$(raw 'GET /latest/meta-data/\r\n\r\n' | head -1)" '^HTTP/1.1 400 ' "HTTP/0.9: 400"
like "$(raw 'GET / HTTP/1.1\r\nHost: a\r\n b\r\n\r\n' | head -1)" '^HTTP/1.1 400 ' "obs-fold: 400"
out=$(raw "GET /latest/meta-data/ami-id HTTP/1.1\r\nHost: x\r\n$TH: $T\r\n\r\nGET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\n$TH: $T\r\n\r\nGET /latest/meta-data/instance-type HTTP/1.1\r\nHost: x\r\n$TH: $T\r\nConnection: close\r\n\r\n")
is "$(grep -o 'HTTP/1.1 200' <<<"$out" | wc -l)" 3 "three pipelined requests, three answers"
like "$(tr -d '\r' <<<"$out" | grep -Eo '^(ami-|i-)[0-9a-f]+' | tr '\n' ' ')" '^ami-[0-9a-f]+ i-[0-9a-f]+ $' \
	"pipelined answers in order"

# two pipelined requests then FIN (shutdown): both still answered
fin='
import socket, sys
s = socket.create_connection(("169.254.169.254", 80), timeout=5)
r = "GET /latest/meta-data/ami-id HTTP/1.1\r\nHost: x\r\n%s: %s\r\n\r\n" % (sys.argv[1], sys.argv[2])
s.sendall((r + r).encode())
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    d = s.recv(65536)
    if not d: break
    out += d
print(out.decode().count("HTTP/1.1 200"))'
is "$(as_user $ALICE_UID timeout 10 python3 -c "$fin" "$TH" "$T")" 2 "pipelined then FIN: both answered, then closed"

# the audit log has the decisions
ok "audit: bob's denied request" wait_line 5 "$TMPD/log/audit.log" "\"decision\":\"deny\".*\"uid\":$BOB_UID|\"uid\":$BOB_UID.*\"decision\":\"deny\""
ok "audit: alice's credential fetch" wait_line 5 "$TMPD/log/audit.log" '"event":"credential_fetch"'
nok "audit: never the token" grep -qF -- "$T" "$TMPD/log/audit.log"

# SIGTERM: a clean stop
kill -TERM "$PROXY_PID"
ok "SIGTERM: exits 0" wait "$PROXY_PID"
ns_keep_logs
tap_done
