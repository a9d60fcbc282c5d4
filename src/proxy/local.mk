# Build fragment for the proxy area (see Makefile.am).
# imdsgated: the strict HTTP parser, the token table, the proxy core and
# the daemon's life cycle live in the library (tests and fuzzers use them).
libimdsgate_a_SOURCES += \
	src/proxy/http.h src/proxy/http_req.c src/proxy/http_resp.c src/proxy/http_reply.c \
	src/proxy/token.c src/proxy/token.h \
	src/proxy/proxy.h src/proxy/proxy.c src/proxy/proxy_listen.c src/proxy/proxy_client.c \
	src/proxy/proxy_client_io.c \
	src/proxy/proxy_request.c src/proxy/proxy_upstream.c src/proxy/proxy_pool.c \
	src/proxy/proxy_int.h src/proxy/proxy_identify.c src/proxy/proxy_limits.c \
	src/proxy/proxy_turn.c \
	src/proxy/daemon.c src/proxy/daemon.h \
	src/proxy/conf.c src/proxy/conf.h \
	src/proxy/instinfo.h src/proxy/instinfo_int.h src/proxy/instinfo_poll.c \
	src/proxy/instinfo_record.c

sbin_PROGRAMS += imdsgated
imdsgated_SOURCES = src/proxy/imdsgated.c
imdsgated_LDADD = $(IMDSGATE_LIBS)

check_PROGRAMS += tests/unit/test_http tests/unit/test_token \
	tests/unit/test_http_fuzz
tests_unit_test_http_SOURCES = tests/unit/test_http.c tests/unit/tap.h
tests_unit_test_http_LDADD = $(IMDSGATE_LIBS)
tests_unit_test_token_SOURCES = tests/unit/test_token.c tests/unit/tap.h
tests_unit_test_token_LDADD = $(IMDSGATE_LIBS)
tests_unit_test_http_fuzz_SOURCES = tests/unit/test_http_fuzz.c tests/unit/tap.h
tests_unit_test_http_fuzz_LDADD = $(IMDSGATE_LIBS)
TESTS += tests/unit/test_http tests/unit/test_token tests/unit/test_http_fuzz

dist_man_MANS += man/imdsgated.8

PROXY_ITESTS = tests/integration/proxy-basic.sh \
	tests/integration/proxy-clients.sh tests/integration/proxy-faults.sh \
	tests/integration/proxy-reload.sh tests/integration/proxy-modes.sh \
	tests/integration/proxy-conf.sh tests/integration/proxy-instinfo.sh
EXTRA_DIST += tests/integration/proxy-common.sh
TESTS += $(PROXY_ITESTS)
EXTRA_DIST += $(PROXY_ITESTS)

# Runs the instance poller for tests/integration/proxy-instinfo.sh.
check_PROGRAMS += tests/unit/test_instinfo
tests_unit_test_instinfo_SOURCES = tests/unit/test_instinfo.c
tests_unit_test_instinfo_LDADD = $(IMDSGATE_LIBS)
