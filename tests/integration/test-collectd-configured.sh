#!/bin/bash
# The collectd plugin's configured modes: with ConfigDir, every configured
# domain gets gauge-configured_<mode> (1/0 over pv, pvh, hvm, pv_in_pvh) and
# the host gets xenmode/count-config_files_failed; a bad file is logged once
# naming it; a missing directory counts 1; ConfigDir must be absolute.
source "$(dirname "$0")/../lib/collectd-testlib.sh"
xmc_require

cp -r "$XM_ROOT/tests/fixtures/configs/mixed" "$TL_TMP/cfg"
printf 'name = "broken"\ntype = "kvm"\n' >"$TL_TMP/cfg/broken.cfg"
# Two PV configurations of known width (32-bit and 64-bit ELF headers
# as kernel=) and one of unknown width (pygrub).
elf_header() { printf "\\x7fELF\\x$1\\x01\\x01"; head -c 9 /dev/zero; printf "\\x02\\x00\\x$2\\x00"; head -c 44 /dev/zero; }
elf_header 01 03 >"$TL_TMP/k32"
elf_header 02 3e >"$TL_TMP/k64"
printf 'name = "old32"\nkernel = "%s"\n' "$TL_TMP/k32" >"$TL_TMP/cfg/old32.cfg"
printf 'name = "new64"\nkernel = "%s"\n' "$TL_TMP/k64" >"$TL_TMP/cfg/new64.cfg"
printf 'name = "pygrub"\nbootloader = "pygrub"\n' >"$TL_TMP/cfg/pygrub.cfg"
xmc_conf "$CONF" 0.3 "  ConfigDir \"$TL_TMP/cfg\""

if xmc_start "$MIXED" "$CONF"; then ok "collectd starts with ConfigDir"
else not_ok "collectd starts with ConfigDir"; finish; exit; fi
check "configured values arrive" wait_until 20 xmc_has_value guest-shim gauge-configured_pv_in_pvh 1
for line in "guest-pv pv" "guest-pvh pvh" "guest-hvm hvm" "guest-pvhvm hvm" "guest-shim pv_in_pvh"; do
    name=${line% *} want=${line#* } got=""
    for m in pv pvh hvm pv_in_pvh; do got+="$m=$(xmc_getval "$name" "gauge-configured_$m") "; done
    exp=""
    for m in pv pvh hvm pv_in_pvh; do exp+="$m=$([ "$m" = "$want" ] && echo 1 || echo 0) "; done
    assert_eq "$name is configured $want" "$exp" "$got"
done
assert_eq "old32: gauge-configured_pv_guest_width 32" 32 "$(xmc_getval old32 gauge-configured_pv_guest_width)"
assert_eq "new64: gauge-configured_pv_guest_width 64" 64 "$(xmc_getval new64 gauge-configured_pv_guest_width)"
assert_eq "configured_pv_guest_width for the two of known width only" 2 \
    "$(xmc_listval | grep -c '/gauge-configured_pv_guest_width$')"
assert_eq "the running mode values are still there (guest-pvhvm runs pvhvm)" 1 "$(xmc_getval guest-pvhvm gauge-pvhvm)"
check "config_files_failed counts the bad file" wait_until 10 sh -c "[ \"\$(\"$XMC_COLLECTDCTL\" -s '$XMC_SOCK' getval '$XMC_HOST/xenmode/count-config_files_failed' | awk -F= '\$1==\"value\" {print \$2+0}')\" = 1 ]"
check "a few more reads" wait_until 10 sh -c "[ \$(grep -c . '$TL_TMP/csv/$XMC_HOST/xenmode-guest-pv/gauge-configured_pv-'* 2>/dev/null | awk -F: '{s+=\$NF} END {print s+0}') -ge 4 ]"
assert_eq "the bad file is logged once, naming it" 1 "$(xmc_log_count "xenmode plugin: $TL_TMP/cfg/broken.cfg: xl would refuse it")"
xmc_stop

xmc_conf "$CONF" 0.3 "  ConfigDir \"$TL_TMP/missing\""
if xmc_start "$MIXED" "$CONF"; then
    check "missing ConfigDir: config_files_failed 1" wait_until 10 sh -c "[ \"\$(\"$XMC_COLLECTDCTL\" -s '$XMC_SOCK' getval '$XMC_HOST/xenmode/count-config_files_failed' | awk -F= '\$1==\"value\" {print \$2+0}')\" = 1 ]"
    check "missing ConfigDir: domains still reported" wait_until 10 xmc_has_value guest-pv gauge-pv 1
    xmc_stop
    assert_eq "missing ConfigDir: logged once" 1 "$(xmc_log_count 'cannot read the xl configurations')"
else
    not_ok "collectd starts with a missing ConfigDir"
fi

xmc_conf "$CONF" 0.3 '  ConfigDir "relative/dir"'
xmc_exec "$MIXED" "$XMC_COLLECTD" -T -C "$CONF" >"$TL_TMP/t.out" 2>&1; rc=$?
check "ConfigDir relative: collectd -T fails" test "$rc" != 0
check "ConfigDir relative: the error names the option" grep -q 'ConfigDir' "$TL_TMP/t.out" "$XMC_LOG"
finish
