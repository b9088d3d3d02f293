#!/usr/bin/env bash
# FSDD spoken digits, side by side on the same files in one go:
#   1. lsm            : `lsm fit --data DIR --split train --out M` + `lsm evaluate --model M --data DIR --split test --json`
#   2. reservoirpy ESN: esn_fsdd.py (tuned defaults, no tuning)
#   3. Brian2 LSM     : brian2_lsm_fsdd.py --mode standalone --dt 1.0 (cpp_standalone)
# and prints one table: tool, test accuracy, wall and CPU time (s, whole process incl. features,
# code generation and compilation where the tool does it), time ratio vs lsm.
#
# Usage: scripts/bench/fsdd_side_by_side.sh [--data DIR] [--subset N] [--config C] [--skip-lsm]
#                                           [--skip-esn] [--skip-brian2] [--loso] [--out DIR]
#   --data DIR   FSDD recordings (default: $LSM_FSDD_DIR, else ../shared/datasets/fsdd/recordings
#                beside the repository; scripts/fetch-fsdd.sh downloads FSDD)
#   --subset N   use N files per speaker/digit (same rule as the Python scripts' --subset); a
#                directory of symlinks is made so that every tool reads exactly the same files
#   --config C   lsm pipeline config passed to `lsm fit --config C` (default: lsm's default)
#   --loso       also leave-one-speaker-out: lsm runs fit/evaluate with --test-speakers S for
#                each speaker S, the Python scripts get --loso; the times then include this work
#   --out DIR    where JSON and logs go (default scripts/bench/build/side_by_side/<UTC time>)
# Environment: CARGO_TARGET_DIR (default <repo>/target-peers), LSM_BIN (a prebuilt lsm binary:
#              skips the build), NICE (default 10),
#              PY (default scripts/bench/.venv/bin/python).
# The machine is shared and noisy: compare only numbers from the same run of this script.
# Runs from any working directory (relative paths in the arguments are taken from it).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/paths.sh"
HERE="$BENCH_DIR"
ROOT="$REPO_ROOT"
DATA=""
SUBSET=""
CONFIG=""
RUN_LSM=1 RUN_ESN=1 RUN_B2=1
LOSO=0
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
    --loso) LOSO=1; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

PY="${PY:-$HERE/.venv/bin/python}"
NICE="${NICE:-10}"
export CARGO_TARGET_DIR="$(cargo_target target-peers)"
OUT="$(realpath -m "${OUT:-$HERE/build/side_by_side/$(date -u +%Y%m%dT%H%M%SZ)}")"
DATA="$(fsdd_dir "$DATA")" || exit 2
mkdir -p "$OUT"
[[ -x "$PY" ]] || { echo "error: no Python venv at '$PY' (see scripts/bench/README.md)" >&2; exit 2; }
RUNENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n "$NICE")
PYLOSO=()
[[ $LOSO == 1 ]] && PYLOSO=(--loso)

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

# timed NAME CMD...: runs CMD, writes {"wall_s", "cpu_s"} (CPU = user + sys of CMD and its children)
# to $OUT/NAME_time.json; stdout/stderr redirections are done by the caller.
timed() {
  local name="$1"; shift
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$OUT/$name.rusage" "$@" || rc=$?
  t1=$(date +%s.%N)
  if [[ $rc == 0 ]]; then
    read -r u s <"$OUT/$name.rusage"
    awk -v t0="$t0" -v t1="$t1" -v u="$u" -v s="$s" \
      'BEGIN { printf "{\"wall_s\": %.3f, \"cpu_s\": %.3f}\n", t1 - t0, u + s }' >"$OUT/${name}_time.json"
  fi
  return $rc
}
echo "# FSDD side by side: $NFILES files in $DATA; output in $OUT" >&2
echo "# start $(date -u +%FT%TZ)  uptime:$(uptime)" | tee "$OUT/uptime_start.txt" >&2

# ---- 1. lsm -------------------------------------------------------------------------------
if [[ $RUN_LSM == 1 ]]; then
  if [[ -n "${LSM_BIN:-}" ]]; then
    echo "# using prebuilt lsm binary $LSM_BIN" >&2
    LSM="$LSM_BIN"; BUILD_OK=1
  else
    echo "# building lsm-cli (release, not timed) in $CARGO_TARGET_DIR" >&2
    BUILD_OK=0
    (cd "$ROOT" && nice -n "$NICE" cargo build --release -p lsm-cli -j 2 --quiet) >"$OUT/lsm_build.log" 2>&1 && BUILD_OK=1
    LSM="$CARGO_TARGET_DIR/release/lsm"
  fi
  if [[ $BUILD_OK == 1 ]]; then
    CFG=()
    [[ -n "$CONFIG" ]] && CFG=(--config "$CONFIG")
    if timed lsm_fit "${RUNENV[@]}" "$LSM" fit "${CFG[@]}" --data "$DATA" --split train \
        --out "$OUT/lsm_model.json" --quiet >"$OUT/lsm_fit.log" 2>&1; then
      timed lsm_eval "${RUNENV[@]}" "$LSM" evaluate --model "$OUT/lsm_model.json" --data "$DATA" \
        --split test --json --quiet >"$OUT/lsm_eval.json" 2>"$OUT/lsm_eval.log" \
        || echo "# lsm evaluate failed, see $OUT/lsm_eval.log" >&2
      if [[ $LOSO == 1 ]]; then
        for S in $(ls "$DATA" | sed -n 's/^[0-9]_\([A-Za-z]*\)_[0-9]*\.wav$/\1/p' | sort -u); do
          timed "lsm_loso_fit_$S" "${RUNENV[@]}" "$LSM" fit "${CFG[@]}" --data "$DATA" --split train \
              --test-speakers "$S" --out "$OUT/lsm_loso_model_$S.json" --quiet >"$OUT/lsm_loso_fit_$S.log" 2>&1 \
            && timed "lsm_loso_eval_$S" "${RUNENV[@]}" "$LSM" evaluate --model "$OUT/lsm_loso_model_$S.json" \
              --data "$DATA" --split test --test-speakers "$S" --json --quiet \
              >"$OUT/lsm_loso_eval_$S.json" 2>"$OUT/lsm_loso_eval_$S.log" \
            || echo "# lsm LOSO ($S) failed, see $OUT/lsm_loso_*_$S.log" >&2
        done
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
  timed esn "${RUNENV[@]}" "$PY" "$HERE/esn_fsdd.py" --data "$DATA" "${PYLOSO[@]}" --json >"$OUT/esn.json" 2>"$OUT/esn.log" \
    || echo "# esn_fsdd.py failed, see $OUT/esn.log" >&2
