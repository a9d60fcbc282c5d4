#!/bin/bash
# The systemd units as shipped: the hardening systemd measures
# (`systemd-analyze security --offline`, exposure <= 2.0), the exact
# capability set docs/interception.md asks for, fail-closed redirect unit,
# boot ordering. `systemd-analyze verify` of the installed units runs in
# pkg-deb.sh, where the binaries they name exist.
source "$top_srcdir/tests/lib/tap.sh"
need_cmd systemd-analyze

u=$top_srcdir/packaging/systemd
d=$u/imdsgated.service
r=$u/imdsgate-redirect.service
# key FILE KEY: the values of KEY, one per line, in file order.
key() { sed -n "s/^$2=//p" "$1"; }

# Offline analysis (systemd 252) works without systemd as PID 1.
out=$(cd "${TMPDIR:-/tmp}" && systemd-analyze security --offline=yes \
	--threshold=20 "$d" 2>&1)
tap_ok $? "systemd-analyze security: exposure within the 2.0 threshold"
level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
diag "exposure level: $level"
like "$level" '^(0\.[0-9]|1\.[0-9]|2\.0)$' "exposure level <= 2.0"

is "$(key "$d" Type)" notify "imdsgated: Type=notify"
is "$(key "$d" ExecStart)" /usr/sbin/imdsgated "imdsgated: ExecStart"
is "$(key "$d" ExecReload | tr '\n' '|')" \
	'/usr/sbin/imdsgated -t|/bin/kill -HUP $MAINPID|' \
	"imdsgated: reload validates first, then SIGHUP"
is "$(key "$d" User)" imdsgate "imdsgated: User=imdsgate"
caps="CAP_NET_ADMIN CAP_BPF CAP_SYS_PTRACE CAP_DAC_READ_SEARCH"
is "$(key "$d" AmbientCapabilities)" "$caps" "ambient capabilities"
is "$(key "$d" CapabilityBoundingSet)" "$caps" "bounding set"
# Each capability named in the unit is the one docs/interception.md keeps.
for c in $caps; do
	ok "$c is documented in docs/interception.md" \
		grep -q "^| $c " "$top_srcdir/docs/interception.md"
done
for kv in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes \
    PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes \
    ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes \
    ProtectClock=yes ProtectHostname=yes RestrictNamespaces=yes \
    LockPersonality=yes MemoryDenyWriteExecute=yes RestrictRealtime=yes \
    RestrictSUIDSGID=yes SystemCallArchitectures=native \
    SystemCallFilter=@system-service "SystemCallFilter=bpf open_by_handle_at" \
    LogsDirectory=imdsgate \
    StateDirectory=imdsgate UMask=0027 \
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX"; do
	ok "imdsgated: $kv" grep -qx "$kv" "$d"
done
# It must see the host's network and every process.
nok "no PrivateNetwork" grep -q '^PrivateNetwork=' "$d"
nok "no ProtectProc=invisible/noaccess" grep -Eq '^ProtectProc=(invisible|noaccess)' "$d"
nok "no ProcSubset=pid" grep -q '^ProcSubset=' "$d"
# One comment line above every hardening setting in [Service].
missing=$(awk '/^\[Service\]/ { s = 1; next } /^\[/ { s = 0 }
	s && /^[A-Z]/ && prev !~ /^#/ && prev !~ /^[A-Z]/ { print }
	{ prev = $0 }' "$d")
is "$missing" "" "every setting group in [Service] has a comment"

is "$(key "$d" Requires)" "imdsgate-redirect.service imdsgated.socket" \
	"imdsgated Requires the redirect and its sockets"
like "$(key "$d" After)" 'imdsgate-redirect\.service' "imdsgated After the redirect"
# Up before anything that runs user code (issue 14.1).
before=$(key "$d" Before | tr '\n' ' ')
for t in cloud-init.service docker.service cron.service atd.service \
    systemd-user-sessions.service; do
	like "$before" "(^| )$t( |\$)" "imdsgated: Before=$t"
done

# The sockets: held by systemd across restarts, on the default listen
# addresses of imdsgate.conf (a port below 1024), before user code runs.
k=$u/imdsgated.socket
conf=$top_srcdir/packaging/imdsgate.conf
is "$(key "$k" ListenStream | tr '\n' ' ')" \
	"$(sed -n 's/^listen = //p' "$conf" | tr '\n' ' ')" \
	"socket: ListenStream= are imdsgate.conf's listen addresses"
like "$(key "$k" ListenStream | tr '\n' ' ')" '^127\.0\.0\.1:169 \[::1\]:169 $' \
	"socket: 127.0.0.1:169 and [::1]:169"
is "$(key "$k" BindIPv6Only)" ipv6-only "socket: [::1] is IPv6 only"
is "$(key "$k" Accept)" no "socket: handed to the one daemon"
is "$(key "$k" WantedBy)" sockets.target "socket: pulled in by sockets.target"
before=$(key "$k" Before | tr '\n' ' ')
for t in sockets.target cron.service systemd-user-sessions.service; do
	like "$before" "(^| )$t( |\$)" "socket: Before=$t"
done

is "$(key "$r" Type)" oneshot "redirect: Type=oneshot"
is "$(key "$r" RemainAfterExit)" yes "redirect: RemainAfterExit=yes"
is "$(key "$r" DefaultDependencies)" no "redirect: DefaultDependencies=no"
is "$(key "$r" ExecStart)" "/usr/sbin/imdsgated --redirect install" "redirect: ExecStart"
nok "redirect: no ExecStop (fail closed)" grep -q '^ExecStop' "$r"
nok "nothing in the units removes the redirect" \
	bash -c 'grep -hv "^#" "$@" | grep -q "redirect remove"' - "$d" "$r"
before=$(key "$r" Before | tr '\n' ' ')
for t in network-pre.target sysinit.target cloud-init-local.service docker.service \
    containerd.service systemd-user-sessions.service cron.service; do
	like "$before" "(^| )$t( |\$)" "redirect: Before=$t"
done
is "$(key "$r" WantedBy)" sysinit.target "redirect: pulled in by sysinit.target"

tap_done
