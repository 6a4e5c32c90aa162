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
BIN=$RUN/payload/xm/bin
PROMTOOL=${PROMTOOL:-promtool}
MODES="pv pvh hvm pvhvm pv_in_pvh"

have() { [ -e "$BIN/$1" ]; }
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

# dom0 carries every library the delivered binaries need.
for b in xenmode xenmode_exporter xenmode.so; do
    missing=$(grep 'not found' "$R/ldd-$b.txt" 2>/dev/null)
    if [ -f "$R/ldd-$b.txt" ] && [ -z "$missing" ]; then ok "dom0 has every library $b needs (ldd)"
    else not_ok "dom0 has every library $b needs (ldd)"; echo "${missing:-no ldd output}" | sed 's/^/#   /'; fi
done

# --- the truth ----------------------------------------------------------------
# Guest configs: name, type, pvshim, and the xm- header fields.
cfg_field() { sed -n "s/^# xm-$2: *//p" "$1" | head -1; }
cfg_value() { sed -n "s/^$2 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" "$1" | tail -1; }
declare -A CFG_TYPE CFG_SHIM CFG_MODE CFG_DEVICES CFG_FILE
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
done

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
assert_eq "Domain-0 is in xl list -l as pv" pv "$(t_get Domain-0 .type)"

# Each guest: up, recorded as configured, and the case it is meant to be.
for n in "${GUESTS[@]}"; do
    g=$(grep "^name=$n " "$R/guests.txt")
    gv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$g"; }
    res=$(gv result); restarts=$(gv restarts)
    if [ "$res" = READY ]; then
        ok "$n: up (guest_type $(gv guest_type), restarts $restarts)"
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
    not_ok "the exporter was delivered to dom0 ($BIN/xenmode_exporter missing)"
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
    not_ok "the collectd plugin was delivered to dom0 ($BIN/xenmode.so missing)"
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
check_self Domain-0 pv true "in dom0"
for n in "${GUESTS[@]}"; do
    check_self "$n" "$(self_expected "${CFG_MODE[$n]}")" false "inside $n (${CFG_MODE[$n]} guest)"
done

# --- xenmode configs -------------------------------------------------------------
# The guests' xl configs in dom0 (/xm/guests), read with every guest up: the
# mode each asks for (a config cannot ask for pvhvm: that is an hvm guest
# whose PV drivers connect), whether it runs, and as what.
cfg_expected() { case $1 in pvhvm) echo hvm ;; *) echo "$1" ;; esac; }
assert_eq "xenmode configs --xen.config-dir /xm/guests exits 0 (every config parsed)" 0 \
    "$(cat "$R/configs.rc" 2>/dev/null)"
if jq -e 'type == "array"' "$R/configs.json" >/dev/null 2>&1; then
    for n in "${GUESTS[@]}"; do
        want="mode $(cfg_expected "${CFG_MODE[$n]}"), running true, running_mode $(jq -r --arg n "$n" '.[] | select(.name == $n) | .mode' "$R/cli.json" 2>/dev/null), mismatch false"
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
    [ -f "$f" ] || { have xenmode_exporter && not_ok "exporter scraped while xm-pvhvm booted (no boot-scrapes file)"; break; }
    n=${f##*/boot-scrapes-}; n=${n%.txt}
    seen=$(awk '{ sub(/^mode=/, "", $3) } $3 != "none" { print $1, $3 }' "$f")
    first=$(head -1 <<<"$seen" | cut -d' ' -f2); last=$(tail -1 <<<"$seen" | cut -d' ' -f2)
    # The phases: consecutive scrapes with the same mode, "MODE xN from..to".
    phases=$(awk '{ if ($2 != m) { if (m != "") printf "%s x%d (uptime %.1f-%.1f s), ", m, c, t0, t1; m = $2; c = 0; t0 = $1 } c++; t1 = $1 }
                  END { if (m != "") printf "%s x%d (uptime %.1f-%.1f s)", m, c, t0, t1 }' <<<"$seen")
    assert_eq "exporter during $n's boot: seen as hvm first ($(wc -l <"$f") scrapes; $phases)" hvm "${first:-never seen}"
    assert_eq "exporter during $n's boot: seen as pvhvm at the end, once its front ends connected" pvhvm "${last:-never seen}"
    assert_eq "exporter during $n's boot: one change, hvm to pvhvm" "hvm pvhvm" \
        "$(awk '{ print $2 }' <<<"$seen" | uniq | tr '\n' ' ' | sed 's/ $//')"
done

# --- one guest destroyed --------------------------------------------------------
GONE=$(cat "$R/destroyed.txt" 2>/dev/null)
if [ -n "$GONE" ] && [ -f "$R/xl-list-l-after-destroy.json" ]; then
    assert_eq "$GONE destroyed: xl no longer lists it" "" "$(awk -v n="$GONE" '$1 == n' "$R/xl-list-after-destroy.txt")"
    TRUTH=$(truth -after-destroy)
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
sed -n 's/^\[ *\([0-9.]*\)\] XM-EVENT \(toolstack-up\|guest-ready\|guest-failed\|guest-restarted\|guests-done\|dom0-poweroff\)\(.*\)/\1 \2 \3/p' \
    "$RUN/serial.log" |
    while read -r t ev rest; do
        printf '#   %7s  %s %s\n' "$t" "$ev" "$(grep -o '\(name\|after\|result\|domid\|was\)=[^ ]*' <<<"$rest" | tr '\n' ' ')"
    done
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "none" }'; }
t_of() { awk -v k="$1" '$1 == k { print $2 }' "$R/timings.txt" 2>/dev/null | median; }
scrape=$(t_of scrape_ms); http=$(t_of scrape_http_ms); xll=$(t_of xl_list_l_ms); xl=$(t_of xl_list_ms)
cli=$(t_of cli_ms)
ndom=$(jq length "$R/xl-list-l.json" 2>/dev/null)
echo "# in dom0, ${ndom:-?} domains, median of $(grep -c '^xl_list_l_ms' "$R/timings.txt" 2>/dev/null || echo 0) rounds:"
echo "#   xl list -l ${xll} ms, xl list ${xl} ms, xenmode list ${cli} ms," \
     "scrape of /metrics with curl ${scrape} ms (curl's own time_total ${http} ms)"
if [ "$scrape" != none ] && [ "$xll" != none ] && [ "$xll" -gt 0 ]; then
    awk -v s="$scrape" -v x="$xll" 'BEGIN { printf "#   scrape / xl list -l = %.3f\n", s / x }'
fi
restarts=$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^restarts=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' "$R/guests.txt")
echo "# guest restarts seen: $restarts$(grep -a -o 'guest-restarted name=[^ ]*' "$RUN/serial.log" | sed 's/guest-restarted name=/ /' | tr '\n' ',' | sed 's/,$//')"
finish
