#!/bin/bash
# The host side of the real-Xen suite: compares what dom0 recorded in a run
# directory (see run.sh and scenario.sh) and prints TAP, one line per check.
# It can be rerun on a kept run directory: check.sh RUN_DIR.
#
# The truth for each domain is the toolstack's: the type and shim flag that
# `xl list -l` stored from its xl config (checked against the config file
# itself), and for PV devices the backend states in xenstore. From them:
#
#   type pv                 -> pv
#   type pvh, pvshim True   -> pv_in_pvh
#   type pvh                -> pvh
#   type hvm, a PV device
#   whose backend is 4      -> pvhvm
#   type hvm otherwise      -> hvm
#
# Each guest config also names, in "# xm-mode:", the mode the case exists to
# test, so a guest whose PV drivers failed to connect fails here instead of
# quietly turning the pvhvm case into a second hvm one.
#
# A failing comparison names the domain, the expected and the reported
# value: "not ok 12 - xenmode list: xm-pvh: expected pvh, reported hvm".
set -uo pipefail
RUN=$(cd "${1:?usage: check.sh RUN_DIR}" && pwd)
source "$(dirname "$0")/../lib/testlib.sh"
trap - EXIT     # testlib's cleanup: nothing to clean here
R=$RUN/results
PROMTOOL=${PROMTOOL:-promtool}
MODES="pv pvh hvm pvhvm pv_in_pvh"
# The run's release and dom0 (run.sh's env file).
XM_RELEASE=unknown XM_XEN_VERSION=unknown XM_DOM0=pv
# shellcheck source=/dev/null
[ -f "$RUN/env" ] && . "$RUN/env"
echo "# release $XM_RELEASE (Xen $XM_XEN_VERSION), dom0 $XM_DOM0"

# A partial run (XM_XEN_QEMU_GUESTS, development only) skips the checks
# that need a guest it left out; a full run never skips them.
XM_GUESTS_SELECTED=${XM_GUESTS_SELECTED:-}
left_out() { [ -n "$XM_GUESTS_SELECTED" ] && [[ " ${GUESTS[*]} " != *" $1 "* ]]; }
skip_left_out() { ok "$1 # SKIP $2 is not in this run (XM_XEN_QEMU_GUESTS=\"$XM_GUESTS_SELECTED\")"; }

# What the packages installed in dom0, by file name (installed-files.txt).
have() { grep -q "/$1\$" "$R/installed-files.txt" 2>/dev/null; }
# tail_diag FILE [N]: the last lines of FILE as TAP comments.
tail_diag() { [ -f "$1" ] && tail -n "${2:-15}" "$1" | sed 's/^/#   /'; }

# --- the run itself ---------------------------------------------------------
qemu_rc=$(cat "$RUN/qemu.rc" 2>/dev/null || echo none)
if [ "$qemu_rc" = 0 ]; then ok "QEMU exited 0 (dom0 powered off)"
else
    not_ok "QEMU exited 0 (dom0 powered off): status $qemu_rc (124: timed out)"
    grep -a -E 'XM-DOM0-ERROR|Panic|FATAL|Kernel panic' "$RUN/serial.log" | head -10 | sed 's/^/#   /'
    tail_diag "$RUN/serial.log" 20
fi
if [ -f "$R/done" ]; then ok "dom0 ran the whole scenario and its results came back"
else
    not_ok "dom0 ran the whole scenario and its results came back (no $R/done)"
    grep -a -E 'XM-DOM0-ERROR|XM-NOTE' "$RUN/serial.log" | sed 's/^/#   /'
    tail_diag "$RUN/serial.log" 20
    [ -f "$R/xl-list-l.json" ] || { finish; exit; }
fi
while read -r line; do echo "# dom0: $line"; done < <(grep -a XM-DOM0-ERROR "$RUN/serial.log" 2>/dev/null)

# --- the packages -----------------------------------------------------------------
# installed.txt: "PACKAGE BUILT_VERSION INSTALLED_VERSION STATUS".
rc=$(cat "$R/dpkg-install.rc" 2>/dev/null)
if [ "$rc" = 0 ]; then ok "dom0: dpkg -i of the .deb files exits 0"
else not_ok "dom0: dpkg -i of the .deb files exits 0 (status ${rc:-none})"; tail_diag "$R/dpkg-install.log" 20; fi
while read -r pkg built inst st; do
    assert_eq "dom0: $pkg $built is installed (dpkg status ii)" "$built ii" "$inst $st"
done <"$R/installed.txt"
[ -s "$R/installed.txt" ] || not_ok "dom0: the packages' status was recorded (no installed.txt)"
# The exporter as the package installs it: the unit enabled by its postinst,
# its ExecCondition= met in dom0, its ExecStart= run with the flags file.
if grep -qx 'prometheus-xenmode-exporter.service' "$R/systemd-wants.txt" 2>/dev/null
then ok "dom0: the package enabled prometheus-xenmode-exporter.service (multi-user.target.wants)"
else not_ok "dom0: the package enabled prometheus-xenmode-exporter.service (multi-user.target.wants)"
     tail_diag "$R/systemd-wants.txt" 5; fi
assert_eq "dom0: the unit's ExecCondition= holds (control_d in /proc/xen/capabilities)" 0 \
    "$(cat "$R/exporter-condition.rc" 2>/dev/null || echo 'not run')"
