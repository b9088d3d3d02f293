#!/usr/bin/env python3
"""Brian2 liquid state machine on FSDD (peer baseline; set-up in docs/benchmarks.md).

Audio -> spikes
* 32-band log-mel (librosa, 32 ms Hann, 10 ms hop, 0-4 kHz) in dB relative to the utterance
  maximum, floored at -50 dB, mapped to x in [0, 1].
* One input neuron per band at rate r = rate_max * x (default 400 Hz), "regular" deterministic
  integrate-and-fire coding on a 1 ms grid: every 1 ms slot the accumulator (zero at the start of
  each utterance) adds r * 1 ms; when it reaches 1 a spike is emitted at that slot and 1 is
  subtracted. The input is therefore identical at dt = 1 ms and dt = 0.1 ms.

Reservoir (Brian2, dimensionless, exact integration, no delays)
* 1000 LIF neurons (800 E, 200 I): dv/dt = (ge - gi - v)/tau_m (unless refractory),
  dge/dt = -ge/tau_e, dgi/dt = -gi/tau_i; threshold v > 1, reset v = 0, refractory 2 ms,
  tau_m 20 ms, tau_e 5 ms, tau_i 10 ms.
* Recurrent: Bernoulli p = 0.1 per ordered pair, no autapses; E: ge += 0.1, I: gi += 0.4.
  Input: Bernoulli p = 0.2, ge += 0.5. Connectivity drawn by numpy
  ``default_rng(7)``: first the 1000 x 1000 recurrent mask, then the 32 x 1000 input mask
  (gives 99 765 recurrent and 6 467 input synapses).
* All utterances are simulated back to back in one ``run()``; at the first step of every
  utterance a ``run_regularly`` (every 10 ms, ``when='start'``) reading a reset-flag ``TimedArray``
  zeroes v, ge, gi and clears the refractory state (lastspike), so each utterance is simulated
  as if alone.

Readout
* Spike counts of each reservoir neuron in B equal time bins spanning the utterance (default
  B = 4), standardised with train statistics, sklearn ``RidgeClassifier`` (default alpha 1e4).
* Control: the same readout on the 32 input spike trains alone (B = 4, alpha 1e3).
* ``--tune``: B in {4, 8} x alpha in {1e2, 1e3, 1e4, 1e5} by 5-fold LOSO inside train (both readouts).
* ``--loso``: train on 4 speakers (all takes), test on the 5th, per speaker and mean. The
  reservoir response of an utterance does not depend on the others, so one simulation serves all.

Modes: ``--mode runtime`` (Cython code generation) or ``--mode standalone`` (cpp_standalone,
project in ``--workdir``, default ``scripts/bench/build/b2lsm_dt<dt>`` next to this script).
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

N_E, N_I, N_IN = 800, 200, 32


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=C.DEFAULT_DATA, help="FSDD recordings directory (default: $LSM_FSDD_DIR, else ../shared/datasets/fsdd/recordings beside the repository)")
    p.add_argument("--mode", choices=["runtime", "standalone"], default="runtime")
    p.add_argument("--dt", type=float, default=1.0, help="simulation step in ms (default 1.0)")
    p.add_argument("--workdir", default=None,
                   help="cpp_standalone project dir (default: build/b2lsm_dt<dt> beside this script)")
    p.add_argument("--threads", type=int, default=0, help="OpenMP threads in standalone (0 = none)")
    p.add_argument("--subset", type=int, default=None, help="files per speaker/digit (quick runs)")
    p.add_argument("--rate", type=float, default=400.0, help="max input rate in Hz (default 400)")
    p.add_argument("--seed", type=int, default=7, help="numpy connectivity seed (default 7)")
    p.add_argument("--bins", type=int, default=4, help="time bins per utterance (default 4)")
    p.add_argument("--alpha", type=float, default=1e4, help="RidgeClassifier alpha (default 1e4)")
    p.add_argument("--input-bins", type=int, default=4)
    p.add_argument("--input-alpha", type=float, default=1e3)
    p.add_argument("--tune", action="store_true", help="LOSO search of B and alpha inside train")
    p.add_argument("--loso", action="store_true", help="also report leave-one-speaker-out accuracy")
    p.add_argument("--json", action="store_true", help="print one JSON line of results")
    a = p.parse_args()
    if a.mode == "standalone" and not a.workdir:
        a.workdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "build", f"b2lsm_dt{a.dt:g}")
    if a.dt <= 0 or abs(round(1.0 / a.dt) * a.dt - 1.0) > 1e-9:
        p.error("--dt must divide 1 ms (e.g. 1.0, 0.5, 0.1)")
    return a


def encode_regular(x01: np.ndarray, rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Regular rate coding on a 1 ms grid. x01: (frames, channels). Returns (channel, slot_ms)."""
    inc = np.repeat(x01, 10, axis=0) * (rate_hz * 1e-3)  # (slots, channels), <= rate*1ms < 1
    acc = np.cumsum(inc, axis=0)
    n = np.floor(acc + 1e-12)
    prev = np.vstack([np.zeros((1, x01.shape[1])), n[:-1]])
    slot, ch = np.nonzero(n > prev)
    order = np.lexsort((ch, slot))
    return ch[order].astype(np.int64), slot[order].astype(np.int64)


