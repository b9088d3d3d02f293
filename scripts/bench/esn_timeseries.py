"""reservoirpy's ESN against lsm's on the same time series, in the same run.

Usage (from any folder, after `cargo build --release -p lsm-cli`; default paths are resolved
from this file's location: the binary in $CARGO_TARGET_DIR/release (default <repo>/target), output in scripts/bench/results/,
work files in scripts/bench/build/timeseries/):
    scripts/bench/.venv/bin/python scripts/bench/esn_timeseries.py [--lsm PATH/TO/lsm]
        [--out FILE.json] [--skip-speed] [--skip-accuracy]

What it does
* Data, written to CSV so that both libraries see the very same numbers:
  - Mackey-Glass: reservoirpy.datasets.mackey_glass(tau=17, h=1, seed=42), first 500 samples
    dropped, column `x`.
  - NARMA-10: y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0..9} y(t-i) + 1.5 u(t-9) u(t) + 0.1,
    u ~ U[0, 0.5] (numpy default_rng(42)), first 200 samples dropped, columns `u`, `y`
    (y[t] is y(t); the target at step t is y(t+1)).
* Segments (both libraries): washout 200 | train 4000 | validation 1000 | test 2000.
  Scaling: min-max of the train segment to [-1, 1] (Mackey-Glass), raw (NARMA).
* reservoirpy 0.4 ESN, 500 units, the settings of the peer set-up described in docs/benchmarks.md
  (re-tuned on the validation segment over the same small grid), ridge readout with bias.
* lsm: `lsm fit` / `lsm evaluate --json` with the configs written next to the CSVs; also the
  tuned spiking reservoirs of examples/timeseries_*_spiking.json (same CSVs and segments).
* Speed: 1000 units, 50 000 training steps of Mackey-Glass, state collection + ridge fit,
  reservoirpy (NumPy backend) against `lsm fit` (its own timing of reservoir run + readout),
  in-degree 10 (density 0.01) and density 0.1 (in-degree 100); best of 3 for each. Both sides
  train on the same 49 999 steps with ridge 1e-8 and an intercept; lsm's time is its own
  `run+readout` (state collection streamed into the Gram matrix, then the solve), reservoirpy's
  is `Reservoir.run` + `Ridge.fit`; weight construction (spectral radius) is timed apart on
  both sides. `--skip-accuracy` (or `timeseries.sh --speed-only`) runs only this part.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import reservoirpy as rpy
from reservoirpy.datasets import mackey_glass
from reservoirpy.nodes import Reservoir, Ridge


ROOT = pathlib.Path(__file__).resolve().parents[2]

WASH, TRAIN, VAL, TEST = 200, 4000, 1000, 2000


def nrmse(y, t):
    return float(np.sqrt(np.mean((y - t) ** 2)) / np.std(t))


def narma10(n, seed=42):
    rng = np.random.default_rng(seed)
    u = rng.uniform(0, 0.5, n)
    y = np.zeros(n)
    for t in range(9, n - 1):
        y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * np.sum(y[t - 9 : t + 1]) + 1.5 * u[t - 9] * u[t] + 0.1
    return u, y


def esn(units, sr, lr, iss, ridge, seed=42, density=0.1):
    res = Reservoir(units, sr=sr, lr=lr, input_scaling=iss, rc_connectivity=density, seed=seed)
    return res, Ridge(ridge=ridge)


def rpy_one_step(u, y, p, units=500):
    """Open loop: feed u[t], predict y[t] (already aligned)."""
    res, ro = esn(units, *p)
    s = res.run(u)
    a, b = WASH, WASH + TRAIN
    ro.fit(s[a:b], y[a:b])
    pv = ro.run(s[b : b + VAL])
    pt = ro.run(s[b + VAL : b + VAL + TEST])
    return nrmse(pv, y[b : b + VAL]), nrmse(pt, y[b + VAL : b + VAL + TEST])


def rpy_closed_loop(x, p, units=500, h=84, trials=100):
    """Jaeger NRMSE-84 (same protocol as lsm): one-step readout, free run from `trials`
    teacher-forced states, error at step h, normalised by the segment's std."""
    res, ro = esn(units, *p)
    u, y = x[:-1], x[1:]
    s = res.run(u)
    a, b = WASH, WASH + TRAIN
    ro.fit(s[a:b], y[a:b])

    def score(lo, ln):
        span = ln - h
        errs = []
        for j in range(trials):
            s0 = lo + 1 + (j * (span - 1)) // trials
            res.state = {"out": s[s0 - 1].copy()}
            out = ro.step(s[s0 - 1])
            for _ in range(h - 1):
                st = res.step(out)
                out = ro.step(st)
            errs.append(float(np.ravel(out)[0] - y[s0 + h - 2, 0]))
        return float(np.sqrt(np.mean(np.square(errs))) / np.std(y[lo : lo + ln]))

    return score(b, VAL), score(b + VAL, TEST)


def tune(fn, grid):
    best = None
    for p in grid:
        try:
            v, t = fn(p)
        except Exception as e:  # diverging closed loops
            continue
        if not np.isfinite(v):
            continue
        if best is None or v < best[1]:
            best = (p, v, t)
    return best


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}\n{r.stderr}")
    return r


