"""reservoirpy and lsm on the same Mackey-Glass series, in one process: the same ESN settings
(units, spectral radius, leak rate, input scaling, every unit receiving the input, 10 %
recurrent connectivity, no bias, ridge; each draws its own random weights: reservoirpy's input
weights are ±1, lsm's uniform), teacher-forced one-step prediction,
NRMSE on the same test segment and the wall time of run + fit + predict for each.
Needs reservoirpy (pip install reservoirpy). Run: python examples/python/reservoirpy_side_by_side.py"""
import time

import lsm
import numpy as np

try:
    import reservoirpy as rpy
    from reservoirpy.nodes import Reservoir as RpyReservoir, Ridge as RpyRidge
except ImportError:
    raise SystemExit("this example compares with reservoirpy: pip install reservoirpy")

x, _ = lsm.series("mackey-glass")
x = (x - x.mean()) / x.std()
train, test, warmup = 3000, 2000, 200
X, Y = x[:-1], x[1:]
units, sr, lr, scaling, ridge = 500, 1.25, 0.3, 1.0, 1e-7


def nrmse(p, t):
    return float(np.sqrt(np.mean((p - t) ** 2) / np.var(t)))


def run_lsm():
    esn = lsm.ESN(lsm.Reservoir(units=units, sr=sr, lr=lr, input_scaling=scaling,
                                in_degree=units // 10, bias_scaling=0.0, seed=1),
                  lsm.Ridge(ridge=ridge))
    states = esn.reservoir.run(X[: train + test], reset=True)
    esn.readout.fit(states[:train], Y[:train], warmup=warmup)
    return esn.readout.run(states[train:train + test])


def run_rpy():
    rpy.set_seed(1)
    res = RpyReservoir(units, sr=sr, lr=lr, input_scaling=scaling, input_connectivity=1.0,
                       rc_connectivity=0.1, seed=1)
    out = RpyRidge(ridge=ridge)
    states = res.run(X[: train + test])
    out.fit(states[:train], Y[:train], warmup=warmup)
    return out.run(states[train:train + test])


for name, fn in [("lsm", run_lsm), ("reservoirpy", run_rpy)]:
    t0 = time.perf_counter()
    pred = fn()
    dt = time.perf_counter() - t0
    print(f"{name:12s} NRMSE {nrmse(pred, Y[train:train + test]):.2e}   {dt:.3f} s")
