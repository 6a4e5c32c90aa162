#!/bin/bash
# `xenmode metrics --output FILE` as root into a directory another user
# (nobody) can write to, as node_exporter's textfile directory may be
# (issue 15, finding 7):
#   - links planted by that user at the temporary names of the old scheme
#     (<out>.tmp.<pid>, the pid known in advance) redirect nothing, and no
#     temporary file is ever left behind;
#   - a target that is not a regular file (device node, FIFO, directory,
#     link to a device) is refused with one line naming it and exit status
#     5, and is left as it was;
#   - a 0640 file owned by nobody keeps its mode and owner (set-id bits
#     are dropped);
#   - a write that fails (RLIMIT_FSIZE) leaves the old file whole, exit 4.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
XENMODE="$XM_BUILD/xenmode"
RUN="$XM_ROOT/tests/fake-host/run"
MIXED="$XM_ROOT/tests/fixtures/mixed.json"

if [ "$(id -u)" != 0 ] || ! setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    echo "1..0 # SKIP needs root and setpriv (the attacks are played by user nobody)"
    exit 0
fi
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

chmod 0711 "$TL_TMP"
DIR="$TL_TMP/textfile"
mkdir "$DIR" && chown nobody:nogroup "$DIR" && chmod 0755 "$DIR"
OUT="$DIR/xen.prom"
VICTIM="$TL_TMP/victim"
echo "root's secret" >"$VICTIM"
chmod 0600 "$VICTIM"

# metrics_out [ARGS...]: xenmode metrics --output OUT on the fake host; the
# exit status is printed, stderr saved in $TL_TMP/err. Before the command
# runs (exec keeps the pid), nobody plants links at <OUT>.tmp.<pid>, the
# name the old code opened with fopen(): a write through them would land
# in VICTIM.
metrics_out() {
    "$RUN" "$MIXED" -- bash -c '
        setpriv --reuid=nobody --regid=nogroup --clear-groups ln -s "$1" "$2.tmp.$$"
        setpriv --reuid=nobody --regid=nogroup --clear-groups ln -s "$1" "$2.tmp"
        shift 2; exec "$@"' _ "$VICTIM" "${OUT_TARGET:-$OUT}" \
        "$XENMODE" metrics --output "${OUT_TARGET:-$OUT}" "$@" >/dev/null 2>"$TL_TMP/err"
    echo $?
}
# Temporary files (anything but nobody's links named like one) in DIR.
strays() { find "$DIR" -mindepth 1 ! -type l \( -name '.*' -o -name '*.tmp*' \) | sort; }
clean_links() { find "$DIR" -mindepth 1 -maxdepth 1 -type l -name '*.tmp*' -delete; }

# 1. A new file, with nobody's links in the way.
assert_eq "a new file: exit 0" 0 "$(metrics_out)"
check "it is a regular file with the page" grep -q '^xen_up 1$' "$OUT"
check "it is not a link" test ! -L "$OUT"
assert_eq "the planted links redirected nothing" "root's secret" "$(cat "$VICTIM")"
assert_eq "no temporary file left" "" "$(strays)"
assert_eq "a new file gets 0666 less the umask (0022 here)" "644 root" \
    "$(umask 0022; rm -f "$OUT"; metrics_out >/dev/null; stat -c '%a %U' "$OUT")"
clean_links

# 2. An existing 0640 file of nobody's keeps its mode and owner.
rm -f "$OUT"; echo old >"$OUT"; chown nobody:nogroup "$OUT"; chmod 0640 "$OUT"
assert_eq "existing 0640 file: exit 0" 0 "$(metrics_out)"
assert_eq "it keeps mode 0640 and owner nobody:nogroup" "640 nobody:nogroup" "$(stat -c '%a %U:%G' "$OUT")"
check "and has the new page" grep -q '^xen_up 1$' "$OUT"
assert_eq "the victim is untouched" "root's secret" "$(cat "$VICTIM")"
clean_links
chmod 06750 "$OUT"
metrics_out >/dev/null
assert_eq "set-id bits are not carried over (06750 -> 750)" "750 nobody:nogroup" "$(stat -c '%a %U:%G' "$OUT")"
clean_links

# 3. Targets that are not regular files: refused, left alone, exit 5.
refused() {
    local what=$1 target=$2 before after
    before=$(stat -c '%F %t:%T %i' "$target")
    assert_eq "$what: refused with exit status 5" 5 "$(OUT_TARGET=$target metrics_out)"
    after=$(stat -c '%F %t:%T %i' "$target")
    assert_eq "$what: left as it was" "$before" "$after"
    assert_eq "$what: one line on stderr" 1 "$(wc -l <"$TL_TMP/err")"
    check "$what: the line names it and says why" \
        grep -qF "xenmode: metrics: refusing to replace $target: it is $3, not a regular file" "$TL_TMP/err"
    assert_eq "$what: no temporary file left" "" "$(strays)"
    clean_links
}
mknod "$DIR/null" c 1 3
refused "a character device" "$DIR/null" "a character device"
mkfifo "$DIR/fifo"
refused "a FIFO" "$DIR/fifo" "a FIFO"
mkdir "$DIR/sub"
refused "a directory" "$DIR/sub" "a directory"
as_nobody ln -s /dev/null "$DIR/to-dev"
refused "a link to a device" "$DIR/to-dev" "a character device"
check "the link still points to /dev/null" test "$(readlink "$DIR/to-dev")" = /dev/null
rm -rf "$DIR/null" "$DIR/fifo" "$DIR/sub" "$DIR/to-dev"

# 4. A link to a regular file is replaced by a file, not followed.
as_nobody ln -sf "$VICTIM" "$OUT"
assert_eq "a link to root's file: exit 0" 0 "$(metrics_out)"
check "the link is replaced by a regular file" test -f "$OUT" -a ! -L "$OUT"
assert_eq "the file it pointed to is untouched" "root's secret" "$(cat "$VICTIM")"
clean_links

# 5. A write that fails half-way: the old file stays whole, no temporary.
echo "previous page" >"$OUT"
rc=$(trap '' XFSZ; prlimit --fsize=100 -- bash -c "$(declare -f metrics_out); $(declare -p RUN MIXED VICTIM OUT XENMODE TL_TMP); metrics_out")
assert_eq "a write cut by RLIMIT_FSIZE: exit status 4" 4 "$rc"
check "the line says why" grep -q "xenmode: metrics: cannot write $OUT: File too large" "$TL_TMP/err"
assert_eq "the old file is whole" "previous page" "$(cat "$OUT")"
assert_eq "no temporary file left" "" "$(strays)"
clean_links

# 6. A directory root cannot create in (read-only for root: none here,
#    so the parent is missing): exit 4, nothing created.
OUT_TARGET="$DIR/missing/xen.prom"
assert_eq "a missing directory: exit 4" 4 "$(OUT_TARGET=$OUT_TARGET metrics_out)"
finish
