# Helpers for tests/integration/test-exporter-*.sh: start xenmode_exporter
# on a fake host (tests/fake-host/run) in its own process group, wait until
# it answers, scrape it, drive the fake xenstore server, stop it.
# Source after tests/lib/testlib.sh and tl_tmpdir.
#
# Each exporter has a name; XE_PORT[name], XE_DIR[name] (its log is
# $dir/log, the fake host's environment $dir/env, its pid $dir/pid).

declare -A XE_PORT XE_DIR XE_RUNPID XE_SCHEME
XE_NAMES=()
XE_BIN="$XM_BUILD/xenmode_exporter"
XE_RUN="$XM_ROOT/tests/fake-host/run"
XE_CTL="$XM_ROOT/tests/fake-host/xenstored-ctl"
XE_LOAD="$XM_BUILD/bench/xm-load"
XE_VALGRIND=(valgrind --error-exitcode=99 --leak-check=full
             --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
             --track-fds=no --num-callers=30)

# xe_start NAME FIXTURE [--env K=V]... [--valgrind LOG] [--https] -- FLAGS...
# Starts the exporter on 127.0.0.1:<free port> under the fake host.
xe_start() {
    local name=$1 fixture=$2; shift 2
    local envs=() wrap=() scheme=http
    while [ $# -gt 0 ]; do
        case $1 in
        --env) envs+=("$2"); shift 2 ;;
        --valgrind) wrap=("${XE_VALGRIND[@]}" --log-file="$2"); shift 2 ;;
        --https) scheme=https; shift ;;
        --) shift; break ;;
        *) echo "xe_start: bad option $1" >&2; return 2 ;;
        esac
    done
    local dir="$TL_TMP/xe-$name" port
    mkdir -p "$dir"
    port=$(free_port)
    XE_PORT[$name]=$port XE_DIR[$name]=$dir XE_SCHEME[$name]=$scheme
    # setsid: the exporter, the fake host's server and the wrapper form one
    # process group, so cleanup reaches all of them. The wrapper records
    # the fake host's environment (for xenstored-ctl) and the exporter's pid.
    env "${envs[@]}" setsid "$XE_RUN" "$fixture" -- bash -c \
        'env -0 >"$0/env"; echo $$ >"$0/pid"; exec "$@"' "$dir" \
        "${wrap[@]}" "$XE_BIN" --web.listen-address="127.0.0.1:$port" "$@" \
        >"$dir/out" 2>"$dir/log" </dev/null &
    XE_RUNPID[$name]=$!
    XE_NAMES+=("$name")
    on_exit "xe_kill $name"
}

xe_url() { echo "${XE_SCHEME[$1]}://127.0.0.1:${XE_PORT[$1]}${2:-/metrics}"; }

xe_alive() { kill -0 "${XE_RUNPID[$1]}" 2>/dev/null; }

# xe_wait_ready NAME [SECONDS] [CURL ARGS...]: until / answers (any status);
# fails at once when the exporter died.
xe_wait_ready() {
    local name=$1 secs=${2:-30}; shift 2 2>/dev/null || shift $#
    local deadline=$(( $(date +%s) + secs ))
    while [ "$(date +%s)" -le "$deadline" ]; do
        curl -s -k -o /dev/null --max-time 2 "$@" "$(xe_url "$name" /)" && return 0
        xe_alive "$name" || { diag "exporter $name exited early:"; sed 's/^/#   /' "${XE_DIR[$name]}/log" | tail -20; return 1; }
        sleep 0.05
    done
    diag "exporter $name did not answer within ${secs}s"; return 1
}

# xe_stop NAME [SECONDS]: SIGTERM to the exporter, waits; prints nothing,
# returns the exporter's exit status (124 when it did not stop in time).
xe_stop() {
    local name=$1 secs=${2:-30} pid
    pid=$(cat "${XE_DIR[$name]}/pid" 2>/dev/null) || return 125
    kill -TERM "$pid" 2>/dev/null
    local deadline=$(( $(date +%s) + secs ))
    while xe_alive "$name"; do
        [ "$(date +%s)" -ge "$deadline" ] && return 124
        sleep 0.05
    done
    wait "${XE_RUNPID[$name]}"
}

# Cleanup: the whole process group, politely then not.
xe_kill() {
    local pg=${XE_RUNPID[$1]}
    [ -n "$pg" ] || return 0
    kill -TERM -- "-$pg" 2>/dev/null || return 0
    local i
    for i in $(seq 1 40); do kill -0 -- "-$pg" 2>/dev/null || return 0; sleep 0.05; done
    kill -KILL -- "-$pg" 2>/dev/null
}

# xe_ctl NAME COMMAND...: tests/fake-host/xenstored-ctl in NAME's fake-host
# environment (without the LD_PRELOAD of the fake libxl). Its answer ("ok")
# is dropped: a bare "ok" line would count as a TAP result. xe_ctl_out
# keeps it (stats).
xe_ctl() { xe_ctl_out "$@" >/dev/null; }
xe_ctl_out() { local name=$1; shift; xe_in_host "$name" "$XE_CTL" "$@"; }

