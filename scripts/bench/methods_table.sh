#!/usr/bin/env bash
# One table, one run: the liquid state machine against the other ways a spiking network can
# learn (issue 19), on the same data and splits, with training and inference times.
#
#   lsm            the default pipeline (reservoir + logistic readout)
#   input only     the same readout on the encoder's pooled spikes (no reservoir)
#   surrogate      a spiking network trained by surrogate gradients on the input spikes
#                  (the pipeline's "snn" section; SNN_HIDDEN hidden LIF neurons, membrane loss)
#   converted      a ReLU network on the pooled reservoir features, converted to
#                  integrate-and-fire neurons (lsm convert; accuracy at CONVERT_STEPS steps)
#
# Usage: scripts/bench/methods_table.sh FSDD_DIR OUT_DIR [SPLITS]
#   SPLITS: space-separated, "official" and/or speaker names (default: official and the five
#   leave-one-speaker-out splits; "none": the spike patterns only). Environment: LSM (binary, default target/release/lsm),
#   SNN_HIDDEN (default 1000, as many neurons as the reservoir), SNN_EPOCHS (default 30),
#   SNN_LR (Adam's step, default 0.003: chosen for 1,000 hidden neurons, docs/experiments.md),
#   CONVERT_STEPS (default 100), PATTERNS (1: also the spike-pattern benchmark, default 1).
# Writes OUT_DIR/table.md and the per-run logs and JSON reports next to it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${1:?FSDD folder}"
out="${2:?output folder}"
splits="${3:-official george jackson nicolas theo yweweler}"
lsm="${LSM:-$here/../../target/release/lsm}"
hidden="${SNN_HIDDEN:-1000}"
epochs="${SNN_EPOCHS:-30}"
lr="${SNN_LR:-0.003}"
steps="${CONVERT_STEPS:-100}"
mkdir -p "$out"

# derive PREFIX: from $out/PREFIXlsm.json, the same config on the input alone
# (PREFIXinput.json) and with the surrogate-trained network (PREFIXsnn.json).
derive() {
    python3 - "$out" "$1" "$hidden" "$epochs" "$lr" <<'EOF'
import json, sys
out, prefix, hidden, epochs, lr = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
base = json.load(open(f"{out}/{prefix}lsm.json"))
c = dict(base, features=dict(base["features"], reservoir=False))
json.dump(c, open(f"{out}/{prefix}input.json", "w"), indent=1)
c = dict(base, snn={"method": "surrogate", "hidden": hidden, "epochs": epochs,
                    "loss": "membrane", "learning_rate": lr})
json.dump(c, open(f"{out}/{prefix}snn.json", "w"), indent=1)
EOF
}
"$lsm" default-config > "$out/lsm.json"
derive ""

now() { date +%s.%N; }
# fit_eval NAME CONFIG DATA SPLIT_FLAGS...: fit, evaluate; appends "name split acc fit_s eval_s".
fit_eval() {
    local name="$1" cfg="$2" data="$3" tag="$4"
    shift 4
    local t0 t1 t2 acc
    t0=$(now)
    "$lsm" fit --config "$cfg" --data "$data" --out "$out/$name-$tag.model.json" -q "$@"
    t1=$(now)
    "$lsm" evaluate --model "$out/$name-$tag.model.json" --data "$data" --json -q "$@" > "$out/$name-$tag.eval.json"
    t2=$(now)
    acc=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['accuracy'])" "$out/$name-$tag.eval.json")
    python3 -c "print('$name $tag $acc', round($t1 - $t0, 1), round($t2 - $t1, 1))" >> "$out/rows.txt"
}

convert() {
    local data="$1" tag="$2"
    shift 2
    "$lsm" convert --data "$data" --out "$out/converted-$tag.net.json" --report "$out/converted-$tag.json" --steps "$steps" -q "$@" > /dev/null
    # Training: features + ANN training and conversion; inference: the spiking simulation of
    # the test set (feature extraction of the test set is inside "features").
    python3 - "$out/converted-$tag.json" "$tag" >> "$out/rows.txt" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["time_s"]
print(f"converted {sys.argv[2]} {r['snn'][-1]['accuracy']} "
      f"{t['features'] + t['train_and_convert']:.1f} {t['simulate']:.1f}")
EOF
}

: > "$out/rows.txt"
for split in $splits; do
    [ "$split" = none ] && continue
    if [ "$split" = official ]; then flags=(); else flags=(--test-speakers "$split"); fi
    fit_eval lsm "$out/lsm.json" "$data" "$split" "${flags[@]}"
    fit_eval input "$out/input.json" "$data" "$split" "${flags[@]}"
    fit_eval surrogate "$out/snn.json" "$data" "$split" "${flags[@]}"
    convert "$data" "$split" "${flags[@]}"
done
if [ "${PATTERNS:-1}" = 1 ]; then
    # Jittered templates (Maass et al. 2002), and the parity of three 100 ms segments (which a
    # linear readout of the input's counts cannot compute).
    "$lsm" data spike-patterns --out "$out/patterns" --seed 1 -q
    "$lsm" data spike-patterns --segments 3 --duration-ms 300 --out "$out/parity3" --seed 1 -q
    "$lsm" default-config --task spikes > "$out/sp-lsm.json"
    derive sp-
    for task in patterns parity3; do
        fit_eval lsm "$out/sp-lsm.json" "$out/$task" "$task"
        fit_eval input "$out/sp-input.json" "$out/$task" "$task"
        fit_eval surrogate "$out/sp-snn.json" "$out/$task" "$task"
        convert "$out/$task" "$task" --config "$out/sp-lsm.json"
    done
fi
{
    echo "| method | split | test accuracy | training s | inference s |"
    echo "|---|---|---|---|---|"
    awk '{printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5}' "$out/rows.txt"
} > "$out/table.md"
cat "$out/table.md"
