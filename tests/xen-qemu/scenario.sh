#!/bin/bash
# Runs in dom0 (as /xm/scenario.sh, started by dom0's /init once the
# toolstack is up) and gathers the evidence the host compares: it does no
# judging of its own beyond waiting for guests. Usage: scenario.sh RESULTS_DIR
#
#  0. installs the project's .deb files (/xm/debs) with `dpkg -i`, as an
#     operator would: everything below runs the installed files;
#  1. starts the exporter as its package installs it, before any guest
#     exists, so its cache follows the domains as they come: dom0 has no
#     systemd, so the unit's ExecCondition= and ExecStart= are run with its
#     EnvironmentFile= (the flags file, ARGS=...), edited as an operator
#     would to listen on 127.0.0.1 with debug logs;
#  2. creates each guest of /xm/guests/*.cfg in name order with `xl create`
#     and waits for the XM-GUEST-READY marker its /init prints (following
#     the name: a guest that triple-faults is recreated by xl under a new
#     domid; a guest whose kernel oopses, which emulation causes now and
#     then, is destroyed and created again), then for its PV backends to
#     connect;
#  3. with every guest up, records the truth (`xl list -l`, the PV devices'
#     backend states in xenstore) and what the project reports
#     (`xenmode list --format json`, a scrape of /metrics, the collectd
#     plugin);
#  4. measures, for the same domains: 100 scrapes (the exporter's own
#     scrape duration and xenstore request counter), a keep-alive client
#     (xm-load), `xl list -l` and `xl list`;
#  5. destroys one guest and scrapes again.
#
# /xm/env (written by run.sh) gives XM_RELEASE, XM_XEN_VERSION (4.17, 4.20),
# XM_SLOWDOWN (every deadline here is multiplied by it) and XM_DOM0 (pv, pvh).
#
# Files written to RESULTS_DIR are described in docs/testing.md. Lines on
# the console starting XM-EVENT are timestamped by the host.
# No `set -e`: one failed step must not lose the evidence of the others.
set -uo pipefail
XM=/xm
# shellcheck source=/dev/null
. "$XM/env"
export PATH=/usr/lib/xen-$XM_XEN_VERSION/bin:/usr/sbin:/usr/bin:/sbin:/bin
RES=${1:?usage: scenario.sh RESULTS_DIR}
CON=/var/log/xen/console
# What the packages install.
XENMODE=/usr/bin/xenmode
EXPORTER=/usr/bin/xenmode_exporter
PLUGIN=/usr/lib/collectd/xenmode.so
EXPORTER_PKG=prometheus-xenmode-exporter
EXPORTER_ADDR=127.0.0.1:9717
EXPORTER_PORT=${EXPORTER_ADDR##*:}
DESTROY=xm-pv                 # the guest destroyed at the end
TIMING_ROUNDS=10
FIGURE_SCRAPES=100
OOPS_RECREATE_MAX=2           # a guest whose kernel oopses is created again at most this often
# Seconds, multiplied by the slowdown factor for loaded machines.
slow() { awk -v s="$1" -v f="$XM_SLOWDOWN" 'BEGIN { printf "%d", s * f + 0.5 }'; }
BACKEND_DEADLINE=$(slow 90)   # after READY, for the PV backends to connect

uptime_s() { local a _; read -r a _ </proc/uptime; echo "$a"; }
event() { echo "XM-EVENT $* dom0_uptime=$(uptime_s)"; }
note() { echo "XM-NOTE $*"; }
elapsed() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }
before() { awk -v a="$1" -v b="$(uptime_s)" -v d="$2" 'BEGIN { exit !(b - a < d) }'; }
now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }

