#!/usr/bin/env bash
# Time-series accuracy and ESN speed, lsm against reservoirpy, side by side in one run.
# Usage: scripts/bench/timeseries.sh [--speed-only] [extra args of esn_timeseries.py]
#   --speed-only: only the speed comparison (1000-unit ESN, 50 000 steps, run + ridge fit,
#   in-degree 10 and 100), printing both sides' times and the ratio measured in this run.
# Needs the bench venv (scripts/bench/.venv) and builds the release `lsm` binary. Runs from any
# working directory (relative paths in the extra arguments are taken from it).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/paths.sh"
export CARGO_TARGET_DIR="$(cargo_target)"
args=()
for a in "$@"; do
  if [[ "$a" == "--speed-only" ]]; then args+=(--skip-accuracy); else args+=("$a"); fi
done
cargo build --release --manifest-path "$REPO_ROOT/Cargo.toml" -p lsm-cli
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  "$BENCH_DIR/.venv/bin/python" "$BENCH_DIR/esn_timeseries.py" --lsm "$CARGO_TARGET_DIR/release/lsm" "${args[@]}"
