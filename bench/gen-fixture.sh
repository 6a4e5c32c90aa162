#!/bin/bash
# gen-fixture.sh N: prints a fake-host fixture (tests/README.md) with dom0
# and N-1 guests cycling through the five modes, with the xenstore keys a
# real host has for them: type records, and vbd/vif frontends with their
# backends (Connected for pv and pvhvm, InitWait for the plain hvm guest).
set -eu
n=${1:?usage: gen-fixture.sh DOMAINS}

domains=() keys=()
key() { keys+=("\"$1\": \"$2\""); }
device() {  # DOMID KIND DEVID STATE
    local fe="/local/domain/$1/device/$2/$3" be="/local/domain/0/backend/$2/$1/$3"
    key "$fe/backend" "$be"; key "$fe/backend-id" 0; key "$fe/state" "$4"
    key "$be/state" "$4"; key "$be/frontend" "$fe"; key "$be/frontend-id" "$1"
}
domains+=('{"domid": 0, "name": "Domain-0", "uuid": "00000000-0000-0000-0000-000000000000", "hvm": false, "expect": {"mode": "pv", "pv_devices_connected": {}}}')
for (( i = 1; i < n; i++ )); do
    uuid=$(printf '5e5e%04x-0000-4000-8000-%012x' $((i % 65536)) "$i")
    name="guest-$i"
    case $((i % 5)) in
    1) hvm=false; cfg='{"type": "pv"}'; type=pv; mode=pv
       device "$i" vbd 51712 4; device "$i" vif 0 4; exp='{"vbd": 1, "vif": 1}' ;;
    2) hvm=true; cfg='{"type": "pvh", "pvshim": false}'; type=pvh; mode=pvh; exp='{}' ;;
    3) hvm=true; cfg='{"type": "hvm"}'; type=hvm; mode=hvm
       device "$i" vif 0 2; exp='{"vif": 0}' ;;
    4) hvm=true; cfg='{"type": "hvm"}'; type=hvm; mode=pvhvm
       device "$i" vbd 768 4; device "$i" vif 0 4; exp='{"vbd": 1, "vif": 1}' ;;
    0) hvm=true; cfg='{"type": "pvh", "pvshim": true}'; type=pvh; mode=pv_in_pvh; exp='{}' ;;
    esac
    key "/libxl/$i/type" "$type"; key "/libxl/$i/dm-version" qemu_xen
    domains+=("{\"domid\": $i, \"name\": \"$name\", \"uuid\": \"$uuid\", \"hvm\": $hvm, \"config\": $cfg, \"expect\": {\"mode\": \"$mode\", \"pv_devices_connected\": $exp}}")
done

join() { local sep=$1; shift; local first=1; for x in "$@"; do
    [ $first = 1 ] && first=0 || printf '%s' "$sep"; printf '%s' "$x"; done; }
printf '{\n  "xen_version": "4.17.7",\n  "domains": [\n    '
join $',\n    ' "${domains[@]}"
printf '\n  ],\n  "xenstore": {\n    '
join $',\n    ' "${keys[@]}"
printf '\n  }\n}\n'
