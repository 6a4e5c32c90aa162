#!/bin/sh
# scdoc-man.sh IN.scd OUT: a man page from scdoc. A page with a table gets
# the first line '\" t, which tells man(1) to run tbl; without it groff
# warns (trixie's lintian: groff-message "tbl preprocessor failed").
set -eu
scdoc <"$1" >"$2.tmp"
if grep -q '^\.TS' "$2.tmp"; then
    { printf "'\\\\\" t\n"; cat "$2.tmp"; } >"$2"
    rm -f "$2.tmp"
else
    mv "$2.tmp" "$2"
fi
