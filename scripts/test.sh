#!/usr/bin/env bash
# The project's test command: formatting, lints, the whole test suite (unit, integration, doc),
# then the examples, then the Python package (its wheel built and tested in a fresh virtual
# environment).
# Installs the system LAPACK first if it is missing. Runs from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
# The runnable examples of the facade crate (examples/*.rs), in the test profile (optimised
# enough to take seconds; the tests above built its dependencies).
for example in spoken_digits mackey_glass simulate_raster; do
    echo "== cargo run --example $example"
    cargo run --locked --profile test --example "$example"
done
for example in spike_patterns spike_segments force_generator; do
    echo "== cargo run --example $example -- --quick"
    cargo run --locked --profile test --example "$example" -- --quick
done
echo "== Python package"
bash scripts/python-test.sh