want_argv="$(sed -n 's/^ExecStart=//p' "$R/exporter.service" 2>/dev/null | awk '{ print $1 }') $(sed -n 's/^ARGS="\(.*\)"$/\1/p' "$R/exporter.default" 2>/dev/null)"
assert_eq "dom0: the exporter runs as the unit's ExecStart= with the flags file's ARGS: $want_argv" \
    "$want_argv" "$(tr '\n' ' ' <"$R/exporter-argv.txt" 2>/dev/null | sed 's/ $//')"

# dom0 carries every library the installed binaries need.
for b in xenmode xenmode_exporter xenmode.so; do
    missing=$(grep 'not found' "$R/ldd-$b.txt" 2>/dev/null)
    if [ -f "$R/ldd-$b.txt" ] && [ -z "$missing" ]; then ok "dom0 has every library $b needs (ldd)"
    else not_ok "dom0 has every library $b needs (ldd)"; echo "${missing:-no ldd output}" | sed 's/^/#   /'; fi
done

# --- the truth ----------------------------------------------------------------
# Guest configs: name, type, pvshim, and the xm- header fields.
cfg_field() { sed -n "s/^# xm-$2: *//p" "$1" | head -1; }
cfg_value() { sed -n "s/^$2 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" "$1" | tail -1; }
declare -A CFG_TYPE CFG_SHIM CFG_MODE CFG_DEVICES CFG_FILE CFG_WIDTH CFG_NEEDS CFG_SELF NOT_RUN
GUESTS=()
for cfg in "$R"/guests/*.cfg; do
    n=$(cfg_value "$cfg" name)
    GUESTS+=("$n")
    CFG_FILE[$n]=${cfg##*/}
    CFG_TYPE[$n]=$(cfg_value "$cfg" type)
    s=$(cfg_value "$cfg" pvshim)
    CFG_SHIM[$n]=false; [ "${s:-0}" != 0 ] && CFG_SHIM[$n]=true
    CFG_MODE[$n]=$(cfg_field "$cfg" mode)
    CFG_DEVICES[$n]=$(cfg_field "$cfg" devices)
    CFG_WIDTH[$n]=$(cfg_field "$cfg" width)
    CFG_NEEDS[$n]=$(cfg_field "$cfg" needs)
    CFG_SELF[$n]=$(cfg_field "$cfg" self)
done
# The hypervisor's own account (xl info in dom0-env.txt): the ABIs it runs
# (xen_caps) and its virtualization features (virt_caps).
XEN_CAPS=$(sed -n 's/^xen_caps *: *//p' "$R/dom0-env.txt" 2>/dev/null)
VIRT_CAPS=$(sed -n 's/^virt_caps *: *//p' "$R/dom0-env.txt" 2>/dev/null)
# host_has CAPABILITY: as xenmode's capabilities are defined (docs/metrics.md).
host_has() {
    case $1 in
        pv32) [[ " $XEN_CAPS " == *" xen-3.0-x86_32p "* ]] ;;
        pv64) [[ " $XEN_CAPS " == *" xen-3.0-x86_64 "* ]] ;;
        hvm|hap|shadow) [[ " $VIRT_CAPS " == *" $1 "* ]] ;;
        *) return 1 ;;
    esac
}

