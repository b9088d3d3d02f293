#!/usr/bin/env bash
# The Python package's test: build the wheel from the repo and install it into a fresh virtual
# environment, then run the pytest suite (crates/lsm-python/tests, doctests included) against
# the installed wheel, from outside the source tree. The cross-checks with the command line use
# the `lsm` the Rust tests built, when there is one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/ensure-system-deps.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --quiet --upgrade pip
"$py" -m pip install --quiet numpy pytest scikit-learn
echo "== building and installing the wheel (pip install ./crates/lsm-python)"
"$py" -m pip install --quiet ./crates/lsm-python
lsm_bin="${CARGO_TARGET_DIR:-$root/target}/debug/lsm"
if [ -x "$lsm_bin" ]; then
    export LSM_BIN="$lsm_bin"
else
    echo "note: no $lsm_bin (run the Rust tests first): the command-line cross-checks are skipped"
fi
echo "== pytest crates/lsm-python/tests (against the installed wheel)"
cd "$work"
"$py" -m pytest "$root/crates/lsm-python/tests" -q -p no:cacheprovider
echo "== examples/python (spoken digits, Mackey-Glass)"
cd "$root"
"$py" examples/python/spoken_digits.py
LSM_PLOT="$work/mackey_glass.png" "$py" examples/python/mackey_glass.py
