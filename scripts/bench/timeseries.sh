#!/usr/bin/env bash
# Time-series accuracy and ESN speed, lsm against reservoirpy, side by side in one run.
# Usage: scripts/bench/timeseries.sh [--speed-only] [extra args of esn_timeseries.py]
#   --speed-only: only the speed comparison (1000-unit ESN, 50 000 steps, run + ridge fit,
#   in-degree 10 and 100), printing both sides' times and the ratio measured in this run.
# Needs the bench venv (scripts/bench/.venv) and builds the release `lsm` binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
args=()
for a in "$@"; do
  if [[ "$a" == "--speed-only" ]]; then args+=(--skip-accuracy); else args+=("$a"); fi
done
cargo build --release -p lsm-cli
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  scripts/bench/.venv/bin/python scripts/bench/esn_timeseries.py --lsm "$target/release/lsm" "${args[@]}"
