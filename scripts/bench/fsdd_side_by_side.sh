#!/usr/bin/env bash
# FSDD spoken digits, side by side on the same files in one go:
#   1. lsm            : `lsm fit --data DIR --split train --out M` + `lsm evaluate --model M --data DIR --split test --json`
#   2. reservoirpy ESN: esn_fsdd.py (tuned defaults, no tuning)
#   3. Brian2 LSM     : brian2_lsm_fsdd.py --mode standalone --dt 1.0 (cpp_standalone)
# and prints one table: tool, test accuracy, wall time (s, whole process incl. feature extraction,
# code generation and compilation where the tool does it), time ratio vs lsm.
#
# Usage: scripts/bench/fsdd_side_by_side.sh [--data DIR] [--subset N] [--config C] [--skip-lsm]
#                                           [--skip-esn] [--skip-brian2] [--out DIR]
#   --data DIR   FSDD recordings (default /work/shared/datasets/fsdd/recordings)
#   --subset N   use N files per speaker/digit (same rule as the Python scripts' --subset); a
#                directory of symlinks is made so that every tool reads exactly the same files
#   --config C   lsm pipeline config passed to `lsm fit --config C` (default: lsm's default)
#   --out DIR    where JSON and logs go (default scripts/bench/build/side_by_side/<UTC time>)
# Environment: CARGO_TARGET_DIR (default /work/main/target-peers), NICE (default 10),
#              PY (default scripts/bench/.venv/bin/python).
# The machine is shared and noisy: compare only numbers from the same run of this script.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DATA=/work/shared/datasets/fsdd/recordings
SUBSET=""
CONFIG=""
RUN_LSM=1 RUN_ESN=1 RUN_B2=1
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --data) DATA="$2"; shift 2 ;;
    --subset) SUBSET="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --skip-lsm) RUN_LSM=0; shift ;;
    --skip-esn) RUN_ESN=0; shift ;;
    --skip-brian2) RUN_B2=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

PY="${PY:-$HERE/.venv/bin/python}"
NICE="${NICE:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-peers}"
OUT="${OUT:-$HERE/build/side_by_side/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
[[ -d "$DATA" ]] || { echo "error: --data '$DATA' is not a directory" >&2; exit 2; }
[[ -x "$PY" ]] || { echo "error: no Python venv at '$PY' (see scripts/bench/README.md)" >&2; exit 2; }
RUNENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n "$NICE")

if [[ -n "$SUBSET" ]]; then
  SUBDIR="$OUT/fsdd_subset_$SUBSET"
  mkdir -p "$SUBDIR"
  "$PY" -c "
import os, sys
sys.path.insert(0, '$HERE')
import common_fsdd as C
for u in C.list_fsdd('$DATA', int('$SUBSET')):
    dst = os.path.join('$SUBDIR', os.path.basename(u.path))
    if not os.path.exists(dst):
        os.symlink(os.path.abspath(u.path), dst)
"
  DATA="$SUBDIR"
