# Build fragment for the sim area (see Makefile.am): the IMDS simulator
# imdsgate-sim, its unit and integration tests, the JS SDK driver, the demo.
libimdsgate_a_SOURCES += src/sim/sim.h \
	src/sim/sim_conf.c src/sim/sim_rand.c src/sim/sim_json.c src/sim/sim_tokens.c \
	src/sim/sim_creds.c src/sim/sim_secrets.c src/sim/sim_tree.c src/sim/sim_version.c \
	src/sim/sim_instance.c src/sim/sim_reply.c src/sim/sim.c src/sim/sim_rotate.c \
	src/sim/sim_serve.c src/sim/sim_fault.c src/sim/sim_path.c

bin_PROGRAMS += imdsgate-sim
imdsgate_sim_SOURCES = src/sim/sim_main.c
imdsgate_sim_LDADD = $(IMDSGATE_LIBS)
dist_man_MANS += man/imdsgate-sim.1

check_PROGRAMS += tests/unit/test_sim
tests_unit_test_sim_SOURCES = tests/unit/test_sim.c tests/unit/tap.h
tests_unit_test_sim_LDADD = $(IMDSGATE_LIBS)
TESTS += tests/unit/test_sim

SIM_INTEGRATION_TESTS = tests/integration/sim-http.sh \
	tests/integration/sim-tokens.sh tests/integration/sim-rotation.sh \
	tests/integration/sim-clients.sh tests/integration/sim-faults.sh \
	tests/integration/sim-options.sh
TESTS += $(SIM_INTEGRATION_TESTS)
EXTRA_DIST += $(SIM_INTEGRATION_TESTS) tests/integration/sim-common.sh \
	tests/node/imds-creds.js tests/node/imds-metadata.js \
	tests/node/package.json tests/node/package-lock.json scripts/demo
