#!/bin/bash
# The exporter's views and cache metrics:
#  - where libxl cannot open (inside a domU) it serves the guest view,
#    xen_guest_virt_mode{mode}, from the machine's own sysfs/procfs/CPUID;
#    on a machine that is not on Xen it stays in the dom0 view with xen_up 0;
#    --xen.view forces either;
#  - xen_exporter_xenstore_requests_total does not move over scrapes of an
#    unchanged host, and xen_exporter_cache_rebuilds_total counts xenstore
#    restarts; --no-xen.cache reads everything at every scrape.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
GUEST="$XM_ROOT/tests/fixtures/guest"
guest_flags() { echo "--path.sysfs=$GUEST/$1/sys --path.procfs=$GUEST/$1/proc --cpuid.file=$GUEST/$1/cpuid.txt"; }
value() { sed -n "s/^$2 \([0-9.e+-]*\)$/\1/p" <<<"$1"; }

# shellcheck disable=SC2046
xe_start g1 "$MIXED" --env XENMODE_FAKE_LIBXL_FAIL=ctx_alloc -- $(guest_flags pvhvm-domu)
xe_wait_ready g1 || not_ok "exporter g1 started"
page=$(xe_get g1)
check "no libxl, PVHVM guest tree: xen_guest_virt_mode{mode=\"pvhvm\"} 1" grep -qx 'xen_guest_virt_mode{mode="pvhvm"} 1' <<<"$page"
assert_eq "guest view: four modes, one of them 1" "4 1" \
    "$(grep -c '^xen_guest_virt_mode{' <<<"$page") $(grep -c '^xen_guest_virt_mode{.*} 1$' <<<"$page")"
check "guest view: no xen_up, no domain series" sh -c "! grep -q '^xen_up\|^xen_domain_' <<'E'
$page
E"
check "guest view: xen_exporter_view{view=\"guest\"}" grep -qx 'xen_exporter_view{view="guest"} 1' <<<"$page"
assert_status "guest view: promtool check metrics" 0 promtool check metrics <<<"$page"
check "guest view: logged once" test "$(count_log g1 'serving the guest view')" = 1
xe_get g1 >/dev/null; xe_get g1 >/dev/null
check "guest view: still logged once after more scrapes" test "$(count_log g1 'serving the guest view')" = 1

# shellcheck disable=SC2046
xe_start g2 "$MIXED" --env XENMODE_FAKE_LIBXL_FAIL=ctx_alloc -- $(guest_flags kvm)
xe_wait_ready g2 || not_ok "exporter g2 started"
page=$(xe_get g2)
check "no libxl, KVM tree: dom0 view with xen_up 0" grep -qx 'xen_up 0' <<<"$page"
check "no libxl, KVM tree: no guest series" sh -c "! grep -q '^xen_guest_virt_mode' <<'E'
$page
E"

# shellcheck disable=SC2046
xe_start g3 "$MIXED" --env XENMODE_FAKE_LIBXL_FAIL=ctx_alloc -- --xen.view=dom0 $(guest_flags pvh-domu)
xe_wait_ready g3 || not_ok "exporter g3 started"
check "--xen.view=dom0 on a guest: xen_up 0, no guest view" grep -qx 'xen_up 0' <<<"$(xe_get g3)"
# shellcheck disable=SC2046
xe_start g4 "$MIXED" -- --xen.view=guest $(guest_flags pvh-domu)
xe_wait_ready g4 || not_ok "exporter g4 started"
page=$(xe_get g4)
check "--xen.view=guest where libxl works: guest view (pvh)" grep -qx 'xen_guest_virt_mode{mode="pvh"} 1' <<<"$page"

