# fuzz/: libFuzzer targets over the configuration-reading path (see
# fuzz/fuzz_config.c) and the exporter's web-config parser
# (fuzz/fuzz_webconfig.c, seeds in fuzz/corpus-webconfig/; run after the
# first, FUZZ_TIME seconds each). `make fuzz` builds it with clang (Debian's
# libclang-rt-14-dev provides libFuzzer) and runs it for FUZZ_TIME seconds
# on a scratch copy of the seed corpus fuzz/corpus/; a crash, a sanitizer
# report or an input slower than FUZZ_TIMEOUT seconds fails the target and
# leaves the input in $(BUILD)/fuzz/ (crash-*, timeout-*, slow-unit-*).
# New inputs go to $(BUILD)/fuzz/corpus, never into the repository.
#
#   make fuzz                    60 s
#   make fuzz FUZZ_TIME=600      longer
#   make fuzz FUZZ_JOBS=4        four processes in parallel
#   make fuzz XEN_SRC=DIR        deeper: also compile libxlutil's parser from
#                                a Xen 4.17 source tree (DIR/tools/libs/util,
#                                e.g. a checkout of RELEASE-4.17.7) with the
#                                fuzzer's coverage and ASan instrumentation,
#                                so libFuzzer explores the parser itself; its
#                                xlu_cfg_* then replace Debian's libxlutil.
#
# libxlutil 4.17 leaks a list value after a lexical error (see
# fuzz/lsan.supp): LeakSanitizer is told so, every other leak still fails.
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_JOBS    ?= 1
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_BIN     := $(FUZZ_DIR)/fuzz_config
# The exposition writer names host capabilities and transitions, defined in
# core/host/xm_xenctrl.c and xm_transitions.c: both come along, and
# xenctrl.h (anonymous unions) needs GNU C.
FUZZ_SRCS    := fuzz/fuzz_config.c $(wildcard core/configs/*.c core/expo/*.c core/util/*.c) \
                core/host/xm_transitions.c core/host/xm_xenctrl.c
FUZZ_CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -g -O1 -D_GNU_SOURCE -Icore/include \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_LIBS    := -lxlutil -lxenlight -lxenctrl -lpthread
XEN_SRC      ?=
ifneq ($(XEN_SRC),)
FUZZ_XLU_DIR  := $(XEN_SRC)/tools/libs/util
FUZZ_XLU_SRCS := $(FUZZ_XLU_DIR)/libxlu_cfg.c $(FUZZ_XLU_DIR)/libxlu_cfg_l.c $(FUZZ_XLU_DIR)/libxlu_cfg_y.c
FUZZ_BIN      := $(FUZZ_DIR)/fuzz_config_deep
endif
# -jobs even =1 would send the output to fuzz-0.log: only for real parallelism.
FUZZ_PAR     := $(if $(filter-out 1,$(FUZZ_JOBS)),-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS))

$(FUZZ_BIN): $(FUZZ_SRCS) $(FUZZ_XLU_SRCS) $(wildcard core/*/*.h core/include/xenmode/*.h)
	@mkdir -p $(dir $@)
ifneq ($(XEN_SRC),)
	@mkdir -p $(FUZZ_DIR)/xlu
	for f in $(FUZZ_XLU_SRCS); do \
	    $(FUZZ_CC) -std=gnu11 -g -O1 -D_GNU_SOURCE -w -I$(FUZZ_XLU_DIR) \
	        -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	        -c $$f -o $(FUZZ_DIR)/xlu/$$(basename $$f .c).o || exit 1; \
	done
endif
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS) \
	    $(if $(XEN_SRC),$(patsubst $(FUZZ_XLU_DIR)/%.c,$(FUZZ_DIR)/xlu/%.o,$(FUZZ_XLU_SRCS))) $(FUZZ_LIBS)

FUZZ_WEB_BIN  := $(FUZZ_DIR)/fuzz_webconfig
FUZZ_WEB_SRCS := fuzz/fuzz_webconfig.c exporter/xe_webconfig.c

$(FUZZ_WEB_BIN): $(FUZZ_WEB_SRCS) exporter/xe_webconfig.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iexporter -o $@ $(FUZZ_WEB_SRCS) -lyaml

.PHONY: fuzz fuzz-build fuzz-webconfig
fuzz-build: $(FUZZ_BIN) $(FUZZ_WEB_BIN)

fuzz: $(FUZZ_BIN) fuzz-webconfig
	@mkdir -p $(FUZZ_DIR)/corpus
	cd $(FUZZ_DIR) && LSAN_OPTIONS=suppressions=$(abspath fuzz/lsan.supp) \
	    ./$(notdir $(FUZZ_BIN)) corpus $(abspath fuzz/corpus) \
	    -dict=$(abspath fuzz/xl.dict) -max_total_time=$(FUZZ_TIME) \
	    -timeout=$(FUZZ_TIMEOUT) -max_len=65536 -rss_limit_mb=2048 \
	    $(FUZZ_PAR) -print_final_stats=1

fuzz-webconfig: $(FUZZ_WEB_BIN)
	@mkdir -p $(FUZZ_DIR)/corpus-webconfig
	cd $(FUZZ_DIR) && ./$(notdir $(FUZZ_WEB_BIN)) corpus-webconfig $(abspath fuzz/corpus-webconfig) \
	    -dict=$(abspath fuzz/webconfig.dict) -max_total_time=$(FUZZ_TIME) \
	    -timeout=$(FUZZ_TIMEOUT) -max_len=65536 -rss_limit_mb=2048 \
	    $(FUZZ_PAR) -print_final_stats=1
