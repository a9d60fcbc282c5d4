#!/bin/bash
# mode = audit still fails closed on a socket it cannot attribute
# (what it lets through: tests/proxy/cases/audit-mode.case);
# max_connections_per_uid refuses the extra connection with 503 and
# leaves other users alone.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/proxy-common.sh"
need_root
need_cmd curl jq
ns_setup
sim_start --tokens optional --role app-role
proxy_setup proxy.mode=audit proxy.max_connections_per_uid=2 \
	"proxy.listen+=169.254.0.2:$GATE_PORT"
proxy_start

TB=$(token $BOB_UID)
T=$(token $ALICE_UID)

# fail closed, even in audit mode: a socket the kernel cannot attribute
# (here: a client in another network namespace) gets 403 and is audited
is "$(in_imds curl -s -m 30 -o /dev/null -w '%{http_code}' http://169.254.0.2:$GATE_PORT/latest/meta-data/ami-id)" 403 \
	"unknown socket owner: 403"
ok "unknown owner audited" gate_audit wait 1 event=request status=403 \
	'reason=socket owner unknown' 'has("uid") | not'

# two idle connections of alice's; the third is refused, bob is not
hold() { as_user $ALICE_UID bash -c 'exec 3<>/dev/tcp/169.254.169.254/80; read -t 20 -u 3 x' & bg_track $!; }
hold; hold
held() { [ "$(in_inst ss -Htn state established "( sport = :$GATE_PORT )" | wc -l)" -ge 2 ]; }
ok "two connections held" wait_for 30 held
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id")" 503 "third connection of alice: 503"
is "$(ucurl $BOB_UID -H "$TH: $TB" "$U4/latest/meta-data/ami-id")" 200 "bob unaffected"
ok "limit logged" wait_line 30 "$GATE_ERR" 'max_connections_per_uid'
ns_keep_logs
tap_done