# Header fields of a guest config: "# xm-KEY: VALUE".
cfg_field() { sed -n "s/^# xm-$2: *//p" "$1" | head -1; }
cfg_name() { sed -n 's/^name *= *"\(.*\)"/\1/p' "$1"; }
console_log() { local c; c=$(cfg_field "$1" console); echo "${c:-$CON/guest-$(cfg_name "$1").log}"; }
# host_has CAPABILITY: the hypervisor offers it ("" always holds; pv32: the
# xen-3.0-x86_32p ABI in xl info's xen_caps).
host_has() {
    case $1 in
        "") return 0 ;;
        pv32) xl info 2>/dev/null | grep -q '^xen_caps .*xen-3\.0-x86_32p' ;;
        *) return 1 ;;
    esac
}

mkdir -p "$RES/consoles" "$RES/guests"
cp "$XM"/guests/*.cfg "$RES/guests/"
: >"$RES/guests.txt"

# --- the packages ----------------------------------------------------------------
# installed.txt: "PACKAGE VERSION STATUS" of each package of /xm/debs;
# installed-files.txt: which of the files the checks use exist.
t=$(uptime_s)
dpkg -i "$XM"/debs/*.deb >"$RES/dpkg-install.log" 2>&1
echo $? >"$RES/dpkg-install.rc"
event "packages-installed after=$(elapsed "$t")"
for d in "$XM"/debs/*.deb; do
    p=$(dpkg-deb -f "$d" Package)
    echo "$p $(dpkg-deb -f "$d" Version) $(dpkg-query -W -f='${Version} ${db:Status-Abbrev}' "$p" 2>&1)"
done >"$RES/installed.txt"
for f in "$XENMODE" "$EXPORTER" "$PLUGIN"; do [ -e "$f" ] && echo "$f"; done >"$RES/installed-files.txt"

# --- the environment ---------------------------------------------------------
{
    echo "kernel $(uname -r)"
    echo "guest_type $(cat /sys/hypervisor/guest_type 2>/dev/null)"
    # dom0's creation time as its kernel has it (xen_domain_start_time_seconds).
    echo "btime $(awk '$1 == "btime" { print $2 }' /proc/stat)"
    xl info | grep -E '^(xen_version|xen_caps|virt_caps|total_memory|free_memory|nr_cpus|xen_commandline)'
    dpkg-query -W -f='${Package} ${Version}\n' "xen-utils-$XM_XEN_VERSION" collectd-core curl
} >"$RES/dom0-env.txt" 2>&1
for f in $(cat "$RES/installed-files.txt"); do ldd "$f" >"$RES/ldd-${f##*/}.txt" 2>&1; done
"$XENMODE" --version >"$RES/xenmode-version.txt" 2>&1
# dom0's view of itself (the guests print theirs on their consoles).
"$XENMODE" self --format json >"$RES/self-Domain-0.json" 2>"$RES/self-Domain-0.err"
echo $? >"$RES/self-Domain-0.rc"

