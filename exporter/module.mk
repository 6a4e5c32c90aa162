# exporter/: xenmode_exporter, the Prometheus exporter over libmicrohttpd;
# its unit tests, man page, systemd unit and `make run`.
EXPORTER_SRCS := $(filter-out exporter/main.c,$(wildcard exporter/*.c))
EXPORTER_OBJS := $(EXPORTER_SRCS:%.c=$(BUILD)/%.o)
EXPORTER_MAIN := $(BUILD)/exporter/main.o
EXPORTER_BIN  := $(BUILD)/xenmode_exporter
EXPORTER_LIBS := -lmicrohttpd -lgnutls -lyaml -lcrypt -lz
EXPORTER_TEST := $(BUILD)/exporter/tests/test_exporter_units
EXPORTER_MAN  := $(BUILD)/man/xenmode_exporter.8
XE_BCRYPT     := $(BUILD)/exporter/tests/xe-bcrypt

SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR       ?= /etc

$(EXPORTER_OBJS) $(EXPORTER_MAIN) $(EXPORTER_TEST).o: CFLAGS += $(CORE_INC) -Iexporter

$(EXPORTER_BIN): $(EXPORTER_MAIN) $(EXPORTER_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $(EXPORTER_MAIN) $(EXPORTER_OBJS) $(CORE_LIB) $(CORE_LIBS) $(EXPORTER_LIBS)

$(EXPORTER_TEST): $(EXPORTER_TEST).o $(EXPORTER_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(EXPORTER_OBJS) $(CORE_LIB) $(CORE_LIBS) $(EXPORTER_LIBS) -lcmocka

# cmocka tests of the web config, basic auth and rate limit.
EXPORTER_WEBCONFIG_TEST := $(BUILD)/exporter/tests/test_webconfig
$(EXPORTER_WEBCONFIG_TEST).o: CFLAGS += -Icore -Iexporter
$(EXPORTER_WEBCONFIG_TEST): $(EXPORTER_WEBCONFIG_TEST).o $(EXPORTER_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(EXPORTER_OBJS) $(CORE_LIB) $(CORE_LIBS) $(EXPORTER_LIBS) -lcmocka
TEST_PROGRAMS += $(EXPORTER_WEBCONFIG_TEST)
all: $(EXPORTER_WEBCONFIG_TEST)

# Test helper: bcrypt hashes for the web config tests.
$(XE_BCRYPT): $(BUILD)/exporter/tests/xe_bcrypt.o
	$(CC) $(LDFLAGS) -o $@ $< -lcrypt

$(EXPORTER_MAN): docs/man/xenmode_exporter.8.scd
	@mkdir -p $(dir $@)
	scdoc < $< > $@.tmp && mv $@.tmp $@

BINARIES += $(EXPORTER_BIN)
TEST_PROGRAMS += $(EXPORTER_TEST)
TEST_PROGRAMS += $(sort $(wildcard tests/integration/test-exporter-*.sh))
INSTALL_TARGETS += install-exporter

all: $(EXPORTER_MAN)
test-build: $(EXPORTER_TEST) $(XE_BCRYPT)

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
