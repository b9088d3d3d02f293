#!/usr/bin/env bash
# Hostile-input sweep: builds the release CLI and runs each hostile case as a
# careless user would, in a temporary directory, each with a timeout and a memory limit, and
# prints one Markdown table row per case: the case, the exit code (124 = timeout, 13x =
# signal) and the first line of stderr (or stdout). Expected: a non-zero exit with a message
# naming the file or field, or the documented behaviour. Nothing outside the temporary
# directory is written.
#
# Usage: scripts/hostile-sweep.sh            (builds target/release/lsm with cargo)
#        LSM_BIN=path/to/lsm scripts/hostile-sweep.sh
# Environment: SWEEP_TIMEOUT (seconds per case, default 60), SWEEP_MEM_KB (ulimit -v, default
# 4000000), FSDD (folder of FSDD-style WAVs, default datasets/fsdd-sample/recordings).
# Needs: bash, coreutils (timeout, truncate, dd), jq, mkfifo.
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${LSM_BIN:-}" ]; then
    (cd "$here" && cargo build --release -q -p lsm-cli) || exit 1
    LSM_BIN="${CARGO_TARGET_DIR:-$here/target}/release/lsm"
fi
LSM_BIN="$(cd "$(dirname "$LSM_BIN")" && pwd)/$(basename "$LSM_BIN")"
command -v jq >/dev/null || { echo "hostile-sweep: needs jq" >&2; exit 1; }
TO="${SWEEP_TIMEOUT:-60}"
MEM="${SWEEP_MEM_KB:-4000000}"
FSDD="${FSDD:-$here/datasets/fsdd-sample/recordings}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# A mono 16-bit PCM WAV header for `bytes` of data at `rate` Hz.
wav_header() { # rate bytes
    local rate=$1 n=$2
    le32() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))\\x$(printf %02x $((($1 >> 16) & 255)))\\x$(printf %02x $((($1 >> 24) & 255)))"; }
    printf 'RIFF'; le32 $((36 + n)); printf 'WAVEfmt '; le32 16
    printf '\x01\x00\x01\x00'; le32 "$rate"; le32 $((rate * 2)); printf '\x02\x00\x10\x00'
    printf 'data'; le32 "$n"
}
# Digital silence (zeros) of `samples` samples at `rate` Hz.
silence() { wav_header "$1" $(($2 * 2)) >"$3"; head -c $(($2 * 2)) /dev/zero >>"$3"; }
# Noise of `samples` samples at `rate` Hz.
noise() { wav_header "$1" $(($2 * 2)) >"$3"; head -c $(($2 * 2)) /dev/urandom >>"$3"; }

row() { # name, command...
    local name=$1; shift
    local out rc
    out="$( (ulimit -v "$MEM"; timeout "$TO" "$@") 2>&1 >"$work/stdout.txt")"
    rc=$?
    [ -z "$out" ] && out="$(head -c 300 "$work/stdout.txt")"
    out="$(printf '%s' "$out" | grep -v '^\s*$' | head -n 1 | cut -c1-220 | sed 's/|/\\|/g')"
    out="${out//$work\//}"
    printf '| %s | %s | %s |\n' "$name" "$rc" "$out"
}

L="$LSM_BIN"
# Inputs: a real recording, a small training folder, a tiny config and a fitted model.
one="$FSDD/0_george_0.wav"
mkdir train
for f in "$FSDD"/[01]_george_[5-8].wav "$FSDD"/[01]_jackson_[5-8].wav; do cp "$f" train/; done
"$L" -q default-config >cfg.json || exit 1
jq '.network.n_neurons = 30 | .readout.logistic_alphas = [10]' cfg.json >tiny.json
"$L" -q fit --config tiny.json --data train --out model.json >/dev/null 2>&1 || echo "setup: fit failed" >&2
"$L" -q network generate --config <(echo '{"n_neurons": 20}') --out net.json >/dev/null 2>&1
"$L" -q encode "$one" --out spikes.csv >/dev/null 2>&1

