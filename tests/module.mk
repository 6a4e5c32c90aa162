# tests/: the fakes, the unit tests and the integration tests.
FAKE_BINARIES :=
-include tests/fakes/xenstored/module.mk
-include tests/fakes/libxl/module.mk

.PHONY: fakes
fakes: $(FAKE_BINARIES)

# cmocka unit tests of the core. test_collector wraps the libxl and
# libxenstore entry points it exercises (-Wl,--wrap) to pin the control flow.
UNIT_TESTS := test_classify test_expo test_unique test_evidence_sources test_collector test_config \
              test_config_cache test_deadline test_transitions test_agent test_start_time
UNIT_BINS  := $(UNIT_TESTS:%=$(BUILD)/tests/unit/%)
COLLECTOR_WRAPS := libxl_ctx_alloc libxl_ctx_free libxl_list_domain libxl_domain_info \
                   libxl_userdata_retrieve xs_open xs_close xs_read xs_directory \
                   xs_watch xs_unwatch xs_check_watch xs_fileno libxl_get_version_info \
                   libxl_get_physinfo xc_interface_open xc_interface_close \
                   xc_domain_getinfolist xc_domain_get_guest_width xencall_open \
                   xencall_close xencall_alloc_buffer xencall_free_buffer xencall1

$(BUILD)/tests/unit/%.o: CFLAGS += $(CORE_INC) -Icore

$(BUILD)/tests/unit/test_collector: LDFLAGS += $(COLLECTOR_WRAPS:%=-Wl,--wrap=%)
# It fills xc_domaininfo_t: xenctrl.h needs GNU C (anonymous unions).
$(BUILD)/tests/unit/test_collector.o: CFLAGS += -std=gnu11
$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(CORE_LIBS) -lcmocka

TEST_PROGRAMS += $(UNIT_BINS)

test-build: $(FAKE_BINARIES) $(UNIT_BINS)

# Test tools: an independent exposition parser.
TEST_TOOLS := $(BUILD)/tests/tools/expo-parse $(BUILD)/tests/tools/cache-diff \
              $(BUILD)/tests/tools/xs-flood
$(BUILD)/tests/tools/expo-parse: $(BUILD)/tests/tools/expo-parse.o
	$(CC) $(LDFLAGS) -o $@ $<
$(BUILD)/tests/tools/cache-diff.o: CFLAGS += $(CORE_INC)
$(BUILD)/tests/tools/cache-diff: $(BUILD)/tests/tools/cache-diff.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(CORE_LIB) $(CORE_LIBS)
$(BUILD)/tests/tools/xs-flood: $(BUILD)/tests/tools/xs-flood.o
	$(CC) $(LDFLAGS) -o $@ $< -lxenstore
test-build: $(TEST_TOOLS)

TEST_PROGRAMS += tests/integration/test-fake-xenstored.sh tests/integration/test-fake-libxl.sh \
                 tests/integration/test-libxl-symbols.sh
TEST_PROGRAMS += tests/integration/test-fixtures.sh tests/integration/test-cli.sh tests/integration/test-cli-exit.sh \
                 tests/integration/test-valgrind-cli.sh tests/integration/test-xenstore-requests.sh \
                 tests/integration/test-self.sh tests/integration/test-cache.sh \
                 tests/integration/test-host-bounds.sh \
                 tests/integration/test-doc-links.sh tests/integration/test-names-collide.sh \
                 tests/integration/test-metrics-output.sh tests/integration/test-cli-terminal.sh

TEST_PROGRAMS += tests/integration/test-configs.sh tests/integration/test-configs-host.sh
