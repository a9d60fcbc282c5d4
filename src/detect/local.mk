# Build fragment for the detect area (see Makefile.am): imdsgate-detect,
# the CloudTrail reader (simdjson, in its own C++ library), the session
# table, findings, and their tests.
libimdsgate_a_SOURCES += \
	src/detect/ct_input.c src/detect/ct_input.h src/detect/ct_walk.c \
	src/detect/ct_order.c \
	src/detect/iprange.c src/detect/iprange.h src/detect/iprange_load.c \
	src/detect/detect_map.c src/detect/detect_map.h src/detect/detect_vpc.c src/detect/detect_vpc.h \
	src/detect/session.c src/detect/session.h \
	src/detect/findings.c src/detect/findings.h src/detect/findings_fmt.c \
	src/detect/findings_remedy.c \
	src/detect/detect_dedup.c src/detect/detect_dedup.h \
	src/detect/detect.c src/detect/detect.h src/detect/detect_ec2.c src/detect/detect_proxy.c \
	src/detect/detect_arn.c src/detect/detect_arn.h \
	src/detect/detect_lock.c src/detect/detect_instance.c \
	src/detect/detect_raise.c \
	src/detect/detect_owner.c src/detect/detect_owner.h \
	src/detect/detect_workload.c src/detect/detect_workload.h \
	src/detect/detect_hold.c src/detect/detect_hold.h \
	src/detect/detect_batch.c src/detect/detect_batch.h \
	src/detect/detect_run.c src/detect/detect_run.h \
	src/detect/detect_ahead.c src/detect/detect_ahead.h \
	src/detect/detect_follow.c src/detect/detect_follow.h \
	src/detect/state.c src/detect/state.h \
	src/detect/v1report.c src/detect/v1report.h \
	src/detect/perimeter.h src/detect/perimeter_replay.h \
	src/detect/perimeter_learn.c src/detect/perimeter_calls.c \
	src/detect/perimeter_proxy.c src/detect/perimeter_state.c \
	src/detect/perimeter_svc.c src/detect/perimeter_decide.c \
	src/detect/perimeter_accounts.c src/detect/perimeter_policy.c \
	src/detect/perimeter_tally.c src/detect/perimeter_report.c \
	src/detect/perimeter_text.c src/detect/perimeter_files.c \
	src/detect/perimeter_run.c

# The one C++ file: linked only by imdsgate-detect and its tests.
noinst_LIBRARIES += libctjson.a
libctjson_a_SOURCES = src/detect/ct_json.cc src/detect/ct_json.h
DETECT_LIBS = $(IMDSGATE_LIBS) libctjson.a $(SIMDJSON_LIBS) -lstdc++

bin_PROGRAMS += imdsgate-detect
imdsgate_detect_SOURCES = src/detect/detect_main.c
imdsgate_detect_LDADD = $(DETECT_LIBS)
nodist_EXTRA_imdsgate_detect_SOURCES = dummy.cxx

check_PROGRAMS += tests/unit/test_detect
tests_unit_test_detect_SOURCES = tests/unit/test_detect.c tests/unit/tap.h
tests_unit_test_detect_LDADD = $(DETECT_LIBS)
nodist_EXTRA_tests_unit_test_detect_SOURCES = dummy.cxx
TESTS += tests/unit/test_detect

check_PROGRAMS += tests/unit/test_perimeter
tests_unit_test_perimeter_SOURCES = tests/unit/test_perimeter.c tests/unit/tap.h
tests_unit_test_perimeter_LDADD = $(DETECT_LIBS)
nodist_EXTRA_tests_unit_test_perimeter_SOURCES = dummy.cxx
TESTS += tests/unit/test_perimeter

DETECT_INTEGRATION_TESTS = tests/integration/detect-scenarios.sh \
	tests/integration/detect-forms.sh tests/integration/detect-state.sh \
	tests/integration/detect-perimeter.sh \
	tests/integration/detect-split.sh tests/integration/detect-contain.sh
TESTS += $(DETECT_INTEGRATION_TESTS)
EXTRA_DIST += $(DETECT_INTEGRATION_TESTS) tests/detect \
	examples/containment/README.md examples/containment/imdsgate-contain
dist_man_MANS += man/imdsgate-detect.1
