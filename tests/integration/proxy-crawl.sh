#!/bin/bash
# A program walking the whole metadata tree, as cloud-init's EC2
# datasource does (every entry of every listing, "0=name" entries as the
# directory "0/"), through imdsgated with the shipped default rules
# (rules/00-default.rules). As a user who is not root every listing and
# every ordinary leaf answers 200 and only the secrets are refused: the
# role's credentials, the instance identity credential and the public
# key. As root everything answers 200.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/lib/gate.sh"
need_root
need_cmd python3 curl
ns_setup
sim_start --tokens required --role crawl-role
gate_rules shipped
gate_conf
gate_redirect install
gate_start

# crawl: one "STATUS PATH" line per request, CREDS after a body that
# holds a secret; the token first, as the datasource fetches it.
CRAWL='
import http.client, sys
def get(path, tok):
    c = http.client.HTTPConnection("169.254.169.254", 80, timeout=30)
    c.request("GET", path, headers={"X-aws-ec2-metadata-token": tok})
    r = c.getresponse()
    return r.status, r.read().decode("latin-1")
c = http.client.HTTPConnection("169.254.169.254", 80, timeout=30)
c.request("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
tok = c.getresponse().read().decode()
todo = ["/latest/meta-data/", "/latest/dynamic/"]
while todo:
    path = todo.pop(0)
    status, body = get(path, tok)
    print(status, path, "CREDS" if "SecretAccessKey" in body else "")
    if status != 200 or not path.endswith("/"):
        continue
    for e in body.split("\n"):
        if "=" in e:
            e = e.split("=", 1)[0] + "/"
        if e:
            todo.append(path + e)
'
crawl() {	# crawl UID: the crawl's lines in $TMPD/crawl-UID
	if [ "$1" = 0 ]; then
		in_inst /usr/bin/python3 -c "$CRAWL" >"$TMPD/crawl-$1"
	else
		as_user "$1" /usr/bin/python3 -c "$CRAWL" >"$TMPD/crawl-$1"
	fi
}
refused() { awk '$1 != 200 { print $1, $2 }' "$TMPD/crawl-$1" | sort; }

crawl "$ALICE_UID"
n=$(wc -l <"$TMPD/crawl-$ALICE_UID")
ok "alice walked the tree ($n requests)" test "$n" -ge 40
is "$(grep -c ' /latest/meta-data/identity-credentials/' "$TMPD/crawl-$ALICE_UID")" 5 \
	"alice: identity-credentials/ and all below it were asked"
is "$(awk '$2 ~ /\/$/ && $1 != 200' "$TMPD/crawl-$ALICE_UID")" "" \
	"alice: every listing answers 200"
is "$(refused "$ALICE_UID" | tr '\n' ' ')" \
	"403 /latest/meta-data/iam/security-credentials/crawl-role 403 /latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance 403 /latest/meta-data/public-keys/0/openssh-key " \
	"alice: refused the three secrets, nothing else"
nok "alice: no credential in any answer" grep -q CREDS "$TMPD/crawl-$ALICE_UID"
ok "audit: the refusals name the rule" gate_audit wait 3 event=request uid="$ALICE_UID" \
	status=403 'rule=secrets are not for everyone'

crawl 0
is "$(refused 0)" "" "root: everything answers 200"
is "$(grep -c CREDS "$TMPD/crawl-0")" 2 "root: both credentials"
is "$(wc -l <"$TMPD/crawl-0")" "$n" "root walked the same tree"
tap_done
