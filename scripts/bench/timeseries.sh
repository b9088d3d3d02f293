#!/usr/bin/env bash
# Time-series accuracy and ESN speed, lsm against reservoirpy, side by side in one run.
# Usage: scripts/bench/timeseries.sh [extra args of esn_timeseries.py]
# Needs the bench venv (scripts/bench/.venv) and builds the release `lsm` binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build --release -p lsm-cli
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  scripts/bench/.venv/bin/python scripts/bench/esn_timeseries.py --lsm "$target/release/lsm" "$@"
