# fake-xenstored (the xenstore test server) and xsfake-ctl (its control
# client). Included from tests/module.mk; binaries go to $(BUILD)/tests/fakes/.

FXS_DIR  := tests/fakes/xenstored
FXS_SRCS := $(wildcard $(FXS_DIR)/*.c)
FXS_OBJS := $(FXS_SRCS:%.c=$(BUILD)/%.o)
FXS_BIN  := $(BUILD)/tests/fakes/fake-xenstored
FXS_CTL  := $(BUILD)/tests/fakes/xsfake-ctl

$(FXS_BIN): $(FXS_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -ljansson -o $@

$(FXS_CTL): $(BUILD)/$(FXS_DIR)/ctl/xsfake-ctl.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@

FAKE_BINARIES += $(FXS_BIN) $(FXS_CTL)
