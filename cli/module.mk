# cli/: the `xenmode` command.
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
CLI_BIN  := $(BUILD)/xenmode

$(CLI_OBJS): CFLAGS += -Icore

$(CLI_BIN): $(CLI_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(CORE_LIB) $(CORE_LIBS)

BINARIES += $(CLI_BIN)
