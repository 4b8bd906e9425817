#!/usr/bin/env bash
# The side-by-side benchmark, one command from the repo root:
#   bash bench/run.sh [--iterations N] [--rounds R] [--ws-seconds S] [--tick-ms T]
# Installs ccxt (pinned, as the conformance tests do) into target/ccxt-venv, builds the
# harness in release, and runs Viper's client, the awc and raw HTTP floors, ccxt sync/async
# and ccxt.pro against one simulator on 127.0.0.1. Prints markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
CCXT_VERSION=4.5.90
VENV="${VIPER_CCXT_VENV:-target/ccxt-venv}"
# shellcheck source=../tests/ccxt/venv.sh
source tests/ccxt/venv.sh
cargo build --release --locked -p viper-bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
exec target/release/viper-bench --python "$PY" "$@"