# xe_in_host NAME COMMAND...: runs COMMAND in NAME's fake-host environment
# (XENSTORED_PATH and the rest, without the fake libxl's LD_PRELOAD).
xe_in_host() {
    local dir=${XE_DIR[$1]}; shift
    (
        while IFS= read -r -d '' kv; do
            case $kv in
            XENMODE_*=*|XENSTORED_*=*|XM_*=*|FAKE_*=*) export "$kv" ;;
            esac
        done <"$dir/env"
        exec "$@"
    )
}

# xe_get NAME [PATH] [CURL ARGS...]: the body.
xe_get() {
    local name=$1 path=${2:-/metrics}; shift 2 2>/dev/null || shift $#
    curl -s -k --max-time 10 "$@" "$(xe_url "$name" "$path")"
}

# xe_status NAME PATH [CURL ARGS...]: the HTTP status code.
xe_status() {
    local name=$1 path=$2; shift 2
    curl -s -k --max-time 10 -o /dev/null -w '%{http_code}' "$@" "$(xe_url "$name" "$path")"
}

# The domain part of a page: xen_up and the xen_domain_* families.
domain_families() { grep -E '^(# (HELP|TYPE) )?xen_(up|domain_)'; }

# xe_up NAME: prints the xen_up value of a fresh scrape.
xe_up() { xe_get "$1" | sed -n 's/^xen_up \([0-9]\)$/\1/p'; }

# expected_modes FIXTURE: "name mode" lines, sorted, for reported domains.
expected_modes() {
    jq -r '.domains[] | select(.expect != null) | "\(.name) \(.expect.mode)"' "$1" | sort
}

# scraped_modes: "name mode" lines of the current modes on a text page
# (plain names only; the escaping test compares through Prometheus).
scraped_modes() {
    sed -n 's/^xen_domain_virt_mode{domain="\([^"]*\)",mode="\([^"]*\)"} 1$/\1 \2/p' | sort
}

# count_log NAME REGEX: matching lines in the exporter's log.
count_log() { grep -cE "$2" "${XE_DIR[$1]}/log"; }

# write_fixture SRC DEST [JQ FILTER]: DEST becomes SRC through the filter,
# replaced atomically (the fake libxl re-reads it when it changes).
# xe_value PAGE METRIC: the value of the unlabelled sample METRIC in PAGE.
xe_value() { sed -n "s/^$2 \([0-9.e+-]*\)$/\1/p" <<<"$1"; }
# xe_xc_calls LOG WORD: how many calls of WORD ("getinfolist", "guest_width",
# "domain_state") the fake hypervisor logged to LOG ($XENMODE_FAKE_XC_LOG).
xe_xc_calls() { grep -c "^$2" "$1" 2>/dev/null || true; }

write_fixture() {
    local src=$1 dest=$2 filter=${3:-.}
    jq "$filter" "$src" >"$dest.tmp.$$" && mv -f "$dest.tmp.$$" "$dest"
}

# xe_valgrind_clean LOG DESCRIPTION STATUS: one TAP line, ok when the
# exporter run under valgrind (xe_start --valgrind LOG) exited with STATUS 0
# with no memcheck error and no definite or indirect leak; else the
# report's main lines as diagnostics.
xe_valgrind_clean() {
    local log=$1 desc=$2 rc=$3
    if [ "$rc" = 0 ] && grep -q 'ERROR SUMMARY: 0 errors' "$log" &&
       ! grep -qE 'definitely lost: [1-9]|indirectly lost: [1-9]' "$log"; then
        ok "$desc: valgrind clean (exit $rc)"
    else
        not_ok "$desc: valgrind clean (exit $rc)"
        grep -E 'ERROR SUMMARY|lost:|Invalid|uninitialised|at 0x|by 0x' "$log" | head -60 | sed 's/^/#   /'
    fi
}

# xe_finish: stops every exporter still running (SIGTERM: a clean exit,
# which under the sanitizer build runs LeakSanitizer), checks that each
# exited 0 without a sanitizer report in its log, then finishes the TAP.
xe_finish() {
    local name rc bad=""
    for name in "${XE_NAMES[@]}"; do
        if xe_alive "$name"; then
            xe_stop "$name" 120; rc=$?
            [ "$rc" = 0 ] || bad="$bad $name(exit $rc)"
        fi
        if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "${XE_DIR[$name]}/log"; then
            bad="$bad $name(sanitizer report)"
            grep -A12 -E 'Sanitizer|runtime error' "${XE_DIR[$name]}/log" | head -30 | sed 's/^/#   /'
        fi
    done
    if [ ${#XE_NAMES[@]} -gt 0 ]; then
        if [ -z "$bad" ]; then ok "every exporter of this test stopped cleanly (exit 0, no sanitizer report)"
        else not_ok "every exporter of this test stopped cleanly:$bad"; fi
    fi
    finish
}
