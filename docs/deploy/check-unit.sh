#!/usr/bin/env bash
# Checks a systemd unit file the way CI does (.ci/run): `systemd-analyze verify` must print
# nothing (systemd 252 exits 0 on an unknown key or an unparsable value and only warns, so any
# line is a failure, shown with the offending line of the file), and the overall exposure of
# `systemd-analyze security` must be at most MAX_EXPOSURE (default 2.0).
# Usage: docs/deploy/check-unit.sh [UNIT_FILE]   (default: docs/deploy/viper.service)
set -euo pipefail

unit="${1:-$(dirname "$0")/viper.service}"
max="${MAX_EXPOSURE:-2.0}"
if ! command -v systemd-analyze >/dev/null; then
    echo "check-unit: systemd-analyze not found (Debian: apt-get install systemd)" >&2
    exit 2
fi
[ -f "$unit" ] || { echo "check-unit: no such file: $unit" >&2; exit 2; }
name="$(basename "$unit")"

# A private root: the distribution's units (for the targets the unit names), the unit, and a
# stub for every executable it runs (verify checks that they exist).
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system"
cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "$unit" "$root/etc/systemd/system/$name"
grep -E '^Exec[A-Za-z]*=' "$unit" | sed -E 's/^[^=]+=[-@:+!]*//' | awk '{print $1}' |
    while read -r exe; do
        case "$exe" in /*) ;; *) continue ;; esac
        mkdir -p "$root$(dirname "$exe")"
        printf '#!/bin/sh\n' >"$root$exe"
        chmod +x "$root$exe"
    done

status=0
out="$(systemd-analyze verify --root="$root" "/etc/systemd/system/$name" 2>&1)" || status=$?
if [ -n "$out" ] || [ "$status" -ne 0 ]; then
    echo "check-unit: systemd-analyze verify rejects $unit:" >&2
    printf '%s\n' "$out" | while IFS= read -r line; do
        msg="${line#"$root"/etc/systemd/system/}"
        echo "  $msg" >&2
        n="$(printf '%s' "$msg" | sed -nE "s/^${name//./\\.}:([0-9]+):.*/\1/p")"
        if [ -n "$n" ]; then
            echo "    line $n: $(sed -n "${n}p" "$unit")" >&2
        fi
    done
    exit 1
fi

report="$(systemd-analyze security --offline=yes "$root/etc/systemd/system/$name" 2>&1)" || true
exposure="$(printf '%s\n' "$report" | sed -nE 's/.*Overall exposure level for [^:]+: ([0-9.]+).*/\1/p' | tail -1)"
if [ -z "$exposure" ]; then
    echo "check-unit: systemd-analyze security gave no exposure level:" >&2
    printf '%s\n' "$report" >&2
    exit 1
fi
if awk -v e="$exposure" -v m="$max" 'BEGIN { exit !(e > m) }'; then
    echo "check-unit: $unit: exposure $exposure is above $max; the weakest settings:" >&2
    printf '%s\n' "$report" | grep -E '^✗' | head -20 >&2
    exit 1
fi
echo "check-unit: $unit: verify clean, exposure $exposure (at most $max)"
