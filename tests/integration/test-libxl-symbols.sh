#!/bin/bash
# Every libxl function taking a libxl_ctx * that a project binary imports is
# defined by the fake libxl. The fake's ctx is not a real one: a real libxl
# function that dereferences it would crash, so a binary calling one that is
# not faked cannot run on the fake host. Prototypes come from the installed
# headers (libxl.h, which includes _libxl_types.h, and libxl_utils.h).
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
FAKEXL=$XM_BUILD/tests/fakes/libxenmode-fakexl.so

if [ ! -f "$FAKEXL" ]; then
    not_ok "the fake libxl is built ($FAKEXL)"
    finish; exit
fi

# ctx_functions: names of the functions declared with a libxl_ctx * (or **)
# parameter. The preprocessed headers are flattened and cut at ; { and }, so
# each piece holds at most one prototype.
ctx_functions() {
    printf '#include <libxl.h>\n#include <libxl_utils.h>\n' |
        gcc -E -P -D_GNU_SOURCE -x c - |
        tr '\n\t' '  ' | tr ';{}' '\n\n\n' |
        grep -oE '(^|[^A-Za-z0-9_])libxl_[A-Za-z0-9_]+ *\([^)]*' |
        sed -E 's/^[^A-Za-z]*//' |
        grep -E '^libxl_[A-Za-z0-9_]+ *\([^)]*\blibxl_ctx *\*' |
        sed -E 's/ *\(.*//' | sort -u
}
ctx_functions >"$TL_TMP/ctx" 2>"$TL_TMP/ctx.err"
nm -D --defined-only "$FAKEXL" | awk '$2 ~ /^[TtWi]$/ {print $3}' | sort -u >"$TL_TMP/faked"

# The parser itself: known ctx-taking functions are found, helpers that take
# no ctx are not.
missing=$(for f in libxl_ctx_alloc libxl_ctx_free libxl_list_domain libxl_domain_info \
                   libxl_userdata_retrieve libxl_get_version_info libxl_domid_to_name; do
              grep -qx "$f" "$TL_TMP/ctx" || echo "$f"; done | tr '\n' ' ')
assert_eq "the header parser finds the ctx-taking functions" "" "$missing"
wrong=$(grep -xE 'libxl_dominfo_(init|dispose|list_free)|libxl_uuid_from_string|libxl_defbool_set' \
        "$TL_TMP/ctx" | tr '\n' ' ')
assert_eq "the header parser leaves out functions without a ctx" "" "$wrong"

# The fake overrides nothing but ctx-taking libxl functions, libxenctrl
# functions (every one of which takes the xc_interface it also fakes) and
# libxencall functions (the same, with its xencall_handle): the generated
# init/dispose helpers must stay the real ones.
grep -E '^(xc_|xencall)' "$TL_TMP/faked" >"$TL_TMP/faked_xc"
extra=$(comm -23 <(grep -vE '^(xc_|xencall)' "$TL_TMP/faked") "$TL_TMP/ctx" | tr '\n' ' ')
assert_eq "the fake exports only libxl functions that take a ctx" "" "$extra"
check "the fake defines xc_interface_open and xc_interface_close" \
    grep -qx xc_interface_open "$TL_TMP/faked_xc"

if [ ! -x "$XM_BUILD/xenmode" ]; then
    not_ok "xenmode is built ($XM_BUILD/xenmode)"
fi
for bin in xenmode xenmode_exporter xenmode.so; do
    path=$XM_BUILD/$bin
    if [ ! -e "$path" ]; then
        [ "$bin" != xenmode ] && ok "$bin imports only faked ctx functions # SKIP not built"
        continue
    fi
    nm -D --undefined-only "$path" | awk '{print $NF}' | sed 's/@.*//' |
        grep '^libxl_' | sort -u >"$TL_TMP/imports.$bin"
    used=$(comm -12 "$TL_TMP/imports.$bin" "$TL_TMP/ctx")
    missing=$(comm -23 <(printf '%s\n' $used | sed '/^$/d') "$TL_TMP/faked" | tr '\n' ' ' | sed 's/ $//')
    if [ -z "$missing" ]; then
        ok "$bin imports only faked ctx functions ($(echo $used | wc -w) of them)"
    else
        not_ok "$bin imports ctx functions the fake does not define: $missing"
    fi
    # Every libxenctrl (libxencall) function takes the fake xc_interface
    # (xencall_handle): all must be faked.
    nm -D --undefined-only "$path" | awk '{print $NF}' | sed 's/@.*//' |
        grep -E '^(xc_|xencall)' | sort -u >"$TL_TMP/xc.$bin"
    missing=$(comm -23 "$TL_TMP/xc.$bin" "$TL_TMP/faked_xc" | tr '\n' ' ' | sed 's/ $//')
    if [ -z "$missing" ]; then
        ok "$bin imports only faked libxenctrl and libxencall functions ($(wc -l <"$TL_TMP/xc.$bin") of them)"
    else
        not_ok "$bin imports libxenctrl or libxencall functions the fake does not define: $missing"
    fi
done

finish
