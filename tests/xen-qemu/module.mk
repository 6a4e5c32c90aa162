# tests/xen-qemu/: the real-Xen suite (docs/testing.md). `make test-xen`
# installs the host packages it needs (deps.sh, beside the project's own
# `make deps`), then for each release of XEN_RELEASE (default: bookworm,
# Xen 4.17, then trixie, Xen 4.20) builds the release's .deb files and boots
# that release's Xen under QEMU with a dom0 that installs them
# (releases.sh, run.sh).
#
#   make test-xen XEN_RELEASE=trixie        one release
#   make test-xen-pvh-dom0                  Xen 4.20 with a PVH dom0
#
# XM_XEN_QEMU_CACHE, XM_XEN_QEMU_RUN, XM_XEN_QEMU_SLOWDOWN and
# XM_XEN_QEMU_TIMEOUT are passed through from the environment (run.sh).
# xm-load (bench/) is built plainly: it is copied into dom0 for the figures.
XEN_RELEASE ?= bookworm trixie

.PHONY: test-xen test-xen-pvh-dom0 test-xen-deps test-xen-load
test-xen-deps:
	@tests/xen-qemu/deps.sh

test-xen-load: deps
	@$(MAKE) --no-print-directory build/bench/xm-load SANITIZE= BUILD=build

test-xen: deps test-xen-deps test-xen-load
	@XM_LOAD=$(abspath build/bench/xm-load) tests/xen-qemu/releases.sh $(XEN_RELEASE)

test-xen-pvh-dom0: deps test-xen-deps test-xen-load
	@XM_XEN_QEMU_DOM0=pvh XM_LOAD=$(abspath build/bench/xm-load) tests/xen-qemu/releases.sh trixie