# --- the exporter, as its package runs it, up before the guests ---------------
# The unit's KEY= values, one a line (KEY may repeat).
unit_values() { sed -n "s/^$2=//p" "$1"; }
# Runs a unit's command line as systemd would expand it: $VAR is split into
# words, ${VAR} stays one word (the unit uses no "-", "@" or "!" prefix).
run_unit_command() { # COMMAND_LINE
    local w argv=() v
    for w in $1; do
        case $w in
            \$\{*\}) v=${w#\$\{}; v=${v%\}}; argv+=("${!v:-}") ;;
            \$*) v=${w#\$}; read -ra words <<<"${!v:-}"; argv+=("${words[@]}") ;;
            *) argv+=("$w") ;;
        esac
    done
    printf '%s\n' "${argv[@]}" >"$RES/exporter-argv.txt"
    exec "${argv[@]}"
}
exporter_pid=
unit=$(dpkg -L "$EXPORTER_PKG" 2>/dev/null | grep "/$EXPORTER_PKG.service\$" | head -1)
if [ -n "$unit" ] && [ -f "$unit" ]; then
    cp "$unit" "$RES/exporter.service"
    ls /etc/systemd/system/multi-user.target.wants/ >"$RES/systemd-wants.txt" 2>&1
    envfile=$(unit_values "$unit" EnvironmentFile | head -1); envfile=${envfile#-}
    # The operator's edit: the suite scrapes on 127.0.0.1, with debug logs.
    # Under QEMU's emulation a cold read of every domain can take longer
    # than the default 5 s deadline (seen: 8 s while the host was loaded);
    # the deadline is for a stalled xenstored, not a slow machine.
    sed -i 's|^ARGS=.*|ARGS="--web.listen-address='"$EXPORTER_ADDR"' --log.level=debug --xen.timeout=60s"|' "$envfile"
    cp "$envfile" "$RES/exporter.default"
    (set -a; . "$envfile"; set +a
     cond=$(unit_values "$unit" ExecCondition | head -1)
     # systemd skips the unit when its condition fails: so does the suite.
     if [ -n "$cond" ]; then
         $cond; rc=$?; echo "$rc" >"$RES/exporter-condition.rc"
         [ "$rc" = 0 ] || exit 0
     fi
     run_unit_command "$(unit_values "$unit" ExecStart | head -1)") 2>"$RES/exporter.log" &
    exporter_pid=$!
    t=$(uptime_s)
    until curl -sf -o /dev/null "http://$EXPORTER_ADDR/metrics"; do
        before "$t" "$(slow 20)" || { note "exporter not answering after $(slow 20) s"; break; }
        kill -0 "$exporter_pid" 2>/dev/null || { note "exporter exited"; break; }
        sleep 0.2
    done
    event exporter-up
else
    note "no $EXPORTER_PKG.service installed"
fi

# --- guests --------------------------------------------------------------------
# Frontend devices of DOMID whose backend state is 4, per kind: "vbd=1 vif=1".
connected_devices() {
    local id=$1 kind dev be out=""
    for kind in $(xenstore-list "/local/domain/$id/device" 2>/dev/null); do
        local n=0
        for dev in $(xenstore-list "/local/domain/$id/device/$kind" 2>/dev/null); do
            be=$(xenstore-read "/local/domain/$id/device/$kind/$dev/backend" 2>/dev/null) || continue
            [ "$(xenstore-read "$be/state" 2>/dev/null)" = 4 ] && n=$((n + 1))
        done
        out="$out $kind=$n"
    done
    echo "${out# }"
}
# True when every "kind=N" of WANT is met by DOMID's connected devices.
devices_connected() { # DOMID WANT
    local have w
    have=" $(connected_devices "$1") "
    for w in $2; do
        [ "$w" = none ] && continue
        [[ "$have" == *" $w "* ]] || return 1
    done
}

declare -A G_LOG G_T0 G_DEADLINE G_DEVICES G_ID G_RC G_RESTARTS G_CRASHED G_GONE G_RESULT \
           G_READY_AT G_CONNECTED_AT G_CFG G_OOPS G_PATH G_READY_BY G_NEEDS G_EPOCH0 G_EPOCH1
GUESTS=()

start_guest() { # NAME: xl create from its config, the clock restarted
    local name=$1
    G_T0[$name]=$(uptime_s)
    event "guest-create name=$name"
    # Wall clock around `xl create`: the domain's start time lies between.
    G_EPOCH0[$name]=$(date +%s.%N)
    xl create "${G_PATH[$name]}" >>"$RES/create-$name.log" 2>&1
    G_RC[$name]=$?
    G_EPOCH1[$name]=$(date +%s.%N)
    G_ID[$name]=$(xl domid "$name" 2>/dev/null)
    G_RESULT[$name]=WAITING
    if [ "${G_RC[$name]}" != 0 ]; then
        G_RESULT[$name]=CREATE-FAILED
        # A guest the hypervisor cannot run (Xen 4.20 as Debian builds it
        # has no 32-bit PV): its failure is the expected answer.
        host_has "${G_NEEDS[$name]}" || G_RESULT[$name]=HOST-LACKS-${G_NEEDS[$name]}
    fi
    event "guest-created name=$name rc=${G_RC[$name]} domid=${G_ID[$name]:-none} after=$(elapsed "${G_T0[$name]}")"
}
create_guest() { # CFG
    local cfg=$1 name disk deadline
    name=$(cfg_name "$cfg")
    GUESTS+=("$name")
    G_CFG[$name]=${cfg##*/}
    G_PATH[$name]=$cfg
    G_LOG[$name]=$(console_log "$cfg")
    deadline=$(cfg_field "$cfg" deadline); G_DEADLINE[$name]=$(slow "${deadline:-300}")
    G_DEVICES[$name]=$(cfg_field "$cfg" devices)
    # How dom0 knows the guest is up: its marker on the console (default),
    # or "running": a guest that prints no marker (the 32-bit PV GRUB) is up
    # when xl lists it running or blocked.
    G_READY_BY[$name]=$(cfg_field "$cfg" ready)
    G_NEEDS[$name]=$(cfg_field "$cfg" needs)
    G_RESTARTS[$name]=0; G_CRASHED[$name]=0; G_GONE[$name]=0; G_OOPS[$name]=0
    G_READY_AT[$name]=-; G_CONNECTED_AT[$name]=-
    # The block hotplug script attaches an existing file to a loop device.
    for disk in $(grep -o "target=[^]'\", ]*" "$cfg" | cut -d= -f2); do
        truncate -s 16M "$disk"
    done
    start_guest "$name"
}

# Under emulation a guest kernel now and then oopses early in boot (a
# spurious debug exception, seen once in four PVHVM boots on Xen 4.20) and
# never prints its marker. Its console says so; the guest is destroyed and
# created again, its console kept aside as NAME.log.oops-N for the report.
oopsed() { grep -aqE 'Oops|BUG:' "${G_LOG[$1]}" 2>/dev/null; }
recreate_guest() { # NAME
    local n=$1 t f
    G_OOPS[$n]=$((G_OOPS[$n] + 1))
    event "guest-oops name=$n domid=${G_ID[$n]:-none} recreating=${G_OOPS[$n]}"
    xl destroy "$n" >>"$RES/create-$n.log" 2>&1
    t=$(uptime_s)
    while xl domid "$n" >/dev/null 2>&1; do before "$t" "$(slow 30)" || break; sleep 0.5; done
    for f in "${G_LOG[$n]}" "$CON/guest-$n.log"; do
        [ -f "$f" ] && mv "$f" "$f.oops-${G_OOPS[$n]}"
    done
    start_guest "$n"
}

# One round over the guests still waiting. `xl create` returning 0 proves
# little (a shim can panic seconds later): a guest is up when its own marker
# is in its console log. Every fifth round, one `xl list` (dom0's work slows
# the HVM guests' device models) follows each guest by name: a crashed ('c')
# or shut-down domain that xl restarts is destroyed and recreated a few
# seconds later under a new domid, so neither a state nor an absence is
# final at once.
ROUND=0
follow() { # NAME DOMID: a new domid under the same name is a restart
    if [ -n "$2" ] && [ "$2" != "${G_ID[$1]}" ]; then
        G_RESTARTS[$1]=$((G_RESTARTS[$1] + 1))
        event "guest-restarted name=$1 domid=$2 was=${G_ID[$1]:-none}"
        G_ID[$1]=$2
    fi
}
poll_guests() {
    local n id st
    ROUND=$((ROUND + 1))
    [ $((ROUND % 5)) = 0 ] && xl list 2>/dev/null | awk 'NR > 1 { print $1, $2, $5 }' >/tmp/xl-poll
    for n in "${GUESTS[@]}"; do
        [ "${G_RESULT[$n]}" = WAITING ] || continue
        if guest_up "$n"; then
            G_RESULT[$n]=READY; G_READY_AT[$n]=$(uptime_s)
            follow "$n" "$(xl domid "$n" 2>/dev/null)"
            event "guest-ready name=$n domid=${G_ID[$n]} after=$(elapsed "${G_T0[$n]}")"
            continue
        fi
        if oopsed "$n"; then
            if [ "${G_OOPS[$n]}" -lt "$OOPS_RECREATE_MAX" ]; then recreate_guest "$n"; continue; fi
            G_RESULT[$n]=OOPS
            event "guest-failed name=$n result=OOPS after=$(elapsed "${G_T0[$n]}")"
            give_up "$n"
            continue
        fi
        if [ $((ROUND % 5)) = 0 ]; then
            read -r id st < <(awk -v n="$n" '$1 == n { print $2, $3 }' /tmp/xl-poll)
            follow "$n" "$id"
            case $st in
                *c*) G_CRASHED[$n]=$((G_CRASHED[$n] + 1)); G_GONE[$n]=0
                     [ "${G_CRASHED[$n]}" -ge 3 ] && G_RESULT[$n]=CRASHED ;;
                "")  G_GONE[$n]=$((G_GONE[$n] + 1)); G_CRASHED[$n]=0
                     [ "${G_GONE[$n]}" -ge 6 ] && G_RESULT[$n]=GONE ;;
                *)   G_GONE[$n]=0; G_CRASHED[$n]=0 ;;
            esac
        fi
        before "${G_T0[$n]}" "${G_DEADLINE[$n]}" || G_RESULT[$n]=TIMEOUT
        [ "${G_RESULT[$n]}" = WAITING ] && continue
        event "guest-failed name=$n result=${G_RESULT[$n]} after=$(elapsed "${G_T0[$n]}")"
        give_up "$n"
    done
}
# A guest still booting past its deadline goes on using the emulated CPUs
# and would slow every guest after it (seen: a PVH boot 15 times slower
# behind a timed-out HVM guest): it is destroyed, its console kept. A
# crashed one costs nothing and stays for `xl list`.
give_up() { # NAME
    case ${G_RESULT[$1]} in TIMEOUT|OOPS) ;; *) return ;; esac
    xl destroy "$1" >>"$RES/create-$1.log" 2>&1
    event "guest-destroyed-after-failure name=$1 rc=$?"
}
guest_up() { # NAME
    if [ "${G_READY_BY[$1]}" = running ]; then
        xl list "$1" 2>/dev/null | awk -v n="$1" '$1 == n && $5 ~ /^-*[rb]/ { f = 1 } END { exit !f }'
    else
        grep -aq XM-GUEST-READY "${G_LOG[$1]}" 2>/dev/null
    fi
}
waiting() { local n; for n in "${GUESTS[@]}"; do [ "${G_RESULT[$n]}" = WAITING ] && return 0; done; return 1; }