def bin_counts(idx, t_ms, n_units, starts_ms, durs_ms, n_bins) -> np.ndarray:
    """Counts (n_utts, n_units * n_bins) of events (unit idx at absolute time t_ms)."""
    u = np.searchsorted(starts_ms, t_ms, side="right") - 1
    rel = (t_ms - starts_ms[u]) / durs_ms[u]
    b = np.minimum((rel * n_bins).astype(np.int64), n_bins - 1)
    flat = (u * n_units + idx) * n_bins + b
    counts = np.bincount(flat, minlength=len(starts_ms) * n_units * n_bins)
    return counts.reshape(len(starts_ms), n_units * n_bins).astype(np.float64)


def readout_acc(xtr, ytr, xte, yte, alpha):
    from sklearn.linear_model import RidgeClassifier
    from sklearn.preprocessing import StandardScaler

    t0 = time.perf_counter()
    sc = StandardScaler().fit(xtr)
    clf = RidgeClassifier(alpha=alpha).fit(sc.transform(xtr), ytr)
    t1 = time.perf_counter()
    pred = clf.predict(sc.transform(xte))
    t2 = time.perf_counter()
    return float(np.mean(pred == yte)), t1 - t0, t2 - t1


def loso_search(feat_fn, y, spk, tr_idx, bins_grid, alpha_grid):
    """LOSO cross-validation inside train; feat_fn(B) -> features of all files."""
    grid = []
    folds = sorted(set(spk[tr_idx]))
    for b in bins_grid:
        x = feat_fn(b)[tr_idx]
        for al in alpha_grid:
            accs = []
            for s in folds:
                m = spk[tr_idx] != s
                accs.append(readout_acc(x[m], y[tr_idx][m], x[~m], y[tr_idx][~m], al)[0])
            grid.append({"bins": b, "alpha": al, "loso_val_acc": float(np.mean(accs))})
            C.log(f"  tune B={b} alpha={al:g}: LOSO val {np.mean(accs):.3f}")
    return grid, max(grid, key=lambda r: r["loso_val_acc"])


