"""Spiking FORCE on the Lorenz system at Nicola & Clopath's (2017) time scale, scored by the
trajectory and by the attractor.

Nicola & Clopath trained their network on all three Lorenz coordinates (k = 3 outputs, all
fed back), with one Lorenz time unit per second of network time, 45 s of training, and judged
the result by eye (their ModelDB 190565 code, THETALORENZ.m: theta neurons, N = 5000). This
script does the same with lsm's Izhikevich FORCE network (`examples/force_spiking_lorenz.json`,
2000 neurons, 1 ms per sample, so 0.001 Lorenz time units per sample):

1. writes the series (sigma 10, rho 28, beta 8/3, RK4 with 4 substeps per sample, the first
   20 time units dropped) as `c,x,y,z` (c = 1, the constant input),
2. `lsm fit --target x,y,z` (FORCE over the training segment),
3. `lsm predict` teacher forced over the test segment (one-step NRMSE per coordinate) and in
   closed loop for `--horizon` steps from the start of the test segment,
4. scores the free run against the true continuation: valid time (normalised error below
   0.4, in Lyapunov times, 1/0.906 time units) and NRMSE over the horizon, and, since a
   chaotic trajectory cannot be tracked for long, by the attractor (the climate): the mean and
   standard deviation of each coordinate, the mean time between successive maxima of z, and
   the return map of the z maxima (Lorenz 1963: z_{n+1} is close to a function of z_n). The
   map F is taken from the training segment's maxima (linear interpolation); the map error is the
   RMS of z_{n+1} - F(z_n) over the run's maxima, divided by the standard deviation of the
   true maxima. The same numbers for the true continuation, and for a surrogate with the
   training series' maxima shuffled (mean of 100 shuffles; the map error of an attractor with the right amplitude but no
   Lorenz dynamics), bracket the run's.

`--config examples/force_spiking_theta_lorenz.json --space-scale 70` runs Nicola & Clopath's
own network instead (5000 theta neurons, the series divided by 70 and not rescaled; about
an hour on one core).

Run (about 20 min on one core; the fit dominates):
  scripts/bench/.venv/bin/python scripts/bench/force_lorenz.py --lsm target/release/lsm \\
      --workdir /tmp/force_lorenz [--seed 42] [--horizon 8400]
"""
import argparse
import json
import os
import subprocess

import numpy as np

LYAPUNOV = 0.906  # largest Lyapunov exponent of the Lorenz system, per time unit


def lorenz_series(n, dt, substeps=4, drop=20.0):
    def f(s):
        x, y, z = s
        return np.array([10.0 * (y - x), x * (28.0 - z) - y, x * y - 8.0 / 3.0 * z])

    h = dt / substeps
    s = np.array([0.1, 0.1, 0.1])
    n_drop = int(round(drop / dt))
    out = np.empty((n, 3))
    for k in range(n_drop + n):
        for _ in range(substeps):
            k1 = f(s)
            k2 = f(s + h / 2 * k1)
            k3 = f(s + h / 2 * k2)
            k4 = f(s + h * k3)
            s = s + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if k >= n_drop:
            out[k - n_drop] = s
    return out


def maxima(z, half_width):
    """Indices and values of the maxima of z that are the largest within `half_width` samples
    on either side (the lobe peaks; spike noise in a generated z makes small local maxima)."""
    n = len(z)
    idx = [i for i in range(half_width, n - half_width)
           if z[i] == z[i - half_width: i + half_width + 1].max()]
    i = np.array(idx, dtype=int)
    return i, z[i]


def map_error(zmax, ref_zmax):
    """RMS of z_{n+1} - F(z_n) over consecutive maxima, F from the reference maxima, divided
    by the reference maxima's standard deviation."""
    a, b = ref_zmax[:-1], ref_zmax[1:]
    order = np.argsort(a)
    F = lambda x: np.interp(x, a[order], b[order])  # noqa: E731
    if len(zmax) < 2:
        return float("nan")
    d = zmax[1:] - F(zmax[:-1])
    return float(np.sqrt(np.mean(d ** 2)) / np.std(ref_zmax))


