#!/bin/bash
# The Debian package, end to end: scripts/build-deb builds it from this
# tree (nocheck: the suite runs separately), lintian finds nothing, it
# installs on this machine (debootstrap would need the network) with its
# user, conffiles and units, systemd-analyze verifies the installed units,
# and `dpkg --purge` leaves nothing behind but the system user (Debian
# policy keeps it). dpkg runs in a private network namespace, so the
# maintainer scripts' `imdsgated --redirect remove` cannot touch the
# host's firewall or other tests.
source "$top_srcdir/tests/lib/tap.sh"
need_root
need_cmd dpkg-buildpackage lintian dpkg-query unshare flock systemd-analyze

T=$(mktemp -d "${TMPDIR:-/tmp}/imdsgate-pkgdeb.XXXXXX")
installed=0
cleanup() {
	if [ "$installed" = 1 ]; then
		unshare -n dpkg --purge imdsgate >/dev/null 2>&1
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DEB_BUILD_OPTIONS=nocheck "$top_srcdir/scripts/build-deb" "$T/out" >"$T/build.out" 2>&1
rc=$?
tap_ok $rc "scripts/build-deb builds the package"
[ $rc -eq 0 ] || { sed 's/^/# /' "$T/build.out" | tail -40; echo "Bail out! no package"; exit 1; }
deb=$(ls "$T"/out/imdsgate_*.deb)

# Every tag, overrides applied; an override must say why (a comment).
lint=$(lintian --fail-on error,warning --no-tag-display-limit "$deb" 2>&1)
tap_ok $? "lintian: no error, no warning"
printf '%s\n' "$lint" | grep -v 'running with root privileges' | sed 's/^/# /'
ov=$top_srcdir/packaging/debian/imdsgate.lintian-overrides
if [ -f "$ov" ]; then
	is "$(awk '!/^#/ && NF && prev !~ /^#/ { print } { prev = $0 }' "$ov")" "" \
		"every lintian override has a comment saying why"
fi

files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for f in /usr/sbin/imdsgated /usr/bin/imdsgate-detect /usr/bin/imdsgate-sim \
    /etc/imdsgate/imdsgate.conf /etc/imdsgate/rules.d/00-default.rules \
    /lib/systemd/system/imdsgated.service \
    /lib/systemd/system/imdsgate-redirect.service \
    /etc/logrotate.d/imdsgate /usr/lib/sysusers.d/imdsgate.conf \
    /usr/share/man/man8/imdsgated.8.gz /usr/share/man/man5/imdsgate.conf.5.gz \
    /usr/share/man/man5/imdsgate.rules.5.gz \
    /usr/share/man/man1/imdsgate-detect.1.gz /usr/share/man/man1/imdsgate-sim.1.gz; do
	like "$files" "^$f\$" "package contains $f"
done
like "$(dpkg-deb -f "$deb" Depends)" 'adduser' "Depends on adduser"

# One package install at a time on this machine (pkg-daemon.sh does too);
# the postinst edits /etc/passwd, as test_users does: take its lock too.
exec 8>/run/imdsgate-pkg-test.lock
flock 8
if dpkg-query -W -f='${Status}' imdsgate 2>/dev/null | grep -q installed; then
	echo "Bail out! imdsgate is already installed on this machine: remove it first"
	exit 1
fi
pre_user=$(getent passwd imdsgate)
installed=1
(flock 9; unshare -n dpkg -i "$deb") 9>/run/imdsgate-test-users.lock >"$T/install.out" 2>&1
tap_ok $? "dpkg -i installs it"
sed 's/^/# /' "$T/install.out" | tail -5
like "$(dpkg-query -W -f='${Status}' imdsgate)" 'install ok installed' "package status"
diag "installed files:"
dpkg -L imdsgate | sed 's/^/#   /'

u=$(getent passwd imdsgate)
[ -n "$pre_user" ] && diag "user imdsgate existed before (test_users)"
like "$u" '^imdsgate:' "user imdsgate exists"
uid=$(printf '%s' "$u" | cut -d: -f3)
[ "$uid" -gt 0 ] && [ "$uid" -lt 1000 ]; tap_ok $? "imdsgate is a system user (uid $uid)"
like "$(printf '%s' "$u" | cut -d: -f7)" '(nologin|false)$' "imdsgate has no login shell"
is "$(stat -c '%U:%G %a' /var/log/imdsgate 2>&1)" "imdsgate:imdsgate 750" \
	"/var/log/imdsgate belongs to imdsgate, mode 750"

conff=$(dpkg-query -W -f='${Conffiles}\n' imdsgate | awk 'NF { print $1 }')
diag "conffiles: $(printf '%s' "$conff" | tr '\n' ' ')"
for c in /etc/imdsgate/imdsgate.conf /etc/logrotate.d/imdsgate; do
	like "$conff" "^$c\$" "conffile $c"
done
for r in /etc/imdsgate/rules.d/*.rules; do
	like "$conff" "^$r\$" "conffile $r"
done

# The shipped configuration and rules pass the installed daemon's check.
out=$(/usr/sbin/imdsgated -t 2>&1)
tap_ok $? "imdsgated -t accepts the shipped configuration"
[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# /'

# systemd-analyze verify of the installed units: binaries, man pages and
# dependencies are all resolved now. No output means clean.
v=$(cd "$T" && systemd-analyze verify imdsgated.service imdsgate-redirect.service 2>&1)
tap_ok $? "systemd-analyze verify exits 0"
is "$v" "" "systemd-analyze verify prints nothing"
ok "units enabled (deb-systemd-helper)" \
	test -L /etc/systemd/system/sysinit.target.wants/imdsgate-redirect.service
ok "logrotate accepts its file" logrotate -d /etc/logrotate.d/imdsgate
ok "man finds imdsgate.conf(5)" man -w imdsgate.conf

pkgfiles=$(dpkg -L imdsgate)
(flock 9; unshare -n dpkg --purge imdsgate) 9>/run/imdsgate-test-users.lock >"$T/purge.out" 2>&1
tap_ok $? "dpkg --purge removes it"
installed=0
sed 's/^/# /' "$T/purge.out" | tail -5
nok "maintainer scripts ran without shell errors" \
	grep -Eq 'not found|syntax error|unexpected' "$T/install.out" "$T/purge.out"
left=""
while IFS= read -r f; do
	# Shared directories (/etc, /usr/bin...) stay; anything of ours must go.
	case $f in */imdsgate*|*/imdsgated*) [ -e "$f" ] && left="$left $f" ;; esac
done <<<"$pkgfiles"
for f in /etc/imdsgate /var/log/imdsgate /var/lib/imdsgate \
    /etc/systemd/system/sysinit.target.wants/imdsgate-redirect.service \
    /etc/systemd/system/multi-user.target.wants/imdsgated.service; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
left="$left$(ls -d /var/lib/systemd/deb-systemd-helper-enabled/*imdsgate* 2>/dev/null | tr '\n' ' ')"
is "$left" "" "nothing left after purge"
like "$(dpkg-query -W -f='${Status}' imdsgate 2>&1)" 'not-installed|no packages found' \
	"dpkg no longer knows the package"
ok "the system user stays after purge (policy)" getent passwd imdsgate

tap_done
