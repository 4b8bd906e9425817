#!/usr/bin/env bash
# Builds the simulator of an older commit for `viper-bench --sim-exe`:
#   bash bench/baseline/build.sh COMMIT DIR
# Adds a detached worktree of COMMIT at DIR, drops sim_launcher.rs into its sim/examples/,
# builds it in release with its own target dir under DIR, and prints the executable's path.
# Remove it afterwards with `git worktree remove --force DIR`.
set -euo pipefail
commit="$1"
dir="$2"
here="$(cd "$(dirname "$0")" && pwd)"
git -C "$here" worktree add --detach "$dir" "$commit" >&2
mkdir -p "$dir/sim/examples"
cp "$here/sim_launcher.rs" "$dir/sim/examples/sim_launcher.rs"
CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$dir/target" \
    cargo build --release --locked -p viper-sim --example sim_launcher \
    --manifest-path "$dir/Cargo.toml" >&2
echo "$dir/target/release/examples/sim_launcher"
