"""Simulation-speed anchor, Brian2 side, on the *same* network as lsm.

The network comes from an lsm network file written by
    cargo run --release -p lsm-reservoir --example anchor -- N --export scripts/bench/build/anchor_N.json
(model: `lsm_reservoir::anchor`, the speed anchor of docs/benchmarks.md: dimensionless LIF, threshold 1,
reset 0, refractory 2 ms, tau_m/tau_e/tau_i = 20/5/10 ms, exact integration, dt = 0.1 ms,
80 % excitatory, fixed out-degree 100, w_e = +0.2, w_i = -1.0, no delays, v0 ~ U[0, 1)).
Brian2 adds the external drive as PoissonInput(100 sources, 20 Hz, weight 0.2) on ge, which
is what lsm's input channels carry (Binomial(100, 20 Hz dt) events per neuron and step).

A 200 ms transient is run untimed, then 1 s is timed. With --lsm-bin the lsm example binary is
run right after on the same N, so both figures come from one session.

    scripts/bench/.venv/bin/python scripts/bench/brian2_speed.py --n 1000 4000 \
        --mode standalone --lsm-bin target/release/examples/anchor

Network files and Brian2 projects go to scripts/bench/build/ (next to this script, whatever the
working directory).

Prints one JSON line per (mode, N).
"""
import argparse
import json
import os
import subprocess
import time
from pathlib import Path

import numpy as np
import brian2 as b2
from brian2 import ms, Hz

BUILD = Path(__file__).resolve().parent / "build"


def load(path):
    with open(path) as f:
        net = json.load(f)
    assert net["format"] == "lsm-network" and net["version"] == 1, path
    return net


def run(net, mode, workdir, seed):
    b2.start_scope()
    if mode == "standalone":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
        b2.device.reinit()
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    else:
        b2.set_device("runtime")
    b2.seed(seed)
    n = net["n_neurons"]
    ne = net["neuron"]
    b2.defaultclock.dt = net["dt_ms"] * ms
    eqs = """
    dv/dt = (ge + gi - v) / (20*ms) : 1 (unless refractory)
    dge/dt = -ge / (5*ms) : 1
    dgi/dt = -gi / (10*ms) : 1
    """
    assert ne["tau_m_ms"] == 20.0 and ne["tau_syn_exc_ms"] == 5.0 and ne["tau_syn_inh_ms"] == 10.0
    G = b2.NeuronGroup(n, eqs, threshold="v > 1", reset="v = 0", refractory=2 * ms,
                       method="exact")
    G.v = np.asarray(ne["v_init_mv"], dtype=float)
    r = net["recurrent"]
    pre, post, w = (np.asarray(r[k]) for k in ("pre", "post", "weight"))
    syns = []
    for target, m in (("ge", w > 0), ("gi", w < 0)):
        S = b2.Synapses(G, G, "w : 1", on_pre=f"{target}_post += w")
        S.connect(i=pre[m], j=post[m])
        S.w = w[m]
        syns.append(S)
    P = b2.PoissonInput(G, "ge", 100, 20 * Hz, weight=0.2)
    sm = b2.SpikeMonitor(G)
    netw = b2.Network(G, *syns, P, sm)
    netw.run(200 * ms)
    t0 = time.perf_counter()
    netw.run(1000 * ms)
    wall = time.perf_counter() - t0
    if mode == "standalone":
        b2.device.build(directory=workdir, compile=True, run=True, with_output=False)
        wall = float(b2.device._last_run_time)  # CPU time of the last (timed) run
    t = np.asarray(sm.t / ms)
    spikes = int(np.sum(t >= 200.0))
    return {"mode": mode, "n": n, "spikes_1s": spikes, "rate_hz": spikes / n,
            "recurrent_events": spikes * 100, "wall_s": wall,
            "events_per_s": spikes * 100 / wall, "load": os.getloadavg()[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 4000])
    ap.add_argument("--mode", choices=["standalone", "runtime"], default="standalone")
    ap.add_argument("--workdir", default=str(BUILD / "b2speed_lsmnet"),
                    help="cpp_standalone project prefix (N is appended)")
    ap.add_argument("--lsm-bin", default=None, help="lsm example binary `anchor` to run side by side")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    for n in a.n:
        path = str(BUILD / f"anchor_{n}.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if a.lsm_bin:
            subprocess.run([a.lsm_bin, str(n), "--export", path], check=True)
        res = run(load(path), a.mode, f"{a.workdir}_{n}", a.seed)
        print(json.dumps({"tool": "brian2", **res}), flush=True)
        if a.lsm_bin:
            out = subprocess.run([a.lsm_bin, str(n)], check=True, capture_output=True, text=True).stdout
            print(json.dumps({"tool": "lsm", "n": n, "runs": out.strip().splitlines()}), flush=True)


if __name__ == "__main__":
    main()
