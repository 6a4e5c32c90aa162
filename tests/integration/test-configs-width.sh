#!/bin/bash
# The width of configured PV guests (the ELF class of their kernel= file) on
# the fake Xen host, through both front ends that read configurations:
#  - xenmode configs: WIDTH column, pv_guest_width_bits and its reason;
#  - the exporter: xen_domain_configured_pv_guest_width for the known ones
#    only, beside xen_hypervisor_capability{capability="pv32"} 0 on a host
#    without pv32 (what XenConfigured32BitPVWithoutPV32 compares), on a page
#    promtool accepts; a kernel replaced under a running exporter is read
#    again without the configuration changing.
# The kernels are ELF headers written here (the paths in a configuration are
# absolute, so the configuration directory is written here too).
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
XENMODE="$XM_BUILD/xenmode"
RUN="$XM_ROOT/tests/fake-host/run"
HOST="$TL_TMP/host.json"
K="$TL_TMP/kernels"
D="$TL_TMP/xen"
mkdir -p "$K" "$D"

# elf FILE CLASS MACHINE: a 64-byte little-endian ELF header.
elf() {
    local m
    m=$(printf '\\x%02x\\x%02x' $(($3 & 255)) $(($3 >> 8)))
    { printf "\\x7fELF\\x$(printf %02x "$2")\\x01\\x01"; head -c 9 /dev/zero
      printf "\\x02\\x00$m"; head -c 44 /dev/zero; } >"$1.new" && mv -f "$1.new" "$1"
}
elf "$K/grub-i386-xen.bin" 1 3
elf "$K/grub-x86_64-xen.bin" 2 62
elf "$K/vmlinux-arm64" 2 183
{ head -c 514 /dev/zero; printf 'HdrS'; head -c 100 /dev/zero; } >"$K/vmlinuz"
printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03' >"$K/vmlinux.gz"

# The host's running domains (tests/fixtures/configs/host.json) on a
# hypervisor without 32-bit PV.
write_fixture "$XM_ROOT/tests/fixtures/configs/host.json" "$HOST" \
    '.capabilities = {"pv32": false, "pv64": true, "hvm": true, "hap": true, "shadow": true}'
cfg() { printf '%s\n' "name = \"$1\"" "${@:2}" >"$D/$1.cfg"; }
cfg guest-pv 'type = "pv"' "kernel = \"$K/grub-x86_64-xen.bin\""
cfg guest-old32 "kernel = \"$K/grub-i386-xen.bin\""
cfg guest-pvgrub32 'firmware = "pvgrub32"'
cfg guest-pygrub 'bootloader = "pygrub"' "kernel = \"$K/grub-i386-xen.bin\""
cfg guest-bz "kernel = \"$K/vmlinuz\""
cfg guest-gz "kernel = \"$K/vmlinux.gz\""
cfg guest-arm "kernel = \"$K/vmlinux-arm64\""
cfg guest-missing "kernel = \"$K/nonexistent\""
cfg guest-hvm 'type = "hvm"'
cfg guest-pvh 'type = "pvh"' "kernel = \"$K/grub-i386-xen.bin\""

# ---- xenmode configs -------------------------------------------------------
"$RUN" "$HOST" -- "$XENMODE" configs --xen.config-dir "$D" --format json >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "configs --format json: exit 0" 0 "$rc"
check "configs: nothing on stderr" test ! -s "$TL_TMP/err"
while read -r name want; do
    assert_eq "json: $name: mode, width" "$want" \
        "$(jq -r --arg n "$name" '.[] | select(.name == $n) | "\(.mode) \(.pv_guest_width_bits)"' "$TL_TMP/out")"
done <<'EOF'
guest-pv pv 64
guest-old32 pv 32
guest-pvgrub32 pv 32
guest-pygrub pv null
guest-bz pv null
guest-gz pv null
guest-arm pv null
guest-missing pv null
guest-hvm hvm null
guest-pvh pvh null
EOF
reason() { jq -r --arg n "$1" '.[] | select(.name == $n) | .pv_guest_width_reason' "$TL_TMP/out"; }
assert_eq "json: guest-old32's reason names the kernel and its class" \
    "kernel $K/grub-i386-xen.bin: ELF 32-bit i386 (ELFCLASS32): a 32-bit PV guest" "$(reason guest-old32)"