def lsm_task(lsm, workdir, name, csv, target, cfg):
    cfg_path = workdir / f"{name}.config.json"
    cfg_path.write_text(json.dumps(cfg, indent=1))
    model = workdir / f"{name}.model.json"
    t0 = time.perf_counter()
    run([lsm, "-q", "fit", "--config", cfg_path, "--data", csv, "--target", target, "--out", model])
    fit_s = time.perf_counter() - t0
    r = run([lsm, "-q", "evaluate", "--model", model, "--data", csv, "--target", target, "--json"])
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["fit_wall_s"] = fit_s
    return out


def main():
    ap = argparse.ArgumentParser()
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    ap.add_argument("--lsm", default=str(target / "release" / "lsm"))
    ap.add_argument("--out", default=str(ROOT / "scripts/bench/results/esn_timeseries.json"))
    ap.add_argument("--workdir", default=str(ROOT / "scripts/bench/build/timeseries"))
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--full-grid", action="store_true", help="the baseline's whole tuning grids (slow)")
    ap.add_argument("--speed-steps", type=int, default=50_000)
    args = ap.parse_args()
    wd = pathlib.Path(args.workdir)
    wd.mkdir(parents=True, exist_ok=True)
    lsm = args.lsm
    results = {"reservoirpy": rpy.__version__, "numpy": np.__version__, "loadavg": os.getloadavg()}

    n = WASH + TRAIN + VAL + TEST + 1
    mg = mackey_glass(500 + n, tau=17, seed=42)[500:, 0]
    mg_csv = wd / "mackey_glass.csv"
    np.savetxt(mg_csv, mg, header="x", comments="", fmt="%.17g")
    u, y = narma10(200 + n + 1)
    u, y = u[200:], y[200:]
    narma_csv = wd / "narma10.csv"
    np.savetxt(narma_csv, np.c_[u, y], header="u,y", comments="", fmt="%.17g", delimiter=",")

    if not args.skip_accuracy:
        # Mackey-Glass, scaled with the train min/max (as lsm's min-max scaling does).
        tr = mg[WASH : WASH + TRAIN]
        lo, hi = tr.min(), tr.max()
        xs = (2 * (mg - lo) / (hi - lo) - 1).reshape(-1, 1)
        ridges = [1e-8, 1e-7, 1e-6]
        # Grids around the baseline's chosen points (docs/benchmarks.md, peers); --full-grid
        # runs the baseline's whole grids.
        if args.full_grid:
            g_mg = [(sr, lr, iss, r) for sr in (0.9, 1.1, 1.25) for lr in (0.3, 1.0) for iss in (0.5, 1.0) for r in ridges]
        else:
            g_mg = [(sr, 1.0, 0.5, r) for sr in (0.9, 1.1, 1.25) for r in ridges]
        t0 = time.perf_counter()
        b1 = tune(lambda p: rpy_one_step(xs[:-1], xs[1:], p), g_mg)
        # The closed loop runs reservoirpy step by step (slow): tune around the baseline's
        # chosen point (sr 1.25, lr 0.3, input scaling 0.5, ridge 1e-8) only.
        g_84 = [(1.25, 0.3, 0.5, 1e-8), (1.1, 0.3, 0.5, 1e-8), (1.1, 1.0, 0.5, 1e-8), (0.9, 1.0, 0.5, 1e-8), (1.1, 0.3, 1.0, 1e-8)]
        b84 = tune(lambda p: rpy_closed_loop(xs, p), g_84)
        # NARMA-10
        us, ys = u[:-1].reshape(-1, 1), y[1:].reshape(-1, 1)
        if args.full_grid:
            g_n = [(sr, lr, iss, r) for sr in (0.8, 0.9, 1.0) for lr in (0.5, 1.0) for iss in (0.1, 0.2, 0.5) for r in ridges]
        else:
            g_n = [(sr, 1.0, iss, r) for sr in (0.8, 0.9, 1.0) for iss in (0.1, 0.2) for r in (1e-7, 1e-6)]
        bn = tune(lambda p: rpy_one_step(us, ys, p), g_n)
        results["reservoirpy_tuning_s"] = time.perf_counter() - t0
        results["reservoirpy_500"] = {
            "mg_1step": {"params": b1[0], "val": b1[1], "test_nrmse": b1[2]},
            "mg_84closed": {"params": b84[0], "val": b84[1], "test_nrmse": b84[2]},
            "narma10": {"params": bn[0], "val": bn[1], "test_nrmse": bn[2]},
        }
        print(json.dumps(results["reservoirpy_500"]), flush=True)

        split = {"washout": WASH, "train": TRAIN, "validation": VAL, "test": TEST}
        lsm_res = {}
        for name, task, csv, target, base, over in [
            ("mg_84closed_400", "mackey-glass", mg_csv, "x", "mackey-glass", {}),
            ("mg_84closed_500", "mackey-glass", mg_csv, "x", "mackey-glass", {"n_units": 500}),
            ("mg_1step_500", "mackey-glass", mg_csv, "x", "mackey-glass", {"n_units": 500, "_mode": "one-step"}),
            ("narma10_500", "narma10", narma_csv, "y", "narma10", {}),
        ]:
            cfg = json.loads(run([lsm, "default-config", "--task", base]).stdout)
            cfg["task"] = "csv"
            cfg["data"]["discard"] = 0
            cfg["split"] = split
            if base == "narma10":
                cfg["data"]["csv"] = {"inputs": ["u"], "target": "y"}
            mode = over.pop("_mode", None)
            if mode:
                cfg["prediction"] = {"mode": mode, "horizon": 1, "trials": 100}
            cfg["reservoir"].update(over)
            lsm_res[name] = lsm_task(lsm, wd, name, csv, target, cfg)
            print(name, json.dumps(lsm_res[name]), flush=True)
        # The tuned spiking reservoirs (examples/, from spiking_timeseries_grid.py) on the same
        # CSVs and segments.
        for name, ex, csv, target in [
            ("spiking_mg_1step", "timeseries_mackey_glass_one_step_spiking.json", mg_csv, "x"),
            ("spiking_narma10", "timeseries_narma10_spiking.json", narma_csv, "y"),
        ]:
            cfg = json.loads((ROOT / "examples" / ex).read_text())
            lsm_res[name] = lsm_task(lsm, wd, name, csv, target, cfg)
            print(name, json.dumps(lsm_res[name]), flush=True)
        results["lsm"] = lsm_res

    if not args.skip_speed:
        steps = args.speed_steps
        x = mackey_glass(steps + 501, tau=17, seed=1)[500:, 0]
        sp_csv = wd / "mg_speed.csv"
        np.savetxt(sp_csv, x, header="x", comments="", fmt="%.17g")
        xs = ((x - x.min()) / (x.max() - x.min()) * 2 - 1).reshape(-1, 1)
        speed = {}
        for density, k in [(0.01, 10), (0.1, 100)]:
            rp, rp_init = [], []
            for rep in range(3):
                res = Reservoir(1000, sr=0.95, lr=1.0, input_scaling=0.5, rc_connectivity=density, seed=rep)
                ro = Ridge(ridge=1e-8)
                t0 = time.perf_counter()
                res.initialize(xs[:1])  # weights (incl. the spectral radius by ARPACK), timed apart
                rp_init.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                s = res.run(xs[:-1])
                ro.fit(s, xs[1:])
                rp.append(time.perf_counter() - t0)
            cfg = json.loads(run([lsm, "default-config", "--task", "mackey-glass"]).stdout)
            cfg["task"] = "csv"
            cfg["data"]["discard"] = 0
            # Train on every step but the last one (the readout maps x(t) to x(t+1), as
            # reservoirpy's fit on xs[:-1] -> xs[1:]); one test step, no validation.
            cfg["split"] = {"washout": 0, "train": steps - 2, "validation": 0, "test": 1}
            cfg["prediction"] = {"mode": "one-step", "horizon": 1, "trials": 1}
            cfg["readout"]["alphas"] = [1e-8]
            cfg["reservoir"].update({"n_units": 1000, "in_degree": k, "spectral_radius": 0.95,
                                     "leak_rate": 1.0, "input_scaling": 0.5})
            ls, ls_build = [], []
            for rep in range(3):
                cfg["seed"] = rep
                cp = wd / "speed.config.json"
                cp.write_text(json.dumps(cfg))
                r = run([lsm, "fit", "--config", cp, "--data", sp_csv, "--target", "x", "--out", wd / "speed.model.json"])
                # "... (build B s, run+readout X s = R + F): ..." printed by lsm fit on stderr
                line = [l for l in r.stderr.splitlines() if "run+readout" in l][-1]
                ls.append(float(line.split("run+readout")[1].split("s")[0]))
                ls_build.append(float(line.split("(build")[1].split("s")[0]))
            speed[f"in_degree_{k}"] = {
                "reservoirpy_best_s": min(rp), "reservoirpy_all_s": rp, "reservoirpy_init_s": rp_init,
                "lsm_best_s": min(ls), "lsm_all_s": ls, "lsm_build_s": ls_build,
                "ratio_best": min(rp) / min(ls),
            }
            print(f"speed in-degree {k}:", json.dumps(speed[f'in_degree_{k}']), flush=True)
        results["speed_1000_units"] = {"steps": steps, **speed}
        print(f"\nESN run + ridge fit, 1000 units, {steps} steps, same data, same run (best of 3; "
              f"weights built outside the timing on both sides):")
        print(f"{'in-degree':>10} {'reservoirpy s':>14} {'lsm s':>8} {'ratio':>7}   build: reservoirpy s / lsm s")
        for k in (10, 100):
            v = speed[f"in_degree_{k}"]
            print(f"{k:>10} {v['reservoirpy_best_s']:>14.3f} {v['lsm_best_s']:>8.3f} {v['ratio_best']:>6.2f}x"
                  f"   {min(v['reservoirpy_init_s']):.3f} / {min(v['lsm_build_s']):.3f}")

    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print("wrote", out)


if __name__ == "__main__":
    main()
