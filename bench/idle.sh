#!/usr/bin/env bash
# The bot's idle footprint, one command from the repo root:
#   bash bench/idle.sh [--seconds N] [--warmup S] [--csv DIR]
# Builds `viper` and `viper-bench` in release, then runs `viper sim` (the soak's 10 symbols,
# real-time market) and `viper run` on those 10 symbols with a strategy that never trades,
# twice: calm, then under the soak's default fault plan. Samples the bot's VmRSS, VmHWM, CPU,
# threads and context switches from /proc every second; prints a markdown table.
# Loopback only. Defaults: 600 s sampled per run, the first 60 s warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p viper --bin viper
cargo build --release --locked -p viper-bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u '+%F %H:%M UTC')"
exec target/release/viper-bench idle --viper target/release/viper \
  --faults config/faults/default.toml "$@"
