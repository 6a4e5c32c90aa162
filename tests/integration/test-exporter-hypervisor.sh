#!/bin/bash
# The hypervisor's facts in a long-running exporter (libxenctrl, counted by
# the fake through $XENMODE_FAKE_XC_LOG):
#  - one xc_domain_getinfolist per scrape, whatever the host size;
#  - each PV domain's guest width asked once while it runs, never again on
#    an unchanged host, and re-read after an event only while the domain
#    was paused when first read (libxl may not have set it yet);
#  - xen_domain_pv_guest_width, xen_domain_hap and xen_hypervisor_capability
#    as the fixture says, on a page promtool accepts, with no xenstore
#    request on steady scrapes.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
FIX="$TL_TMP/host.json"
LOG="$TL_TMP/xc.log"
write_fixture "$XM_ROOT/tests/fixtures/hypervisor.json" "$FIX"
value() { xe_value "$@"; }
calls() { xe_xc_calls "$LOG" "$1"; }

xe_start hv "$FIX" --env "XENMODE_FAKE_XC_LOG=$LOG" --
xe_wait_ready hv || not_ok "exporter hv started"
page=$(xe_get hv)
assert_status "the page passes promtool check metrics" 0 promtool check metrics <<<"$page"
check "pv32: xen_domain_pv_guest_width 32" grep -qx 'xen_domain_pv_guest_width{domain="pv32"} 32' <<<"$page"
check "Domain-0 (PV): xen_domain_pv_guest_width 64" grep -qx 'xen_domain_pv_guest_width{domain="Domain-0"} 64' <<<"$page"
check "hvm-shadow: xen_domain_hap 0" grep -qx 'xen_domain_hap{domain="hvm-shadow"} 0' <<<"$page"
check "shim32 (PV in PVH): xen_domain_hap 1, no width" \
    sh -c "grep -qx 'xen_domain_hap{domain=\"shim32\"} 1' && ! grep -q 'guest_width{domain=\"shim32\"}'" <<<"$page"
assert_eq "five capabilities, all 1 on this host" 5 "$(grep -c '^xen_hypervisor_capability{.*} 1$' <<<"$page")"
assert_eq "the first read asked the width of the 4 PV domains, once each" \
    "0 1 2 7" "$(sed -n 's/^guest_width //p' "$LOG" | sort -n | tr '\n' ' ' | sed 's/ $//')"

g0=$(calls getinfolist) w0=$(calls guest_width)
req0=$(value "$page" xen_exporter_xenstore_requests_total)
for _ in 1 2 3 4 5; do page=$(xe_get hv); done
assert_eq "5 scrapes: 5 xc_domain_getinfolist calls" 5 "$(( $(calls getinfolist) - g0 ))"
assert_eq "5 scrapes of an unchanged host: no guest width asked" 0 "$(( $(calls guest_width) - w0 ))"
assert_eq "5 scrapes of an unchanged host: no xenstore request" \
    "$req0" "$(value "$page" xen_exporter_xenstore_requests_total)"

# Events re-read domains 1 (ran when read: width kept) and 7 (was paused:
# asked again, and now it runs, kept from then on).
write_fixture "$XM_ROOT/tests/fixtures/hypervisor.json" "$FIX" \
    '(.domains[] | select(.domid == 7) | .paused) = false
     | .xenstore["/local/domain/1/name"] = "pv32-renamed"
     | .xenstore["/local/domain/7/name"] = "pv32-running"'
check "xenstored-ctl reload" xe_ctl hv reload
w1=$(calls guest_width)
renamed() { xe_get hv | grep -qx 'xen_domain_pv_guest_width{domain="pv32-running"} 32'; }
check "after the renames the page shows pv32-running with width 32" wait_until 20 renamed
page=$(xe_get hv)
check "pv32-renamed keeps width 32" grep -qx 'xen_domain_pv_guest_width{domain="pv32-renamed"} 32' <<<"$page"
assert_eq "re-read: only the domain paused at its first read was asked again" \
    "7" "$(sed -n 's/^guest_width //p' "$LOG" | tail -n +$((w1 + 1)) | tr '\n' ' ' | sed 's/ $//')"
w2=$(calls guest_width)
write_fixture "$FIX" "$FIX" '.xenstore["/local/domain/7/name"] = "pv32-again"'
check "xenstored-ctl reload" xe_ctl hv reload
again() { xe_get hv | grep -qx 'xen_domain_pv_guest_width{domain="pv32-again"} 32'; }
check "rename seen" wait_until 20 again
assert_eq "a running domain read again: its width is not asked again" 0 "$(( $(calls guest_width) - w2 ))"

xe_finish
