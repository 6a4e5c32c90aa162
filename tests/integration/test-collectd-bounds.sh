#!/bin/bash
# The collectd plugin and the per-domain bounds (docs/design.md, "Memory
# and per-domain bounds"): a domain with 100 device kinds is read with 32,
# dispatches 32 counts, and the plugin logs the cut once for the domain,
# not at every read, even when the guest's writes make it be read again.
source "$(dirname "$0")/../lib/collectd-testlib.sh"
xmc_require

KINDS="$TL_TMP/kinds.json"
jq '
  .domains += [{"domid": 7, "name": "kinds", "uuid": "5e5e0007-0000-4000-8000-000000000007",
                "hvm": true, "config": {"type": "hvm"}}]
  | .xenstore["/libxl/7/type"] = "hvm"
  | reduce range(100) as $i (.;
      .xenstore["/local/domain/7/device/k\($i)/0/backend"] = "/local/domain/0/backend/k\($i)/7/0"
      | .xenstore["/local/domain/0/backend/k\($i)/7/0/state"] = "4"
      | .xenstore["/local/domain/0/backend/k\($i)/7/0/frontend"] = "/local/domain/7/device/k\($i)/0")
' "$MIXED" >"$KINDS"

xmc_conf "$CONF" 0.2 '  Interval 0.1'
if xmc_start "$KINDS" "$CONF"; then ok "collectd starts on a host with a 100-kind domain"
else not_ok "collectd starts on a host with a 100-kind domain"; finish; exit; fi

check "the domain's values arrive" wait_until 20 xmc_has_value kinds gauge-pvhvm
check "count-k0 is 1" wait_until 20 xmc_has_value kinds count-k0 1
# The backend moves back and forth: the domain is read again (and cut
# again) at each move, and each read is seen in the dispatched count.
for round in 1 2; do
    xmc_ctl write /local/domain/0/backend/k0/7/0/state 6
    check "round $round: the closed backend is read again (count-k0 0)" \
        wait_until 20 xmc_has_value kinds count-k0 0
    xmc_ctl write /local/domain/0/backend/k0/7/0/state 4
    check "round $round: the connected backend is read again (count-k0 1)" \
        wait_until 20 xmc_has_value kinds count-k0 1
done
check "the plugin logs the cut" grep -q 'exceeds the per-domain bounds' "$XMC_LOG" "$TL_TMP/collectd.out"
n=$(cat "$XMC_LOG" "$TL_TMP/collectd.out" 2>/dev/null | grep -c 'exceeds the per-domain bounds')
assert_eq "one log line for the domain over several reads" 1 "$n"
counts=$(find "$XMC_CSV" -path '*kinds*' -name 'count-*' 2>/dev/null | wc -l)
check "at most 32 device counts dispatched for the domain ($counts)" test "$counts" -le 32

xmc_stop
finish
