# tests/xen-qemu/: the real-Xen suite (docs/testing.md). `make test-xen`
# installs the host packages it needs (deps.sh, beside the project's own
# `make deps`), builds the binaries, and boots Xen under QEMU with them.
#
# It always tests the plain build: a sanitized one would need the sanitizer
# runtimes inside dom0. XM_XEN_QEMU_CACHE, XM_XEN_QEMU_RUN and
# XM_XEN_QEMU_TIMEOUT are passed through from the environment (run.sh).
XEN_QEMU_BUILD := $(if $(filter 1,$(SANITIZE)),build,$(BUILD))

.PHONY: test-xen test-xen-deps
test-xen-deps:
	@tests/xen-qemu/deps.sh

# `all` is made after the packages are in, as `make test` does: as a plain
# prerequisite it could start before them under -j.
test-xen: deps test-xen-deps
	@$(MAKE) --no-print-directory all SANITIZE= BUILD=$(XEN_QEMU_BUILD)
	@XM_BUILD=$(abspath $(XEN_QEMU_BUILD)) tests/xen-qemu/run.sh
