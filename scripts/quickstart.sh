#!/usr/bin/env bash
# The main job: train a spoken-digit liquid state machine on the bundled FSDD sample
# (datasets/fsdd-sample: 5 speakers, 250 training and 100 test recordings), save it,
# and evaluate it on the held-out takes, printing the accuracy.
# Pass another FSDD-layout folder as $1 (e.g. the full dataset fetched by scripts/fetch-fsdd.sh).
set -euo pipefail
data="${1:-}"
[ -z "$data" ] || data="$(realpath -m "$data")"   # a relative folder is taken from the caller's directory
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
data="${data:-datasets/fsdd-sample}"
cargo build --release --locked -p lsm-cli
target="${CARGO_TARGET_DIR:-target}"
lsm="$target/release/lsm"
mkdir -p "$target/quickstart"
"$lsm" fit --data "$data" --split train --out "$target/quickstart/model.json"
"$lsm" evaluate --model "$target/quickstart/model.json" --data "$data" --split test