# The marker comes after the guest loaded its front ends; the backends may
# still be on their way to Connected.
wait_backends() { # NAME
    local n=$1 want=${G_DEVICES[$1]} t
    [ "${G_RESULT[$n]}" = READY ] && [ -n "$want" ] && [ "$want" != none ] || return 0
    t=$(uptime_s)
    until devices_connected "$(xl domid "$n" 2>/dev/null)" "$want"; do
        before "$t" "$BACKEND_DEADLINE" || { G_RESULT[$n]=BACKENDS-NOT-CONNECTED; break; }
        sleep 0.5
    done
    G_CONNECTED_AT[$n]=$(uptime_s)
}

# The exporter watching a guest boot: every 0.5 s from just after its
# `xl create` until STOPFILE exists (dom0 creates it once the guest is READY
# and its backends are connected), one line per scrape:
#   UPTIME ready=0|1 mode=MODES
# MODES are the modes whose xen_domain_virt_mode series for NAME is 1
# (comma-separated; "none" while the exporter has no series for it).
BOOT_SCRAPED=xm-pvhvm           # an HVM guest whose PV drivers connect during boot
scrape_boot() { # NAME CONSOLE_LOG STOPFILE OUT
    local m ready
    : >"$4"
    while [ ! -e "$3" ]; do
        m=$(curl -s --max-time 5 "http://$EXPORTER_ADDR/metrics" |
            awk -v n="$1" 'index($0, "xen_domain_virt_mode{") == 1 && index($0, "domain=\"" n "\"") && $NF == 1 &&
                           match($0, /mode="[^"]*"/) { print substr($0, RSTART + 6, RLENGTH - 7) }' |
            sort | paste -sd, -)
        ready=0; grep -aq XM-GUEST-READY "$2" 2>/dev/null && ready=1
        echo "$(uptime_s) ready=$ready mode=${m:-none}" >>"$4"
        sleep 0.5
    done
}

