"""Generative (closed-loop) prediction, lsm against reservoirpy on the same series, in one run.

Usage (after `cargo build --release -p lsm-cli`; paths default to this file's location):
    scripts/bench/.venv/bin/python scripts/bench/generative.py [--lsm PATH/TO/lsm]
        [--out FILE.json] [--quick]

Data: `lsm data series` writes the very series lsm fits on (Mackey-Glass tau 17 and Lorenz
dt 0.02, seed 42, from `lsm default-config`); reservoirpy reads that CSV. Segments as lsm's
defaults (discard | washout | train | validation | test), min-max scaling on the train segment.

Protocol (both sides, lsm's `closed-loop` mode): trial starts s_j = test_start + 1 +
j (span - 1) // trials with span = test - horizon; from the teacher-forced state after row
s_j - 1 the readout's output is fed back for `horizon` steps. Scores:
* NRMSE-h: sqrt(mean_j (yhat_h - y_h)^2) / std(test segment), per output, averaged (Jaeger);
* NRMSE over the horizon: sqrt(mean over every step of every trial of e(s)^2),
  e(s) = sqrt(mean_c (yhat_c - y_c)^2 / Var_c) (variance over the test segment);
* valid steps: the steps before e(s) first exceeds 0.4 (the horizon if never), mean over
  trials; for Lorenz also in Lyapunov times (lambda = 0.9056, dt = 0.02).

reservoirpy 0.4 (no feedback connection in its 0.4 API): ESN (Reservoir >> Ridge, 500 or 400
units) and NVAR (+ Ridge), each tuned on the validation segment (by valid steps for Lorenz,
NRMSE-84 for Mackey-Glass) over a small grid; the test figure of the chosen setting is
reported. lsm: `lsm fit` (alpha chosen on validation: NRMSE-84 for Mackey-Glass, the valid
time for Lorenz, `"select": "valid-time"`) + `lsm evaluate --json`, for the ESN with and
without feedback, NVAR (its delay chosen on validation over the same grid as reservoirpy's),
and the spiking reservoir with and without feedback.
"""
import argparse
import json
import os
import pathlib
import subprocess
import time

import numpy as np
import reservoirpy as rpy
from reservoirpy.nodes import NVAR, Reservoir, Ridge

ROOT = pathlib.Path(__file__).resolve().parents[2]
LORENZ_LYAPUNOV = 0.9056


def run(cmd):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}\n{r.stderr}")
    return r


