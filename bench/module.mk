# bench/: `make bench` — scrape latency, throughput, response size and
# xenstore requests per scrape of xenmode_exporter on generated fake hosts
# of 10, 100 and 1000 domains. Figures are printed, not asserted.
# xm-load (the load generator) is also used by the exporter's tests.
XM_LOAD := $(BUILD)/bench/xm-load

$(XM_LOAD): $(BUILD)/bench/xm_load.o
	$(CC) $(LDFLAGS) -o $@ $< -lpthread

all: $(XM_LOAD)

bench: all
	@XM_BUILD=$(abspath $(BUILD)) bench/run-bench.sh $(BENCH_SIZES)