check "json: guest-pygrub: the bootloader makes it unknown" \
    grep -q "^bootloader=pygrub picks the kernel from the guest's disk" <<<"$(reason guest-pygrub)"
check "json: guest-bz: a bzImage is not an ELF" grep -q ": a bzImage (Linux boot image), not an ELF" <<<"$(reason guest-bz)"
check "json: guest-gz: gzip-compressed" grep -q ": gzip-compressed, not an ELF" <<<"$(reason guest-gz)"
check "json: guest-arm: another machine" grep -q "for machine 183, not an i386 or x86-64 kernel" <<<"$(reason guest-arm)"
check "json: guest-missing: cannot open" grep -q "nonexistent: cannot open: No such file or directory" <<<"$(reason guest-missing)"
assert_eq "json: guest-hvm and guest-pvh have no reason" "null null" "$(reason guest-hvm) $(reason guest-pvh)"

"$RUN" "$HOST" -- "$XENMODE" configs --xen.config-dir "$D" >"$TL_TMP/out" 2>"$TL_TMP/err"
check "table: header with WIDTH" grep -q '^NAME  *MODE  *WIDTH  *RUNNING  *MISMATCH  *AUTO  *FILE$' "$TL_TMP/out"
check "table: guest-pv 64, running pv" grep -Eq '^guest-pv +pv +64 +pv +no +no ' "$TL_TMP/out"
check "table: guest-old32 32, not running" grep -Eq '^guest-old32 +pv +32 +- +- +no ' "$TL_TMP/out"
check "table: guest-pygrub ?" grep -Eq '^guest-pygrub +pv +\? +- ' "$TL_TMP/out"
check "table: guest-hvm -" grep -Eq '^guest-hvm +hvm +- +hvm +no ' "$TL_TMP/out"

vg_clean "configs with every kind of kernel" \
    "$RUN" "$HOST" -- VG "$XENMODE" configs --xen.config-dir "$D" --format json

# ---- the exporter --------------------------------------------------------------
xe_start w "$HOST" -- --xen.config-dir="$D"
xe_wait_ready w || not_ok "exporter started"
page=$(xe_get w)
assert_status "the page passes promtool check metrics" 0 promtool check metrics <<<"$page"
assert_eq "xen_domain_configured_pv_guest_width: the three PV configurations of known width" \
    'xen_domain_configured_pv_guest_width{domain="guest-old32"} 32
xen_domain_configured_pv_guest_width{domain="guest-pv"} 64
xen_domain_configured_pv_guest_width{domain="guest-pvgrub32"} 32' \
    "$(grep '^xen_domain_configured_pv_guest_width{' <<<"$page")"
check "the host has no pv32" grep -qx 'xen_hypervisor_capability{capability="pv32"} 0' <<<"$page"
check "the running guest-pv is 64-bit by the hypervisor too" \
    grep -qx 'xen_domain_pv_guest_width{domain="guest-pv"} 64' <<<"$page"

# A kernel replaced (an upgrade to a 32-bit image, say), the configuration
# untouched: the next scrapes read the new header.
elf "$K/grub-x86_64-xen.bin" 1 3
became32() { xe_get w | grep -qx 'xen_domain_configured_pv_guest_width{domain="guest-pv"} 32'; }
check "a replaced kernel is read again: guest-pv is now 32" wait_until 20 became32
rm -f "$K/grub-i386-xen.bin"
gone() { ! xe_get w | grep -q 'xen_domain_configured_pv_guest_width{domain="guest-old32"}'; }
check "a kernel removed: guest-old32's series goes" wait_until 20 gone
check "the configuration was never counted as failed" grep -qx 'xen_config_files_failed 0' <<<"$(xe_get w)"

finish
