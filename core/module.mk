# core/: the collection core, a static library linked into every front end.
CORE_SRCS := $(wildcard core/*/*.c)
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
CORE_LIB  := $(BUILD)/libxenmode-core.a
CORE_LIBS := $(XEN_LIBS) -lxlutil $(JSON_LIBS) -lpthread -lm

$(CORE_LIB): $(CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# The front ends see the core only through its public headers, one per
# subsystem: core/include/xenmode/{host,guest,configs,expo,util}.h. A
# subsystem's internal headers sit beside its sources and are included by
# plain name from there; only the core's white-box unit tests add -Icore.
CORE_INC := -Icore/include
$(CORE_OBJS): CFLAGS += $(CORE_INC)

# Xen's public tools headers (xenctrl.h, xen/domctl.h) use anonymous
# unions, a GNU extension under -std=c11: the one file that includes them is
# built as gnu11. The rest of the core sees only xm_xenctrl.h.
$(BUILD)/core/host/xm_xenctrl.o: CFLAGS += -std=gnu11
