# exporter/: xenmode_exporter, the Prometheus exporter over libmicrohttpd;
# its unit tests, man page, systemd unit and `make run`.
EXPORTER_SRCS := $(filter-out exporter/main.c,$(wildcard exporter/*.c))
EXPORTER_OBJS := $(EXPORTER_SRCS:%.c=$(BUILD)/%.o)
EXPORTER_MAIN := $(BUILD)/exporter/main.o
EXPORTER_BIN  := $(BUILD)/xenmode_exporter
EXPORTER_LIBS := -lmicrohttpd -lgnutls -lyaml -lcrypt -lz -lsystemd -lcap-ng
EXPORTER_TEST := $(BUILD)/exporter/tests/test_exporter_units
EXPORTER_MAN  := $(BUILD)/man/xenmode_exporter.8
XE_BCRYPT     := $(BUILD)/exporter/tests/xe-bcrypt

SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR       ?= /etc

EXPORTER_CMOCKA := $(BUILD)/exporter/tests/test_exporter_service
# The flag-parsing helper both unit-test programs use.
XE_TEST_FLAGS := $(BUILD)/exporter/tests/flag_args.o

$(EXPORTER_OBJS) $(EXPORTER_MAIN) $(EXPORTER_TEST).o $(EXPORTER_CMOCKA:%=%.o) $(XE_TEST_FLAGS): CFLAGS += $(CORE_INC) -Iexporter
# xenmode_exporter_build_info{branch}: the branch built, "unknown" outside git.
XE_BRANCH := $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
$(BUILD)/exporter/xe_scrape.o: CFLAGS += -DXM_BUILD_BRANCH='"$(XE_BRANCH)"'

$(EXPORTER_BIN): $(EXPORTER_MAIN) $(EXPORTER_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $(EXPORTER_MAIN) $(EXPORTER_OBJS) $(CORE_LIB) $(CORE_LIBS) $(EXPORTER_LIBS)

$(EXPORTER_TEST): $(EXPORTER_TEST).o $(XE_TEST_FLAGS) $(EXPORTER_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(XE_TEST_FLAGS) $(EXPORTER_OBJS) $(CORE_LIB) $(CORE_LIBS) $(EXPORTER_LIBS) -lcmocka

# cmocka tests of the web config, basic auth and rate limit.
EXPORTER_WEBCONFIG_TEST := $(BUILD)/exporter/tests/test_webconfig
$(EXPORTER_WEBCONFIG_TEST).o: CFLAGS += -Icore -Iexporter
$(EXPORTER_WEBCONFIG_TEST): $(EXPORTER_WEBCONFIG_TEST).o $(EXPORTER_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(EXPORTER_OBJS) $(CORE_LIB) $(CORE_LIBS) $(EXPORTER_LIBS) -lcmocka
TEST_PROGRAMS += $(EXPORTER_WEBCONFIG_TEST)
test-build: $(EXPORTER_WEBCONFIG_TEST)

# cmocka tests of single exporter parts, one file each.
$(EXPORTER_CMOCKA): %: %.o $(XE_TEST_FLAGS) $(EXPORTER_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(XE_TEST_FLAGS) $(EXPORTER_OBJS) $(CORE_LIB) $(CORE_LIBS) $(EXPORTER_LIBS) -lcmocka

# Test helper: bcrypt hashes for the web config tests.
$(XE_BCRYPT): $(BUILD)/exporter/tests/xe_bcrypt.o
	$(CC) $(LDFLAGS) -o $@ $< -lcrypt

$(EXPORTER_MAN): docs/man/xenmode_exporter.8.scd
	@mkdir -p $(dir $@)
	scdoc < $< > $@.tmp && mv $@.tmp $@

BINARIES += $(EXPORTER_BIN)
TEST_PROGRAMS += $(EXPORTER_TEST) $(EXPORTER_CMOCKA)
TEST_PROGRAMS += $(sort $(wildcard tests/integration/test-exporter-*.sh))
INSTALL_TARGETS += install-exporter

all: $(EXPORTER_MAN)
test-build: $(EXPORTER_TEST) $(EXPORTER_CMOCKA) $(XE_BCRYPT)

.PHONY: install-exporter
# The defaults file is configuration: an existing one is kept.
install-exporter: $(EXPORTER_BIN) $(EXPORTER_MAN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -m 0755 $(EXPORTER_BIN) $(DESTDIR)$(PREFIX)/bin/xenmode_exporter
	install -m 0644 $(EXPORTER_MAN) $(DESTDIR)$(PREFIX)/share/man/man8/xenmode_exporter.8
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@DEFAULTS@|$(SYSCONFDIR)/default/xenmode_exporter|g' \
	    exporter/systemd/xenmode_exporter.service.in \
	    > $(DESTDIR)$(SYSTEMD_UNIT_DIR)/xenmode_exporter.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/xenmode_exporter.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/xenmode_exporter ] || \
	    install -m 0644 exporter/systemd/xenmode_exporter.default \
	        $(DESTDIR)$(SYSCONFDIR)/default/xenmode_exporter

# `make run`: the real host when Xen runs here, else the demo fake host.
run: deps all fakes
	@BUILD=$(BUILD) exporter/run.sh $(ARGS)
