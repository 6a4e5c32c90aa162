# core/: the collection core, a static library linked into every front end.
CORE_SRCS := $(wildcard core/*.c)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CORE_LIB  := $(BUILD)/libxenmode-core.a
CORE_LIBS := $(XEN_LIBS) -lxlutil $(JSON_LIBS) -lpthread -lm

$(CORE_LIB): $(CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^