fi
NFILES=$(ls "$DATA"/*.wav | wc -l)

now() { date +%s.%N; }
echo "# FSDD side by side: $NFILES files in $DATA; output in $OUT" >&2
echo "# start $(date -u +%FT%TZ)  uptime:$(uptime)" | tee "$OUT/uptime_start.txt" >&2

# ---- 1. lsm -------------------------------------------------------------------------------
if [[ $RUN_LSM == 1 ]]; then
  echo "# building lsm-cli (release, not timed) in $CARGO_TARGET_DIR" >&2
  if (cd "$ROOT" && nice -n "$NICE" cargo build --release -p lsm-cli -j 2 --quiet) >"$OUT/lsm_build.log" 2>&1; then
    LSM="$CARGO_TARGET_DIR/release/lsm"
    CFG=()
    [[ -n "$CONFIG" ]] && CFG=(--config "$CONFIG")
    t0=$(now)
    if "${RUNENV[@]}" "$LSM" fit "${CFG[@]}" --data "$DATA" --split train --out "$OUT/lsm_model.json" --quiet \
        >"$OUT/lsm_fit.log" 2>&1; then
      t1=$(now)
      if "${RUNENV[@]}" "$LSM" evaluate --model "$OUT/lsm_model.json" --data "$DATA" --split test --json --quiet \
          >"$OUT/lsm_eval.json" 2>"$OUT/lsm_eval.log"; then
        t2=$(now)
        echo "{\"fit_s\": $(echo "$t1 - $t0" | bc), \"evaluate_s\": $(echo "$t2 - $t1" | bc), \"wall_s\": $(echo "$t2 - $t0" | bc)}" >"$OUT/lsm_time.json"
      else
        echo "# lsm evaluate failed, see $OUT/lsm_eval.log" >&2
      fi
    else
      echo "# lsm fit failed, see $OUT/lsm_fit.log" >&2
    fi
  else
    echo "# lsm-cli does not build, see $OUT/lsm_build.log (lsm row skipped)" >&2
  fi
fi

# ---- 2. reservoirpy ESN -------------------------------------------------------------------
if [[ $RUN_ESN == 1 ]]; then
  echo "# reservoirpy ESN" >&2
  t0=$(now)
  if "${RUNENV[@]}" "$PY" "$HERE/esn_fsdd.py" --data "$DATA" --json >"$OUT/esn.json" 2>"$OUT/esn.log"; then
    t1=$(now)
    echo "{\"wall_s\": $(echo "$t1 - $t0" | bc)}" >"$OUT/esn_time.json"
  else
    echo "# esn_fsdd.py failed, see $OUT/esn.log" >&2
  fi
fi

# ---- 3. Brian2 LSM, cpp_standalone, dt 1 ms -----------------------------------------------
if [[ $RUN_B2 == 1 ]]; then
  echo "# Brian2 LSM (cpp_standalone, dt 1 ms)" >&2
  t0=$(now)
  if "${RUNENV[@]}" "$PY" "$HERE/brian2_lsm_fsdd.py" --data "$DATA" --mode standalone --dt 1.0 \
      --workdir "$HERE/build/b2lsm_side_by_side" --json >"$OUT/brian2.json" 2>"$OUT/brian2.log"; then
    t1=$(now)
    echo "{\"wall_s\": $(echo "$t1 - $t0" | bc)}" >"$OUT/brian2_time.json"
  else
    echo "# brian2_lsm_fsdd.py failed, see $OUT/brian2.log" >&2
  fi
fi
echo "# end $(date -u +%FT%TZ)  uptime:$(uptime)" | tee "$OUT/uptime_end.txt" >&2

# ---- table --------------------------------------------------------------------------------
"$PY" - "$OUT" <<'EOF'
import json, os, sys

out = sys.argv[1]

def load(name):
    p = os.path.join(out, name)
    if not os.path.exists(p) or os.path.getsize(p) == 0:
        return None
    with open(p) as f:
        lines = [l for l in f.read().splitlines() if l.strip().startswith("{")]
    return json.loads(lines[-1]) if lines else None

rows = []
lt, le = load("lsm_time.json"), load("lsm_eval.json")
if lt and le:
    rows.append(("lsm", le.get("accuracy"), le.get("n_samples"), lt["wall_s"],
                 f"fit {lt['fit_s']:.2f} s, evaluate {lt['evaluate_s']:.2f} s"))
et, ej = load("esn_time.json"), load("esn.json")
if et and ej:
    t = ej["timings_s"]
    rows.append(("reservoirpy ESN", ej["test_accuracy"], ej["n_test"], et["wall_s"],
                 f"features {t['load_features_s']:.2f}, states {t['states_train_s'] + t['states_test_s']:.2f}, "
                 f"fit {t['fit_s']:.2f}, predict {t['predict_s']:.3f}"))
bt, bj = load("brian2_time.json"), load("brian2.json")
if bt and bj:
    t = bj["timings_s"]
    rows.append(("Brian2 LSM (standalone, dt 1 ms)", bj["test_accuracy"], bj["n_test"], bt["wall_s"],
                 f"log-mel {t['logmel_s']:.2f}, codegen+compile {t.get('compile_s', 0):.2f}, "
                 f"sim {t['sim_s']:.2f}, readout fit {t['fit_s']:.2f}"))

base = rows[0][3] if rows and rows[0][0] == "lsm" else None
print(f"{'tool':<34} {'test acc':>8} {'n test':>6} {'wall s':>8} {'x lsm':>7}   breakdown (s)")
for name, acc, n, wall, detail in rows:
    ratio = f"{wall / base:.2f}" if base else "n/a"
    accs = f"{acc:.4f}" if isinstance(acc, (int, float)) else "n/a"
    print(f"{name:<34} {accs:>8} {str(n):>6} {wall:>8.2f} {ratio:>7}   {detail}")
if base is None:
    print("(no lsm row: lsm-cli did not build or run; ratios unavailable)")
with open(os.path.join(out, "table.json"), "w") as f:
    json.dump([dict(zip(["tool", "test_accuracy", "n_test", "wall_s", "breakdown"], r)) for r in rows], f, indent=1)
EOF
