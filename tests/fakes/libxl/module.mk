# The fake libxl (libxenmode-fakexl.so, LD_PRELOADed by tests/fake-host/run)
# and fakexl-probe, the program tests/integration/test-fake-libxl.sh drives
# it with. Included from tests/module.mk; both go to $(BUILD)/tests/fakes/.
# Objects come from the top Makefile's $(BUILD)/%.o rule (CFLAGS has -fPIC).

FXL_DIR   := tests/fakes/libxl
FXL_SRCS  := $(filter-out $(FXL_DIR)/probe.c,$(wildcard $(FXL_DIR)/*.c))
FXL_OBJS  := $(FXL_SRCS:%.c=$(BUILD)/%.o)
FXL_SO    := $(BUILD)/tests/fakes/libxenmode-fakexl.so
FXL_PROBE := $(BUILD)/tests/fakes/fakexl-probe

# The fake calls the real libxl only for helpers that take no ctx
# (libxl_dominfo_init, libxl_uuid_from_string, ...); --no-undefined makes a
# missing library a link error here rather than a failure at preload time.
$(FXL_SO): $(FXL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) -Wl,--no-undefined -o $@ $^ -lxenlight -lxentoollog -ljansson -lpthread

# Linked against the real libraries only: the fake comes in by LD_PRELOAD.
$(FXL_PROBE): $(BUILD)/$(FXL_DIR)/probe.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -lxenlight -lxentoollog -lpthread

FAKE_BINARIES += $(FXL_SO) $(FXL_PROBE)

# hypervisor.c includes xenctrl.h (anonymous unions: GNU C); domstate.c
# the core's xm_domstate.h, the get_domain_state layout the core sends.
$(BUILD)/$(FXL_DIR)/hypervisor.o: CFLAGS += -std=gnu11
$(BUILD)/$(FXL_DIR)/domstate.o: CFLAGS += -Icore/host $(CORE_INC)
