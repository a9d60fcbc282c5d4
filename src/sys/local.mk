# Build fragment for the sys area (see Makefile.am): caller identity
# (sock_diag, the eBPF layer's connect() records, /proc), original
# destination, privilege separation (the monitor), interception layers
# (eBPF via libbpf; nft via libnftables, or iptables) and their self-check.
AM_CFLAGS += $(LIBNFTABLES_CFLAGS) $(LIBBPF_CFLAGS)
IMDSGATE_LIBS += $(LIBNFTABLES_LIBS) $(LIBBPF_LIBS)

# The eBPF interception layer: the program is compiled for the kernel
# (clang -target bpf, with BTF for CO-RE), then bpftool turns the object
# into the skeleton header the loader (redirect_bpf.c) embeds.
BPF_CFLAGS = -g -O2 -target bpf -Wall -Werror -I$(top_srcdir)/src \
	$(BPF_CPPFLAGS)
src/sys/imdsgate.bpf.o: src/sys/imdsgate.bpf.c src/sys/imdsgate_bpf.h
	$(AM_V_GEN)$(MKDIR_P) src/sys && \
	$(BPF_CLANG) $(BPF_CFLAGS) -c $(top_srcdir)/src/sys/imdsgate.bpf.c -o $@
src/sys/imdsgate_bpf.skel.h: src/sys/imdsgate.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton src/sys/imdsgate.bpf.o \
	name imdsgate_bpf >$@.tmp && mv $@.tmp $@
BUILT_SOURCES += src/sys/imdsgate_bpf.skel.h
# Also for a build of single targets (bench/README.md), which skips
# BUILT_SOURCES.
src/sys/redirect_bpf.$(OBJEXT): src/sys/imdsgate_bpf.skel.h
CLEANFILES += src/sys/imdsgate.bpf.o src/sys/imdsgate_bpf.skel.h \
	src/sys/imdsgate_bpf.skel.h.tmp
EXTRA_DIST += src/sys/imdsgate.bpf.c

libimdsgate_a_SOURCES += \
	src/sys/peer.c src/sys/peer.h src/sys/peer_diag.c src/sys/peer_proc.c src/sys/peer_int.h \
	src/sys/peer_bpf.c src/sys/peer_exe.c src/sys/peer_cgroup.c \
	src/sys/peer_resolve.c src/sys/peer_recall.c src/sys/cgroup2.c src/sys/cgroup2.h \
	src/sys/origdst.c src/sys/origdst.h \
	src/sys/privs.c src/sys/privs.h \
	src/sys/monitor.c src/sys/monitor.h src/sys/monitor_proto.h \
	src/sys/monitor_client.c \
	src/sys/redirect.c src/sys/redirect.h src/sys/redirect_int.h src/sys/redirect_nft.c \
	src/sys/redirect_ipt.c src/sys/redirect_exec.c src/sys/redirect_watch.c \
	src/sys/redirect_bpf.c src/sys/redirect_bpf_load.c src/sys/imdsgate_bpf.h

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
	tests/integration/sys-watch.sh tests/integration/sys-bpf.sh \
	$(BPF_ITESTS)
# The eBPF layer under the daemon, in cgroups the tests make.
BPF_ITESTS = tests/integration/bpf-layers.sh tests/integration/bpf-ident.sh \
	tests/integration/bpf-pentest.sh tests/integration/peer-attacks.sh
EXTRA_DIST += $(BPF_ITESTS) tests/integration/sys-bpf.sh tests/lib/cgroup.sh tests/lib/handoff.py \
	tests/integration/sys-privs.sh \
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
