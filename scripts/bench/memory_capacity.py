"""Memory capacity of one ESN measured by lsm and by reservoirpy, in the same run.

Usage (after `cargo build --release -p lsm-cli`):
    scripts/bench/.venv/bin/python scripts/bench/memory_capacity.py [--lsm PATH/TO/lsm]
        [--units 50,100,200] [--seeds 5] [--out FILE.json]

For every reservoir size N:
* lsm builds the ESN of the default Mackey-Glass config with N units (`lsm fit` on a short
  one-step task writes the model file, which holds every weight: W in CSR, W_in, the bias and
  the leak rate);
* the same weights go into a reservoirpy `Reservoir` (tanh, leak rate, bias)
  followed by `Ridge(ridge=1e-8)`, and `reservoirpy.observables.memory_capacity` measures it
  with k_max = 2N (its rule of thumb), an i.i.d. uniform input on [-0.8, 0.8] of 10 k_max
  steps and 20 % held out;
* `lsm analyze --metrics memory --k-max 2N` measures the same reservoir with the same protocol.

Both draw their own input series, so the figures agree up to the spread of the measurement
over input draws: each side is run with several seeds and the script reports the mean, the
standard deviation and the difference in units of the pooled standard error. It exits 1 when
a difference exceeds 4 standard errors and 5 % of the mean.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import reservoirpy as rpy
from reservoirpy.nodes import Reservoir, Ridge
from reservoirpy.observables import memory_capacity
from scipy import sparse

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent


def default_lsm():
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return str(target / "release" / "lsm")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def lsm_esn(lsm, units, work):
    """Config and model file of the default Mackey-Glass ESN with `units` units."""
    cfg = json.loads(run([lsm, "default-config", "--task", "mackey-glass"]))
    cfg["reservoir"]["n_units"] = units
    cfg["prediction"] = {"horizon": 1, "mode": "one-step", "trials": 1}
    cfg["split"] = {"washout": 100, "train": 1000, "validation": 200, "test": 200}
    cfg_path = work / f"esn{units}.json"
    cfg_path.write_text(json.dumps(cfg, indent=1))
    model_path = work / f"esn{units}.model.json"
    run([lsm, "--quiet", "fit", "--config", str(cfg_path), "--data", "mackey-glass",
         "--out", str(model_path)])
    res = json.loads(model_path.read_text())["reservoir"]
    assert res["kind"] == "esn" and res["n_inputs"] == 1
    n = res["n_units"]
    w = sparse.csr_matrix((res["values"], res["indices"], res["indptr"]), shape=(n, n))
    w_in = np.asarray(res["w_in"]).reshape(n, 1)
    bias = np.asarray(res["bias"])
    return cfg_path, w, w_in, bias, res["leak_rate"]


def rpy_mc(w, w_in, bias, lr, k_max, seed):
    rpy.set_seed(seed)
    res = Reservoir(w.shape[0], W=w, Win=w_in, bias=bias, lr=lr, activation="tanh")
    model = res >> Ridge(ridge=1e-8)
    return float(memory_capacity(model, k_max=k_max, seed=seed))


def lsm_mc(lsm, cfg_path, k_max, seed):
    out = json.loads(run([lsm, "--quiet", "analyze", "--config", str(cfg_path), "--metrics",
                          "memory", "--k-max", str(k_max), "--seed", str(seed), "--json"]))
    return float(out["analysis"]["memory"]["total"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lsm", default=default_lsm())
    ap.add_argument("--units", default="50,100,200")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--out", default=str(HERE / "results" / "memory_capacity.json"))
    args = ap.parse_args()
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for units in [int(u) for u in args.units.split(",")]:
            cfg_path, w, w_in, bias, lr = lsm_esn(args.lsm, units, work)
            k_max = 2 * units
            seeds = range(1, args.seeds + 1)
            a = np.array([lsm_mc(args.lsm, cfg_path, k_max, s) for s in seeds])
            b = np.array([rpy_mc(w, w_in, bias, lr, k_max, s) for s in seeds])
            se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
            diff = a.mean() - b.mean()
            z = diff / se if se > 0 else float("inf") * np.sign(diff)
            agree = abs(z) <= 4 or abs(diff) <= 0.05 * b.mean()
            ok &= bool(agree)
            rows.append({"units": units, "k_max": k_max, "lsm": a.tolist(), "reservoirpy": b.tolist(),
                         "lsm_mean": a.mean(), "reservoirpy_mean": b.mean(), "diff": diff,
                         "z": z, "agree": bool(agree)})
            print(f"N={units:4d} k_max={k_max:4d}  lsm MC {a.mean():7.2f} ± {a.std(ddof=1):5.2f}   "
                  f"reservoirpy MC {b.mean():7.2f} ± {b.std(ddof=1):5.2f}   "
                  f"diff {diff:+6.2f} ({z:+.1f} s.e.)  {'agree' if agree else 'DIFFER'}")
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"reservoirpy": rpy.__version__, "rows": rows}, indent=1))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
