#!/bin/bash
# xenmode_exporter(8) cannot drift from the program: its OPTIONS are
# exactly the flags --help lists, and its METRICS exactly the families the
# exporter serves on the fake host, in the dom0 view (with xl
# configurations) and in the guest view together.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
MAN="$XM_ROOT/docs/man/xenmode_exporter.8.scd"
GUEST="$XM_ROOT/tests/fixtures/guest/pvhvm-domu"

# section NAME: the lines of the man page's "# NAME" section.
section() { awk -v s="# $1" '$0 == s { on = 1; next } /^# / { on = 0 } on' "$MAN"; }

# --- flags -----------------------------------------------------------------
# Definition lines of OPTIONS start with the flag in bold: *--flag*...
man_flags=$(section OPTIONS | grep -oE '^\*-[^*]+\*(, \*--[^*]+\*)?' | grep -oE '\*-[^*]+\*' |
            tr -d '*' | sed 's/\[no-\]//' | sort -u)
help_flags=$("$XE_BIN" --help | grep -oE -- '(^|[[:space:]])--?(\[no-\])?[a-z][a-z.-]*' |
             tr -d ' ' | sed 's/\[no-\]//' | sort -u)
check "--help lists flags ($(wc -l <<<"$help_flags"))" test "$(wc -l <<<"$help_flags")" -ge 15
assert_eq "OPTIONS of xenmode_exporter(8) are exactly the flags of --help" "$help_flags" "$man_flags"
# Every flag the man page names is known to the parser: followed by a word
# and an unknown flag, the error is about either of those, never about it.
for f in $man_flags; do
    out=$("$XE_BIN" "$f" word --zz-end 2>&1 >/dev/null)
    check "the man page's $f is a flag the exporter knows" \
        test -n "$out" -a -z "$(grep -F -- "flag $f" <<<"$out")"
done

# --- metrics -----------------------------------------------------------------
CONFIGS="$XM_ROOT/tests/fixtures/configs/mixed"
# A web config (plain HTTP, one header) so the reload gauges are served too.
printf 'http_server_config:\n  headers:\n    X-Frame-Options: deny\n' >"$TL_TMP/web.yml"
xe_start dom0 "$MIXED" -- --xen.config-dir="$CONFIGS" --web.config.file="$TL_TMP/web.yml"
check "dom0 view answers" xe_wait_ready dom0
xe_start guest "$MIXED" --env XENMODE_FAKE_LIBXL_FAIL=ctx_alloc -- \
    --path.sysfs="$GUEST/sys" --path.procfs="$GUEST/proc" --cpuid.file="$GUEST/cpuid.txt"
check "guest view answers" xe_wait_ready guest
{ xe_get dom0; xe_get guest; } | sed -n 's/^# TYPE \([a-zA-Z_:][a-zA-Z0-9_:]*\) .*/\1/p' |
    sort -u >"$TL_TMP/served"
check "the guest view was served" grep -qx xen_guest_virt_mode "$TL_TMP/served"
check "configured modes were served" grep -qx xen_domain_configured_virt_mode "$TL_TMP/served"
section METRICS | grep -v $'^\t' | grep -oE '\*[a-z_:][a-z0-9_:]*\*' | tr -d '*' | sort -u >"$TL_TMP/man"
check "METRICS lists families ($(wc -l <"$TL_TMP/man"))" test "$(wc -l <"$TL_TMP/man")" -ge 15
assert_eq "every served family is in METRICS of xenmode_exporter(8)" "" \
    "$(comm -23 "$TL_TMP/served" "$TL_TMP/man" | tr '\n' ' ')"
assert_eq "every family in METRICS is served" "" \
    "$(comm -13 "$TL_TMP/served" "$TL_TMP/man" | tr '\n' ' ')"

xe_finish
