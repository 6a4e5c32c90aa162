# collectd-plugin/: xenmode.so, the collectd read plugin over the core.
#
# Built against Debian's collectd-dev headers. Their #include lines name
# "collectd/core/daemon/..." (resolved from /usr/include) and
# "liboconfig/oconfig.h" (from /usr/include/collectd); HAVE_CONFIG_H makes
# collectd.h read collectd's config.h (without it common.h stops with
# "Don't know how to convert between host and network representation of
# doubles"). collectd's headers compile cleanly under our -Wall -Wextra
# -Werror (gcc 12, even with -Wpedantic, and clang 14), so they are plain -I:
# nothing is relaxed. Should a newer collectd-dev warn, make this -isystem.
COLLECTD_INCDIR    ?= /usr/include/collectd
COLLECTD_PLUGINDIR ?= /usr/lib/collectd

XMC_SRCS   := $(wildcard collectd-plugin/*.c)
XMC_OBJS   := $(XMC_SRCS:%.c=$(BUILD)/%.o)
XMC_PLUGIN := $(BUILD)/xenmode.so
XMC_CFLAGS := -DHAVE_CONFIG_H -I$(COLLECTD_INCDIR) $(CORE_INC)

$(XMC_OBJS): CFLAGS += $(XMC_CFLAGS)

# The plugin's symbols other than module_register stay inside (version
# script): the core's static library is linked into the plugin, and a plugin
# must not interpose on symbols of collectd or of other plugins.
$(XMC_PLUGIN): $(XMC_OBJS) $(CORE_LIB) collectd-plugin/xenmode.map
	$(CC) $(LDFLAGS) -shared -Wl,--version-script=collectd-plugin/xenmode.map \
	    -o $@ $(XMC_OBJS) $(CORE_LIB) $(CORE_LIBS)

BINARIES += $(XMC_PLUGIN)

# Unit test of the name mapping and the Domain filter (pure code, no collectd).
XMC_TEST := $(BUILD)/collectd-plugin/tests/test_xmc_names
$(XMC_TEST).o: CFLAGS += -Icollectd-plugin
$(XMC_TEST): $(XMC_TEST).o $(BUILD)/collectd-plugin/xmc_names.o $(BUILD)/collectd-plugin/xmc_filter.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CORE_LIBS) -lcmocka
test-build: $(XMC_TEST)

# A stand-in for the collectd daemon that calls the plugin's read callback
# from several threads at once (tests/integration/test-collectd-threads.sh).
# -rdynamic: the dlopen()ed plugin binds to the daemon functions it defines.
XMC_MOCK := $(BUILD)/collectd-plugin/tests/xmc-mock-daemon
$(XMC_MOCK).o: CFLAGS += $(XMC_CFLAGS)
$(XMC_MOCK): $(XMC_MOCK).o
	$(CC) $(LDFLAGS) -rdynamic -o $@ $< -ldl -lpthread
test-build: $(XMC_MOCK)

TEST_PROGRAMS += $(XMC_TEST) \
                 tests/integration/test-collectd-values.sh \
                 tests/integration/test-collectd-bounds.sh \
                 tests/integration/test-collectd-configured.sh \
                 tests/integration/test-collectd-config.sh \
                 tests/integration/test-collectd-lifecycle.sh \
                 tests/integration/test-collectd-names.sh \
                 tests/integration/test-collectd-prometheus.sh \
                 tests/integration/test-collectd-threads.sh \
                 tests/integration/test-collectd-stall.sh \
                 tests/integration/test-collectd-valgrind.sh

.PHONY: install-collectd-plugin
install-collectd-plugin: $(XMC_PLUGIN)
	install -D -m 0644 $(XMC_PLUGIN) $(DESTDIR)$(COLLECTD_PLUGINDIR)/xenmode.so
INSTALL_TARGETS += install-collectd-plugin