fi

# ---- 3. Brian2 LSM, cpp_standalone, dt 1 ms -----------------------------------------------
if [[ $RUN_B2 == 1 ]]; then
  echo "# Brian2 LSM (cpp_standalone, dt 1 ms)" >&2
  timed brian2 "${RUNENV[@]}" "$PY" "$HERE/brian2_lsm_fsdd.py" --data "$DATA" --mode standalone --dt 1.0 \
    --workdir "$HERE/build/b2lsm_side_by_side" "${PYLOSO[@]}" --json >"$OUT/brian2.json" 2>"$OUT/brian2.log" \
    || echo "# brian2_lsm_fsdd.py failed, see $OUT/brian2.log" >&2
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

import glob

rows = []
lf, le, lev = load("lsm_fit_time.json"), load("lsm_eval_time.json"), load("lsm_eval.json")
if lf and le and lev:
    wall, cpu = lf["wall_s"] + le["wall_s"], lf["cpu_s"] + le["cpu_s"]
    detail = f"fit {lf['wall_s']:.2f}, evaluate {le['wall_s']:.2f}"
    loso = None
    evs = sorted(glob.glob(os.path.join(out, "lsm_loso_eval_*.json")))
    if evs:
        accs = []
        for e in evs:
            spk = os.path.basename(e)[len("lsm_loso_eval_"):-len(".json")]
            r, tf, te = load(os.path.basename(e)), load(f"lsm_loso_fit_{spk}_time.json"), load(f"lsm_loso_eval_{spk}_time.json")
            if r and tf and te:
                accs.append(r["accuracy"])
                wall += tf["wall_s"] + te["wall_s"]
                cpu += tf["cpu_s"] + te["cpu_s"]
        if accs:
            loso = sum(accs) / len(accs)
            detail += f", LOSO {len(accs)} folds"
    rows.append(("lsm", lev.get("accuracy"), loso, lev.get("n_samples"), wall, cpu, detail))
et, ej = load("esn_time.json"), load("esn.json")
if et and ej:
    t = ej["timings_s"]
    rows.append(("reservoirpy ESN", ej["test_accuracy"], (ej.get("loso") or {}).get("mean"), ej["n_test"],
                 et["wall_s"], et["cpu_s"],
                 f"features {t['load_features_s']:.2f}, states {t['states_train_s'] + t['states_test_s']:.2f}, "
                 f"fit {t['fit_s']:.2f}, predict {t['predict_s']:.3f}"
                 + (f", LOSO {t['loso_s']:.2f}" if "loso_s" in t else "")))
bt, bj = load("brian2_time.json"), load("brian2.json")
if bt and bj:
    t = bj["timings_s"]
    rows.append(("Brian2 LSM (standalone, dt 1 ms)", bj["test_accuracy"], (bj.get("loso") or {}).get("mean"),
                 bj["n_test"], bt["wall_s"], bt["cpu_s"],
                 f"log-mel {t['logmel_s']:.2f}, codegen+compile {t.get('compile_s', 0):.2f}, "
                 f"sim wall {t['sim_s']:.2f} (CPU {bj['sim']['sim_cpu_s']:.2f}), readout fit {t['fit_s']:.2f}"
                 + (f", LOSO {t['loso_s']:.2f}" if "loso_s" in t else "")))

base = rows[0] if rows and rows[0][0] == "lsm" else None
fmt = lambda v: f"{v:.4f}" if isinstance(v, (int, float)) else "n/a"
print(f"{'tool':<34} {'test acc':>8} {'LOSO':>6} {'n test':>6} {'wall s':>8} {'CPU s':>8} {'wall/lsm':>8} {'CPU/lsm':>8}   breakdown (wall s)")
for name, acc, loso, n, wall, cpu, detail in rows:
    rw = f"{wall / base[4]:.2f}" if base else "n/a"
    rc = f"{cpu / base[5]:.2f}" if base and base[5] > 0 else "n/a"
    print(f"{name:<34} {fmt(acc):>8} {fmt(loso)[:6]:>6} {str(n):>6} {wall:>8.2f} {cpu:>8.2f} {rw:>8} {rc:>8}   {detail}")
if base is None:
    print("(no lsm row: skipped, or lsm-cli did not build or run; ratios unavailable)")
with open(os.path.join(out, "table.json"), "w") as f:
    json.dump([dict(zip(["tool", "test_accuracy", "loso_mean", "n_test", "wall_s", "cpu_s", "breakdown"], r)) for r in rows], f, indent=1)
EOF
