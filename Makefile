# xenmode build. `make` builds every binary, the collectd plugin and the man
# pages into build/, from the Build-Depends of debian/control alone
# (`make deps` installs them). `make test` installs the test tools too
# (scripts/deps.sh), builds the test programs (`test-build`: unit tests,
# fakes, npm packages) and runs the whole suite. `make deb` builds the
# Debian packages (debian/, docs/packaging.md).
# Each part of the tree adds its rules in its own module.mk: what ships to
# `all`, what only the tests need to `test-build`.

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
SANITIZE ?=

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
REVISION := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

CFLAGS_BASE := -std=c11 -Wall -Wextra -Werror -O2 -g -D_GNU_SOURCE \
               -DXM_BUILD_VERSION='"$(VERSION)"' -DXM_BUILD_REVISION='"$(REVISION)"'
ifeq ($(SANITIZE),1)
CFLAGS_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
BUILD := build-san
else
CFLAGS_SAN :=
endif
CFLAGS  ?=
CFLAGS  += $(CFLAGS_BASE) $(CFLAGS_SAN) -fPIC
LDFLAGS += $(CFLAGS_SAN)

XEN_LIBS := -lxenlight -lxenctrl -lxencall -lxenstore -lxentoollog
JSON_LIBS := -ljansson

# Filled by the module.mk files.
BINARIES :=
TEST_PROGRAMS :=
INSTALL_TARGETS :=
MAN_PAGES :=

.PHONY: all test-build deps deps-test test run clean install bench fuzz
all:
test-build:

include core/module.mk
include cli/module.mk
include tests/module.mk
-include exporter/module.mk
-include bench/module.mk
-include collectd-plugin/module.mk
-include dashboards/module.mk
-include fuzz/module.mk
include tests/xen-qemu/module.mk
-include tests/packaging/module.mk

all: $(BINARIES)

deps:
	@scripts/deps.sh build
deps-test:
	@scripts/deps.sh build test

# The whole suite: unit tests, fake-host integration tests, real daemons.
test: deps-test
	@$(MAKE) --no-print-directory all test-build BUILD=$(BUILD) SANITIZE=$(SANITIZE)
	@XM_BUILD=$(abspath $(BUILD)) XM_SANITIZE=$(SANITIZE) tests/run-tests.sh $(TEST_PROGRAMS)

# Debian packages of this release into DEB_DIR (docs/packaging.md).
DEB_DIR ?= build/deb
.PHONY: deb
deb:
	@scripts/deps.sh build package
	@scripts/make-deb.sh $(DEB_DIR)

clean:
	rm -rf build build-san

install: all $(INSTALL_TARGETS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
