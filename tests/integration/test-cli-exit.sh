#!/bin/bash
# The xenmode command's exit statuses: each one the man page lists is
# produced by a real case, and the man page lists exactly the ones
# cli/cli.h defines.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
XENMODE="$XM_BUILD/xenmode"
MAN="$XM_ROOT/docs/man/xenmode.1.scd"

status_of() { "$XENMODE" "$@" >/dev/null 2>&1; echo $?; }

# The statuses documented under EXIT STATUS (lines "*N*") and defined in
# cli.h's enum cli_exit: the same set.
documented=$(sed -n '/^# EXIT STATUS/,/^# [A-Z]/p' "$MAN" | sed -n 's/^\*\([0-9]\+\)\*$/\1/p' | sort -n | xargs)
defined=$(sed -n '/^enum cli_exit {/,/^};/p' "$XM_ROOT/cli/cli.h" | sed -n 's/^ *EXIT_[A-Z]* = \([0-9]\+\),.*/\1/p' | sort -n | xargs)
assert_eq "the man page documents the statuses cli.h defines" "$defined" "$documented"
assert_eq "cli.h defines 0 to 5, each once" "0 1 2 3 4 5" "$defined"

assert_eq "0: --help" 0 "$(status_of --help)"
assert_eq "0: configs on an empty directory" 0 "$(mkdir -p "$TL_TMP/empty"; status_of configs --xen.config-dir "$TL_TMP/empty")"
assert_eq "1: self, not on Xen" 1 "$(status_of self --path.sysfs "$TL_TMP/none" --path.procfs "$TL_TMP/none" --no-cpuid)"
printf 'name = "x"\ntype = "nonsense"\n' >"$TL_TMP/bad.cfg"
assert_eq "1: configs, a file is bad" 1 "$(status_of configs --xen.config-dir "$TL_TMP")"
assert_eq "2: unknown option" 2 "$(status_of list --bogus)"
assert_eq "2: option without its value" 2 "$(status_of self --path.sysfs)"
assert_eq "2: bad --format value" 2 "$(status_of configs --format yaml)"
assert_eq "2: stray argument" 2 "$(status_of metrics extra)"
assert_eq "2: unknown command" 2 "$(status_of frobnicate)"
assert_eq "3: list without Xen" 3 "$(status_of list)"
assert_eq "3: metrics without Xen" 3 "$(status_of metrics)"
assert_eq "4: self, unreadable CPUID file" 4 "$(status_of self --cpuid.file "$TL_TMP/none")"
assert_eq "4: configs, unreadable directory" 4 "$(status_of configs --xen.config-dir "$TL_TMP/none")"
assert_eq "4: metrics --output that cannot be written" 4 "$(status_of metrics --output "$TL_TMP/none/xen.prom")"
assert_eq "5: metrics --output onto a directory" 5 "$(status_of metrics --output "$TL_TMP")"
# 3: xenstored stopped (SIGSTOP): list gives up at its 5 s deadline with a
# message, instead of hanging.
out=$("$XM_ROOT/tests/fake-host/run" "$XM_ROOT/tests/fixtures/mixed.json" -- sh -c '
    p=$(cat "$XENMODE_FAKE_XENSTORED_PIDFILE"); kill -STOP "$p"
    "$0" list 2>&1 >/dev/null; echo "status=$?"; kill -CONT "$p"' "$XENMODE")
assert_eq "3: list with xenstored stopped" "status=3" "$(echo "$out" | grep '^status=')"
check "3: list with xenstored stopped says xenstored is not answering" \
    grep -q 'xenstored is not answering' <<<"$out"
if [ -w /dev/full ]; then
    assert_eq "4: configs --format json to a full device" 4 "$("$XENMODE" configs --xen.config-dir "$TL_TMP/empty" --format json >/dev/full 2>/dev/null; echo $?)"
fi
finish
