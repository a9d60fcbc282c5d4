#!/bin/bash
# The fault modes the proxy's tests rely on: each misbehaves as its name
# says, once a request has been sent.
source "$top_srcdir/tests/lib/tap.sh"
source "$top_srcdir/tests/lib/netns.sh"
source "$top_srcdir/tests/integration/sim-common.sh"
need_root
need_cmd curl timeout
ns_setup
port=8000
for f in never-answer reset garbage huge-body slow; do
	port=$((port + 1))
	sim_extra "$f" "169.254.169.254:$port" --fault "$f"
	eval "P_${f//-/_}=$port"
done
# raw PORT SECONDS: send a GET, print what comes back within SECONDS
# (hex), then the reason the read ended: eof, reset or timeout.
raw() {
	in_inst timeout 20 /usr/bin/python3 -c '
import socket, sys, time, binascii
s = socket.create_connection(("169.254.169.254", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /latest/meta-data/instance-id HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n")
end = time.monotonic() + float(sys.argv[2]); data = b""; why = "timeout"
try:
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            x = s.recv(65536)
        except socket.timeout:
            break
        if not x:
            why = "eof"; break
        data += x
except ConnectionResetError:
    why = "reset"
print("x" + binascii.hexlify(data[:64]).decode(), len(data), why)
' "$1" "$2"
}
U=http://169.254.169.254

read -r hex n why < <(raw "$P_never_answer" 1)
is "$n $why" "0 timeout" "never-answer: nothing in 1 s, connection open"
rc=0; in_inst curl -s -m 1 -o /dev/null "$U:$P_never_answer/latest/meta-data/" || rc=$?
is "$rc" 28 "never-answer: curl times out (28)"

read -r hex n why < <(raw "$P_reset" 2)
is "$n $why" "0 reset" "reset: connection reset, no bytes"
rc=0; in_inst curl -s -m 2 -o /dev/null "$U:$P_reset/latest/meta-data/" || rc=$?
is "$rc" 56 "reset: curl sees a receive failure (56)"

read -r hex n why < <(raw "$P_garbage" 2)
is "$why" eof "garbage: sent, then closed"
ok "garbage: not HTTP ($hex)" test "${hex:0:11}" != x485454502f
ok "garbage: some bytes ($n)" test "$n" -gt 10
rc=0; in_inst curl -s -m 2 -o /dev/null "$U:$P_garbage/latest/meta-data/" || rc=$?
ok "garbage: curl fails ($rc)" test "$rc" -ne 0

read -r CODE SIZE < <(in_inst curl -s -m 20 -o /dev/null -D "$TMPD/hdr" \
	-w '%{http_code} %{size_download}' "$U:$P_huge_body/latest/meta-data/")
is "$CODE $SIZE" "200 104857600" "huge-body: 200 with a 100 MB body"
is "$(hdr Content-Length)" 104857600 "huge-body: Content-Length says so"

start=$(now_ms)
read -r hex n why < <(raw "$P_slow" 1)
elapsed=$(( $(now_ms) - start ))
like "$hex" "^x48" "slow: the first byte comes at once (H)"
ok "slow: at most 8 bytes in 1 s ($n)" test "$n" -le 8 -a "$n" -ge 2
is "$why" timeout "slow: still sending"
rc=0; in_inst curl -s -m 1 -o /dev/null "$U:$P_slow/latest/meta-data/" || rc=$?
is "$rc" 28 "slow: curl with a 1 s limit times out (28)"
tap_done
