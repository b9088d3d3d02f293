#!/usr/bin/env bash
# Encoding speed, side by side: lsm-encoding (cochleagram + spikes, rayon) vs librosa's
# log-mel alone (1 process and N processes) on every FSDD recording, in the same run.
# Usage: scripts/bench/encoding.sh [DIR]
#   DIR: FSDD recordings (default: $LSM_FSDD_DIR, else ../shared/datasets/fsdd/recordings
#   beside the repository). Runs from any working directory.
# Environment: PYTHON (default scripts/bench/.venv/bin/python), CARGO_TARGET_DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/paths.sh"
DIR="$(fsdd_dir "${1:-}")"
PY="${PYTHON:-$BENCH_DIR/.venv/bin/python}"
JOBS="$(nproc)"
export CARGO_TARGET_DIR="$(cargo_target)"

cargo build --release -q --manifest-path "$REPO_ROOT/Cargo.toml" -p lsm-encoding --example encode_fsdd
BIN="$CARGO_TARGET_DIR/release/examples/encode_fsdd"

echo "== lsm-encoding (log-mel + regular rate spikes, ${JOBS} threads)"
RUST_OUT="$("$BIN" "$DIR" --repeat 3)"
echo "$RUST_OUT"
echo "== librosa log-mel only, 1 process"
PY1_OUT="$("$PY" "$BENCH_DIR/mel_librosa.py" "$DIR" --repeat 3 --jobs 1)"
echo "$PY1_OUT"
echo "== librosa log-mel only, ${JOBS} processes"
PYN_OUT="$("$PY" "$BENCH_DIR/mel_librosa.py" "$DIR" --repeat 3 --jobs "$JOBS")"
echo "$PYN_OUT"

secs() { sed -n 's/^RESULT .*seconds=\([0-9.]*\).*/\1/p' <<<"$1"; }
R="$(secs "$RUST_OUT")"; P1="$(secs "$PY1_OUT")"; PN="$(secs "$PYN_OUT")"
python3 - "$R" "$P1" "$PN" "$JOBS" <<'PYEOF'
import sys
r, p1, pn, j = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
print(f"lsm-encoding {r:.3f} s | librosa 1 proc {p1:.3f} s ({p1 / r:.1f}x slower) | "
      f"librosa {j} procs {pn:.3f} s ({pn / r:.1f}x slower)")
PYEOF
