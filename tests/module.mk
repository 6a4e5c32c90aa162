# tests/: the fakes, the unit tests and the integration tests.
FAKE_BINARIES :=
-include tests/fakes/xenstored/module.mk
-include tests/fakes/libxl/module.mk

.PHONY: fakes
fakes: $(FAKE_BINARIES)