# One guest at a time: under emulation every switch into an HVM guest is
# costly, and guests booting side by side made each HVM boot many times
# slower than the sum of the boots one after the other.
for cfg in "$XM"/guests/*.cfg; do
    create_guest "$cfg"
    n=${GUESTS[-1]} scraper=
    if [ "$n" = "$BOOT_SCRAPED" ] && [ -n "$exporter_pid" ]; then
        rm -f /tmp/scrape-boot.stop
        scrape_boot "$n" "${G_LOG[$n]}" /tmp/scrape-boot.stop "$RES/boot-scrapes-$n.txt" &
        scraper=$!
    fi
    while waiting; do
        poll_guests
        # What dom0's CPUs do while a guest boots, every 30 s: "UPTIME NAME"
        # and the cpu line of /proc/stat (user nice system idle iowait irq
        # softirq steal). A slow boot with dom0 idle points at the host's
        # load; `top` would cost dom0 seconds of CPU under emulation.
        [ $((ROUND % 30)) = 1 ] &&
            echo "$(uptime_s) $n $(head -1 /proc/stat)" >>"$RES/dom0-cpu-boot.txt"
        sleep 1
    done
    wait_backends "$n"
    if [ -n "$scraper" ]; then
        touch /tmp/scrape-boot.stop; wait "$scraper"
        event "boot-scrapes name=$n scrapes=$(wc -l <"$RES/boot-scrapes-$n.txt")"
    fi
done

# What `xenmode self` said inside each guest, from its console: the last
# XM-SELF-BEGIN .. XM-SELF-END block (a restarted guest printed it again).
for n in "${GUESTS[@]}"; do
    tr -d '\r' <"${G_LOG[$n]}" 2>/dev/null |
        awk -v n="$n" -v out="$RES/self-$n" '
            BEGIN { p = "XM-SELF name=" n " "; e = "XM-SELF-ERR name=" n " " }
            index($0, "XM-SELF-BEGIN name=" n) { j = ""; r = ""; inb = 1; next }
            inb && (i = index($0, "XM-SELF-END name=" n " rc=")) {
                inb = 0; J = j; R = r; RC = substr($0, i + length("XM-SELF-END name=" n " rc=")); got = 1; next }
            inb && (i = index($0, p)) { j = j substr($0, i + length(p)) "\n"; next }
            inb && (i = index($0, e)) { r = r substr($0, i + length(e)) "\n"; next }
            END { if (got) { printf "%s", J >(out ".json"); printf "%s", R >(out ".err"); print RC >(out ".rc") } }'
done

for n in "${GUESTS[@]}"; do
    ready=$(tr -d '\r' <"${G_LOG[$n]}" 2>/dev/null | grep -a XM-GUEST-READY | tail -1)
    [[ $ready =~ guest_type=([^ ]*) ]] && gt=${BASH_REMATCH[1]} || gt=-
    [[ $ready =~ frontends=([^ ]*) ]] && fe=${BASH_REMATCH[1]} || fe=-
    echo "name=$n cfg=${G_CFG[$n]} result=${G_RESULT[$n]} domid=${G_ID[$n]:-none}" \
         "restarts=${G_RESTARTS[$n]} oops_recreated=${G_OOPS[$n]} create_rc=${G_RC[$n]} created_at=${G_T0[$n]}" \
         "create_epoch=${G_EPOCH0[$n]} created_epoch=${G_EPOCH1[$n]}" \
         "ready_at=${G_READY_AT[$n]} connected_at=${G_CONNECTED_AT[$n]}" \
         "guest_type=$gt frontends=$fe" >>"$RES/guests.txt"
done
event guests-done
top -b -n 1 >"$RES/dom0-top.txt" 2>&1

# --- the truth and the reports, all guests up ---------------------------------
# Backend states per PV device of every domain: "DOMID KIND DEVID STATE".
dump_devices() {
    local id kind dev be
    for id in $(xenstore-list /local/domain 2>/dev/null); do
        for kind in $(xenstore-list "/local/domain/$id/device" 2>/dev/null); do
            for dev in $(xenstore-list "/local/domain/$id/device/$kind" 2>/dev/null); do
                be=$(xenstore-read "/local/domain/$id/device/$kind/$dev/backend" 2>/dev/null)
                echo "$id $kind $dev $(xenstore-read "$be/state" 2>/dev/null || echo absent)"
            done
        done
    done
}

capture() { # SUFFIX: one consistent set of truth and reports
    local s=$1
    xl list >"$RES/xl-list$s.txt" 2>&1
    xl list -v >"$RES/xl-list-v$s.txt" 2>&1
    xl list -l >"$RES/xl-list-l$s.json" 2>"$RES/xl-list-l$s.err"
    dump_devices >"$RES/devices$s.txt"
    xenstore-ls -f / >"$RES/xenstore$s.txt" 2>&1
    "$XENMODE" list --format json >"$RES/cli$s.json" 2>"$RES/cli$s.err"
    echo $? >"$RES/cli$s.rc"
    "$XENMODE" list --explain >"$RES/cli-explain$s.txt" 2>&1
    "$XENMODE" configs --xen.config-dir "$XM/guests" --format json \
        >"$RES/configs$s.json" 2>"$RES/configs$s.err"
    echo $? >"$RES/configs$s.rc"
    if [ -n "$exporter_pid" ]; then
        curl -s -D "$RES/metrics$s.headers" -o "$RES/metrics$s.txt" "http://$EXPORTER_ADDR/metrics"
        echo $? >"$RES/metrics$s.rc"
    fi
    xl list >"$RES/xl-list$s.after.txt" 2>&1    # unchanged unless a guest restarted meanwhile
}
capture ""
event captured

# The collectd plugin: `collectd -T` runs its read callback once (exit 0
# when it succeeded) but drops what it dispatched when it exits, so the
# values are read from a running collectd, through what its csv plugin
# wrote: one line "dom0/xenmode-NAME/TYPE-INSTANCE value=V" per value.
collectd_values() {
    find /tmp/collectd/csv -type f 2>/dev/null | LC_ALL=C sort |
        xargs -r awk -F, 'FNR > 1 { k = FILENAME; sub(/^.*\/csv\//, "", k); sub(/-[0-9]+-[0-9]+-[0-9]+$/, "", k)
                                    v[k] = $2 }
                          END { for (k in v) print k, "value=" v[k] }'
}
# True when every domain of xl-list.txt has its five mode values (its
# other gauges, width and HAP, are not mode gauges).
collectd_complete() {
    local n
    for n in $(awk 'NR > 1 { print $1 }' "$RES/xl-list.txt"); do
        [ "$(grep -cE "^dom0/xenmode-$n/gauge-(pv|pvh|hvm|pvhvm|pv_in_pvh) " /tmp/collectd/values)" = 5 ] || return 1
    done
}
if [ -e "$PLUGIN" ]; then
    mkdir -p /tmp/collectd
    cat >/tmp/collectd/collectd.conf <<EOF
Hostname "dom0"
FQDNLookup false
BaseDir "/tmp/collectd"
PIDFile "/tmp/collectd/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
Interval 1
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDERR
  Timestamp true
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "/tmp/collectd/csv"
  StoreRates false
</Plugin>
LoadPlugin xenmode
<Plugin xenmode>
  # As the exporter's --xen.timeout above: emulation is slow, not stalled.
  Timeout 60
</Plugin>
EOF
    collectd -T -C /tmp/collectd/collectd.conf >"$RES/collectd-T.log" 2>&1
    echo $? >"$RES/collectd-T.rc"
    rm -rf /tmp/collectd/csv
    collectd -f -C /tmp/collectd/collectd.conf 2>"$RES/collectd.log" &
    collectd_pid=$!
    t=$(uptime_s)
    until collectd_values >/tmp/collectd/values && collectd_complete; do
        before "$t" "$(slow 30)" || { note "collectd: not every domain seen within $(slow 30) s"; break; }
        kill -0 "$collectd_pid" 2>/dev/null || { note "collectd exited"; break; }
        sleep 0.5
    done
    sort /tmp/collectd/values >"$RES/collectd-values.txt"
    kill "$collectd_pid"; wait "$collectd_pid" 2>/dev/null
fi
event collectd-read

# Figures, for the same domains in the same boot (printed by check.sh, not
# asserted, beyond the xenstore requests of a steady scrape):
#   scrapes.txt   FIGURE_SCRAPES scrapes one after the other, each line the
#                 exporter's own "SCRAPE_DURATION_SECONDS XENSTORE_REQUESTS_TOTAL"
#   xm-load.txt   a keep-alive client: FIGURE_SCRAPES requests on one connection
#   timings.txt   "xl_list_l_ms N", "xl_list_ms N", "cli_ms N" per round
: >"$RES/scrapes.txt"
if [ -n "$exporter_pid" ]; then
    for _ in $(seq 1 "$FIGURE_SCRAPES"); do
        curl -s "http://$EXPORTER_ADDR/metrics" |
            awk '$1 == "xen_exporter_scrape_duration_seconds" { d = $2 }
                 $1 == "xen_exporter_xenstore_requests_total" { r = $2 }
                 END { print d, r }' >>"$RES/scrapes.txt"
    done
    [ -x "$XM/bin/xm-load" ] &&
        "$XM/bin/xm-load" --connections 1 --requests "$FIGURE_SCRAPES" 127.0.0.1 "$EXPORTER_PORT" /metrics \
            >"$RES/xm-load.txt" 2>&1
fi
: >"$RES/timings.txt"
for _ in $(seq 1 "$TIMING_ROUNDS"); do
    t=$(now_ns); xl list -l >/dev/null 2>&1; echo "xl_list_l_ms $(ms_since "$t")" >>"$RES/timings.txt"
    t=$(now_ns); xl list >/dev/null 2>&1; echo "xl_list_ms $(ms_since "$t")" >>"$RES/timings.txt"
    t=$(now_ns); "$XENMODE" list --format json >/dev/null 2>&1
    echo "cli_ms $(ms_since "$t")" >>"$RES/timings.txt"
done
xl list >"$RES/xl-list.figures.txt" 2>&1    # the domains measured
event timed

# --- one guest destroyed: its series must go ------------------------------------
echo "$DESTROY" >"$RES/destroyed.txt"
xl destroy "$DESTROY" >"$RES/destroy.log" 2>&1
t=$(uptime_s)
while xl domid "$DESTROY" >/dev/null 2>&1; do
    before "$t" "$(slow 30)" || { note "$DESTROY still listed $(slow 30) s after xl destroy"; break; }
    sleep 0.2
done
event "guest-destroyed name=$DESTROY"
capture -after-destroy

# --- evidence for failures ------------------------------------------------------
[ -n "$exporter_pid" ] && kill "$exporter_pid" 2>/dev/null
for f in "$CON"/*; do [ -f "$f" ] && tr -d '\r' <"$f" >"$RES/consoles/${f##*/}"; done
top -b -n 1 >"$RES/dom0-top-end.txt" 2>&1
xl dmesg >"$RES/xl-dmesg.txt" 2>&1
dmesg >"$RES/dom0-dmesg.txt" 2>&1
echo "ok" >"$RES/done"
event scenario-done
