# xenmode build. `make` builds every binary into build/; `make test` installs
# the Debian packages it needs (scripts/deps.sh) and runs the whole suite.
# Each part of the tree adds its rules in its own module.mk.

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

XEN_LIBS := -lxenlight -lxenctrl -lxenstore -lxentoollog
JSON_LIBS := -ljansson

# Filled by the module.mk files.
BINARIES :=
TEST_PROGRAMS :=
INSTALL_TARGETS :=
MAN_PAGES :=

.PHONY: all deps test test-unit run clean install bench fuzz
all:

include core/module.mk
include cli/module.mk
include tests/module.mk
-include exporter/module.mk
-include collectd-plugin/module.mk
-include dashboards/module.mk
-include fuzz/module.mk
include tests/xen-qemu/module.mk

all: $(BINARIES)

deps:
	@scripts/deps.sh

# The whole suite: unit tests, fake-host integration tests, real daemons.
test: deps
	@$(MAKE) --no-print-directory all BUILD=$(BUILD) SANITIZE=$(SANITIZE)
	@XM_BUILD=$(abspath $(BUILD)) XM_SANITIZE=$(SANITIZE) tests/run-tests.sh $(TEST_PROGRAMS)

clean:
	rm -rf build build-san

install: all $(INSTALL_TARGETS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