# truth SUFFIX: one JSON object per domain name, from `xl list -l` (the
# stored configuration; dom0's stub has no uuid, so uuids come from
# `xl list -v`), and the backend states (devices.txt: "DOMID KIND DEVID
# STATE"). devices counts, per kind, the devices whose backend is 4; kinds
# without one are left out, as entries under device/ that are no device
# (suspend/event-channel) or devices not connected.
truth() {
    local s=$1
    jq -n --slurpfile xl "$R/xl-list-l$s.json" --rawfile dev "$R/devices$s.txt" \
          --rawfile xlv "$R/xl-list-v$s.txt" '
        ($dev | split("\n") | map(select(length > 0) | split(" ")
               | {domid: (.[0] | tonumber), kind: .[1], connected: (.[3] == "4")})) as $devs
        | ($xlv | split("\n") | .[1:] | map(select(length > 0) | [splits(" +")]
               | {key: .[1], value: .[6]}) | from_entries) as $uuids
        | [$xl[0][] | .domid as $id | .config as $c
           | ($c.c_info.type) as $t
           | ((($c.b_info["type.pvh"] // {}).pvshim // "False") == "True") as $shim
           | ([$devs[] | select(.domid == $id and .connected)] | group_by(.kind)
              | map({key: .[0].kind, value: length}) | from_entries) as $d
           | {key: $c.c_info.name,
              value: {domid: $id, uuid: ($c.c_info.uuid // $uuids["\($id)"]), type: $t, pvshim: $shim,
                      devices: $d,
                      mode: (if $t == "pv" then "pv"
                             elif $t == "pvh" then (if $shim then "pv_in_pvh" else "pvh" end)
                             elif $t == "hvm" then (if $d != {} then "pvhvm" else "hvm" end)
                             else "unknown type \($t)" end)}}]
        | from_entries'
}
TRUTH=$(truth "") || TRUTH='{}'
DOMAINS=$(jq -r 'to_entries | sort_by(.value.domid) | .[].key' <<<"$TRUTH")
t_get() { jq -r --arg n "$1" ".[\$n]$2 | select(. != null)" <<<"$TRUTH"; }
# Connected devices as "kind=N kind=N", sorted, kinds with none left out;
# "none" when no device is connected. Reports list every kind they found
# under device/, with 0 for those not connected: the same count.
DEVFMT='(to_entries | map(select(.value != 0)) | sort_by(.key) | map("\(.key)=\(.value)") | join(" "))
        | if . == "" then "none" else . end'

xl_list_ok=$(jq 'type == "array" and length > 0' "$R/xl-list-l.json" 2>/dev/null)
assert_eq "xl list -l gave the domains' stored configurations" true "${xl_list_ok:-false}"
names_ids() { awk 'NR > 1 { print $1, $2 }' "$1"; }
if [ "$(names_ids "$R/xl-list.txt")" = "$(names_ids "$R/xl-list.after.txt")" ]
then ok "no domain changed while the truth and the reports were read"
else
    not_ok "no domain changed while the truth and the reports were read (name, domid before and after)"
    diff <(names_ids "$R/xl-list.txt") <(names_ids "$R/xl-list.after.txt") | sed 's/^/#   /'
fi
# dom0's own mode is what its kernel sees (/sys/hypervisor/guest_type); the
# toolstack records it as well only for a PV dom0.
DOM0_GT=$(sed -n 's/^guest_type //p' "$R/dom0-env.txt" 2>/dev/null | tr 'A-Z' 'a-z')
assert_eq "Domain-0 runs as this run's dom0 ($XM_DOM0): /sys/hypervisor/guest_type in dom0" "$XM_DOM0" "$DOM0_GT"
if [ "$XM_DOM0" = pv ]; then
    assert_eq "Domain-0 is in xl list -l as pv" pv "$(t_get Domain-0 .type)"
else
    echo "# xl list -l records Domain-0 with type $(t_get Domain-0 .type)"
    TRUTH=$(jq --arg m "$DOM0_GT" '.["Domain-0"].mode = $m' <<<"$TRUTH")
fi

# Each guest: up, recorded as configured, and the case it is meant to be.
for n in "${GUESTS[@]}"; do
    g=$(grep "^name=$n " "$R/guests.txt")
    gv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$g"; }
    res=$(gv result); restarts=$(gv restarts); oopses=$(gv oops_recreated)
    # A guest the hypervisor cannot run (xm-needs): refused, as it must be.
    if [ -n "${CFG_NEEDS[$n]}" ] && ! host_has "${CFG_NEEDS[$n]}"; then
        NOT_RUN[$n]=1
        assert_eq "$n: xl create refused it: the host has no ${CFG_NEEDS[$n]} (xen_caps: $XEN_CAPS)" \
            "HOST-LACKS-${CFG_NEEDS[$n]}" "$res"
        continue
    fi
    if [ "$res" = READY ]; then
        ok "$n: up (guest_type $(gv guest_type), restarts $restarts, recreated after an oops ${oopses:-0})"
    else
        not_ok "$n: up: ${res:-never created} (restarts ${restarts:-0}, config ${CFG_FILE[$n]})"
        sed 's/^/#   xl create: /' "$R/create-$n.log" 2>/dev/null | tail -5
        for f in "$R/consoles/guest-$n.log" "$R/consoles/$n-serial.log"; do tail_diag "$f" 15; done
    fi
    got="type $(t_get "$n" .type), pvshim $(t_get "$n" .pvshim)"
    assert_eq "$n: xl list -l records its config (${CFG_FILE[$n]}): type ${CFG_TYPE[$n]}, pvshim ${CFG_SHIM[$n]}" \
        "type ${CFG_TYPE[$n]}, pvshim ${CFG_SHIM[$n]}" "$got"
    # The connections the case needs; kinds the toolstack adds by itself
    # (an HVM guest's vkbd) may connect too.
    want_dev=${CFG_DEVICES[$n]:-none}
    got_dev=$(jq -r --arg n "$n" ".[\$n].devices // {} | $DEVFMT" <<<"$TRUTH")
    missing=""
    for w in $want_dev; do
        [ "$w" = none ] || [[ " $got_dev " == *" $w "* ]] || missing="$missing $w"
    done
    if [ -z "$missing" ]; then ok "$n: xenstore: PV backends connected: $got_dev (the case needs $want_dev)"
    else not_ok "$n: xenstore: PV backends connected: $got_dev (the case needs $want_dev)"; fi
    assert_eq "$n: truth: mode ${CFG_MODE[$n]}, the case ${CFG_FILE[$n]} tests" \
        "${CFG_MODE[$n]}" "$(t_get "$n" .mode)"
done

# --- the CLI ------------------------------------------------------------------
# A report: one JSON object per domain name with mode, domid, uuid, devices.
compare_report() { # WHAT REPORT_JSON [identity]
    local what=$1 rep=$2 n want got
    assert_eq "$what: reports exactly the domains of xl list -l" \
        "$(jq -r 'keys | sort | join(" ")' <<<"$TRUTH")" "$(jq -r 'keys | sort | join(" ")' <<<"$rep")"
    for n in $DOMAINS; do
        want=$(t_get "$n" .mode)
        got=$(jq -r --arg n "$n" '.[$n].mode // "nothing"' <<<"$rep")
        if [ "$want" = "$got" ]; then ok "$what: $n: expected $want, reported $got"
        else not_ok "$what: $n: expected $want, reported $got"; fi
        want=$(jq -r --arg n "$n" ".[\$n].devices | $DEVFMT" <<<"$TRUTH")
        got=$(jq -r --arg n "$n" ".[\$n].devices // {} | $DEVFMT" <<<"$rep")
        assert_eq "$what: $n: PV devices connected: expected $want, reported $got" "$want" "$got"
        [ "${3:-}" = identity ] || continue
        want=$(jq -r --arg n "$n" '.[$n] | "domid \(.domid) uuid \(.uuid)"' <<<"$TRUTH")
        got=$(jq -r --arg n "$n" '.[$n] | "domid \(.domid) uuid \(.uuid)"' <<<"$rep")
        assert_eq "$what: $n: $want" "$want" "$got"
    done
}

cli_report() { # SUFFIX
    jq 'map({key: .name, value: {mode, domid, uuid, devices: .pv_devices_connected}}) | from_entries' \
        "$R/cli$1.json"
}
assert_eq "xenmode list --format json exits 0" 0 "$(cat "$R/cli.rc" 2>/dev/null)"
# dom0 has no type record (/libxl/0/type): its mode comes from the
# hypervisor's hvm flag, and the evidence (`xenmode list --explain`: the
# line after the domain's row) must say so.
ev=$(awk '$2 == "Domain-0" { getline; sub(/^ *evidence: */, ""); print; exit }' "$R/cli-explain.txt" 2>/dev/null)
if grep -q 'dom0 is classified by the hypervisor flag' <<<"$ev"; then
    ok "xenmode list: Domain-0's evidence names what decides its mode: $ev"
else
    not_ok "xenmode list: Domain-0's evidence names what decides its mode (the hypervisor flag): ${ev:-none}"
fi
if CLI=$(cli_report "" 2>/dev/null); then
    compare_report "xenmode list" "$CLI" identity
else
    not_ok "xenmode list --format json printed JSON"; tail_diag "$R/cli.err"
fi

# --- the exporter -------------------------------------------------------------
# Samples of a scrape as JSON: [{metric, labels: {...}, value}].
samples() {
    jq -R -n '[inputs | select(length > 0 and (startswith("#") | not))
               | capture("^(?<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?<l>.*)\\})? (?<value>[^ ]+)")
               | {metric, value: (.value | tonumber),
                  labels: ([(.l // "") | scan("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")
                            | {key: .[0], value: .[1]}] | from_entries)}]' "$1"
}
exporter_report() { # SAMPLES_JSON
    jq '(map(select(.metric == "xen_domain_virt_mode")) | group_by(.labels.domain)
         | map({key: .[0].labels.domain,
                value: {mode: (map(select(.value == 1) | .labels.mode) | sort | join(",")
                               | if . == "" then "no mode at 1" else . end),
                        modes: (map(.labels.mode) | sort)}})
         | from_entries) as $m
        | (map(select(.metric == "xen_domain_info"))
           | map({key: .labels.domain, value: {domid: (.labels.domid | tonumber), uuid: .labels.uuid}})
           | from_entries) as $i
        | (map(select(.metric == "xen_domain_pv_devices_connected")) | group_by(.labels.domain)
           | map({key: .[0].labels.domain, value: (map({key: .labels.kind, value: .value}) | from_entries)})
           | from_entries) as $d
        | $m | with_entries(.value += ($i[.key] // {}) + {devices: ($d[.key] // {})})' <<<"$1"
}
promtool_check() { # FILE WHAT
    local out rc
    out=$("$PROMTOOL" check metrics <"$1" 2>&1); rc=$?
    if [ "$rc" = 0 ]; then ok "promtool check metrics accepts the $2"
    else not_ok "promtool check metrics accepts the $2 (status $rc)"; sed 's/^/#   /' <<<"$out"; fi
}

if ! have xenmode_exporter; then
    not_ok "the exporter package installed /usr/bin/xenmode_exporter in dom0"
elif [ "$(cat "$R/metrics.rc" 2>/dev/null)" != 0 ] || [ ! -s "$R/metrics.txt" ]; then
    not_ok "the exporter answered a scrape on 127.0.0.1 in dom0 (curl status $(cat "$R/metrics.rc" 2>/dev/null))"
    tail_diag "$R/exporter.log"
else
    ok "the exporter answered a scrape on 127.0.0.1 in dom0"
    promtool_check "$R/metrics.txt" "scrape"
    S=$(samples "$R/metrics.txt")
    assert_eq "exporter: xen_up is 1" 1 "$(jq -r '.[] | select(.metric == "xen_up") | .value' <<<"$S")"
    EXP=$(exporter_report "$S")
    assert_eq "exporter: every domain has one xen_domain_virt_mode series per mode" \
        "" "$(jq -r --arg m "$MODES" '($m | split(" ") | sort) as $all
              | to_entries[] | select(.value.modes != $all) | "\(.key): \(.value.modes | join(","))"' <<<"$EXP")"
    compare_report "exporter" "$EXP" identity
fi

# --- what follows from the mode: width, paging, capabilities, agents, start --------
# The hypervisor's facts against xl info; the guest agent keys xm-pv wrote
# from inside itself (guest-init.sh) against what the exporter publishes;
# each domain's start time against the wall clock around its `xl create`.
# value_of METRIC DOMAIN: the sample's value, "none" without one.
value_of() {
    jq -r --arg m "$1" --arg d "$2" '[.[] | select(.metric == $m and .labels.domain == $d) | .value]
                                     | if length == 0 then "none" else map(tostring) | join(",") end' <<<"$S"
}
if [ -n "${S:-}" ]; then
    for c in pv32 pv64 hvm hap shadow; do
        want=0; host_has "$c" && want=1
        got=$(jq -r --arg c "$c" '[.[] | select(.metric == "xen_hypervisor_capability" and .labels.capability == $c) | .value | tostring] | join(",")' <<<"$S")
        assert_eq "exporter: xen_hypervisor_capability{capability=\"$c\"} as xl info says (xen_caps: $XEN_CAPS; virt_caps: $VIRT_CAPS)" \
            "$want" "${got:-none}"
    done
    for n in $DOMAINS; do
        t=$(t_get "$n" .type); [ "$n" = Domain-0 ] && [ "$XM_DOM0" = pvh ] && t=pvh
        case $t in
            pv)  want_w=${CFG_WIDTH[$n]:-64}; want_h=none ;;
            *)   want_w=none; want_h=0; host_has hap && want_h=1 ;;
        esac
        assert_eq "exporter: $n ($t): xen_domain_pv_guest_width $want_w" "$want_w" \
            "$(value_of xen_domain_pv_guest_width "$n")"
        assert_eq "exporter: $n ($t): xen_domain_hap $want_h" "$want_h" "$(value_of xen_domain_hap "$n")"
        want="${want_w/none/null} $(case $want_h in 1) echo hap ;; 0) echo shadow ;; *) echo null ;; esac)"
        assert_eq "xenmode list: $n ($t): pv_guest_width_bits and paging: $want" "$want" \
            "$(jq -r --arg n "$n" '.[] | select(.name == $n) | "\(.pv_guest_width_bits) \(.paging)"' "$R/cli.json" 2>/dev/null)"
    done
    # xm-pv's agent keys, cleaned: the newline dropped, the quotes escaped.
    if left_out xm-pv; then
        for c in "the agent keys xm-pv wrote from inside itself" "only xm-pv has agent series" "xm-pv's two PV driver entries"; do
            skip_left_out "exporter: $c" xm-pv
        done
    else
        AGENT='xen_domain_guest_agent_info{domain="xm-pv",agent_version="9.4.2.77",os_distro="debian",os_name="Debian \"xm\"guest",os_version="13.2"} 1'
        if grep -qxF "$AGENT" "$R/metrics.txt"; then ok "exporter: the agent keys xm-pv wrote from inside itself: $AGENT"
        else
            not_ok "exporter: the agent keys xm-pv wrote from inside itself: $AGENT"
            grep '^xen_domain_guest_agent_info' "$R/metrics.txt" | sed 's/^/#   got: /'
            grep -a 'agent keys' "$R/consoles/guest-xm-pv.log" 2>/dev/null | sed 's/^/#   xm-pv: /'
        fi
        assert_eq "exporter: only xm-pv has agent series (no other domain wrote agent keys)" "xm-pv" \
            "$(jq -r '[.[] | select(.metric == "xen_domain_guest_agent_info" or .metric == "xen_domain_pv_driver_info") | .labels.domain] | unique | join(" ")' <<<"$S")"
        assert_eq "exporter: xm-pv's two PV driver entries" \
            'XenServer XENVBD=9.1.0.5 XenServer XENVIF=9.1.0.12' \
            "$(jq -r '[.[] | select(.metric == "xen_domain_pv_driver_info" and .labels.domain == "xm-pv") | "\(.labels.driver)=\(.labels.version)"] | sort | join(" ")' <<<"$S")"
    fi
    # Start times: dom0's is its kernel's boot time; a guest's lies between
    # the wall clock just before and just after its `xl create` (a guest xl
    # restarted by itself started later: after the first bound only).
    btime=$(sed -n 's/^btime //p' "$R/dom0-env.txt" 2>/dev/null)
    got=$(value_of xen_domain_start_time_seconds Domain-0)
    if awk -v g="$got" -v b="$btime" 'BEGIN { exit !(g != "none" && b != "" && g - b <= 1 && b - g <= 1) }'
    then ok "exporter: Domain-0 started at dom0's boot time ($got, btime $btime)"
    else not_ok "exporter: Domain-0 started at dom0's boot time (reported $got, btime ${btime:-none})"; fi
    for n in $DOMAINS; do
        [ "$n" = Domain-0 ] && continue
        g=$(grep "^name=$n " "$R/guests.txt")
        e0=$(sed -n 's/.* create_epoch=\([^ ]*\).*/\1/p' <<<"$g"); e1=$(sed -n 's/.* created_epoch=\([^ ]*\).*/\1/p' <<<"$g")
        restarted=$(sed -n 's/.* restarts=\([^ ]*\).*/\1/p' <<<"$g")
        got=$(value_of xen_domain_start_time_seconds "$n")
        [ "${restarted:-0}" = 0 ] || e1=inf
        if awk -v g="$got" -v a="$e0" -v b="$e1" 'BEGIN { exit !(g != "none" && a != "" && g >= a - 1 && (b == "inf" || g <= b + 1)) }'
        then ok "exporter: $n started within its xl create ($got in [$e0, $e1])"
        else not_ok "exporter: $n started within its xl create (reported $got, xl create from ${e0:-?} to ${e1:-?}, restarts ${restarted:-?})"; fi
    done
    # The driver connection during xm-pvhvm's boot, as a transition counted
    # by the exporter: as many hvm -> pvhvm as its boot scrapes saw.
    f=$R/boot-scrapes-xm-pvhvm.txt
    if [ -f "$f" ]; then
        seen=$(awk '{ sub(/^mode=/, "", $3) } $3 != "none" { print $3 }' "$f" | uniq | tr '\n' ' ')
        k=$(awk '{ for (i = 1; i < NF; i++) if ($i == "hvm" && $(i + 1) == "pvhvm") k++ } END { print k + 0 }' <<<"$seen")
        got=$(jq -r '[.[] | select(.metric == "xen_domain_mode_transitions_total" and .labels.domain == "xm-pvhvm"
                                    and .labels.from == "hvm" and .labels.to == "pvhvm") | .value] | add // 0' <<<"$S")
        # A restart is a new domain: only its own boot is counted then.
        restarted=$(sed -n "s/^name=xm-pvhvm .* restarts=\([0-9]*\).*/\1/p" "$R/guests.txt")
        lo=$k; [ "${restarted:-0}" = 0 ] || lo=1
        if [ "$k" -ge 1 ] && [ "$got" -ge "$lo" ] 2>/dev/null && [ "$got" -le "$k" ]; then
            ok "exporter: xen_domain_mode_transitions_total{domain=\"xm-pvhvm\",from=\"hvm\",to=\"pvhvm\"} $got, as its boot scrapes saw ($seen)"
        else
            not_ok "exporter: xm-pvhvm's hvm -> pvhvm counted as its boot scrapes saw it: counted $got, seen $k ($seen; restarts ${restarted:-0})"
        fi
    fi
fi

# --- the collectd plugin ------------------------------------------------------
# collectd-values.txt: "dom0/xenmode-NAME/TYPE-INSTANCE value=V". The mode
# is the mode gauge at 1 (gauge-hap and gauge-pv_guest_width are gauges too).
collectd_report() {
    jq -R -n '[inputs | capture("^[^/]+/xenmode-(?<name>[^/]+)/(?<type>gauge|count)-(?<inst>[^ ]+) value=(?<v>[^ ]+)")
               | .v |= tonumber]
        | group_by(.name)
        | map({key: .[0].name,
               value: {mode: (map(select(.type == "gauge" and .v == 1
                                         and (.inst | test("^(pv|pvh|hvm|pvhvm|pv_in_pvh)$")))
                                  | .inst) | sort | join(",")
                              | if . == "" then "no mode at 1" else . end),
                       devices: (map(select(.type == "count") | {key: .inst, value: .v}) | from_entries)}})
        | from_entries' "$R/collectd-values.txt"
}
if ! have xenmode.so; then
    not_ok "the collectd package installed /usr/lib/collectd/xenmode.so in dom0"
else
    rc=$(cat "$R/collectd-T.rc" 2>/dev/null)
    if [ "$rc" = 0 ]; then ok "collectd -T: the plugin's read succeeded against real Xen"
    else not_ok "collectd -T: the plugin's read succeeded against real Xen (status ${rc:-none})"; tail_diag "$R/collectd-T.log"; fi
    if COL=$(collectd_report 2>/dev/null) && [ "$COL" != '{}' ]; then
        compare_report "collectd" "$COL"
    else
        not_ok "collectd: the plugin's values were read through unixsock"
        grep -v 'write targets' "$R/collectd.log" | tail -15 | sed 's/^/#   /'
    fi
fi

# --- xenmode self, inside each guest and in dom0 ------------------------------
# What a guest sees of itself: its configured mode, except that a PV guest
# under the shim (pv_in_pvh) runs as a PV guest of the shim and sees pv.
# The guests printed their answer on their consoles (guest-init.sh); dom0's
# scenario took it from there into self-NAME.json and .rc.
self_expected() { case $1 in pv_in_pvh) echo pv ;; *) echo "$1" ;; esac; }
check_self() { # NAME EXPECTED_MODE EXPECTED_DOM0 WHERE
    local n=$1 f=$R/self-$1 got rc
    if [ ! -f "$f.json" ]; then
        not_ok "xenmode self $4: expected mode $2, dom0 $3; reported nothing (no XM-SELF block on its console)"
        for c in "$R/consoles/guest-$n.log" "$R/consoles/$n-serial.log"; do
            [ -f "$c" ] && grep -a 'XM-SELF\|XM-GUEST-READY' "$c" | tail -5 | sed 's/^/#   /'
        done
        return
    fi
    rc=$(cat "$f.rc" 2>/dev/null)
    got=$(jq -r '"mode \(.mode), dom0 \(.dom0)"' "$f.json" 2>/dev/null) || got="no JSON (status $rc)"
    if [ "$got" = "mode $2, dom0 $3" ] && [ "$rc" = 0 ]; then
        ok "xenmode self $4: expected mode $2, dom0 $3; reported $got"
    else
        not_ok "xenmode self $4: expected mode $2, dom0 $3; reported $got (exit status $rc)"
        jq -r '.evidence[]?' "$f.json" 2>/dev/null | sed 's/^/#   evidence: /'
        tail_diag "$f.err" 5
    fi
}
check_self Domain-0 "$XM_DOM0" true "in dom0"
for n in "${GUESTS[@]}"; do
    # Guests that run no `xenmode self` (the 32-bit PV GRUB) or do not run.
    [ "${CFG_SELF[$n]}" = none ] || [ -n "${NOT_RUN[$n]:-}" ] && continue
    check_self "$n" "$(self_expected "${CFG_MODE[$n]}")" false "inside $n (${CFG_MODE[$n]} guest)"
