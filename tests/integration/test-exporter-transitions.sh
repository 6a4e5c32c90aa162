#!/bin/bash
# xen_domain_mode_transitions_total on the fake host (tests/fixtures/
# mixed.json): an HVM guest whose PV drivers connect (hvm -> pvhvm) and
# then lose their backend (pvhvm -> hvm) is counted once each way; the
# driver pairs of every HVM container are there from the start at 0, a PV
# domain has none, a destroyed domain's counts go with it; promtool clean.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
FIX="$TL_TMP/host.json"
write_fixture "$XM_ROOT/tests/fixtures/mixed.json" "$FIX"
count() { sed -n "s/^xen_domain_mode_transitions_total{domain=\"$2\",from=\"$3\",to=\"$4\"} //p" <<<"$1"; }
mode_is() { xe_get tr | grep -qx "xen_domain_virt_mode{domain=\"$1\",mode=\"$2\"} 1"; }

xe_start tr "$FIX" --
xe_wait_ready tr || not_ok "exporter tr started"
page=$(xe_get tr)
assert_status "the page passes promtool check metrics" 0 promtool check metrics <<<"$page"
assert_eq "guest-hvm: hvm -> pvhvm at 0 from the start" 0 "$(count "$page" guest-hvm hvm pvhvm)"
assert_eq "guest-pvhvm: pvhvm -> hvm at 0 from the start" 0 "$(count "$page" guest-pvhvm pvhvm hvm)"
assert_eq "guest-pv (PV): no transition series" 0 "$(grep -c '^xen_domain_mode_transitions_total{domain="guest-pv"' <<<"$page")"
check "it is a counter" grep -qx '# TYPE xen_domain_mode_transitions_total counter' <<<"$page"

# guest-hvm's vif backend connects: its PV drivers are up.
check "guest-hvm's vif backend goes to 4" xe_ctl tr write /local/domain/0/backend/vif/3/0/state 4
check "guest-hvm becomes pvhvm" wait_until 20 mode_is guest-hvm pvhvm
page=$(xe_get tr)
assert_eq "guest-hvm: hvm -> pvhvm counted once" 1 "$(count "$page" guest-hvm hvm pvhvm)"
assert_eq "guest-hvm: pvhvm -> hvm still 0" 0 "$(count "$page" guest-hvm pvhvm hvm)"
# ... and loses it (a driver update gone wrong).
check "guest-hvm's vif backend goes to 5 (Closing)" xe_ctl tr write /local/domain/0/backend/vif/3/0/state 5
check "guest-hvm is hvm again" wait_until 20 mode_is guest-hvm hvm
page=$(xe_get tr)
assert_eq "guest-hvm: pvhvm -> hvm counted once" 1 "$(count "$page" guest-hvm pvhvm hvm)"
assert_eq "guest-hvm: hvm -> pvhvm still 1" 1 "$(count "$page" guest-hvm hvm pvhvm)"
for _ in 1 2 3; do page=$(xe_get tr); done
assert_eq "unchanged host: the counts stay" "1 1" \
    "$(count "$page" guest-hvm hvm pvhvm) $(count "$page" guest-hvm pvhvm hvm)"
assert_eq "other domains: nothing counted" 0 \
    "$(grep '^xen_domain_mode_transitions_total{domain="guest-\(pvh\|pvhvm\|shim\)"' <<<"$page" | grep -vc ' 0$')"
assert_status "the page passes promtool check metrics" 0 promtool check metrics <<<"$page"

# Destroyed: its series go.
write_fixture "$FIX" "$FIX" 'del(.domains[] | select(.domid == 3))'
check "xenstored-ctl reload" xe_ctl tr reload
gone() { ! xe_get tr | grep -q 'transitions_total{domain="guest-hvm"'; }
check "guest-hvm destroyed: its transition series are gone" wait_until 20 gone
xe_finish
