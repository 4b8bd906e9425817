#!/usr/bin/env bash
# Sourced by tests/ccxt/run.sh and bench/run.sh: sets PY to a Python with ccxt $CCXT_VERSION,
# in a venv at $VENV if possible, else pip --user. Needs CCXT_VERSION and VENV set.

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
