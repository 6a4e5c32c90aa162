#!/bin/bash
# What guest agents and Windows PV drivers write into their own xenstore
# tree, through the exporter and the CLI (tests/fixtures/agents.json):
#  - xen_domain_guest_agent_info and xen_domain_pv_driver_info as written;
#  - hostile values (4 KiB strings, newlines, quotes, invalid UTF-8,
#    bidi overrides, 1000 driver entries) are cleaned and cut, the page
#    passes promtool, and no other domain's series change;
#  - keys appearing and vanishing are followed through the watches, and a
#    steady host still costs no xenstore request.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
FIX="$TL_TMP/host.json"
write_fixture "$XM_ROOT/tests/fixtures/agents.json" "$FIX"
value() { sed -n "s/^$2 \([0-9.e+-]*\)$/\1/p" <<<"$1"; }
of_domain() { grep -E "^xen_domain_(guest_agent|pv_driver)_info\{domain=\"$1\""; }

xe_start ag "$FIX" --
xe_wait_ready ag || not_ok "exporter ag started"
page=$(xe_get ag)
assert_status "the page passes promtool check metrics" 0 promtool check metrics <<<"$page"
check "lin: agent 8.4.0.1, debian, os_version 12.5" grep -qxF \
    'xen_domain_guest_agent_info{domain="lin",agent_version="8.4.0.1",os_distro="debian",os_name="Debian GNU/Linux 12 (bookworm)",os_version="12.5"} 1' <<<"$page"
check "win: agent 9.1, no os_version" grep -qxF \
    'xen_domain_guest_agent_info{domain="win",agent_version="9.1",os_distro="windows",os_name="Microsoft Windows Server 2022",os_version=""} 1' <<<"$page"
assert_eq "no agent series for Domain-0 and bare" 0 "$(grep -cE 'guest_agent_info\{domain="(Domain-0|bare)"' <<<"$page")"
assert_eq "win: three drivers (the repeated XENBUS entry once)" 3 "$(grep -c '^xen_domain_pv_driver_info{domain="win"' <<<"$page")"
check "win: XENVIF 9.1.0.12" grep -qxF 'xen_domain_pv_driver_info{domain="win",driver="XenServer XENVIF",version="9.1.0.12"} 1' <<<"$page"
check "win: drivers/10 read too (index order, not string order)" grep -qF 'driver="XenServer XENVBD",version="9.1.0.5"' <<<"$page"
# Start times: libxl's node, dom0's boot, garbage, absent.
check "lin: xen_domain_start_time_seconds from /vm/<uuid>/start_time" \
    grep -qxF 'xen_domain_start_time_seconds{domain="lin"} 1764740000.25' <<<"$page"
btime=$(sed -n 's/^btime //p' /proc/stat)
assert_eq "Domain-0: the host's boot time (/proc/stat btime)" "$btime" \
    "$(sed -n 's/^xen_domain_start_time_seconds{domain="Domain-0"} //p' <<<"$page" | python3 -c 'import sys; print(int(float(sys.stdin.read())))')"
assert_eq "no start time for evil (\"soon\") and bare (absent)" 0 \
    "$(grep -cE '^xen_domain_start_time_seconds\{domain="(evil|bare)"' <<<"$page")"
before_others=$(grep -E 'domain="(lin|win|bare|Domain-0)"' <<<"$page")

# Steady: no request.
req0=$(value "$page" xen_exporter_xenstore_requests_total)
for _ in 1 2 3; do page=$(xe_get ag); done
assert_eq "3 scrapes of an unchanged host: no xenstore request" \
    "$req0" "$(value "$page" xen_exporter_xenstore_requests_total)"

# A guest writing hostile values into its own tree, and 1000 driver entries.
# (JSON cannot carry invalid UTF-8: that value is written afterwards.)
write_fixture "$XM_ROOT/tests/fixtures/agents.json" "$FIX" '
    .xenstore["/local/domain/3/data/os_name"] = ("A" * 4096)
    | .xenstore["/local/domain/3/data/os_distro"] = "x\"y\nz\\w"
    | .xenstore["/local/domain/3/attr/PVAddons/MajorVersion"] = ("9" * 200)
    | reduce range(1000) as $i (.; .xenstore["/local/domain/3/drivers/\($i)"] = "Evil DRV\($i) 1.\($i)")'
check "evil writes 4 KiB, quotes, a newline, 200 digits and 1000 driver entries (reload)" xe_ctl ag reload
check "evil writes invalid UTF-8 and a bidi override" \
    xe_ctl ag write /local/domain/3/data/os_majorver $'1\xff\xfe\xe2\x80\xae2'
evil_seen() { xe_get ag | grep -q 'guest_agent_info{domain="evil"'; }
check "evil's agent series appears" wait_until 20 evil_seen
settled() { [ "$(xe_get ag | grep -c '^xen_domain_pv_driver_info{domain="evil"')" = 16 ]; }
check "evil: at most 16 driver series" wait_until 20 settled
page=$(xe_get ag)
assert_status "the page still passes promtool check metrics" 0 promtool check metrics <<<"$page"
line=$(grep '^xen_domain_guest_agent_info{domain="evil"' <<<"$page")
diag "evil: $line"
check "every label value of evil's series is at most 64 bytes" python3 -c '
import re, sys
vals = re.findall(r"=\"((?:[^\"\\\\]|\\\\.)*)\"", sys.argv[1])
sys.exit(0 if vals and all(len(v.encode().decode("unicode_escape").encode("latin-1")) <= 64 for v in vals) else 1)' "$line"
check "evil's os_distro keeps quote and backslash, loses the newline" grep -qF 'os_distro="x\"yz\\w"' <<<"$line"
check "evil's os_version: invalid bytes and the override dropped" grep -qF 'os_version="12"' <<<"$line"
check "the drivers kept are entries 0-15" grep -qF 'driver="Evil DRV15",version="1.15"' <<<"$page"
assert_eq "no other domain's series changed" "$before_others" "$(grep -E 'domain="(lin|win|bare|Domain-0)"' <<<"$page")"

# Keys vanishing: lin's agent is uninstalled.
for k in data/os_distro data/os_name data/os_majorver data/os_minorver attr/PVAddons; do
    xe_ctl ag rm "/local/domain/1/$k"
done
lin_gone() { ! xe_get ag | grep -q 'guest_agent_info{domain="lin"'; }
check "lin's agent series goes when its keys are removed" wait_until 20 lin_gone
check "data/meminfo_free alone is no agent" lin_gone

# The CLI's JSON.
json=$("$XM_ROOT/tests/fake-host/run" "$FIX" -- "$XM_BUILD/xenmode" list --format json)
assert_eq "xenmode list --format json: win's agent, every entry as written" "9.1 windows 4" \
    "$(jq -r '.[] | select(.name == "win") | .guest_agent | "\(.agent_version) \(.os_distro) \(.pv_drivers | length)"' <<<"$json")"
assert_eq "xenmode list --format json: lin's start_time" 1764740000.25 \
    "$(jq -r '.[] | select(.name == "lin") | .start_time' <<<"$json")"
assert_eq "xenmode list --format json: bare's start_time is null" null \
    "$(jq -r '.[] | select(.name == "bare") | .start_time' <<<"$json")"
assert_eq "xenmode list --format json: Domain-0 has no agent (null)" null \
    "$(jq -c '.[] | select(.domid == 0) | .guest_agent' <<<"$json")"
xe_finish