done

# --- xenmode configs -------------------------------------------------------------
# The guests' xl configs in dom0 (/xm/guests), read with every guest up: the
# mode each asks for (a config cannot ask for pvhvm: that is an hvm guest
# whose PV drivers connect), whether it runs, and as what: the toolstack's
# truth, not another front end's report.
cfg_expected() { case $1 in pvhvm) echo hvm ;; *) echo "$1" ;; esac; }
assert_eq "xenmode configs --xen.config-dir /xm/guests exits 0 (every config parsed)" 0 \
    "$(cat "$R/configs.rc" 2>/dev/null)"
if jq -e 'type == "array"' "$R/configs.json" >/dev/null 2>&1; then
    for n in "${GUESTS[@]}"; do
        if [ -n "${NOT_RUN[$n]:-}" ]; then want="mode $(cfg_expected "${CFG_MODE[$n]}"), running false, running_mode null, mismatch null"
        else want="mode $(cfg_expected "${CFG_MODE[$n]}"), running true, running_mode $(t_get "$n" .mode), mismatch false"; fi
        got=$(jq -r --arg n "$n" 'map(select(.name == $n)) | if length == 1 then .[0] | "mode \(.mode), running \(.running), running_mode \(.running_mode), mismatch \(.mismatch)" else "\(length) entries" end' "$R/configs.json")
        assert_eq "xenmode configs: $n (${CFG_FILE[$n]}): expected $want; reported $got" "$want" "$got"
    done
