#!/bin/bash
# mode = audit decides and logs but blocks nothing (except another uid's
# token); max_connections_per_uid refuses the extra connection with 503
# and leaves other users alone.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/proxy-common.sh"
need_root
need_cmd curl jq
ns_setup
sim_start --tokens optional --role app-role
proxy_setup "max_connections_per_uid = 2
listen = 169.254.0.2:170"
sed -i 's/^mode = enforce/mode = audit/' "$TMPD/imdsgate.conf"
proxy_start
LOG=$TMPD/log/audit.log

TB=$(token $BOB_UID)
is "$(ucurl $BOB_UID -H "$TH: $TB" "$U4$CREDS/app-role")" 200 "audit mode: bob's denied request served"
ok "audit mode: logged as deny, mode audit" wait_for 5 sh -c \
	"jq -e 'select(.event==\"request\" and .uid==$BOB_UID and .status==200 and .decision==\"deny\" and .mode==\"audit\")' '$LOG' | grep -q ."
is "$(ucurl $BOB_UID "$U4/latest/meta-data/ami-id")" 200 "audit mode: no token, served"
ok "audit mode: logged as IMDSv1" wait_for 5 sh -c \
	"jq -e 'select(.event==\"request\" and .imds_version==1 and .path==\"/latest/meta-data/ami-id\")' '$LOG' | grep -q ."
T=$(token $ALICE_UID)
is "$(ucurl $BOB_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id")" 401 "audit mode: alice's token still refused for bob"

# fail closed, even in audit mode: a socket the kernel cannot attribute
# (here: a client in another network namespace) gets 403 and is audited
is "$(in_imds curl -s -m 5 -o /dev/null -w '%{http_code}' http://169.254.0.2:170/latest/meta-data/ami-id)" 403 \
	"unknown socket owner: 403"
ok "unknown owner audited" wait_for 5 sh -c \
	"jq -e 'select(.event==\"request\" and .status==403 and .reason==\"socket owner unknown\" and (has(\"uid\")|not))' '$LOG' | grep -q ."

# two idle connections of alice's; the third is refused, bob is not
hold() { as_user $ALICE_UID bash -c 'exec 3<>/dev/tcp/169.254.169.254/80; read -t 20 -u 3 x' & bg_track $!; }
hold; hold
held() { [ "$(in_inst ss -Htn state established '( sport = :169 )' | wc -l)" -ge 2 ]; }
ok "two connections held" wait_for 5 held
is "$(ucurl $ALICE_UID -H "$TH: $T" "$U4/latest/meta-data/ami-id")" 503 "third connection of alice: 503"
is "$(ucurl $BOB_UID -H "$TH: $TB" "$U4/latest/meta-data/ami-id")" 200 "bob unaffected"
ok "limit logged" wait_line 5 "$TMPD/proxy.err" 'max_connections_per_uid'
ns_keep_logs
tap_done
