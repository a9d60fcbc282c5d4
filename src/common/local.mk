# Shared building blocks: diagnostics, allocation, buffers, JSON writer,
# addresses, the checked INI reader, timestamps.
libimdsgate_a_SOURCES += \
	src/common/log.c src/common/log.h \
	src/common/xmalloc.c src/common/xmalloc.h \
	src/common/buf.c src/common/buf.h \
	src/common/jsonw.c src/common/jsonw.h \
	src/common/addr.c src/common/addr.h \
	src/common/inifile.c src/common/inifile.h \
	src/common/timefmt.c src/common/timefmt.h

check_PROGRAMS += tests/unit/test_common
tests_unit_test_common_SOURCES = tests/unit/test_common.c tests/unit/tap.h
tests_unit_test_common_LDADD = $(IMDSGATE_LIBS) -lm
TESTS += tests/unit/test_common