else
    not_ok "xenmode configs --format json printed a JSON array"; tail_diag "$R/configs.err"
fi

# --- the exporter while xm-pvhvm booted --------------------------------------
# The exporter, started before any guest, scraped every 0.5 s while the
# HVM guest with PV drivers booted (boot-scrapes-NAME.txt: "UPTIME ready=R
# mode=M", M "none" before the exporter has the domain): an HVM guest until
# its front ends connect, so hvm first, pvhvm once it is up.
for f in "$R"/boot-scrapes-*.txt; do
    if [ ! -f "$f" ]; then
        if left_out xm-pvhvm; then skip_left_out "exporter scraped while xm-pvhvm booted" xm-pvhvm
        elif have xenmode_exporter; then not_ok "exporter scraped while xm-pvhvm booted (no boot-scrapes file)"; fi
        break
    fi
    n=${f##*/boot-scrapes-}; n=${n%.txt}
    seen=$(awk '{ sub(/^mode=/, "", $3) } $3 != "none" { print $1, $3 }' "$f")
    first=$(head -1 <<<"$seen" | cut -d' ' -f2); last=$(tail -1 <<<"$seen" | cut -d' ' -f2)
    # The phases: consecutive scrapes with the same mode, "MODE xN from..to".
    phases=$(awk '{ if ($2 != m) { if (m != "") printf "%s x%d (uptime %.1f-%.1f s), ", m, c, t0, t1; m = $2; c = 0; t0 = $1 } c++; t1 = $1 }
                  END { if (m != "") printf "%s x%d (uptime %.1f-%.1f s)", m, c, t0, t1 }' <<<"$seen")
    assert_eq "exporter during $n's boot: seen as hvm first ($(wc -l <"$f") scrapes; $phases)" hvm "${first:-never seen}"
    assert_eq "exporter during $n's boot: seen as pvhvm at the end, once its front ends connected" pvhvm "${last:-never seen}"
    # A guest xl restarted (a triple fault under emulation) boots again as
    # hvm: one hvm -> pvhvm change per boot, nothing else.
    restarted=$(sed -n "s/^name=$n .* restarts=\([0-9]*\).*/\1/p" "$R/guests.txt")
    changes=$(awk '{ print $2 }' <<<"$seen" | uniq | tr '\n' ' ' | sed 's/ $//')
    if [[ "$changes " =~ ^(hvm\ pvhvm\ )+$ ]] && [ $(( $(wc -w <<<"$changes") / 2 )) -le $(( ${restarted:-0} + 1 )) ]; then
        ok "exporter during $n's boot: one change, hvm to pvhvm, per boot (restarts ${restarted:-0}): $changes"
    else
        not_ok "exporter during $n's boot: one change, hvm to pvhvm, per boot (restarts ${restarted:-0}): $changes"
    fi
done

# --- one guest destroyed --------------------------------------------------------
GONE=$(cat "$R/destroyed.txt" 2>/dev/null)
if [ -n "$GONE" ] && [ -f "$R/xl-list-l-after-destroy.json" ]; then
    assert_eq "$GONE destroyed: xl no longer lists it" "" "$(awk -v n="$GONE" '$1 == n' "$R/xl-list-after-destroy.txt")"
    TRUTH=$(truth -after-destroy)
    [ "$XM_DOM0" = pv ] || TRUTH=$(jq --arg m "$DOM0_GT" '.["Domain-0"].mode = $m' <<<"$TRUTH")
    DOMAINS=$(jq -r 'to_entries | sort_by(.value.domid) | .[].key' <<<"$TRUTH")
    if CLI=$(cli_report -after-destroy 2>/dev/null); then
        assert_eq "after destroying $GONE: xenmode list no longer lists it" "" \
            "$(jq -r --arg n "$GONE" '.[$n] // empty | .mode' <<<"$CLI")"
        compare_report "xenmode list after destroying $GONE" "$CLI"
    else
        not_ok "after destroying $GONE: xenmode list --format json printed JSON"; tail_diag "$R/cli-after-destroy.err"
    fi
    if have xenmode_exporter && [ -s "$R/metrics-after-destroy.txt" ]; then
        promtool_check "$R/metrics-after-destroy.txt" "scrape after destroying $GONE"
        S=$(samples "$R/metrics-after-destroy.txt")
        assert_eq "after destroying $GONE: none of its series are left in the scrape" "" \
            "$(jq -r --arg n "$GONE" '.[] | select(.labels.domain == $n) | .metric' <<<"$S" | sort -u | tr '\n' ' ')"
        compare_report "exporter after destroying $GONE" "$(exporter_report "$S")"
    elif have xenmode_exporter; then
        not_ok "after destroying $GONE: the exporter answered a scrape"
    fi
else
    not_ok "a guest was destroyed and the reports read again"
fi

# --- timings (printed, not asserted) -------------------------------------------
echo "# timings, seconds since QEMU started:"
sed -n 's/^\[ *\([0-9.]*\)\] XM-EVENT \(toolstack-up\|packages-installed\|exporter-up\|guest-ready\|guest-failed\|guest-restarted\|guest-oops\|guests-done\|dom0-poweroff\)\(.*\)/\1 \2 \3/p' \
    "$RUN/serial.log" |
    while read -r t ev rest; do
        printf '#   %7s  %s %s\n' "$t" "$ev" "$(grep -o '\(name\|after\|result\|domid\|was\)=[^ ]*' <<<"$rest" | tr '\n' ' ')"
    done
# dom0's CPUs while each guest booted (dom0-cpu-boot.txt, every 30 s):
# busy, idle and stolen (by the guests) shares between the first and the
# last sample.
[ -s "$R/dom0-cpu-boot.txt" ] &&
    awk '{ n = $2; u = $4 + $5 + $6 + $9 + $10; i = $7 + $8; st = $11
           if (!(n in f)) { order[++k] = n; f[n] = 1; u0[n] = u; i0[n] = i; s0[n] = st }
           u1[n] = u; i1[n] = i; s1[n] = st }
         END { for (j = 1; j <= k; j++) { n = order[j]; t = (u1[n] - u0[n]) + (i1[n] - i0[n]) + (s1[n] - s0[n])
                 if (t > 0) printf "#   dom0 while %s booted: busy %d%%, idle %d%%, stolen %d%%\n", n,
                     100 * (u1[n] - u0[n]) / t, 100 * (i1[n] - i0[n]) / t, 100 * (s1[n] - s0[n]) / t } }' \
        "$R/dom0-cpu-boot.txt"
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "none" }'; }
pct() { sort -n | awk -v p="$1" '{ a[NR] = $1 } END { if (NR) { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print a[i] } else print "none" }'; }
t_of() { awk -v k="$1" '$1 == k { print $2 }' "$R/timings.txt" 2>/dev/null | median; }
xll=$(t_of xl_list_l_ms); xl=$(t_of xl_list_ms); cli=$(t_of cli_ms)
ndom=$(awk 'NR > 1' "$R/xl-list.figures.txt" 2>/dev/null | wc -l)
rounds=$(grep -c '^xl_list_l_ms' "$R/timings.txt" 2>/dev/null || echo 0)
# scrapes.txt: "SCRAPE_DURATION_SECONDS XENSTORE_REQUESTS_TOTAL" per scrape.
nscr=$(awk 'NF == 2' "$R/scrapes.txt" 2>/dev/null | wc -l)
dur_p50=$(awk 'NF == 2 { printf "%.3f\n", $1 * 1000 }' "$R/scrapes.txt" 2>/dev/null | median)
dur_p99=$(awk 'NF == 2 { printf "%.3f\n", $1 * 1000 }' "$R/scrapes.txt" 2>/dev/null | pct 99)
# xenstore requests between consecutive scrapes, the first scrape left out
# (the cache may still be settling after the scenario's own reads).
xs_steady=$(awk 'NF == 2 { if (NR > 1) { d = $2 - p; s += d; if (d > m) m = d; n++ } p = $2 }
                 END { if (n) printf "%d %d %d", s, n, m; else print "none" }' "$R/scrapes.txt" 2>/dev/null)
load=$(cat "$R/xm-load.txt" 2>/dev/null)
lv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$load"; }
{
    echo "release $XM_RELEASE xen $XM_XEN_VERSION dom0 $XM_DOM0 domains ${ndom:-?}"
    echo "exporter_scrape_duration_ms p50 $dur_p50 p99 $dur_p99 scrapes $nscr"
    echo "xenstore_requests_steady ${xs_steady:-none} (sum, scrapes, max per scrape)"
    echo "xm_load requests $(lv requests) rps $(lv rps) p50_ms $(lv p50_ms) p99_ms $(lv p99_ms)"
    echo "xl_list_l_ms_median $xll xl_list_ms_median $xl xenmode_list_ms_median $cli rounds $rounds"
} >"$RUN/figures.txt"
hl=$(awk '$1 == "host_load_start" { s = $2 " " $3 " " $4 } $1 == "host_load_end" { e = $2 " " $3 " " $4 }
          $1 == "host_cpus" { c = $2 } END { if (s != "") printf "%s CPUs, load average %s at the start, %s at the end", c, s, e }' \
      "$RUN/host-timings.txt" 2>/dev/null)
[ -n "$hl" ] && echo "host_machine $hl" >>"$RUN/figures.txt"
echo "# figures in dom0 ($XM_RELEASE, Xen $XM_XEN_VERSION, ${ndom:-?} domains):"
sed 's/^/#   /' "$RUN/figures.txt"
if [ -n "$(have xenmode_exporter && echo y)" ]; then
    read -r xs_sum xs_n _ <<<"$xs_steady"
    if [ "${xs_n:-0}" -gt 0 ] 2>/dev/null && [ "$xs_sum" = 0 ]; then
        ok "exporter: 0 xenstore requests per steady scrape against the real xenstored ($xs_n scrapes)"
    else
        not_ok "exporter: 0 xenstore requests per steady scrape against the real xenstored (sum, scrapes, max: ${xs_steady:-none})"
    fi
fi
restarts=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^restarts=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' "$R/guests.txt")
echo "# guest restarts seen: $restarts$(grep -a -o 'guest-restarted name=[^ ]*' "$RUN/serial.log" | sed 's/guest-restarted name=/ /' | tr '\n' ',' | sed 's/,$//')"
finish
