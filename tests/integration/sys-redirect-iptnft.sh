# Interception rules with the iptables-nft backend: install/remove/status, the
# redirect with original destination and caller identity, the exemption,
# fail-closed (tests/sys/redirect-common.sh does the work).
BACKEND=iptables-nft
source "$top_srcdir/tests/sys/redirect-common.sh"