def starts(lo, ln, h, trials):
    span = ln - h
    return [lo + 1 + (j * (span - 1)) // trials for j in range(trials)]


def scores(preds, targets, seg):
    """preds/targets: trials x h x outputs (scaled units); seg: the scored segment's targets."""
    var = seg.var(axis=0)
    e2 = ((preds - targets) ** 2 / var).mean(axis=2)  # trials x h
    h = preds.shape[1]
    valid = []
    for row in np.sqrt(e2):
        over = np.nonzero(row > 0.4)[0]
        valid.append(int(over[0]) if len(over) else h)
    end = np.sqrt((((preds[:, -1, :] - targets[:, -1, :]) ** 2).mean(axis=0) / var).mean())
    return {
        "nrmse_h": float(end),
        "nrmse_horizon": float(np.sqrt(e2.mean())),
        "valid_steps_mean": float(np.mean(valid)),
        "censored_trials": int(sum(v == h for v in valid)),
    }


def closed_loop(x, states, step, readout, lo, ln, h, trials):
    """x: scaled series (rows = time); input row t, target row t = x[t + 1]."""
    ss = starts(lo, ln, h, trials)
    o = x.shape[1]
    preds = np.zeros((trials, h, o))
    targs = np.zeros((trials, h, o))
    for j, s0 in enumerate(ss):
        out = readout(states(s0))
        for k in range(h):
            preds[j, k] = out
            targs[j, k] = x[s0 + k]
            if k + 1 < h:
                if not np.all(np.isfinite(out)) or np.abs(out).max() > 1e6:
                    preds[j, k:] = 1e6
                    break
                out = readout(step(out))
    return scores(preds, targs, x[lo + 1 : lo + ln + 1])


def rpy_esn(x, split, p, h, trials, seed=42):
    units, sr, lr, iss, bias, ridge = p
    wash, train, val, test = split
    res = Reservoir(units, sr=sr, lr=lr, input_scaling=iss, bias=bias, rc_connectivity=0.1,
                    seed=seed)
    ro = Ridge(ridge=ridge)
    u, y = x[:-1], x[1:]
    s = res.run(u)
    ro.fit(s[wash : wash + train], y[wash : wash + train])

    def states(s0):
        res.state = {"out": s[s0 - 1].copy()}
        return s[s0 - 1]

    def step(out):
        return res.step(np.ravel(out))

    readout = lambda st: np.ravel(ro.step(np.ravel(st)))
    v = closed_loop(x, states, step, readout, wash + train, val, h, trials)
    t = closed_loop(x, states, step, readout, wash + train + val, test, h, trials)
    return v, t


def rpy_nvar(x, split, p, h, trials):
    delay, order, ridge = p
    wash, train, val, test = split
    nv = NVAR(delay=delay, order=order, strides=1)
    ro = Ridge(ridge=ridge)
    u, y = x[:-1], x[1:]
    f = nv.run(u)
    ro.fit(f[wash : wash + train], y[wash : wash + train])
    hist = delay  # rows that fill the delay buffer

    def states(s0):
        nv.reset()
        out = None
        for r in range(max(0, s0 - hist), s0):
            out = nv.step(u[r])
        return out

    def step(out):
        return nv.step(np.ravel(out))

    readout = lambda st: np.ravel(ro.step(np.ravel(st)))
    v = closed_loop(x, states, step, readout, wash + train, val, h, trials)
    t = closed_loop(x, states, step, readout, wash + train + val, test, h, trials)
    return v, t


def tune(fn, grid, key):
    best = None
    for p in grid:
        try:
            v, t = fn(p)
        except Exception:
            continue
        val = v[key] if key != "valid_steps_mean" else -v[key]
        if not np.isfinite(val):
            continue
        if best is None or val < best[1]:
            best = (p, val, v, t)
    return {"params": best[0], "validation": best[2], "test": best[3]}


def lsm_run(lsm, wd, name, data, cfg):
    c = wd / f"{name}.config.json"
    c.write_text(json.dumps(cfg, indent=1))
    m = wd / f"{name}.model.json"
    t0 = time.perf_counter()
    run([lsm, "-q", "fit", "--config", c, "--data", data, "--out", m])
    fit_s = time.perf_counter() - t0
    out = json.loads(run([lsm, "-q", "evaluate", "--model", m, "--data", data, "--json"]).stdout)
    fr = out.get("free_run") or {}
    saved = json.loads(m.read_text())
    vfr = saved.get("validation_free_run") or saved.get("model", {}).get("validation_free_run") or {}
    return {
        "validation_valid_steps": vfr.get("valid_steps_mean"),
        "nrmse_h": out["nrmse"],
        "nrmse_horizon": fr.get("nrmse_horizon"),
        "valid_steps_mean": fr.get("valid_steps_mean"),
        "censored_trials": fr.get("censored_trials"),
        "fit_wall_s": fit_s,
    }


def scaled(path, cfg):
    raw = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)[cfg["data"]["discard"] :]
    sp = cfg["split"]
    tr = raw[sp["washout"] : sp["washout"] + sp["train"]]
    lo, hi = tr.min(axis=0), tr.max(axis=0)
    return 2 * (raw - lo) / (hi - lo) - 1, (sp["washout"], sp["train"], sp["validation"], sp["test"])


