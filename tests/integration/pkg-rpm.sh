#!/bin/bash
# The RPM spec (Amazon Linux 2023, Fedora), as far as Debian's rpm goes:
# the source rpm builds, and the binary rpm builds with --nodeps and the
# systemd/sysusers macros that Debian's rpm lacks defined to Fedora's
# paths (their scriptlets are then empty here); its file list, config
# files and scriptlets are what the spec promises.
source "$top_srcdir/tests/lib/tap.sh"
need_root
need_cmd rpmbuild rpm rpmspec tar

spec=$top_srcdir/packaging/rpm/imdsgate.spec
T=$(mktemp -d "${TMPDIR:-/tmp}/imdsgate-pkgrpm.XXXXXX")
trap 'rm -rf "$T"' EXIT

ver=$(sed -n 's/^AC_INIT(\[imdsgate\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
is "$(rpmspec -q --qf '%{VERSION}\n' --srpm "$spec" 2>/dev/null)" "$ver" \
	"spec Version matches configure.ac ($ver)"

# Source0: the tree as `make dist` would ship it (git's files in a
# checkout, else the unpacked release itself).
mkdir -p "$T/SOURCES" "$T/src/imdsgate-$ver"
# only when top_srcdir is the top of its own checkout (see scripts/build-deb)
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
	(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
		tar --null -T - -cf -) | tar -xf - -C "$T/src/imdsgate-$ver"
else
	(cd "$top_srcdir" && tar -cf - .) | tar -xf - -C "$T/src/imdsgate-$ver"
fi
tar -C "$T/src" -czf "$T/SOURCES/imdsgate-$ver.tar.gz" "imdsgate-$ver"
cp "$top_srcdir/packaging/sysusers/imdsgate.conf" "$T/SOURCES/imdsgate.sysusers"

R=(rpmbuild --define "_topdir $T" --define "_unitdir /usr/lib/systemd/system"
	--define "_sysusersdir /usr/lib/sysusers.d")
"${R[@]}" -bs "$spec" >"$T/bs.out" 2>&1
tap_ok $? "rpmbuild -bs: source rpm"
[ $? -eq 0 ] || sed 's/^/# /' "$T/bs.out" | tail -20
srpm=$(ls "$T"/SRPMS/imdsgate-"$ver"-*.src.rpm 2>/dev/null)
like "$(rpm -qpl "$srpm" 2>/dev/null | sort | tr '\n' ' ')" \
	"^imdsgate-$ver.tar.gz imdsgate.spec imdsgate.sysusers \$" \
	"source rpm holds the tarball, the spec and the sysusers file"
like "$(rpm -qpR "$srpm" 2>/dev/null | tr '\n' ' ')" \
	'pkgconfig\(libevent\).*pkgconfig\(libnftables\).*systemd-rpm-macros' \
	"source rpm BuildRequires the libraries and systemd-rpm-macros"

# Fedora's macros, as no-ops: Debian's rpm does not have them.
for m in systemd_post systemd_preun systemd_postun_with_restart \
    sysusers_create_compat; do
	R+=(--define "$m() %{nil}")
done
"${R[@]}" --nodeps --nocheck -bb "$spec" >"$T/bb.out" 2>&1
rc=$?
tap_ok $rc "rpmbuild --nodeps -bb: binary rpm"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/bb.out" | tail -30
rpm=$(ls "$T"/RPMS/*/imdsgate-"$ver"-*.rpm 2>/dev/null | head -1)
list=$(rpm -qpl "$rpm" 2>/dev/null)
for f in /usr/sbin/imdsgated /usr/bin/imdsgate-detect /usr/bin/imdsgate-sim \
    /etc/imdsgate/imdsgate.conf /etc/imdsgate/rules.d/00-default.rules \
    /usr/lib/systemd/system/imdsgated.service \
    /usr/lib/systemd/system/imdsgate-redirect.service \
    /usr/lib/sysusers.d/imdsgate.conf /etc/logrotate.d/imdsgate /var/log/imdsgate; do
	like "$list" "^$f\$" "rpm contains $f"
done
conf=$(rpm -qpc "$rpm" 2>/dev/null)
for f in /etc/imdsgate/imdsgate.conf /etc/imdsgate/rules.d/00-default.rules \
    /etc/logrotate.d/imdsgate; do
	like "$conf" "^$f\$" "$f is %config"
done
like "$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm" 2>/dev/null |
	grep ' /etc/imdsgate/imdsgate.conf$')" '^cn ' "imdsgate.conf is %config(noreplace)"
like "$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME} %{FILENAMES}\n]' "$rpm" 2>/dev/null |
	grep ' /var/log/imdsgate$')" '^drwxr-x--- imdsgate ' "log directory 0750 imdsgate"
like "$(rpm -qp --scripts "$rpm" 2>/dev/null | tr '\n' ' ')" \
	'preuninstall.*imdsgated --redirect remove' "erase removes the redirect"

tap_done
