# Helpers shared by the sim-*.sh tests (sourced after tap.sh and netns.sh).
#   req METHOD URL [CURL-ARGS...]  one request from the instance namespace;
#                                  sets CODE, BODY, SIZE (body bytes
#                                  received); headers in $TMPD/hdr
#   has_line LINE                  the last body has exactly this line
#   hdr NAME                       a response header's value
#   tok [TTL] [URL]                a fresh IMDSv2 token
#   no_final_newline               the last body does not end in LF
U4=http://169.254.169.254
U6='http://[fd00:ec2::254]'
TOKHDR=X-aws-ec2-metadata-token

req() {
	local m=$1 u=$2 how
	shift 2
	if [ "$m" = HEAD ]; then how=(--head); else how=(-X "$m"); fi
	rm -f "$TMPD/body" "$TMPD/hdr"
	read -r CODE SIZE < <(in_inst curl -s -g -m 30 "${how[@]}" \
		-o "$TMPD/body" -D "$TMPD/hdr" -w '%{http_code} %{size_download}' \
		"$@" "$u")
	BODY=$(cat "$TMPD/body" 2>/dev/null)
}

hdr() {
	grep -i "^$1:" "$TMPD/hdr" | tail -1 | cut -d: -f2- | tr -d '\r' |
		sed 's/^ *//'
}

tok() {
	in_inst curl -s -g -m 30 -f -X PUT \
		-H "X-aws-ec2-metadata-token-ttl-seconds: ${1:-60}" \
		"${2:-$U4}/latest/api/token"
}

has_line() { grep -qxF -- "$1" "$TMPD/body"; }

no_final_newline() {
	[ -s "$TMPD/body" ] && [ "$(tail -c1 "$TMPD/body" | od -An -tx1 | tr -d ' ')" != 0a ]
}

# A JSON field from the last body (python3 from Debian, no third-party
# modules).
jfield() {
	/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$TMPD/body" "$1"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