echo "| case | exit | first line of the message |"
echo "|---|---|---|"
# Lying WAV header: data size 4 GB.
cp "$one" liar.wav
printf '\xf0\xff\xff\xff' | dd of=liar.wav bs=1 seek=40 conv=notrunc status=none
row "encode: WAV header claims 4 GB" "$L" -q encode liar.wav --out o1.csv
mkdir liars; cp train/* liars/; cp liar.wav liars/0_liar_5.wav
row "fit: WAV header claims 4 GB" "$L" -q fit --config tiny.json --data liars --out o2.json
row "predict: WAV header claims 4 GB" "$L" -q predict --model model.json liar.wav
# Huge sizes in configs.
for c in '.network.n_neurons = 1000000000' '.encoder.front_end.filterbank.n_bands = 100000000' \
    '.encoder.front_end.sample_rate_hz = 4000000000' '.encoder.dt_ms = 1e-9 | .network.dt_ms = 1e-9' \
    '.network.neuron.t_ref_ms = 1e300'; do
    jq "$c" tiny.json >c.json 2>/dev/null || { row "config $c" false; continue; }
    row "fit, config $c" "$L" -q fit --config c.json --data train --out o3.json
done
echo '{"n_neurons": 20}' >g.json
row "network generate --n-inputs 1e9" "$L" -q network generate --config g.json --n-inputs 1000000000 --out o4.json
"$L" -q default-config --task narma10 >ts.json
jq '.reservoir.n_units = 1000000000' ts.json >ts_big.json
row "fit narma10, ESN n_units 1e9" "$L" -q fit --config ts_big.json --data narma10 --out o5.json
# Long runs.
row "simulate --duration-ms 1e12" "$L" -q simulate --network net.json --input spikes.csv --duration-ms 1e12 --out o6.csv
row "simulate --record-v, 1e7 ms" "$L" -q simulate --network net.json --input spikes.csv --duration-ms 1e7 --out o7.csv --record-v v.csv
row "network stdp --epochs 1e8" "$L" -q network stdp --network net.json --input spikes.csv --duration-ms 100 --epochs 1e8 --out o8.json
row "network stdp --epochs 100000000" "$L" -q network stdp --network net.json --input spikes.csv --duration-ms 100 --epochs 100000000 --out o8.json
row "--threads 100000" "$L" -q --threads 100000 predict --model model.json "$one"
# A 2 GB sparse file as the model.
truncate -s 2G sparse.json
row "predict, 2 GB sparse model file" "$L" -q predict --model sparse.json "$one"
# Odd recordings.
noise 1 8 hz1.wav
row "predict, 1 Hz WAV" "$L" -q predict --model model.json hz1.wav
noise 8000 4800000 long.wav
row "predict, 10-minute WAV" "$L" -q predict --model model.json long.wav
silence 8000 4000 silent.wav
row "predict, digital silence" "$L" -q predict --model model.json silent.wav
noise 8000 10 short.wav
row "predict, WAV shorter than one frame" "$L" -q predict --model model.json short.wav
# Output = input.
cp spikes.csv s2.csv
row "encode --out = input WAV" "$L" -q encode train/0_george_5.wav --out train/0_george_5.wav
row "simulate --out = --input" "$L" -q simulate --network net.json --input s2.csv --duration-ms 100 --out s2.csv
row "fit --out = --config" "$L" -q fit --config tiny.json --data train --out tiny.json
row "evaluate --plot = --model" "$L" -q evaluate --model model.json --data train --split train --plot model.json
# Special outputs.
row "encode --out /dev/null" "$L" -q encode "$one" --out /dev/null
mkfifo fifo
(cat fifo >/dev/null &)
row "encode --out FIFO (with a reader)" "$L" -q encode "$one" --out fifo
ln -s elsewhere.csv link.csv
row "encode --out dangling symlink" "$L" -q encode "$one" --out link.csv
[ -f elsewhere.csv ] && echo "| (the link's target was written, the link kept) | | |"
# Bad dataset folders.
mkdir odd; cp train/* odd/; ln -s missing.wav odd/1_x_9.wav; mkfifo odd/1_y_9.wav; mkdir odd/x.wav
row "fit, folder with dangling link, FIFO, dir x.wav" "$L" -q fit --config tiny.json --data odd --out o9.json
mkdir big; cp train/* big/; cp "$one" big/99999999999999999999_a_5.wav
row "fit, label number too large" "$L" -q fit --config tiny.json --data big --out o10.json
# Text inputs.
{ printf '\xef\xbb\xbfx\n'; for i in $(seq 1 8000); do echo "$((i % 7)).5"; done; } >bom.csv
"$L" -q default-config --task mackey-glass >tscsv.json
row "fit csv with a UTF-8 BOM" "$L" -q fit --config tscsv.json --data bom.csv --target x --out o11.json
cp "$one" "$(printf 'new\nline.wav')"
row "predict, file name with a newline" "$L" -q predict --model model.json "$(printf 'new\nline.wav')"
echo '[]' >arr.json; echo '{}' >obj.json; echo '{"seed": 1, "seed": 2}' >dup.json
for c in arr obj dup; do
    row "fit --config $c.json" "$L" -q fit --config $c.json --data train --out o12.json
done
