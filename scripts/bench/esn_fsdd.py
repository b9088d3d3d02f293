#!/usr/bin/env python3
"""reservoirpy ESN digit classifier on FSDD (peer baseline; set-up in docs/benchmarks.md).

Pipeline
1. librosa MFCC: 20 coefficients, 40 mel bands 0-4 kHz, 32 ms Hann window, 10 ms hop; each
   coefficient standardised with the training files' statistics (over all their frames).
2. reservoirpy 0.4 ``Reservoir``: ``units`` leaky-tanh units, x <- (1-lr) x + lr tanh(W x + Win u),
   W normal with density ``rc_density`` rescaled to spectral radius ``sr``, Win Bernoulli
   +-input_scaling with density ``input_density``, no bias, seed 42. Every utterance starts from
   the zero state (``Reservoir.run`` on the list of utterances, ``workers=1``).
3. Per-utterance feature: [mean state over frames, last state] (2 x units).
4. reservoirpy ``Ridge`` (with bias) on one-hot digit targets; prediction = argmax.

Official split: takes 0-4 test (250 files), takes 5-49 train (2250 files).

``--tune``: grid sr x lr x input scaling x ridge scored by 5-fold leave-one-speaker-out (LOSO)
cross-validation inside the train split (inputs standardised once with train statistics, states
collected once per reservoir setting); the best setting (first in grid order on ties) is then used.
``--loso``: also train on 4 speakers (all takes) and test on the 5th, for each speaker
(standardisation statistics recomputed per fold).

Usage (from any folder):  scripts/bench/.venv/bin/python scripts/bench/esn_fsdd.py [--data DIR] [--tune] [--loso] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common_fsdd as C  # noqa: E402


def floats(s: str) -> list[float]:
    return [float(v) for v in s.split(",") if v.strip()]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=C.DEFAULT_DATA, help="FSDD recordings directory (default: $LSM_FSDD_DIR, else ../shared/datasets/fsdd/recordings beside the repository)")
    p.add_argument("--units", type=int, default=1000)
    p.add_argument("--sr", type=float, default=1.1, help="spectral radius (default 1.1)")
    p.add_argument("--lr", type=float, default=0.1, help="leak rate (default 0.1)")
    p.add_argument("--input-scaling", type=float, default=0.3, help="Win scale (default 0.3)")
    p.add_argument("--ridge", type=float, default=100.0, help="ridge penalty (default 100)")
    p.add_argument("--rc-density", type=float, default=0.1)
    p.add_argument("--input-density", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--subset", type=int, default=None, help="files per speaker/digit (quick runs)")
    p.add_argument("--tune", action="store_true", help="LOSO grid search inside train first")
    p.add_argument("--sr-grid", type=floats, default=[0.9, 1.1])
    p.add_argument("--lr-grid", type=floats, default=[0.1, 0.3])
    p.add_argument("--is-grid", type=floats, default=[0.3, 1.0])
    p.add_argument("--ridge-grid", type=floats, default=[0.1, 1, 10, 100, 1000])
    p.add_argument("--loso", action="store_true", help="also report leave-one-speaker-out accuracy")
    p.add_argument("--json", action="store_true", help="print one JSON line of results")
    return p.parse_args()


def standardiser(feats: list[np.ndarray], idx: np.ndarray):
    frames = np.concatenate([feats[i] for i in idx], axis=0)
    mu = frames.mean(axis=0)
    sd = frames.std(axis=0)
    sd[sd == 0] = 1.0
    return lambda x: (x - mu) / sd


def make_reservoir(a, sr, lr, iscale):
    from reservoirpy.nodes import Reservoir

    return Reservoir(
        units=a.units, sr=sr, lr=lr, input_scaling=iscale,
        rc_connectivity=a.rc_density, input_connectivity=a.input_density, seed=a.seed,
    )


def collect(res, seqs: list[np.ndarray]) -> np.ndarray:
    """[mean state, last state] per utterance; every utterance starts from the zero state."""
    if getattr(res, "initialized", False):
        res.reset()
    states = res.run(seqs, workers=1)
    if getattr(res, "initialized", False):
        res.reset()
    return np.stack([np.concatenate([s.mean(axis=0), s[-1]]) for s in states])


def onehot(y: np.ndarray) -> np.ndarray:
    out = np.zeros((len(y), 10))
    out[np.arange(len(y)), y] = 1.0
    return out


def fit_predict(xtr, ytr, xte, ridge):
    from reservoirpy.nodes import Ridge

    t0 = time.perf_counter()
    ro = Ridge(ridge=ridge).fit(xtr, onehot(ytr))
    t1 = time.perf_counter()
    pred = np.argmax(ro.run(xte), axis=1)
    t2 = time.perf_counter()
    return pred, t1 - t0, t2 - t1


def main() -> None:
    a = parse_args()
    timer = C.Timer()
    utts = C.list_fsdd(a.data, a.subset)
    y = np.array([u.digit for u in utts])
    spk = np.array([u.speaker for u in utts])
    is_test = np.array([u.is_test for u in utts])
    tr_idx = np.flatnonzero(~is_test)
    te_idx = np.flatnonzero(is_test)
    C.log(f"esn_fsdd: {len(utts)} files ({len(tr_idx)} train, {len(te_idx)} test) from {a.data}")

    t0 = time.perf_counter()
    feats = [C.mfcc(C.load_wav(u.path)) for u in utts]
    timer.add("load_features_s", time.perf_counter() - t0)
    n_frames = np.array([f.shape[0] for f in feats])

    result = {
        "tool": "reservoirpy-esn",
        "script": "esn_fsdd.py",
        "n_files": len(utts),
        "n_train": int(len(tr_idx)),
        "n_test": int(len(te_idx)),
        "frames_train": int(n_frames[tr_idx].sum()),
        "frames_test": int(n_frames[te_idx].sum()),
        "subset": a.subset,
        "seed": a.seed,
    }

    std = standardiser(feats, tr_idx)
    x_std = [std(f) for f in feats]

    sr, lr, iscale, ridge = a.sr, a.lr, a.input_scaling, a.ridge
    if a.tune:
        t0 = time.perf_counter()
        tr_spk = spk[tr_idx]
        folds = C.speakers([utts[i] for i in tr_idx])
        grid = []
        for g_sr, g_lr, g_is in itertools.product(a.sr_grid, a.lr_grid, a.is_grid):
            res = make_reservoir(a, g_sr, g_lr, g_is)
            xf = collect(res, [x_std[i] for i in tr_idx])
            ytr = y[tr_idx]
            for g_r in a.ridge_grid:
                accs = []
                for s in folds:
                    m = tr_spk != s
                    pred, _, _ = fit_predict(xf[m], ytr[m], xf[~m], g_r)
                    accs.append(float(np.mean(pred == ytr[~m])))
                grid.append({"sr": g_sr, "lr": g_lr, "input_scaling": g_is, "ridge": g_r,
                             "loso_val_acc": float(np.mean(accs))})
                C.log(f"  tune sr={g_sr} lr={g_lr} is={g_is} ridge={g_r}: LOSO val {np.mean(accs):.3f}")
        best = max(grid, key=lambda r: r["loso_val_acc"])  # max keeps the first on ties
        sr, lr, iscale, ridge = best["sr"], best["lr"], best["input_scaling"], best["ridge"]
        timer.add("tune_s", time.perf_counter() - t0)
        result["tune"] = {"grid": grid, "best": best}
        C.log(f"  best: {best}")

    result["params"] = {"units": a.units, "sr": sr, "lr": lr, "input_scaling": iscale, "ridge": ridge,
                        "rc_density": a.rc_density, "input_density": a.input_density}

    res = make_reservoir(a, sr, lr, iscale)
    t0 = time.perf_counter()
    xtr = collect(res, [x_std[i] for i in tr_idx])
    t1 = time.perf_counter()
    xte = collect(res, [x_std[i] for i in te_idx])
    t2 = time.perf_counter()
    timer.add("states_train_s", t1 - t0)
    timer.add("states_test_s", t2 - t1)
    pred, t_fit, t_pred = fit_predict(xtr, y[tr_idx], xte, ridge)
    timer.add("fit_s", t_fit)
    timer.add("predict_s", t_pred)
    acc = float(np.mean(pred == y[te_idx]))
    result["test_accuracy"] = acc
    result["reservoir_steps_per_s"] = float(n_frames.sum() / (t2 - t0))
    C.log(f"  test accuracy {acc:.4f} ({int(np.sum(pred == y[te_idx]))}/{len(te_idx)})")

    if a.loso:
        t0 = time.perf_counter()
        per = {}
        for s in C.speakers(utts):
            ftr = np.flatnonzero(spk != s)
            fte = np.flatnonzero(spk == s)
            fstd = standardiser(feats, ftr)
            xs = [fstd(f) for f in feats]
            r = make_reservoir(a, sr, lr, iscale)
            xa = collect(r, [xs[i] for i in ftr])
            xb = collect(r, [xs[i] for i in fte])
            p, _, _ = fit_predict(xa, y[ftr], xb, ridge)
            per[s] = float(np.mean(p == y[fte]))
            C.log(f"  LOSO {s}: {per[s]:.4f}")
        timer.add("loso_s", time.perf_counter() - t0)
        result["loso"] = {"mean": float(np.mean(list(per.values()))), "per_speaker": per}
        C.log(f"  LOSO mean {result['loso']['mean']:.4f}")

    result["timings_s"] = dict(timer.stages, total_wall_s=timer.total(), total_cpu_s=timer.total_cpu())
    result["machine"] = C.machine_info()
    try:
        import reservoirpy

        result["machine"]["reservoirpy"] = reservoirpy.__version__
    except Exception:
        pass
    if a.json:
        C.emit_json(result)
    else:
        print(f"reservoirpy ESN on FSDD: test accuracy {acc:.4f}  "
              f"(sr {sr}, lr {lr}, input scaling {iscale}, ridge {ridge})")
        if a.loso:
            print("LOSO: mean {:.4f}  ".format(result["loso"]["mean"])
                  + "  ".join(f"{k} {v:.4f}" for k, v in result["loso"]["per_speaker"].items()))
        print("timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in result["timings_s"].items()))


if __name__ == "__main__":
    main()
