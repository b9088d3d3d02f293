#!/usr/bin/env bash
# Install the `lsm` Python package into the active Python environment (a virtualenv, conda
# env...): the system LAPACK first if it is missing, then `pip install ./crates/lsm-python`,
# which builds the wheel with maturin (a release build: a few minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
python3 -m pip install "$@" ./crates/lsm-python
