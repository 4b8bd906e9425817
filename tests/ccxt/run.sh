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
has_pip() { "$1" -m pip --version >/dev/null 2>&1; }
has_ccxt() { "$1" -c "import ccxt, sys; sys.exit(ccxt.__version__ != '$CCXT_VERSION')" 2>/dev/null; }

PY=""
if ! has_pip "$VENV/bin/python" 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" >/dev/null 2>&1 || true
fi
if has_pip "$VENV/bin/python"; then
    PY="$VENV/bin/python"
    has_ccxt "$PY" || "$PY" -m pip install -q --disable-pip-version-check "ccxt==$CCXT_VERSION"
else
    echo "python3 -m venv unavailable; falling back to pip install --user" >&2
    rm -rf "$VENV"
    PY=python3
    if ! has_ccxt "$PY"; then
        "$PY" -m pip install -q --user --disable-pip-version-check "ccxt==$CCXT_VERSION" \
            || "$PY" -m pip install -q --user --break-system-packages --disable-pip-version-check "ccxt==$CCXT_VERSION"
    fi
fi
has_ccxt "$PY" || { echo "could not install ccxt==$CCXT_VERSION" >&2; exit 2; }

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

# (3) The checks; (4) the trap stops the simulator.
status=0
"$PY" "$HERE/conformance.py" "$URL" || status=$?
exit "$status"
