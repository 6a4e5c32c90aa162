#!/bin/bash
# `xenmode self` on every fixture tree in tests/fixtures/guest/ (sysfs and
# procfs trees plus CPUID leaves from a file), on this machine (not a Xen
# guest), and on broken roots: a clear message or weaker evidence, never a
# crash.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
XENMODE="$XM_BUILD/xenmode"
GUEST="$XM_ROOT/tests/fixtures/guest"

run_case() {  # DIR [EXTRA ARGS...] -> prints output, returns status
    local dir=$1; shift
    local cpuid=(--cpuid.file "$dir/cpuid.txt")
    [[ " $* " == *" --no-cpuid "* ]] && cpuid=()
    "$XENMODE" self --path.sysfs "$dir/sys" --path.procfs "$dir/proc" "${cpuid[@]}" "$@"
}

for dir in "$GUEST"/*/; do
    dir=${dir%/}; name=$(basename "$dir")
    want_out=$(sed -n 's/^output=//p' "$dir/expect")
    want_status=$(sed -n 's/^status=//p' "$dir/expect")
    read -r -a args <<<"$(sed -n 's/^args=//p' "$dir/expect")"
    out=$(run_case "$dir" "${args[@]}" 2>"$TL_TMP/err"); status=$?
    assert_eq "$name: exit status" "$want_status" "$status"
    if [ "$want_out" = "not on Xen" ]; then
        check "$name: says it is not on Xen, naming the evidence" \
            grep -q '^not on Xen: .*sys_vendor=' <<<"$out"
    else
        assert_eq "$name: reports $want_out" "$want_out" "$(head -n1 <<<"$out")"
    fi
    check "$name: nothing on stderr" test ! -s "$TL_TMP/err"
    json=$(run_case "$dir" "${args[@]}" --format json 2>/dev/null)
    check "$name: JSON agrees" quiet jq -e --arg o "$want_out" \
        'if $o == "not on Xen" then .on_xen == false and .mode == null
         elif ($o | startswith("dom0")) then .dom0 and ("dom0 (" + .mode + ")") == $o
         else .on_xen and (.dom0 | not) and .mode == $o end' <<<"$json"
done

# The rules that decide without CPUID name themselves in the evidence.
check "old-pv without CPUID: the no-DMI rule decided" \
    sh -c "'$XENMODE' self --path.sysfs '$GUEST/old-pv/sys' --path.procfs '$GUEST/old-pv/proc' --no-cpuid --explain | grep -q 'rule: /sys/hypervisor/type=xen, no guest_type and no Xen DMI'"
check "old-hvm without CPUID: the DMI rule decided" \
    sh -c "'$XENMODE' self --path.sysfs '$GUEST/old-hvm/sys' --path.procfs '$GUEST/old-hvm/proc' --no-cpuid --explain | grep -q 'rule: no guest_type, DMI says Xen HVM -> hvm'"
check "pvhvm: Xen leaves found above Viridian's" \
    sh -c "'$XENMODE' self --path.sysfs '$GUEST/pvhvm-domu/sys' --path.procfs /nonexistent --cpuid.file '$GUEST/pvhvm-domu/cpuid.txt' --explain | grep -q 'CPUID 0x40000100 signature XenVMMXenVMM'"
check "hvm with Xen CPUID alone (no sysfs, no DMI) is still found" \
    sh -c "'$XENMODE' self --path.sysfs /nonexistent --path.procfs /nonexistent --cpuid.file '$GUEST/hvm-domu/cpuid.txt' | grep -qx hvm"

# This machine is not a Xen guest.
out=$("$XENMODE" self 2>&1); status=$?
assert_eq "this machine: exit 1" 1 "$status"
assert_eq "this machine: one line" 1 "$(wc -l <<<"$out")"
check "this machine: says not on Xen and names what it found" grep -q '^not on Xen: .*CPUID' <<<"$out"

# Broken roots.
cp -r "$GUEST/pvhvm-domu" "$TL_TMP/broken"
rm "$TL_TMP/broken/sys/hypervisor/guest_type"
mkfifo "$TL_TMP/broken/sys/hypervisor/guest_type"          # a read would block: must not
printf '\x01\xffgarbage\n' >"$TL_TMP/broken/sys/class/dmi/id/sys_vendor"
rm -r "$TL_TMP/broken/sys/class/dmi/id/product_name"; mkdir "$TL_TMP/broken/sys/class/dmi/id/product_name"
out=$(timeout 10 "$XENMODE" self --path.sysfs "$TL_TMP/broken/sys" --path.procfs "$TL_TMP/broken/proc" \
      --cpuid.file "$TL_TMP/broken/cpuid.txt" --explain 2>&1); status=$?
assert_eq "broken tree: still decides from weaker evidence (exit 0)" 0 "$status"
assert_eq "broken tree: no guest_type, no readable DMI -> the no-DMI rule says pv" pv "$(head -n1 <<<"$out")"
check "broken tree: the FIFO is reported unreadable" grep -q 'guest_type unreadable' <<<"$out"
check "broken tree: garbage is shown escaped" grep -qF 'sys_vendor=\x01\xffgarbage' <<<"$out"
check "broken tree: a directory in place of a file is reported" grep -q 'product_name unreadable: Is a directory' <<<"$out"

out=$("$XENMODE" self --path.sysfs /nonexistent --path.procfs /nonexistent --no-cpuid 2>&1); status=$?
assert_eq "missing roots: not on Xen (exit 1)" 1 "$status"

printf '0x1 0x2 nonsense\n' >"$TL_TMP/bad-cpuid"
out=$("$XENMODE" self --cpuid.file "$TL_TMP/bad-cpuid" 2>&1); status=$?
assert_eq "garbage CPUID file: exit 4" 4 "$status"
check "garbage CPUID file: names file and line" grep -q "bad-cpuid:1: expected 'LEAF EAX EBX ECX EDX'" <<<"$out"
head -c 4096 /dev/urandom >"$TL_TMP/random-cpuid"
"$XENMODE" self --cpuid.file "$TL_TMP/random-cpuid" >/dev/null 2>&1; status=$?
assert_eq "random bytes as CPUID file: exit 4" 4 "$status"
out=$("$XENMODE" self --cpuid.file "$TL_TMP/none" 2>&1); status=$?
assert_eq "missing CPUID file: exit 4" 4 "$status"
check "missing CPUID file: names it" grep -q "cannot read CPUID file $TL_TMP/none" <<<"$out"
"$XENMODE" self --cpuid.file x --no-cpuid >/dev/null 2>&1; status=$?
assert_eq "--cpuid.file with --no-cpuid: exit 2" 2 "$status"
"$XENMODE" self --path.sysfs >/dev/null 2>&1; status=$?
assert_eq "flag without its value: exit 2" 2 "$status"

if [ "${XM_SANITIZE:-}" != 1 ]; then
    for dir in "$GUEST"/pvhvm-domu "$GUEST"/kvm "$TL_TMP/broken"; do
        valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
            "$XENMODE" self --path.sysfs "$dir/sys" --path.procfs "$dir/proc" \
            --cpuid.file "$dir/cpuid.txt" --explain --format json >/dev/null 2>"$TL_TMP/vg"
        status=$?
        check "valgrind clean: self on $(basename "$dir") (exit $status)" test "$status" != 99 -a ! -s "$TL_TMP/vg"
    done
fi

finish
