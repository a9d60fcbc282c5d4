#!/bin/bash
# Bypass suite: an unprivileged user (igt-alice) tries every trick we know
# to reach a denied path or to use a token that is not hers, through the
# real redirect, against the real daemon. Each attempt must be refused
# (never a credential body) and must leave an audit record.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_root
ns_setup
test_users
RAW="/usr/bin/python3 $(stage "$top_srcdir/tests/lib/rawhttp.py")"

gate_rules creds-root-bob
gate_conf redirect.manage=yes
sim_start --tokens required
gate_redirect install
gate_start

tok() {	# tok UID TTL: a token obtained through the proxy by that uid
	as_user "$1" curl -s -m 30 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: ${2:-300}" \
		http://169.254.169.254/latest/api/token
}
ROOT_TOK=$(in_inst curl -s -m 30 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' \
	http://169.254.169.254/latest/api/token)
ROLE=$(in_inst curl -s -m 30 -H "X-aws-ec2-metadata-token: $ROOT_TOK" \
	http://169.254.169.254/latest/meta-data/iam/security-credentials/)
A_TOK=$(tok "$ALICE_UID")
B_TOK=$(tok "$BOB_UID")
like "$(in_inst curl -s -m 30 -H "X-aws-ec2-metadata-token: $ROOT_TOK" \
	http://169.254.169.254/latest/meta-data/iam/security-credentials/$ROLE)" SecretAccessKey \
	"control: root gets credentials through the proxy"
[ -n "$A_TOK" ] && [ -n "$ROLE" ]; tap_ok $? "control: alice has a token, role is '$ROLE'"
C=/meta-data/iam/security-credentials/$ROLE
H="Host: 169.254.169.254\r\nX-aws-ec2-metadata-token: $A_TOK\r\nConnection: close"

records() { wc -l <"$GATE_AUDIT" 2>/dev/null || echo 0; }
more_records() { [ "$(records)" -gt "$1" ]; }

# attempt NAME WANT-REGEX [HOST [PORT]] < raw request: refused as WANT
# (status codes seen, e.g. '^403'), never CREDS, and an audit record of
# alice's uid appeared for it.
attempt() {
	local name=$1 want=$2 host=${3:-169.254.169.254} port=${4:-80} before got last
	before=$(records)
	got=$(as_user "$ALICE_UID" $RAW "$host" "$port" 10)
	if printf '%s' "$got" | grep -q CREDS || ! printf '%s' "$got" | grep -Eq -- "$want"; then
		tap_ok 1 "$name"; diag "got: $got, want: $want"; return
	fi
	if ! wait_for 30 more_records "$before"; then
		tap_ok 1 "$name"; diag "refused ($got) but no audit record"; return
	fi
	last=$(tail -n +"$((before + 1))" "$GATE_AUDIT" | grep -c "\"uid\":$ALICE_UID")
	[ "$last" -ge 1 ]; tap_ok $? "$name ($got)"
}

attempt "plain denied path" '^403' < <(printf "GET /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "dated version prefix" '^403' < <(printf "GET /2012-01-12$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "1.0 version prefix" '^403' < <(printf "GET /1.0$C HTTP/1.1\r\n$H\r\n\r\n")
P=$(printf '%%%02X' "'${ROLE:0:1}")${ROLE:1}
attempt "percent-encoded letter" '^403' < <(printf "GET /latest/meta-data/iam/security-credentials/%s HTTP/1.1\r\n$H\r\n\r\n" "$P")
attempt "encoded slash %2F" '^400' < <(printf "GET /latest/meta-data/iam/security-credentials%%2F$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "encoded slash %2f" '^400' < <(printf "GET /latest/meta-data/iam/security-credentials%%2f$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "double encoding" '^(400|403|404)' < <(printf "GET /latest/meta-data/iam/security-credentials/%%25${P#%} HTTP/1.1\r\n$H\r\n\r\n")
attempt "dot-dot segment" '^403' < <(printf "GET /latest/meta-data/x/../iam/security-credentials/$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "encoded dot-dot" '^403' < <(printf "GET /latest/meta-data/x/%%2e%%2e/iam/security-credentials/$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "upper-case encoded dot-dot" '^403' < <(printf "GET /latest/meta-data/x/%%2E%%2E/iam/security-credentials/$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "dot segments" '^403' < <(printf "GET /latest/./meta-data/./iam/security-credentials/$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "repeated slashes" '^403' < <(printf "GET //latest//meta-data//iam//security-credentials//$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "trailing slash" '^403' < <(printf "GET /latest/meta-data/iam/security-credentials/$ROLE/ HTTP/1.1\r\n$H\r\n\r\n")
attempt "semicolon parameter" '^(400|403)' < <(printf "GET /latest/meta-data/iam/security-credentials/$ROLE;x=1 HTTP/1.1\r\n$H\r\n\r\n")
attempt "parameter in a parent segment" '^(400|403)' < <(printf "GET /latest/meta-data/iam/security-credentials;/$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "query string" '^(400|403)' < <(printf "GET /latest/meta-data/iam/security-credentials/$ROLE?x=1 HTTP/1.1\r\n$H\r\n\r\n")
attempt "fragment" '^(400|403)' < <(printf "GET /latest/meta-data/iam/security-credentials/$ROLE#f HTTP/1.1\r\n$H\r\n\r\n")
attempt "upper-case version" '^(400|403|404)' < <(printf "GET /LATEST$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "upper-case segment" '^(403|404)' < <(printf "GET /latest/META-DATA/iam/security-credentials/$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "backslash" '^(400|403)' < <(printf "GET /latest/meta-data/iam/security-credentials/\\\\$ROLE HTTP/1.1\r\n$H\r\n\r\n")
attempt "absolute-form target" '^400' < <(printf "GET http://169.254.169.254/latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "Host header pointing at the proxy" '^403' < <(printf "GET /latest$C HTTP/1.1\r\nHost: 127.0.0.1:$GATE_PORT\r\nX-aws-ec2-metadata-token: $A_TOK\r\nConnection: close\r\n\r\n")
attempt "duplicate Host" '^(400|403)' < <(printf "GET /latest$C HTTP/1.1\r\nHost: 169.254.169.254\r\nHost: localhost\r\nX-aws-ec2-metadata-token: $A_TOK\r\nConnection: close\r\n\r\n")
attempt "CONNECT" '^(400|405)' < <(printf "CONNECT 169.254.169.254:80 HTTP/1.1\r\n$H\r\n\r\n")
attempt "HTTP/1.0" '^403' < <(printf "GET /latest$C HTTP/1.0\r\nX-aws-ec2-metadata-token: $A_TOK\r\n\r\n")
attempt "HTTP/0.9" '^(400|-)' < <(printf "GET /latest$C\r\n\r\n")
attempt "pipelined: allowed then denied" '^200 403' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $A_TOK\r\n\r\nGET /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "smuggling: Content-Length with Transfer-Encoding" '^400( |$)' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $A_TOK\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "smuggling: duplicate Content-Length" '^400( |$)' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $A_TOK\r\nContent-Length: 0\r\nContent-Length: 60\r\n\r\nGET /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "smuggling: chunked body on GET" '^400( |$)' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $A_TOK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "bare CR in a header" '^400' < <(printf "GET /latest$C HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $A_TOK\rX-Evil: 1\r\nConnection: close\r\n\r\n")
attempt "NUL in a header" '^400' < <(printf "GET /latest$C HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $A_TOK\x00\r\nConnection: close\r\n\r\n")
attempt "obs-fold header" '^400' < <(printf "GET /latest$C HTTP/1.1\r\nHost: x\r\n X-aws-ec2-metadata-token: $A_TOK\r\nConnection: close\r\n\r\n")
attempt "encoded CR/LF in the path" '^400' < <(printf "GET /latest/meta-data/iam/security-credentials/$ROLE%%0d%%0aX: y HTTP/1.1\r\n$H\r\n\r\n")
attempt "encoded NUL in the path" '^400' < <(printf "GET /latest/meta-data/iam/security-credentials/$ROLE%%00 HTTP/1.1\r\n$H\r\n\r\n")
attempt "oversized headers" '^(400|431)' < <({ printf "GET /latest$C HTTP/1.1\r\n$H\r\nX-Big: "; head -c 40000 /dev/zero | tr '\0' a; printf "\r\n\r\n"; })
attempt "oversized path" '^(400|414)' < <({ printf "GET /latest/meta-data/"; head -c 10000 /dev/zero | tr '\0' a; printf " HTTP/1.1\r\n$H\r\n\r\n"; })
attempt "X-Forwarded-For on the token PUT" '^403' < <(printf "PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nX-Forwarded-For: 1.2.3.4\r\nConnection: close\r\n\r\n")
attempt "root's token stolen by alice" '^401' < <(printf "GET /latest$C HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $ROOT_TOK\r\nConnection: close\r\n\r\n")
attempt "bob's token used by alice on an allowed path" '^401' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $B_TOK\r\nConnection: close\r\n\r\n")
attempt "invented token" '^401' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: AAAAbogusAAAA\r\nConnection: close\r\n\r\n")
attempt "no token (IMDSv1)" '^401' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
attempt "two token headers" '^(400|401)' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $A_TOK\r\nX-aws-ec2-metadata-token: $ROOT_TOK\r\nConnection: close\r\n\r\n")
attempt "IPv6 endpoint" '^403' fd00:ec2::254 80 < <(printf "GET /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "IPv6 endpoint, dated version" '^403' fd00:ec2::254 80 < <(printf "GET /2021-07-15$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "user-data" '^403' < <(printf "GET /latest/user-data HTTP/1.1\r\n$H\r\n\r\n")
attempt "identity credential" '^403' < <(printf "GET /latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance HTTP/1.1\r\n$H\r\n\r\n")
attempt "public keys" '^403' < <(printf "GET /latest/meta-data/public-keys/0/openssh-key HTTP/1.1\r\n$H\r\n\r\n")
attempt "HEAD on credentials" '^403' < <(printf "HEAD /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "POST" '^(400|403|405)' < <(printf "POST /latest$C HTTP/1.1\r\n$H\r\nContent-Length: 0\r\n\r\n")
attempt "lower-case method" '^(400|405)' < <(printf "get /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "double space in the request line" '^400' < <(printf "GET  /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "straight to the proxy's listener" '^403' 127.0.0.1 "$GATE_PORT" < <(printf "GET /latest$C HTTP/1.1\r\n$H\r\n\r\n")
attempt "straight to the proxy's IPv6 listener" '^403' ::1 "$GATE_PORT" < <(printf "GET /latest$C HTTP/1.1\r\n$H\r\n\r\n")

# The exemption is for the daemon's own upstream traffic: alice cannot set
# the socket mark, and her connection is still redirected and refused.
got=$(printf "GET /latest$C HTTP/1.1\r\n$H\r\n\r\n" | as_user "$ALICE_UID" $RAW --mark 169.254.169.254 80 10)
like "$got" '^MARKFAIL EPERM' "alice cannot set SO_MARK to look like the daemon"
like "$got" '403' "and her connection is still filtered"
nok "alice cannot open a second listener on the proxy's port (v4 any)" \
	as_user "$ALICE_UID" /usr/bin/python3 -c 'import socket,sys;s=socket.socket();s.bind(("0.0.0.0",int(sys.argv[1])));s.listen()' "$GATE_PORT"
nok "alice cannot open a second listener on the proxy's address" \
	as_user "$ALICE_UID" /usr/bin/python3 -c 'import socket,sys;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEPORT,1);s.bind(("127.0.0.1",int(sys.argv[1])));s.listen()' "$GATE_PORT"

# An expired token: obtained with a 1 s TTL, used after it lapsed.
E_TOK=$(tok "$ALICE_UID" 1)
sleep 2	# the TTL is the thing under test: it must elapse
attempt "expired token" '^401' < <(printf "GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: $E_TOK\r\nConnection: close\r\n\r\n")

deny=$(grep -c "\"uid\":$ALICE_UID" "$GATE_AUDIT")
! grep -q SecretAccessKey "$GATE_AUDIT"; tap_ok $? "the audit log never holds a secret ($deny records of alice)"
tap_done
