#!/usr/bin/env python3
"""librosa log-mel (the Brian2 baseline's front end) on every FSDD recording, timed.

The same work as `cargo run --release -p lsm-encoding --example encode_fsdd` minus the spike
encoding: read each WAV (soundfile, float32, as scripts/bench/common_fsdd.py does), compute
librosa.feature.melspectrogram (8 kHz, n_fft 256, hop 80, hann, 32 mels, 0-4 kHz, power 2)
and power_to_db(ref=max) floored at -50 dB and mapped to [0, 1]. Prints the best of --repeat
runs and a machine-readable RESULT line. --jobs N uses N worker processes (default 1:
librosa is single-threaded).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common_fsdd as C  # noqa: E402


def logmel01(path: str) -> int:
    import librosa
    import soundfile as sf

    y, sr = sf.read(path, dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    s = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=256, hop_length=80, win_length=256,
                                       window="hann", n_mels=32, fmin=0.0, fmax=4000.0,
                                       power=2.0)
    db = np.maximum(librosa.power_to_db(s, ref=np.max, top_db=None), -50.0)
    x = (db + 50.0) / 50.0
    return x.shape[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", nargs="?", default=C.DEFAULT_DATA,
                    help="FSDD recordings (default: $LSM_FSDD_DIR, else ../shared/datasets/fsdd/recordings beside the repository)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    if not os.path.isdir(a.dir):
        sys.exit(f"error: FSDD recordings folder '{a.dir}' does not exist: {C.MISSING_HINT}")
    files = sorted(os.path.join(a.dir, f) for f in os.listdir(a.dir) if f.endswith(".wav"))
    if not files:
        sys.exit(f"error: {a.dir}: no .wav files")
    logmel01(files[0])  # import librosa, warm numba caches
    best = float("inf")
    frames = 0
    for r in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        if a.jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(a.jobs) as ex:
                frames = sum(ex.map(logmel01, files, chunksize=64))
        else:
            frames = sum(logmel01(f) for f in files)
        dt = time.perf_counter() - t0
        print(f"run {r + 1}: {dt:.3f} s, {len(files) / dt:.0f} files/s")
        best = min(best, dt)
    print(f"{len(files)} files, {frames} frames, {a.jobs} process(es)")
    print(f"RESULT files={len(files)} seconds={best:.4f} files_per_s={len(files) / best:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