def climate(xyz, dt, ref_zmax, hw):
    i, zm = maxima(xyz[:, 2], hw)
    return {
        "mean": np.round(xyz.mean(axis=0), 2).tolist(),
        "std": np.round(xyz.std(axis=0), 2).tolist(),
        "n_z_maxima": int(len(zm)),
        "mean_interval": float(np.mean(np.diff(i)) * dt) if len(i) > 1 else float("nan"),
        "map_error": map_error(zm, ref_zmax),
    }


def read_pred(path, scale):
    d = np.genfromtxt(path, delimiter=",", names=True)
    pred = np.stack([d[f"{c}_pred"] for c in "xyz"], axis=1)
    true = np.stack([d[f"{c}_true"] for c in "xyz"], axis=1)
    return pred * scale, true * scale


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.join(here, "..", "..")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lsm", default=os.path.join(root, "target", "release", "lsm"))
    ap.add_argument("--config", default=os.path.join(root, "examples", "force_spiking_lorenz.json"))
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--horizon", type=int, default=8400)
    ap.add_argument("--dt", type=float, default=0.001, help="Lorenz time units per sample")
    ap.add_argument("--space-scale", type=float, default=1.0,
                    help="divide x, y, z by this in the CSV (Nicola & Clopath: 70, with the "
                         "config's \"scale\": \"none\"); the scores are in Lorenz's own units")
    ap.add_argument("--json-out")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    cfg = json.load(open(a.config))
    sp = cfg["split"]
    n = sp["washout"] + sp["train"] + sp["validation"] + sp["test"] + 1
    data = os.path.join(a.workdir, "lorenz3.csv")
    xyz = lorenz_series(n, a.dt)
    with open(data, "w") as f:
        f.write("c,x,y,z\n")
        for r in xyz / a.space_scale:
            f.write("1,%.12g,%.12g,%.12g\n" % tuple(r))
    model = os.path.join(a.workdir, "model.json")
    run = lambda *args: subprocess.run([a.lsm, *args, "--threads", "1", "-q"], check=True)  # noqa: E731
    run("fit", "--config", a.config, "--data", data, "--target", "x,y,z", "--out", model,
        "--seed", str(a.seed))
    tf, cl = os.path.join(a.workdir, "teacher.csv"), os.path.join(a.workdir, "free.csv")
    run("predict", "--model", model, "--data", data, "--mode", "teacher-forced", "--out", tf)
    run("predict", "--model", model, "--data", data, "--mode", "closed-loop", "--horizon",
        str(a.horizon), "--out", cl)
    p, t = read_pred(tf, a.space_scale)
    one_step = (np.sqrt(np.mean((p - t) ** 2, axis=0)) / t.std(axis=0)).round(3).tolist()
    p, t = read_pred(cl, a.space_scale)
    err = np.sqrt(np.sum((p - t) ** 2, axis=1) / np.sum(t.var(axis=0)))
    bad = np.nonzero(err > 0.4)[0]
    valid = int(bad[0]) if len(bad) else len(err)
    train_end = sp["washout"] + sp["train"]
    # Lobe peaks: the largest z within 0.2 time units either side (successive z maxima of the
    # Lorenz system are 0.5-1 time units apart).
    hw = int(round(0.2 / a.dt))
    _, ref_zmax = maxima(xyz[: train_end, 2], hw)
    rng = np.random.default_rng(a.seed)
    res = {
        "teacher_forced_nrmse_xyz": one_step,
        "free_run": {
            "steps": len(err),
            "valid_steps": valid,
            "valid_lyapunov_times": valid * a.dt * LYAPUNOV,
            "nrmse_over_horizon": float(np.sqrt(np.mean(err ** 2))),
        },
        "climate_free_run": climate(p, a.dt, ref_zmax, hw),
        "climate_true": climate(t, a.dt, ref_zmax, hw),
        "map_error_shuffled_maxima": float(np.mean(
            [map_error(rng.permutation(ref_zmax), ref_zmax) for _ in range(100)])),
    }
    print(json.dumps(res, indent=1))
    if a.json_out:
        json.dump(res, open(a.json_out, "w"), indent=1)


if __name__ == "__main__":
    main()
