"""Brette et al. (2007) benchmarks CUBA, COBA and COBAHH, side by side: lsm, Brian2's C++
standalone mode and NEST, one thread, on the same network, seconds per simulated second.

The network (as in ../../docs/benchmarks.md): 4,000 neurons (3,200 excitatory, 800
inhibitory), Bernoulli connectivity p = 0.02 drawn once with numpy (seed 2007) and given to
every tool as explicit (pre, post) arrays, dt 0.1 ms, no delay in lsm and Brian2 (NEST's
smallest delay, one step, in NEST).

  cuba    Brian2's CUBA example (Vogels & Abbott 2005): tau_m 20 ms, E_L -49 mV, V_t -50 mV,
          V_r -60 mV, refractory 5 ms, exponential currents (tau 5 / 10 ms) of 1.62 / -9 mV,
          exact integration, v0 = V_r + U(0, 1) (V_t - V_r).
          lsm: LIF with exp_current synapses, R = 1 MOhm, v_rest -49 mV, weights 1.62 / -9 nA.
          NEST: iaf_psc_exp, C_m 20 pF = tau_m 20 ms (so 1 pA is 1 mV / tau_m), weights
          1.62 / -9 pA.
  coba    the BrainPy / Brian2GeNN form: tau_m 20 ms, g_L 10 nS (C 200 pF), E_L = V_r = -60 mV,
          V_t -50 mV, refractory 5 ms, constant drive 200 pA, exponential conductances (tau
          5 / 10 ms, E_e 0 mV, E_i -80 mV, jumps 6 / 67 nS), v0 = -55 + 5 N(0, 1) mV.
          Brian2: exponential Euler; lsm: "exp_conductance" (exponential Euler too);
          NEST: iaf_cond_exp (GSL RKF45, adaptive).
  cobahh  Brette et al.'s benchmark 3 as lsm's preset `cobahh`: Hodgkin-Huxley neurons with
          Traub-Miles kinetics (C 200 pF, g_L 10 nS, E_L -60 mV, g_Na 20 uS, g_K 6 uS,
          E_Na 50 mV, E_K -90 mV, V_T -63 mV), the conductance synapses of coba, no drive,
          spikes at v > -20 mV, refractory 3 ms, v0 ~ U[-75, -55] mV with the gates at their
          steady state. Brian2: the equations of scripts/fixtures/gen_brian2_cobahh.py
          (exponential Euler at dt, the conductances decaying after v's update, as lsm);
          NEST: hh_cond_exp_traub (GSL RKF45; its spike is the peak of v above V_T + 30 mV,
          not fixed; t_ref set to 3 ms).

Each tool runs the transient alone and the transient plus the timed duration, each in a fresh
process (lsm simulate; Brian2's compiled ./main; a Python process that builds the NEST network
and calls nest.Simulate); the difference of the two times divided by the duration is the
cost per simulated second (start-up, network building or loading and the transient cancel).
Both the wall time and the child's CPU time (user + system, from getrusage) are taken: on a
shared machine the CPU time is the steadier of the two. The repeats are interleaved (lsm,
Brian2, NEST, lsm, ...) and the best of each is reported; the population rate over the timed
part is printed for every tool.

Run: scripts/bench/.venv/bin/python scripts/bench/brette.py --lsm target/release/lsm
     [--model cuba|coba|cobahh|all] [--duration-ms 2000] [--transient-ms 200] [--repeats 3]
     [--tools lsm,brian2,nest] [--json-out F]
"""
import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def cobahh_fixture():
    """scripts/fixtures/gen_brian2_cobahh.py, whose Traub-Miles gates the COBAHH run shares
    (imported on use: it imports Brian2)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
    import gen_brian2_cobahh
    return gen_brian2_cobahh

N_E, N_I, P, DT = 3200, 800, 0.02, 0.1
N = N_E + N_I
MODELS = ("cuba", "coba", "cobahh")
# COBAHH's channels (Brette et al. 2007; lsm's HhParams::cobahh).
HH = dict(E_L=-60.0, E_NA=50.0, E_K=-90.0, G_NA=20.0, G_K=6.0, VT=-63.0)


def network(model, seed):
    """The graph (the same for every model: one draw of the seed) and the model's weights
    (lsm's units: mV-equivalent nA for cuba, nS otherwise) and initial v."""
    rng = np.random.default_rng(seed)
    pre, post = np.nonzero(rng.random((N, N)) < P)
    exc = pre < N_E
    if model == "cuba":
        w = np.where(exc, 1.62, -9.0)
        v0 = -60.0 + 10.0 * rng.random(N)
    elif model == "coba":
        w = np.where(exc, 6.0, -67.0)
        v0 = -55.0 + 5.0 * rng.standard_normal(N)
    else:
        w = np.where(exc, 6.0, -67.0)
        v0 = rng.uniform(-75.0, -55.0, N)
    return pre, post, w, v0


def neuron_json(model, v0):
    base = {"tau_m_ms": 20.0, "v_init_mv": v0.tolist(), "tau_syn_exc_ms": 5.0,
            "tau_syn_inh_ms": 10.0}
    if model == "cuba":
        return {**base, "model": "lif", "r_mohm": 1.0, "v_rest_mv": -49.0,
                "v_reset_mv": -60.0, "v_th_mv": -50.0, "t_ref_ms": 5.0, "i_bias_na": 0.0,
                "synapse": "exp_current"}
    cond = {"synapse": "exp_conductance", "e_syn_exc_mv": 0.0, "e_syn_inh_mv": -80.0,
            "r_mohm": 100.0, "v_rest_mv": -60.0, "v_reset_mv": -60.0}
    if model == "coba":
        return {**base, **cond, "model": "lif", "v_th_mv": -50.0, "t_ref_ms": 5.0,
                "i_bias_na": 0.2}
    return {**base, **cond, "model": "hh", "v_th_mv": -20.0, "t_ref_ms": 3.0,
            "i_bias_na": 0.0,
            "hh": {"kinetics": "traub_miles", "g_na_us": HH["G_NA"], "g_k_us": HH["G_K"],
                   "e_na_mv": HH["E_NA"], "e_k_mv": HH["E_K"], "e_l_mv": HH["E_L"],
                   "v_t_mv": HH["VT"], "substep_ms": DT}}


def write_lsm(path, model, pre, post, w, v0):
    net = {"format": "lsm-network", "version": 1, "dt_ms": DT, "n_neurons": N, "n_inputs": 0,
           "neuron": neuron_json(model, v0),
           "recurrent": {"pre": pre.tolist(), "post": post.tolist(), "weight": w.tolist(),
                         "delay_ms": [0.0] * len(pre)},
           "input": {"pre": [], "post": [], "weight": []},
           "meta": {"source": f"scripts/bench/brette.py --model {model}"}}
    with open(path, "w") as f:
        json.dump(net, f)


def timed(cmd, **kw):
    """Runs `cmd`; returns (CompletedProcess, wall s, CPU s (user + system) of the child)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, check=True, **kw)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return p, wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def rate(times_ms, t0_ms, t1_ms):
    t = np.asarray(times_ms)
    return float(((t >= t0_ms) & (t < t1_ms)).sum()) / N / ((t1_ms - t0_ms) / 1000.0)


# ---------------------------------------------------------------------------------- lsm
class Lsm:
    name = "lsm"

    def __init__(self, lsm, model, pre, post, w, v0, workdir):
        self.lsm, self.workdir = lsm, workdir
        self.net = os.path.join(workdir, f"{model}_net.json")
        write_lsm(self.net, model, pre, post, w, v0)

    def run(self, total):
        out = os.path.join(self.workdir, f"lsm_spikes_{int(total)}.csv")
        _, wall, cpu = timed([self.lsm, "simulate", "--network", self.net, "--duration-ms",
                              str(total), "--out", out, "--threads", "1", "-q"])
        self.last = out
        return wall, cpu

    def rate(self, t0, t1):
        with open(self.last) as f:
            return rate([float(r["time_ms"]) for r in csv.DictReader(f)], t0, t1)


# ------------------------------------------------------------------------------- Brian2
class Brian2:
    name = "Brian2"

    def __init__(self, model, pre, post, w, v0, workdir, totals):
        self.model, self.args = model, (pre, post, w, v0)
        self.dirs = {}
        for total in totals:   # the longest last: its project stays active for the rate
            d = os.path.join(workdir, f"brian2_{int(total)}")
            self.sm = self.build(total, d)
            self.dirs[total] = d
        self.long = totals[-1]

    def build(self, total, directory):
        import brian2 as b2
        from brian2 import ms, mV, nS, pA, pF
        pre, post, w, v0 = self.args
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        b2.defaultclock.dt = DT * ms
        exc = pre < N_E
        objs = []
        if self.model == "cuba":
            eqs = """
            dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
            dge/dt = -ge / taue : volt
            dgi/dt = -gi / taui : volt
            """
            ns = {"El": -49 * mV, "taum": 20 * ms, "taue": 5 * ms, "taui": 10 * ms}
            G = b2.NeuronGroup(N, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                               refractory=5 * ms, method="exact", namespace=ns)
            G.v = v0 * mV
            on = ("ge += 1.62*mV", "gi += -9*mV")
        elif self.model == "coba":
            eqs = """
            dv/dt = (gl * (El - v) + ge * (Ee - v) + gi * (Ei - v) + I) / C : volt (unless refractory)
            dge/dt = -ge / (5 * ms) : siemens
            dgi/dt = -gi / (10 * ms) : siemens
            """
            ns = {"gl": 10 * nS, "El": -60 * mV, "Ee": 0 * mV, "Ei": -80 * mV, "I": 200 * pA,
                  "C": 200 * pF}
            G = b2.NeuronGroup(N, eqs, threshold="v > -50*mV", reset="v = -60*mV",
                               refractory=5 * ms, method="exponential_euler", namespace=ns)
            G.v = v0 * mV
            on = ("ge += 6*nS", "gi += 67*nS")
        else:
            # scripts/fixtures/gen_brian2_cobahh.py's equations (lsm's units, dimensionless).
            eqs = """
            dv/dt = (gl * (E_L - v) + 1e-3 * ge * (E_e - v) + 1e-3 * gi * (E_i - v)
                     - g_na * m * m * m * h * (v - E_Na) - g_k * n * n * n * n * (v - E_K)) / C / ms : 1
            """ + cobahh_fixture().TRAUB_MILES_GATES + """
            ge : 1
            gi : 1
            """
            ns = {"gl": 0.01, "C": 0.2, "E_L": HH["E_L"], "E_e": 0.0, "E_i": -80.0,
                  "E_Na": HH["E_NA"], "E_K": HH["E_K"], "g_na": HH["G_NA"], "g_k": HH["G_K"],
                  "VT": HH["VT"], "p_e": float(np.exp(-DT / 5.0)),
                  "p_i": float(np.exp(-DT / 10.0))}
            G = b2.NeuronGroup(N, eqs, threshold="v > -20", refractory=3 * ms,
                               method="exponential_euler", namespace=ns)
            G.v = v0
            G.m, G.h, G.n = cobahh_fixture().gates(v0)
            objs.append(G.run_regularly("ge = ge * p_e\ngi = gi * p_i", when="groups",
                                        order=1))
            on = ("ge += 6", "gi += 67")
        Se = b2.Synapses(G, G, on_pre=on[0])
        Se.connect(i=pre[exc], j=post[exc])
        Si = b2.Synapses(G, G, on_pre=on[1])
        Si.connect(i=pre[~exc], j=post[~exc])
        sm = b2.SpikeMonitor(G)
        net = b2.Network(G, Se, Si, sm, *objs)
        net.run(total * ms)
        b2.device.build(directory=directory, compile=True, run=False)
        return sm

    def run(self, total):
        _, wall, cpu = timed(["./main"], cwd=self.dirs[total], stdout=subprocess.DEVNULL)
        return wall, cpu

    def rate(self, t0, t1):
        import brian2 as b2
        from brian2 import ms
        b2.device.run(self.dirs[self.long], with_output=False, run_args=[])
        return rate(np.asarray(self.sm.t / ms), t0, t1)


# --------------------------------------------------------------------------------- NEST
def nest_worker(npz, model, total, out):
    """A fresh process: builds the NEST network from the arrays in `npz`, simulates `total`
    ms on one thread, writes the spike times (ms) to `out` (.npy)."""
    import nest
    nest.verbosity = nest.VerbosityLevel.ERROR
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": DT, "local_num_threads": 1, "print_time": False})
    d = np.load(npz)
    pre, post, w, v0 = d["pre"], d["post"], d["w"], d["v0"]
    if model == "cuba":
        pop = nest.Create("iaf_psc_exp", N, params={
            "C_m": 20.0, "tau_m": 20.0, "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0,
            "t_ref": 5.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "I_e": 0.0})
    elif model == "coba":
        pop = nest.Create("iaf_cond_exp", N, params={
            "C_m": 200.0, "g_L": 10.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0,
            "t_ref": 5.0, "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0,
            "I_e": 200.0})
    else:
        pop = nest.Create("hh_cond_exp_traub", N, params={
            "C_m": 200.0, "g_L": 10.0, "E_L": HH["E_L"], "g_Na": 1000.0 * HH["G_NA"],
            "g_K": 1000.0 * HH["G_K"], "E_Na": HH["E_NA"], "E_K": HH["E_K"], "V_T": HH["VT"],
            "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "t_ref": 3.0,
            "I_e": 0.0})
        m, h, n = cobahh_fixture().gates(v0)
        pop.set({"Act_m": m, "Inact_h": h, "Act_n": n})
    pop.set({"V_m": v0})
    ids = np.asarray(pop.tolist())
    nest.Connect(ids[pre], ids[post], "one_to_one",
                 {"synapse_model": "static_synapse", "weight": w.astype(float),
                  "delay": np.full(len(w), DT)})
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    t = time.perf_counter()
    nest.Simulate(total)
    sim_s = time.perf_counter() - t
    np.save(out, np.asarray(rec.get("events")["times"], dtype=float))
    assert nest.num_connections == len(pre) + N, nest.num_connections
    print(json.dumps({"simulate_s": sim_s}))


class Nest:
    name = "NEST"

    def __init__(self, model, pre, post, w, v0, workdir, python):
        self.model, self.workdir, self.python = model, workdir, python
        self.npz = os.path.join(workdir, f"{model}_net.npz")
        np.savez(self.npz, pre=pre, post=post, w=w, v0=v0)
        self.simulate_s = {}

    def run(self, total):
        out = os.path.join(self.workdir, f"nest_spikes_{int(total)}.npy")
        r, wall, cpu = timed([self.python, os.path.abspath(__file__), "--nest-worker",
                              self.npz, self.model, str(total), out],
                             capture_output=True, text=True)
        self.simulate_s.setdefault(total, []).append(
            json.loads(r.stdout.strip().splitlines()[-1])["simulate_s"])
        self.last = out
        return wall, cpu

    def rate(self, t0, t1):
        return rate(np.load(self.last), t0, t1)


def bench(a, model):
    workdir = os.path.join(a.workdir, model)
    os.makedirs(workdir, exist_ok=True)
    pre, post, w, v0 = network(model, a.seed)
    tr, du = a.transient_ms, a.duration_ms
    print(f"{model}: {N} neurons, {len(pre)} synapses, dt {DT} ms, {du:g} ms timed after "
          f"{tr:g} ms, best of {a.repeats}", file=sys.stderr)
    tools = []
    if "lsm" in a.tools:
        tools.append(Lsm(a.lsm, model, pre, post, w, v0, workdir))
    if "brian2" in a.tools:
        tools.append(Brian2(model, pre, post, w, v0, workdir, (tr, tr + du)))
    if "nest" in a.tools:
        tools.append(Nest(model, pre, post, w, v0, workdir, a.python))
    costs = {t.name: {"wall": [], "cpu": []} for t in tools}
    for r in range(a.repeats):
        for t in tools:   # interleaved: every tool once per repeat
            short = t.run(tr)
            long_ = t.run(tr + du)
            for k, key in enumerate(("wall", "cpu")):
                costs[t.name][key].append((long_[k] - short[k]) / (du / 1000.0))
            print(f"  repeat {r + 1}: {t.name:6s} {costs[t.name]['wall'][-1]:.3f} s per bio-s "
                  f"wall, {costs[t.name]['cpu'][-1]:.3f} CPU (walls {short[0]:.2f} / "
                  f"{long_[0]:.2f} s, load {os.getloadavg()[0]:.1f})", file=sys.stderr)
    res = {"n_synapses": int(len(pre)), "duration_ms": du, "transient_ms": tr}
    for t in tools:
        rt = t.rate(tr, tr + du)
        c = costs[t.name]
        res[t.name] = {"s_per_bio_s_wall": c["wall"], "s_per_bio_s_cpu": c["cpu"],
                       "best_wall": min(c["wall"]), "best_cpu": min(c["cpu"]), "rate_hz": rt}
        if isinstance(t, Nest):
            res[t.name]["simulate_s_inside"] = {str(k): v for k, v in t.simulate_s.items()}
        for key in ("wall", "cpu"):
            print(f"{model:7s} {t.name:7s} {key:4s} {min(c[key]):.3f} s per bio-s (all "
                  f"{', '.join(f'{x:.3f}' for x in c[key])})")
        print(f"{model:7s} {t.name:7s} rate {rt:.2f} Hz")
    if "lsm" in costs:
        for t in tools:
            if t.name != "lsm":
                for key in ("wall", "cpu"):
                    ratio = min(costs[t.name][key]) / min(costs["lsm"][key])
                    res[f"ratio_{t.name}_over_lsm_{key}"] = ratio
                    print(f"{model:7s} {t.name} / lsm, {key} (best of each): {ratio:.2f}")
    return res


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--nest-worker":
        nest_worker(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
        return
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lsm", default=os.path.join(here, "..", "..", "target", "release", "lsm"),
                    help="the lsm binary (release; default target/release/lsm)")
    ap.add_argument("--model", default="all", choices=MODELS + ("all",))
    ap.add_argument("--duration-ms", type=float, default=2000.0)
    ap.add_argument("--transient-ms", type=float, default=200.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2007)
    ap.add_argument("--tools", default="lsm,brian2,nest",
                    help="comma-separated subset of lsm,brian2,nest")
    ap.add_argument("--python", default=sys.executable,
                    help="the Python that imports nest (default: this one)")
    ap.add_argument("--workdir", default=os.path.join(here, "build", "brette"))
    ap.add_argument("--json-out")
    a = ap.parse_args()
    a.tools = a.tools.split(",")
    models = MODELS if a.model == "all" else (a.model,)
    res = {m: bench(a, m) for m in models}
    res["machine"] = {"nproc": os.cpu_count(), "loadavg_at_end": os.getloadavg()}
    print(f"load average at the end: {os.getloadavg()}", file=sys.stderr)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
