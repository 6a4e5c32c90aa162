#!/bin/bash
# Runs every test program given on the command line and totals their TAP
# results. Each program prints "ok ..." / "not ok ..." lines (cmocka in TAP
# mode, or tests/lib/testlib.sh); a program that exits non-zero without a
# "not ok" line counts as one failure of its own, so a crash is never lost.
# Ends with the summary line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

export CMOCKA_MESSAGE_OUTPUT=TAP
passed=0 failed=0 skipped=0 failed_programs=()
logdir=$(mktemp -d "${TMPDIR:-/tmp}/xenmode-tests.XXXXXX")

for prog in "$@"; do
    name=$(echo "$prog" | tr '/' '_')
    log="$logdir/$name.log"
    echo "=== $prog"
    start=$(date +%s.%N)
    "$prog" >"$log" 2>&1 </dev/null
    rc=$?
    end=$(date +%s.%N)
    # A skipped check ("ok N - ... # SKIP why") is not a pass.
    sk=$(grep -E '^ok( |$)' "$log" | grep -ciE '# SKIP')
    p=$(( $(grep -cE '^ok( |$)' "$log") - sk ))
    f=$(grep -cE '^not ok( |$)' "$log")
    grep -E '^(not ok|ok|#)' "$log" | sed 's/^/    /'
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        echo "    not ok - $prog exited with status $rc"
    fi
    if [ "$f" != 0 ] || [ "$((p + sk))" = 0 ]; then
        [ "$((p + sk))" = 0 ] && [ "$f" = 0 ] && { f=1; echo "    not ok - $prog reported no results"; }
        failed_programs+=("$prog")
        echo "    --- last lines of its output:"
        tail -30 "$log" | sed 's/^/    | /'
    fi
    awk -v p="$p" -v f="$f" -v s="$start" -v e="$end" 'BEGIN { printf "    (%d ok, %d failed, %.1fs)\n", p, f, e - s }'
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + sk))
done

[ ${#failed_programs[@]} -gt 0 ] && echo "failing programs: ${failed_programs[*]} (logs in $logdir)"
[ "$skipped" != 0 ] && echo "$skipped skipped (listed above with their reason)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && rm -rf "$logdir"
[ "$failed" = 0 ]
