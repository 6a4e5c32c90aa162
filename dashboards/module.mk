# dashboards/: the Grafana dashboards (grafana/*.json), the Prometheus rules
# (rules/: alerts, and recording rules for collectd users) with their
# promtool unit tests (tests/), and the TypeScript harness that type-checks
# the dashboards against @grafana/schema (typecheck/). docs/dashboards.md.
#
# `make test` (not `make`: npm is a test tool) installs the npm packages
# pinned in dashboards/package-lock.json into dashboards/node_modules
# (npm ci), again only when package.json or the lock file changes.
DASH_NPM_STAMP := dashboards/node_modules/.xenmode-npm-ci.stamp
DASH_JSON      := $(wildcard dashboards/grafana/*.json)
DASH_RULES     := $(wildcard dashboards/rules/*.rules.yml)
DASH_SHAREDIR  ?= $(PREFIX)/share/xenmode

$(DASH_NPM_STAMP): dashboards/package.json dashboards/package-lock.json
	cd dashboards && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: dashboards-deps dashboards-check install-dashboards
dashboards-deps: $(DASH_NPM_STAMP)
test-build: $(DASH_NPM_STAMP)

# Quick checks while editing (no daemons): tsc, promtool check and test.
dashboards-check: $(DASH_NPM_STAMP)
	node dashboards/typecheck/check.mjs $(DASH_JSON)
	promtool check rules $(DASH_RULES)
	cd dashboards/tests && promtool test rules *.test.yml

install-dashboards:
	install -d $(DESTDIR)$(DASH_SHAREDIR)/grafana $(DESTDIR)$(DASH_SHAREDIR)/prometheus
	install -m 0644 $(DASH_JSON) $(DESTDIR)$(DASH_SHAREDIR)/grafana/
	install -m 0644 $(DASH_RULES) $(DESTDIR)$(DASH_SHAREDIR)/prometheus/
INSTALL_TARGETS += install-dashboards

TEST_PROGRAMS += tests/integration/test-dashboards-typecheck.sh \
                 tests/integration/test-dashboards-rules.sh \
                 tests/integration/test-dashboards-live.sh \
                 tests/integration/test-dashboards-collectd.sh
