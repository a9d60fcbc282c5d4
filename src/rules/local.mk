# Build fragment for the rules area (see Makefile.am): the path normaliser,
# the rule loader and matcher, explain; their tests, man page and bench.
libimdsgate_a_SOURCES += \
	src/rules/normpath.c src/rules/normpath.h src/rules/rules.h \
	src/rules/rules_int.h src/rules/rules_load.c src/rules/rules_parse.c \
	src/rules/rules_pattern.c src/rules/rules_intern.c src/rules/rules_ids.c src/rules/rules_match.c \
	src/rules/rules_explain.c

check_PROGRAMS += tests/unit/test_normpath tests/unit/test_rules \
	tests/unit/test_rules_golden tests/unit/test_rules_bypass \
	tests/rules/rules-tool
tests_unit_test_normpath_SOURCES = tests/unit/test_normpath.c tests/unit/tap.h
tests_unit_test_normpath_LDADD = $(IMDSGATE_LIBS)
tests_unit_test_rules_SOURCES = tests/unit/test_rules.c tests/unit/tap.h
tests_unit_test_rules_LDADD = $(IMDSGATE_LIBS)
tests_unit_test_rules_golden_SOURCES = tests/unit/test_rules_golden.c \
	tests/unit/tap.h
tests_unit_test_rules_golden_LDADD = $(IMDSGATE_LIBS)
tests_unit_test_rules_bypass_SOURCES = tests/unit/test_rules_bypass.c \
	tests/unit/tap.h
tests_unit_test_rules_bypass_LDADD = $(IMDSGATE_LIBS)
# A tiny front end to rules_check_dir/rules_explain_dir for the shell
# tests, so the rule files are tested with real users even without the
# daemon.
tests_rules_rules_tool_SOURCES = tests/rules/rules-tool.c
tests_rules_rules_tool_LDADD = $(IMDSGATE_LIBS)
TESTS += tests/unit/test_normpath tests/unit/test_rules \
	tests/unit/test_rules_golden tests/unit/test_rules_bypass \
	tests/integration/rules-examples.sh \
	tests/integration/rules-imdsgated.sh

noinst_PROGRAMS += bench/rules_bench
bench_rules_bench_SOURCES = bench/rules_bench.c
bench_rules_bench_LDADD = $(IMDSGATE_LIBS)

dist_man_MANS += man/imdsgate.rules.5
# The default rules and the commented examples (they load as no rules
# until uncommented) go to the rules directory imdsgated reads.
rulesddir = $(sysconfdir)/imdsgate/rules.d
dist_rulesd_DATA = rules/00-default.rules rules/50-service-account.rules \
	rules/60-group.rules rules/70-imdsv1-legacy.rules
EXTRA_DIST += tests/rules/match.golden tests/rules/match \
	tests/rules/malformed tests/rules/malformed.expect \
	tests/rules/dupdir tests/integration/rules-examples.sh \
	tests/integration/rules-imdsgated.sh
