"""Brette et al. (2007) COBA benchmark, side by side: lsm and Brian2's C++ standalone mode on
the same network, one thread, seconds per simulated second.

The network (the BrainPy / Brian2GeNN form of COBA, as in ../../docs/benchmarks.md):
4,000 LIF neurons (3,200 excitatory, 800 inhibitory), Bernoulli connectivity p = 0.02 drawn
once with numpy (seed 2007) and given to both tools, tau_m 20 ms, g_L 10 nS (R = 100 MOhm,
C = 200 pF), E_L = V_r = -60 mV, V_t = -50 mV, refractory 5 ms, constant drive 200 pA,
exponentially decaying conductances (tau 5 / 10 ms, E_e 0 mV, E_i -80 mV, jumps 6 / 67 nS),
no delay, v0 = -55 + 5 N(0, 1) mV, dt 0.1 ms. Brian2 integrates with exponential Euler, as
lsm's "exp_conductance" synapse does.

Each tool runs the transient alone and the transient plus the timed duration, each in a fresh
process; the difference of the two wall times divided by the duration is the cost per
simulated second (start-up, network loading and the transient cancel). The population rate
over the timed part is printed for both.

Run: scripts/bench/.venv/bin/python scripts/bench/brette_coba.py --lsm target/release/lsm
     [--duration-ms 5000] [--transient-ms 200] [--repeats 3] [--no-brian2] [--json-out F]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np

N_E, N_I, P, DT = 3200, 800, 0.02, 0.1


def network(seed):
    rng = np.random.default_rng(seed)
    n = N_E + N_I
    pre, post = np.nonzero(rng.random((n, n)) < P)
    w = np.where(pre < N_E, 6.0, -67.0)
    v0 = -55.0 + 5.0 * rng.standard_normal(n)
    return pre, post, w, v0


def write_lsm(path, pre, post, w, v0):
    n = N_E + N_I
    net = {"format": "lsm-network", "version": 1, "dt_ms": DT, "n_neurons": n, "n_inputs": 0,
           "neuron": {"model": "lif", "tau_m_ms": 20.0, "r_mohm": 100.0, "v_rest_mv": -60.0,
                      "v_reset_mv": -60.0, "v_th_mv": -50.0, "t_ref_ms": 5.0,
                      "i_bias_na": 0.2, "v_init_mv": v0.tolist(),
                      "synapse": "exp_conductance", "tau_syn_exc_ms": 5.0,
                      "tau_syn_inh_ms": 10.0, "e_syn_exc_mv": 0.0, "e_syn_inh_mv": -80.0},
           "recurrent": {"pre": pre.tolist(), "post": post.tolist(), "weight": w.tolist(),
                         "delay_ms": [0.0] * len(pre)},
           "input": {"pre": [], "post": [], "weight": []},
           "meta": {"source": "scripts/bench/brette_coba.py"}}
    with open(path, "w") as f:
        json.dump(net, f)


def rate_after(spike_csv, t0_ms, t1_ms):
    with open(spike_csv) as f:
        times = [float(r["time_ms"]) for r in csv.DictReader(f)]
    k = sum(1 for t in times if t0_ms <= t < t1_ms)
    return k / (N_E + N_I) / ((t1_ms - t0_ms) / 1000.0)


def time_lsm(lsm, net_path, workdir, transient, duration, repeats):
    def run(total):
        out = os.path.join(workdir, f"lsm_spikes_{int(total)}.csv")
        t = time.perf_counter()
        subprocess.run([lsm, "simulate", "--network", net_path, "--duration-ms", str(total),
                        "--out", out, "--threads", "1", "-q"], check=True)
        return time.perf_counter() - t, out

    costs = []
    for _ in range(repeats):
        t_short, _ = run(transient)
        t_long, out = run(transient + duration)
        costs.append((t_long - t_short) / (duration / 1000.0))
    return costs, rate_after(out, transient, transient + duration)


def time_brian2(pre, post, v0, workdir, transient, duration, repeats):
    import brian2 as b2
    from brian2 import ms, mV, nS, pA, pF

    def build(total, directory):
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.defaultclock.dt = DT * ms
        eqs = """
        dv/dt = (gl * (El - v) + ge * (Ee - v) + gi * (Ei - v) + I) / C : volt (unless refractory)
        dge/dt = -ge / (5 * ms) : siemens
        dgi/dt = -gi / (10 * ms) : siemens
        """
        ns = {"gl": 10 * nS, "El": -60 * mV, "Ee": 0 * mV, "Ei": -80 * mV, "I": 200 * pA,
              "C": 200 * pF}
        G = b2.NeuronGroup(N_E + N_I, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                           refractory=5 * ms, method="exponential_euler", namespace=ns)
        G.v = v0 * mV
        exc = pre < N_E
        Se = b2.Synapses(G, G, on_pre="ge += 6*nS")
        Se.connect(i=pre[exc], j=post[exc])
        Si = b2.Synapses(G, G, on_pre="gi += 67*nS")
        Si.connect(i=pre[~exc], j=post[~exc])
        sm = b2.SpikeMonitor(G)
        b2.run(total * ms)
        b2.device.build(directory=directory, compile=True, run=False)
        return sm

    dirs = {}
    for total in (transient, transient + duration):
        d = os.path.join(workdir, f"brian2_{int(total)}")
        build(total, d)
        dirs[total] = d

    def run(total):
        t = time.perf_counter()
        subprocess.run(["./main"], cwd=dirs[total], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - t

    costs = []
    for _ in range(repeats):
        t_short = run(transient)
        t_long = run(transient + duration)
        costs.append((t_long - t_short) / (duration / 1000.0))
    # Spikes of the long run, read back through Brian2.
    sm = build(transient + duration, dirs[transient + duration])
    b2.device.run(dirs[transient + duration], with_output=False, run_args=[])
    t = np.asarray(sm.t / ms)
    k = int(((t >= transient) & (t < transient + duration)).sum())
    return costs, k / (N_E + N_I) / (duration / 1000.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lsm", required=True, help="the lsm binary (release)")
    ap.add_argument("--duration-ms", type=float, default=5000.0)
    ap.add_argument("--transient-ms", type=float, default=200.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2007)
    ap.add_argument("--workdir", default=os.path.join(os.path.dirname(__file__), "build",
                                                       "brette_coba"))
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--json-out")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    pre, post, w, v0 = network(a.seed)
    net_path = os.path.join(a.workdir, "coba_net.json")
    write_lsm(net_path, pre, post, w, v0)
    print(f"COBA: {N_E + N_I} neurons, {len(pre)} synapses, dt {DT} ms, "
          f"{a.duration_ms:g} ms timed after {a.transient_ms:g} ms", file=sys.stderr)
    res = {"n_synapses": int(len(pre)), "duration_ms": a.duration_ms}
    lc, lr = time_lsm(a.lsm, net_path, a.workdir, a.transient_ms, a.duration_ms, a.repeats)
    res["lsm"] = {"s_per_bio_s": lc, "rate_hz": lr}
    print(f"lsm      {min(lc):.3f} s per simulated s (best of {a.repeats}; all "
          f"{', '.join(f'{x:.3f}' for x in lc)}), rate {lr:.2f} Hz")
    if not a.no_brian2:
        bc, br = time_brian2(pre, post, v0, a.workdir, a.transient_ms, a.duration_ms,
                             a.repeats)
        res["brian2_standalone"] = {"s_per_bio_s": bc, "rate_hz": br}
        print(f"Brian2   {min(bc):.3f} s per simulated s (best of {a.repeats}; all "
              f"{', '.join(f'{x:.3f}' for x in bc)}), rate {br:.2f} Hz")
        print(f"ratio Brian2 / lsm (best of each): {min(bc) / min(lc):.2f}")
        res["ratio_brian2_over_lsm"] = min(bc) / min(lc)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
