# Build fragment for the sys area (see Makefile.am): caller identity
# (sock_diag + /proc), original destination, privilege drop, interception
# rules (nft via libnftables, or iptables) and their self-check.
AM_CFLAGS += $(LIBNFTABLES_CFLAGS)
IMDSGATE_LIBS += $(LIBNFTABLES_LIBS)

libimdsgate_a_SOURCES += \
	src/sys/peer.c src/sys/peer.h src/sys/peer_proc.c src/sys/peer_int.h \
	src/sys/origdst.c src/sys/origdst.h \
	src/sys/privs.c src/sys/privs.h \
	src/sys/redirect.c src/sys/redirect.h src/sys/redirect_int.h src/sys/redirect_nft.c \
	src/sys/redirect_ipt.c src/sys/redirect_exec.c src/sys/redirect_watch.c

check_PROGRAMS += tests/unit/test_peer tests/unit/test_privs \
	tests/unit/test_redirect tests/sys/sys-tool
tests_unit_test_peer_SOURCES = tests/unit/test_peer.c tests/unit/tap.h
tests_unit_test_peer_LDADD = $(IMDSGATE_LIBS)
tests_unit_test_privs_SOURCES = tests/unit/test_privs.c tests/unit/tap.h
tests_unit_test_privs_LDADD = $(IMDSGATE_LIBS)
tests_unit_test_redirect_SOURCES = tests/unit/test_redirect.c tests/unit/tap.h
tests_unit_test_redirect_LDADD = $(IMDSGATE_LIBS)
# The sys functions behind a small command line, so the root integration
# tests exercise them in namespaces before (and apart from) imdsgated.
tests_sys_sys_tool_SOURCES = tests/sys/sys-tool.c
tests_sys_sys_tool_LDADD = $(IMDSGATE_LIBS)

TESTS += tests/unit/test_peer tests/unit/test_privs tests/unit/test_redirect \
	tests/integration/sys-privs.sh tests/integration/sys-redirect-nft.sh \
	tests/integration/sys-redirect-iptlegacy.sh \
	tests/integration/sys-redirect-iptnft.sh \
	tests/integration/sys-watch.sh
EXTRA_DIST += tests/integration/sys-privs.sh \
	tests/integration/sys-redirect-nft.sh \
	tests/integration/sys-redirect-iptlegacy.sh \
	tests/integration/sys-redirect-iptnft.sh \
	tests/integration/sys-watch.sh tests/sys/redirect-common.sh \
	docs/interception.md

# Cost of one peer lookup (sock_diag alone, and with the /proc scan
# among N processes): bench/peer_bench -n 1000
noinst_PROGRAMS += bench/peer_bench
bench_peer_bench_SOURCES = bench/peer_bench.c
bench_peer_bench_LDADD = $(IMDSGATE_LIBS)
