#!/usr/bin/env bash
# Third-party client conformance: unmodified ccxt (bitget) against `viper sim`.
# Run from the repo root. Env: VIPER_BIN (default target/debug/viper),
# VIPER_CCXT_VENV (default target/ccxt-venv).
set -euo pipefail

CCXT_VERSION=4.5.90
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${VIPER_CCXT_VENV:-target/ccxt-venv}"
BIN="${VIPER_BIN:-target/debug/viper}"

# (1) Python with ccxt pinned: a venv if possible, else pip --user.
# shellcheck source=venv.sh
source "$HERE/venv.sh"

# (2) The simulator on a free loopback port.
if [ ! -x "$BIN" ]; then
    echo "simulator binary $BIN not found (build it: cargo build --bin viper)" >&2
    exit 2
fi
LOG="$(mktemp)"
SIM_PID=""
cleanup() {
    if [ -n "$SIM_PID" ]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
    rm -f "$LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BIN" sim --listen 127.0.0.1:0 >"$LOG" 2>&1 &
SIM_PID=$!

URL=""
for _ in $(seq 1 100); do
    URL="$(sed -n 's/^[[:space:]]*REST:[[:space:]]*\(http[^[:space:]]*\).*/\1/p' "$LOG" | head -n1)"
    [ -n "$URL" ] && break
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
        echo "simulator exited early:" >&2
        cat "$LOG" >&2
        exit 2
    fi
    sleep 0.1
done
if [ -z "$URL" ]; then
    echo "no REST URL printed by the simulator within 10 s:" >&2
    cat "$LOG" >&2
    exit 2
fi
echo "viper sim at $URL (ccxt $CCXT_VERSION)"

# (3) The checks: REST (conformance.py), a reset, then WebSocket (conformance_ws.py, ccxt.pro)
# against the same simulator. Each suite's own `N passed, M failed` line is shown prefixed
# with its name, so the output ends with a single such line summing both. (4) The trap stops
# the simulator.
COUNTS="$(mktemp)"
trap 'cleanup; rm -f "$COUNTS"' EXIT

run_suite() {
    local script="$1" rc=0
    echo "== $script"
    "$PY" -u "$HERE/$script" "$URL" 2>&1 | while IFS= read -r line; do
        if [[ "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
            echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}" >>"$COUNTS"
            echo "-- $script: $line"
        else
            printf '%s\n' "$line"
        fi
    done || rc=$?
    return "$rc"
}

sim_reset() {
    "$PY" - "$URL" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1].rstrip("/") + "/sim/v1/reset", data=b"{}",
                             headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(req, timeout=10) as resp:
    sys.exit(0 if json.loads(resp.read()).get("reset") is True else 1)
PY
}

status=0
suites=0
run_suite conformance.py || status=$?
suites=$((suites + 1))
if ! sim_reset; then
    echo "could not reset the simulator at $URL between the suites" >&2
    status=2
fi
run_suite conformance_ws.py || { rc=$?; [ "$status" -ne 0 ] || status=$rc; }
suites=$((suites + 1))

passed=0
failed=0
reported=0
while read -r p f; do
    passed=$((passed + p))
    failed=$((failed + f))
    reported=$((reported + 1))
done <"$COUNTS"
# a suite that died before its summary line counts as one failure
if [ "$reported" -lt "$suites" ]; then
    failed=$((failed + suites - reported))
    [ "$status" -ne 0 ] || status=1
fi
if [ "$failed" -gt 0 ] && [ "$status" -eq 0 ]; then
    status=1
fi
echo "$passed passed, $failed failed"
exit "$status"
