"""Mackey-Glass with an echo state network and with NVAR, on the built-in series: one-step
prediction scored on the test segment for both, then the ESN's closed-loop generation (Jaeger's
NRMSE after 84 steps, the default config's score) plotted against the series (to
mackey_glass.png, if matplotlib is installed). Run: python examples/python/mackey_glass.py"""
import os

import lsm
import numpy as np

one_step = {"mode": "one-step"}
esn_cfg = lsm.default_config("mackey-glass")  # the ESN of the published results
nvar_cfg = lsm.default_config("mackey-glass")
nvar_cfg["reservoir"] = {"kind": "nvar", "delay": 4, "order": 2, "strides": 2}
for name, cfg in [("ESN", esn_cfg), ("NVAR", nvar_cfg)]:
    cfg = dict(cfg, prediction=one_step)
    nrmse = lsm.SeriesModel.fit(config=cfg).evaluate()["nrmse"]
    print(f"{name:5s} one-step NRMSE {nrmse:.2e}")

# Closed loop: the ESN generates the series from its own output after warming up on the data.
esn = lsm.SeriesModel.fit(config=esn_cfg)
print(f"ESN   closed-loop NRMSE-84 {esn.evaluate()['nrmse']:.2e}")
gen, target = esn.predict(horizon=500)
runs = {"ESN": (gen, target)}

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib is not installed: no plot)")
else:
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(runs["ESN"][1][:, 0], "k", lw=2, label="Mackey-Glass")
    for name, (gen, _) in runs.items():
        ax.plot(gen[:, 0], "--", label=f"{name}, closed loop")
    ax.set_xlabel("step")
    ax.legend()
    fig.tight_layout()
    out = os.environ.get("LSM_PLOT", "mackey_glass.png")
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
