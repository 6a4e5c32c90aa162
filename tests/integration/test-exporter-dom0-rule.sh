#!/bin/bash
# Which domain is dom0, in a long-running exporter (the fake hypervisor
# counts get_domain_state through $XENMODE_FAKE_XC_LOG):
#  - Xen 4.21 with the control domain at domid 1 (split-dom0.json): the
#    control domain is dom0 (it gets the host's boot time as its start time,
#    as dom0 does) and domid 0, the hardware domain only, is not;
#    get_domain_state is asked once per domain read afresh: never on steady
#    scrapes, which send no xenstore request either;
#  - Xen 4.20 (dom0-flags-pre421.json): domid 0 is dom0 whatever the
#    fixture's capability keys say, and get_domain_state is never asked.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
FIX="$TL_TMP/split.json"
LOG="$TL_TMP/xc.log"
write_fixture "$XM_ROOT/tests/fixtures/split-dom0.json" "$FIX"
asked() { sed -n 's/^domain_state //p' "$LOG" | tail -n +$(($1 + 1)) | sort -n | tr '\n' ' ' | sed 's/ $//'; }

xe_start split "$FIX" --env "XENMODE_FAKE_XC_LOG=$LOG" --
xe_wait_ready split || not_ok "exporter split started"
page=$(xe_get split)
assert_status "4.21 split: the page passes promtool check metrics" 0 promtool check metrics <<<"$page"
check "4.21 split: the control domain (domid 1) has dom0's start time" \
    grep -q '^xen_domain_start_time_seconds{domain="ctl"} ' <<<"$page"
check "4.21 split: domid 0 (hardware domain only) is not dom0: no start time" \
    sh -c '! grep -q "^xen_domain_start_time_seconds{domain=\"hwdom\"}"' <<<"$page"
assert_eq "4.21 split: the modes are unchanged" \
    'ctl pv,guest hvm,hwdom pv' \
    "$(sed -n 's/^xen_domain_virt_mode{domain="\(.*\)",mode="\(.*\)"} 1$/\1 \2/p' <<<"$page" | sort | paste -sd,)"
assert_eq "4.21: the first scrape asked get_domain_state once per domain" "0 1 2" "$(asked 0)"

d0=$(xe_xc_calls "$LOG" domain_state)
req0=$(xe_value "$page" xen_exporter_xenstore_requests_total)
for _ in 1 2 3 4 5; do page=$(xe_get split); done
assert_eq "4.21: 5 scrapes of an unchanged host ask get_domain_state nothing" 0 "$(( $(xe_xc_calls "$LOG" domain_state) - d0 ))"
assert_eq "4.21: 5 scrapes of an unchanged host send no xenstore request" \
    "$req0" "$(xe_value "$page" xen_exporter_xenstore_requests_total)"

# A rename re-reads the control domain alone, which stays dom0.
write_fixture "$FIX" "$FIX" '.xenstore["/local/domain/1/name"] = "ctl-renamed"'
check "xenstored-ctl reload" xe_ctl split reload
renamed() { xe_get split | grep -q '^xen_domain_start_time_seconds{domain="ctl-renamed"} '; }
check "4.21: the renamed control domain is still dom0" wait_until 20 renamed
assert_eq "4.21: the re-read asked get_domain_state of domid 1 only" "1" "$(asked "$d0")"
xe_stop split

write_fixture "$XM_ROOT/tests/fixtures/dom0-flags-pre421.json" "$FIX"
: >"$LOG"
xe_start pre "$FIX" --env "XENMODE_FAKE_XC_LOG=$LOG" --
xe_wait_ready pre || not_ok "exporter pre started"
page=$(xe_get pre)
check "4.20: domid 0 is dom0 (start time of the host)" \
    grep -q '^xen_domain_start_time_seconds{domain="hwdom"} ' <<<"$page"
check "4.20: the domain with the control key is not dom0" \
    sh -c '! grep -q "^xen_domain_start_time_seconds{domain=\"flags-ignored\"}"' <<<"$page"
assert_eq "4.20: get_domain_state never asked" 0 "$(xe_xc_calls "$LOG" domain_state)"
check "4.20: the hypervisor was asked (getinfolist logged)" test "$(xe_xc_calls "$LOG" getinfolist)" -ge 1

xe_finish
