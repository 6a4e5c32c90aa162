# bench/: `make bench` — xenmode_exporter on generated fake hosts of 10, 100
# and 1000 domains, cached and uncached, next to Debian's
# prometheus-node-exporter serving the same series from a textfile: scrape
# latency, requests/s, xenstore requests per scrape, RSS, a burst of 500
# domains. Figures are printed, not asserted; docs/bench.md explains them.
# xm-load (the load generator) is also used by the exporter's tests;
# xm-listtime measures what the fake libxl itself costs.
XM_LOAD := $(BUILD)/bench/xm-load
XM_LISTTIME := $(BUILD)/bench/xm-listtime

# Both take their clock from the core (xm_monotonic_seconds), the tree's
# one now().
$(BUILD)/bench/xm_load.o $(BUILD)/bench/xm_listtime.o: CFLAGS += $(CORE_INC)

$(XM_LOAD): $(BUILD)/bench/xm_load.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

$(XM_LISTTIME): $(BUILD)/bench/xm_listtime.o $(CORE_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS)

test-build: $(XM_LOAD) $(XM_LISTTIME)

bench: deps-test
	@$(MAKE) --no-print-directory all test-build BUILD=$(BUILD) SANITIZE=$(SANITIZE)
	@XM_BUILD=$(abspath $(BUILD)) bench/run-bench.sh $(BENCH_SIZES)
