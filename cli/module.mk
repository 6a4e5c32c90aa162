# cli/: the `xenmode` command.
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
CLI_BIN  := $(BUILD)/xenmode

$(CLI_OBJS): CFLAGS += $(CORE_INC)

$(CLI_BIN): $(CLI_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(CORE_LIB) $(CORE_LIBS)

BINARIES += $(CLI_BIN)

MAN_PAGES += $(BUILD)/man/xenmode.1
$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	scripts/scdoc-man.sh $< $@
all: $(BUILD)/man/xenmode.1

.PHONY: install-cli
install-cli: $(CLI_BIN) $(BUILD)/man/xenmode.1
	install -D -m 0755 $(CLI_BIN) $(DESTDIR)$(PREFIX)/bin/xenmode
	install -D -m 0644 $(BUILD)/man/xenmode.1 $(DESTDIR)$(PREFIX)/share/man/man1/xenmode.1
INSTALL_TARGETS += install-cli

# Unit test of the terminal escaping (pure: term.c and the core's UTF-8).
CLI_TERM_TEST := $(BUILD)/cli/tests/test_term
$(CLI_TERM_TEST).o: CFLAGS += $(CORE_INC) -Icli
$(CLI_TERM_TEST): $(CLI_TERM_TEST).o $(BUILD)/cli/term.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) -lcmocka
test-build: $(CLI_TERM_TEST)
TEST_PROGRAMS += $(CLI_TERM_TEST)