def main():
    ap = argparse.ArgumentParser()
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    ap.add_argument("--lsm", default=str(target / "release" / "lsm"))
    ap.add_argument("--out", default=str(ROOT / "scripts/bench/results/generative.json"))
    ap.add_argument("--workdir", default=str(ROOT / "scripts/bench/build/generative"))
    ap.add_argument("--quick", action="store_true", help="smaller grids for reservoirpy")
    args = ap.parse_args()
    wd = pathlib.Path(args.workdir)
    wd.mkdir(parents=True, exist_ok=True)
    lsm = args.lsm
    results = {"reservoirpy": rpy.__version__, "numpy": np.__version__, "loadavg": os.getloadavg()}

    # ---------------------------------------------------------------- Mackey-Glass, NRMSE-84
    mg_cfg = json.loads(run([lsm, "default-config", "--task", "mackey-glass"]).stdout)
    mg_csv = wd / "mackey_glass.csv"
    run([lsm, "-q", "data", "series", "--task", "mackey-glass", "--out", mg_csv])
    x, split = scaled(mg_csv, mg_cfg)
    h, trials = 84, 100
    grid = [(400, sr, lr, 0.45, 0.4, r) for sr in (0.9, 1.0, 1.2) for lr in (0.65, 1.0)
            for r in (1e-10, 1e-8)]
    if args.quick:
        grid = grid[:4]
    t0 = time.perf_counter()
    mg = {"reservoirpy ESN": tune(lambda p: rpy_esn(x, split, p, h, trials), grid, "nrmse_h")}
    mg["reservoirpy ESN"]["wall_s"] = time.perf_counter() - t0
    ex = json.loads((ROOT / "examples/timeseries_mackey_glass_one_step_spiking.json").read_text())
    spk = dict(mg_cfg, reservoir=ex["reservoir"], split=ex["split"],
               readout={"alphas": [1e-2, 1, 100, 1e4], "standardize": True})
    variants = {
        "lsm ESN": mg_cfg,
        "lsm ESN + feedback": dict(mg_cfg, feedback={"scaling": 0.5, "connectivity": 0.1}),
        "lsm spiking": spk,
        # Feedback setting chosen on the validation segment over scaling 0.05-0.3,
        # connectivity 0.1 / 1, noise 0-0.03 (docs/results.md).
        "lsm spiking + feedback": dict(spk, feedback={"scaling": 0.05, "connectivity": 0.1}),
    }
    for name, cfg in variants.items():
        mg[name] = {"test": lsm_run(lsm, wd, name.replace(" ", "_").replace("+", "fb"),
                                    "mackey-glass", cfg)}
    results["mackey_glass"] = mg

    # ---------------------------------------------------------------- Lorenz, valid time
    lz_cfg = json.loads(run([lsm, "default-config", "--task", "lorenz"]).stdout)
    h, trials = 600, 30
    # lsm chooses alpha by the validation valid time, as reservoirpy's grid is tuned here.
    lz_cfg["prediction"] = {"mode": "closed-loop", "horizon": h, "trials": trials,
                            "select": "valid-time"}
    cfg_path = wd / "lorenz.config.json"
    cfg_path.write_text(json.dumps(lz_cfg))
    lz_csv = wd / "lorenz.csv"
    run([lsm, "-q", "data", "series", "--task", "lorenz", "--config", cfg_path, "--out", lz_csv])
    x, split = scaled(lz_csv, lz_cfg)
    esn_grid = [(500, sr, lr, iss, 0.0, r) for sr in (0.9, 1.1) for lr in (0.3, 1.0)
                for iss in (0.1, 0.5) for r in (1e-8, 1e-6)]
    nvar_grid = [(d, 2, r) for d in (2, 3, 4) for r in (1e-8, 1e-6, 1e-4)]
    if args.quick:
        esn_grid, nvar_grid = esn_grid[:4], nvar_grid[:3]
    lz = {}
    t0 = time.perf_counter()
    lz["reservoirpy ESN"] = tune(lambda p: rpy_esn(x, split, p, h, trials), esn_grid,
                                 "valid_steps_mean")
    lz["reservoirpy ESN"]["wall_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    lz["reservoirpy NVAR"] = tune(lambda p: rpy_nvar(x, split, p, h, trials), nvar_grid,
                                  "valid_steps_mean")
    lz["reservoirpy NVAR"]["wall_s"] = time.perf_counter() - t0
    def nvar(d):
        return dict(lz_cfg, reservoir={"kind": "nvar", "delay": d, "order": 2, "strides": 1},
                    readout={"alphas": [1e-10, 1e-8, 1e-6, 1e-4, 1e-2]})
    for name, cfg in {
        "lsm ESN": lz_cfg,
        "lsm ESN + feedback": dict(lz_cfg, feedback={"scaling": 0.3, "connectivity": 0.1}),
    }.items():
        lz[name] = {"test": lsm_run(lsm, wd, "lorenz_" + name.replace(" ", "_").replace("+", "fb"),
                                    "lorenz", cfg)}
    # NVAR: the delay chosen on the validation segment over reservoirpy's grid (2, 3, 4).
    best = None
    for d in (2, 3, 4):
        r = lsm_run(lsm, wd, f"lorenz_lsm_NVAR_{d}", "lorenz", nvar(d))
        if best is None or r["validation_valid_steps"] > best[1]["validation_valid_steps"]:
            best = (d, r)
    lz["lsm NVAR"] = {"params": (best[0], 2), "test": best[1]}
    dt = lz_cfg["data"]["lorenz"]["dt"]
    for v in lz.values():
        t = v["test"]
        if t.get("valid_steps_mean") is not None:
            t["valid_lyapunov_times"] = t["valid_steps_mean"] * dt * LORENZ_LYAPUNOV
    results["lorenz"] = lz

    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    for task, rows in (("Mackey-Glass (NRMSE-84, 100 trials)", mg),
                       ("Lorenz (600 steps, 30 trials)", lz)):
        print(task)
        for name, r in rows.items():
            t = r["test"]
            lt = t.get("valid_lyapunov_times")
            print(f"  {name:<24} NRMSE-h {t['nrmse_h']:.3e}  over horizon {t['nrmse_horizon']:.3e}"
                  f"  valid {t['valid_steps_mean']:.1f} steps"
                  + (f" = {lt:.2f} Lyapunov times" if lt is not None else "")
                  + (f"   params {r['params']}" if "params" in r else ""))
    print(f"written {out}")


if __name__ == "__main__":
    main()