# Cache metrics.
xe_start c1 "$MIXED" --
xe_wait_ready c1 || not_ok "exporter c1 started"
p1=$(xe_get c1); for i in $(seq 20); do xe_get c1 >/dev/null; done; p2=$(xe_get c1)
r1=$(value "$p1" xen_exporter_xenstore_requests_total); r2=$(value "$p2" xen_exporter_xenstore_requests_total)
check "requests counter is positive after the first read ($r1)" test "${r1:-0}" -gt 0
assert_eq "22 scrapes of an unchanged host: xenstore requests counter unchanged" "$r1" "$r2"
assert_eq "no cache rebuilds yet" 0 "$(value "$p2" xen_exporter_cache_rebuilds_total)"
xe_ctl c1 restart
p3=$(xe_get c1)
assert_eq "after a xenstore restart: xen_up 1" 1 "$(value "$p3" xen_up)"
assert_eq "after a xenstore restart: one cache rebuild" 1 "$(value "$p3" xen_exporter_cache_rebuilds_total)"
check "after a xenstore restart: the rebuild read xenstore again" test "$(value "$p3" xen_exporter_xenstore_requests_total)" -gt "$r2"
assert_eq "after a xenstore restart: the domain families are unchanged" \
    "$(domain_families <<<"$p1")" "$(domain_families <<<"$p3")"

xe_start u1 "$MIXED" -- --no-xen.cache
xe_wait_ready u1 || not_ok "exporter u1 started"
a=$(value "$(xe_get u1)" xen_exporter_xenstore_requests_total)
b=$(value "$(xe_get u1)" xen_exporter_xenstore_requests_total)
# 42 for the mode, devices and types; per domain (6): start_time and the agent's 3 directories.
assert_eq "--no-xen.cache: every scrape is a full read (66 requests)" 66 "$((b - a))"

# Configured modes from xl configurations.
cp -r "$XM_ROOT/tests/fixtures/configs/mixed" "$TL_TMP/cfg"
xe_start k1 "$MIXED" -- --xen.config-dir="$TL_TMP/cfg"
xe_wait_ready k1 || not_ok "exporter k1 started"
page=$(xe_get k1)
check "configured modes: guest-shim configured pv_in_pvh" grep -qx 'xen_domain_configured_virt_mode{domain="guest-shim",mode="pv_in_pvh"} 1' <<<"$page"
assert_eq "configured modes: 5 domains x 4 modes" 20 "$(grep -c '^xen_domain_configured_virt_mode{' <<<"$page")"
assert_eq "configured modes: xen_config_files_failed 0" 0 "$(value "$page" xen_config_files_failed)"
assert_status "configured modes: promtool check metrics" 0 promtool check metrics <<<"$page"
printf 'name = "broken"\ntype = "kvm"\n' >"$TL_TMP/cfg/broken.cfg"
page=$(xe_get k1); xe_get k1 >/dev/null; xe_get k1 >/dev/null
assert_eq "a bad file is counted" 1 "$(value "$page" xen_config_files_failed)"
assert_eq "a bad file is logged once, naming it" 1 "$(count_log k1 "bad xl configuration file.*broken.cfg")"; grep "bad xl" "${XE_DIR[k1]}/log" | sed "s/^/# /"
sed -i 's/^type = "hvm"$/type = "pvh"\nkernel = "\/k"/' "$TL_TMP/cfg/guest-hvm.cfg"
touch -d '+2 seconds' "$TL_TMP/cfg/guest-hvm.cfg"
check "an edited file is re-read at the next scrape" grep -qx 'xen_domain_configured_virt_mode{domain="guest-hvm",mode="pvh"} 1' <<<"$(xe_get k1)"
xe_start k2 "$MIXED" -- --xen.config-dir="$TL_TMP/none"
xe_wait_ready k2 || not_ok "exporter k2 started"
xe_get k2 >/dev/null; page=$(xe_get k2)
assert_eq "missing configuration directory: xen_config_files_failed 1" 1 "$(value "$page" xen_config_files_failed)"
assert_eq "missing configuration directory: logged once" 1 "$(count_log k2 'cannot read the xl configurations')"
xe_start k3 "$MIXED" -- --no-xen.configs
xe_wait_ready k3 || not_ok "exporter k3 started"
check "--no-xen.configs: no configuration families" sh -c "! grep -q '^xen_config_files_failed\|^xen_domain_configured' <<'E'
$(xe_get k3)
E"

xe_finish
