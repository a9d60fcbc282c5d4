#!/bin/bash
# imdsgated with curl and raw HTTP, behind the real redirect in a
# namespace: the IMDS 401 byte for byte, token expiry, strict parsing of
# what curl cannot send, pipelining. (Rules per uid, token binding, IPv6
# and the request table: tests/proxy/cases/, run by proxy-cases.sh.)
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

# The pages the proxy makes itself are IMDS's, byte for byte: status
# line, headers, body, compared with the simulator's own copy of IMDS's
# bytes (src/sim/sim_reply.c). Not compared: Date, and Connection (when
# to close is the proxy's business).
direct() {	# direct NAME CURL-ARGS...: the simulator's answer
	local name=$1
	shift
	in_imds curl -s -i -m 30 "$@" | grep -Ev '^(Date|Connection):' >"$TMPD/imds$name"
}
proxied() {	# proxied NAME UID CURL-ARGS...: the proxy's answer to UID
	local name=$1 uid=$2
	shift 2
	as_user "$uid" curl -s -i -m 30 "$@" | grep -Ev '^(Date|Connection):' >"$TMPD/proxy$name"
}
same_page() {	# same_page STATUS DESCRIPTION: both answers that status, the same bytes
	head -1 "$TMPD/imds$1" | grep -q " $1 " && cmp -s "$TMPD/imds$1" "$TMPD/proxy$1"
	tap_ok $? "$2"
	cmp -s "$TMPD/imds$1" "$TMPD/proxy$1" ||
		diff "$TMPD/imds$1" "$TMPD/proxy$1" | cat -A | sed 's/^/# /' | head -20
}
TA0=$(token $ALICE_UID)
TB0=$(token $BOB_UID)
direct 401 -H "$TH: bogus" "$U4$CREDS/"
proxied 401 $ALICE_UID "$U4$CREDS/"
same_page 401 "no token: the IMDS's 401, byte for byte"
direct 403 -X PUT -H "$TH-ttl-seconds: 60" -H 'X-Forwarded-For: 10.0.0.1' "$U4/latest/api/token"
proxied 403 $BOB_UID -H "$TH: $TB0" "$U4$CREDS/app-role"
same_page 403 "a rule's refusal: the IMDS's 403, byte for byte"
direct 405 -X POST "$U4/latest/meta-data/"
proxied 405 $ALICE_UID -X POST -H "$TH: $TA0" "$U4/latest/meta-data/"
same_page 405 "POST: the IMDS's 405, byte for byte"
direct 400 -X PUT "$U4/latest/api/token"
proxied 400 $ALICE_UID -H "$TH: $TA0" "$U4/latest/meta-data/a%2Fb"
same_page 400 "an unsafe escape: the IMDS's 400, byte for byte"

# A token for alice (what she may and may not do with it, and everyone
# else: tests/proxy/cases/, run by proxy-cases.sh).
T=$(token $ALICE_UID)
like "$T" '^[A-Za-z0-9+/=_-]{20,}$' "alice gets a token through the proxy"
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/instance-id")" 200 "alice: instance-id"

# expiry: a 2-second token stops working once it is over
T1=$(token $ALICE_UID 2)
is "$(ucurl $ALICE_UID -H "$TH: $T1" "$U4/latest/meta-data/ami-id")" 200 "2 s token works at once"
expired() { [ "$(ucurl $ALICE_UID -H "$TH: $T1" "$U4/latest/meta-data/ami-id")" = 401 ]; }
ok "2 s token refused with 401 after expiry" wait_for 30 expired
ok "the proxy refused it itself (audit: expired token)" \
	gate_audit wait 1 event=request status=401 'reason=expired token'

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

# the audit log never holds the token
ok "audit: alice's requests recorded" gate_audit wait 1 event=request uid=$ALICE_UID
nok "audit: never the token" grep -qF -- "$T" "$GATE_AUDIT"

# SIGTERM: a clean stop
kill -TERM "$PROXY_PID"
ok "SIGTERM: exits 0" wait "$PROXY_PID"
ns_keep_logs
tap_done