def main() -> None:
    a = parse_args()
    timer = C.Timer()
    utts = C.list_fsdd(a.data, a.subset)
    y = np.array([u.digit for u in utts])
    spk = np.array([u.speaker for u in utts])
    is_test = np.array([u.is_test for u in utts])
    tr_idx, te_idx = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    C.log(f"brian2_lsm_fsdd: {len(utts)} files ({len(tr_idx)} train, {len(te_idx)} test), "
          f"mode {a.mode}, dt {a.dt} ms")

    # --- audio -> log-mel -> spikes -------------------------------------------------------
    t0 = time.perf_counter()
    mels = [C.logmel01(C.load_wav(u.path)) for u in utts]
    timer.add("logmel_s", time.perf_counter() - t0)
    t0 = time.perf_counter()
    frames = np.array([m.shape[0] for m in mels], dtype=np.int64)
    durs_ms = (frames * 10).astype(np.float64)
    starts_ms = np.concatenate([[0.0], np.cumsum(durs_ms)[:-1]])
    in_idx, in_t = [], []
    for m, s0 in zip(mels, starts_ms):
        ch, slot = encode_regular(m, a.rate)
        in_idx.append(ch)
        in_t.append(slot + int(s0))
    in_idx = np.concatenate(in_idx)
    in_t = np.concatenate(in_t).astype(np.float64)
    timer.add("encode_s", time.perf_counter() - t0)
    total_ms = float(durs_ms.sum())
    C.log(f"  {len(in_idx)} input spikes, {total_ms / 1000:.1f} s of biological time")

    # --- connectivity (numpy, identical in both modes) ------------------------------------
    t0 = time.perf_counter()
    n = N_E + N_I
    rng = np.random.default_rng(a.seed)
    rec = rng.random((n, n)) < 0.1
    np.fill_diagonal(rec, False)
    inp = rng.random((N_IN, n)) < 0.2
    pre_e, post_e = np.nonzero(rec[:N_E])
    pre_i, post_i = np.nonzero(rec[N_E:])
    pre_in, post_in = np.nonzero(inp)
    outdeg = rec.sum(axis=1)
    in_outdeg = inp.sum(axis=1)
    timer.add("connectivity_s", time.perf_counter() - t0)

    # --- Brian2 network -------------------------------------------------------------------
    t0 = time.perf_counter()
    import brian2 as b2
    from brian2 import ms

    b2.prefs.logging.console_log_level = "WARNING"
    if a.mode == "standalone":
        b2.set_device("cpp_standalone", directory=a.workdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = a.threads
    else:
        b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = a.dt * ms
    ns = {"tau_m": 20 * ms, "tau_e": 5 * ms, "tau_i": 10 * ms}
    eqs = """
    dv/dt = (ge - gi - v) / tau_m : 1 (unless refractory)
    dge/dt = -ge / tau_e : 1
    dgi/dt = -gi / tau_i : 1
    """
    G = b2.NeuronGroup(n, eqs, threshold="v > 1", reset="v = 0", refractory=2 * ms,
                       method="exact", namespace=ns, name="liquid")
    flag_vals = np.zeros(int(frames.sum()))
    flag_vals[(starts_ms / 10).astype(np.int64)] = 1.0
    reset_flag = b2.TimedArray(flag_vals, dt=10 * ms, name="reset_flag")
    G.run_regularly(
        """
        v = v * (1 - reset_flag(t))
        ge = ge * (1 - reset_flag(t))
        gi = gi * (1 - reset_flag(t))
        lastspike = lastspike * (1 - reset_flag(t)) - 1e4 * second * reset_flag(t)
        """,
        dt=10 * ms, when="start", name="utterance_reset",
    )
    P = b2.SpikeGeneratorGroup(N_IN, in_idx, in_t * ms, name="inputs")
    Se = b2.Synapses(G[:N_E], G, on_pre="ge += 0.1", name="syn_e")
    Se.connect(i=pre_e, j=post_e)
    Si = b2.Synapses(G[N_E:], G, on_pre="gi += 0.4", name="syn_i")
    Si.connect(i=pre_i, j=post_i)
    Sin = b2.Synapses(P, G, on_pre="ge += 0.5", name="syn_in")
    Sin.connect(i=pre_in, j=post_in)
    mon = b2.SpikeMonitor(G, name="spikes")
    net = b2.Network(G, P, Se, Si, Sin, mon)
    timer.add("build_s", time.perf_counter() - t0)

    sim = {}
    t0, c0 = time.perf_counter(), time.process_time()
    net.run(total_ms * ms)
    t_run_call, c_run_call = time.perf_counter() - t0, time.process_time() - c0
    if a.mode == "standalone":
        t1 = time.perf_counter()
        b2.device.build(directory=a.workdir, compile=True, run=True, with_output=False)
        build_total = time.perf_counter() - t1
        make_s = b2.device.timers["compile"]["make"] or 0.0
        run_bin = b2.device.timers["run_binary"] or 0.0
        # Brian2's own timer around the C++ network run: std::clock(), i.e. process CPU time
        # (equal to wall time when the process is not descheduled).
        sim["sim_cpu_s"] = float(b2.device._last_run_time)
        # wall time of the whole binary: load static arrays, run, write the spike monitor
        sim["sim_wall_s"] = float(run_bin)
        sim["make_s"] = float(make_s)
        sim["codegen_s"] = float(build_total - make_s - run_bin + t_run_call)
        timer.add("sim_s", sim["sim_wall_s"])
        timer.add("compile_s", sim["codegen_s"] + sim["make_s"])
    else:
        # runtime: wall and CPU time of run(), including code generation / Cython cache loading
        sim["sim_wall_s"] = float(t_run_call)
        sim["sim_cpu_s"] = float(c_run_call)
        timer.add("sim_s", t_run_call)

    t0 = time.perf_counter()
    sp_i = np.asarray(mon.i[:], dtype=np.int64)
    sp_t = np.asarray(mon.t[:] / ms, dtype=np.float64)
    n_spikes = int(len(sp_i))
    cache: dict = {}

    def res_feats(b):
        if b not in cache:
            cache[b] = bin_counts(sp_i, sp_t, n, starts_ms, durs_ms, b)
        return cache[b]

    in_cache: dict = {}

    def in_feats(b):
        if b not in in_cache:
            in_cache[b] = bin_counts(in_idx, in_t, N_IN, starts_ms, durs_ms, b)
        return in_cache[b]

    timer.add("features_s", time.perf_counter() - t0)

    bins, alpha, ibins, ialpha = a.bins, a.alpha, a.input_bins, a.input_alpha
    result = {
        "tool": "brian2-lsm",
        "script": "brian2_lsm_fsdd.py",
        "mode": a.mode,
        "dt_ms": a.dt,
        "n_files": len(utts),
        "n_train": int(len(tr_idx)),
        "n_test": int(len(te_idx)),
        "subset": a.subset,
        "bio_time_s": total_ms / 1000,
        "input_spikes": int(len(in_idx)),
        "reservoir_spikes": n_spikes,
        "mean_rate_hz": n_spikes / n / (total_ms / 1000),
        "synapses_recurrent": int(rec.sum()),
        "synapses_input": int(inp.sum()),
    }
    rec_events = int(outdeg[sp_i].sum())
    inp_events = int(in_outdeg[in_idx].sum())
    result["syn_events"] = {"recurrent": rec_events, "input": inp_events, "total": rec_events + inp_events}
    result["sim"] = sim
    # speed figures from the simulation's CPU time (robust to descheduling on a shared machine)
    result["ms_per_sample"] = 1000 * sim["sim_cpu_s"] / len(utts)
    result["x_realtime"] = (total_ms / 1000) / sim["sim_cpu_s"]
    result["syn_events_per_s"] = (rec_events + inp_events) / sim["sim_cpu_s"]
    C.log(f"  {n_spikes} reservoir spikes ({result['mean_rate_hz']:.1f} Hz), "
          f"sim CPU {sim['sim_cpu_s']:.2f} s, wall {sim['sim_wall_s']:.2f} s")

    if a.tune:
        t0 = time.perf_counter()
        g1, best = loso_search(res_feats, y, spk, tr_idx, [4, 8], [1e2, 1e3, 1e4, 1e5])
        g2, ibest = loso_search(in_feats, y, spk, tr_idx, [4, 8], [1e2, 1e3, 1e4, 1e5])
        bins, alpha, ibins, ialpha = best["bins"], best["alpha"], ibest["bins"], ibest["alpha"]
        result["tune"] = {"lsm": {"grid": g1, "best": best}, "input_only": {"grid": g2, "best": ibest}}
        timer.add("tune_s", time.perf_counter() - t0)
    result["readout"] = {"bins": bins, "alpha": alpha, "input_bins": ibins, "input_alpha": ialpha}

    x = res_feats(bins)
    acc, t_fit, t_pred = readout_acc(x[tr_idx], y[tr_idx], x[te_idx], y[te_idx], alpha)
    timer.add("fit_s", t_fit)
    timer.add("predict_s", t_pred)
    xi = in_feats(ibins)
    iacc = readout_acc(xi[tr_idx], y[tr_idx], xi[te_idx], y[te_idx], ialpha)[0]
    result["test_accuracy"] = acc
    result["input_only_test_accuracy"] = iacc
    C.log(f"  test accuracy {acc:.4f}, input-only {iacc:.4f}")

    if a.loso:
        t0 = time.perf_counter()
        per, iper = {}, {}
        for s in C.speakers(utts):
            m = spk != s
            per[s] = readout_acc(x[m], y[m], x[~m], y[~m], alpha)[0]
            iper[s] = readout_acc(xi[m], y[m], xi[~m], y[~m], ialpha)[0]
            C.log(f"  LOSO {s}: {per[s]:.4f} (input-only {iper[s]:.4f})")
        result["loso"] = {"mean": float(np.mean(list(per.values()))), "per_speaker": per}
        result["input_only_loso"] = {"mean": float(np.mean(list(iper.values()))), "per_speaker": iper}
        timer.add("loso_s", time.perf_counter() - t0)

    result["timings_s"] = dict(timer.stages, total_wall_s=timer.total(), total_cpu_s=timer.total_cpu())
    result["machine"] = C.machine_info()
    result["machine"]["brian2"] = b2.__version__
    if a.json:
        C.emit_json(result)
    else:
        print(f"Brian2 LSM on FSDD ({a.mode}, dt {a.dt} ms): test accuracy {acc:.4f}, "
              f"input-only {iacc:.4f}; B {bins}, alpha {alpha:g}")
        if a.loso:
            print("LOSO: mean {:.4f}  ".format(result["loso"]["mean"])
                  + "  ".join(f"{k} {v:.4f}" for k, v in result["loso"]["per_speaker"].items())
                  + "  | input-only mean {:.4f}".format(result["input_only_loso"]["mean"]))
        print(f"sim CPU {sim['sim_cpu_s']:.2f} s (wall {sim['sim_wall_s']:.2f} s) = "
              f"{result['ms_per_sample']:.2f} ms/sample, "
              f"{result['x_realtime']:.1f}x realtime, {result['syn_events_per_s']:.3g} syn events/s")
        print("timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in result["timings_s"].items()))


if __name__ == "__main__":
    main()
