#!/bin/bash
# valgrind memcheck over the hostile-client attacks: test-exporter-hostile.sh
# with XE_HOSTILE_VALGRIND=1 (each attack with a tenth of its connections,
# every exporter under valgrind, no error and no definite or indirect leak
# when each one stops). See that script for the attacks.
XE_HOSTILE_VALGRIND=1 exec "$(dirname "$0")/test-exporter-hostile.sh"
