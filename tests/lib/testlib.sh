# Shell test helpers: TAP output, assertions, free ports, deadline polling.
# Source it from a bash test; call `finish` at the end (exit status = failures).

TL_N=0
TL_FAILED=0
: "${XM_BUILD:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}"
XM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export XM_BUILD XM_ROOT

ok()     { TL_N=$((TL_N + 1)); echo "ok $TL_N - $*"; }
not_ok() { TL_N=$((TL_N + 1)); TL_FAILED=$((TL_FAILED + 1)); echo "not ok $TL_N - $*"; }
diag()   { echo "# $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
    local desc=$1; shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# quiet CMD...: CMD with its standard output discarded, for `check` (a
# redirection after `check ...` would swallow the ok line too).
quiet() { "$@" >/dev/null; }

# assert_eq DESCRIPTION EXPECTED ACTUAL
assert_eq() {
    if [ "$2" == "$3" ]; then ok "$1"
    else not_ok "$1"; diag "expected: $(printf %q "$2")"; diag "actual:   $(printf %q "$3")"; fi
}

# assert_status DESCRIPTION EXPECTED_STATUS COMMAND...
assert_status() {
    local desc=$1 want=$2; shift 2
    "$@" >/dev/null; local got=$?
    if [ "$got" = "$want" ]; then ok "$desc"; else not_ok "$desc"; diag "exit status $got, expected $want"; fi
}

# wait_until SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds
# or the deadline passes; returns COMMAND's last status.
wait_until() {
    local deadline=$(( $(date +%s%N) + $1 * 1000000000 )); shift
    while :; do
        "$@" && return 0
        [ "$(date +%s%N)" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null && return
    local p
    while :; do
        p=$(( 20000 + RANDOM % 30000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

# tmpdir: a scratch directory removed when the test exits.
tl_tmpdir() {
    TL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xenmode-test.XXXXXX")
    TL_CLEANUP+=("rm -rf '$TL_TMP'")
}

# on_exit COMMAND: runs COMMAND (a string) when the test exits, last first.
TL_CLEANUP=()
on_exit() { TL_CLEANUP+=("$1"); }
tl_run_cleanup() {
    local i
    for (( i=${#TL_CLEANUP[@]}-1; i>=0; i-- )); do eval "${TL_CLEANUP[$i]}" >/dev/null 2>&1; done
}
trap tl_run_cleanup EXIT

finish() {
    echo "1..$TL_N"
    [ "$TL_FAILED" = 0 ]
}
