# Build fragment for the audit room (see Makefile.am): the audit log, its
# tests, and the test of the IMDSv1 report (src/detect), built on its
# records.
libimdsgate_a_SOURCES += \
	src/audit/audit.h src/audit/audit_int.h src/audit/audit_record.c \
	src/audit/audit_request.c src/audit/audit_credential.c \
	src/audit/audit_instance.c src/audit/audit_error.c src/audit/audit_fold.c \
	src/audit/audit_extract.c src/audit/audit_json.c src/audit/audit_dest.c

check_PROGRAMS += tests/unit/test_audit tests/unit/test_audit_dest \
	tests/unit/test_audit_v1report tests/unit/test_audit_json
tests_unit_test_audit_SOURCES = tests/unit/test_audit.c tests/unit/tap.h
tests_unit_test_audit_LDADD = $(IMDSGATE_LIBS) -lm
tests_unit_test_audit_dest_SOURCES = tests/unit/test_audit_dest.c tests/unit/tap.h
tests_unit_test_audit_dest_LDADD = $(IMDSGATE_LIBS) -lm
tests_unit_test_audit_v1report_SOURCES = tests/unit/test_audit_v1report.c tests/unit/tap.h
tests_unit_test_audit_v1report_LDADD = $(IMDSGATE_LIBS) -lm
tests_unit_test_audit_json_SOURCES = tests/unit/test_audit_json.c tests/unit/tap.h
tests_unit_test_audit_json_LDADD = $(IMDSGATE_LIBS) -lm
TESTS += tests/unit/test_audit tests/unit/test_audit_dest \
	tests/unit/test_audit_v1report tests/unit/test_audit_json

AUDIT_INTEGRATION_TESTS = tests/integration/audit-shipping.sh tests/integration/audit-records.sh \
	tests/integration/audit-rotation.sh tests/integration/audit-files.sh
TESTS += $(AUDIT_INTEGRATION_TESTS)
EXTRA_DIST += $(AUDIT_INTEGRATION_TESTS) tests/integration/zz-secret-scan.sh \
	docs/audit-log.md examples/shipping/rsyslog-imdsgate.conf \
	examples/shipping/fluent-bit-imdsgate.conf \
	examples/shipping/fluent-bit-parsers-imdsgate.conf \
	examples/shipping/cloudwatch-agent-imdsgate.json

# The secret scan reads the logs every other test kept: it runs last.
TESTS += tests/integration/zz-secret-scan.sh
tests/integration/zz-secret-scan.log: $(TEST_LOGS:tests/integration/zz-secret-scan.log=)

clean-local: clean-local-audit
clean-local-audit:
	rm -rf tests/artifacts
.PHONY: clean-local-audit
