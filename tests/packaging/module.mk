# tests/packaging/: the Debian packages (docs/packaging.md).
# In `make test`: the exporter unit's hardening score (fast, no package
# build). `make test-packages` builds the packages of this release (make
# deb) and runs the slow checks on them: lintian, an install into a chroot
# without Xen, piuparts. CI runs them for Debian 12 and 13 (.ci/run).
TEST_PROGRAMS += tests/packaging/test-unit-security.sh
PACKAGE_TESTS := tests/packaging/test-lintian.sh tests/packaging/test-build-deps.sh tests/packaging/test-install.sh \
                 tests/packaging/test-piuparts.sh

.PHONY: test-packages test-packages-built
test-packages: deb
	@$(MAKE) --no-print-directory test-packages-built DEB_DIR=$(DEB_DIR)
# The checks alone, on packages already in DEB_DIR (XM_RELEASE: theirs).
test-packages-built:
	@scripts/deps.sh package
	@XM_DEB_DIR=$(DEB_DIR) tests/run-tests.sh $(PACKAGE_TESTS)
