#!/usr/bin/env python3
"""Check lsm's NIR files against the Python `nir` package (the reference implementation).

    python3 scripts/nir/check_nir.py [--lsm PATH]

Creates scripts/nir/.venv (gitignored) and installs `nir` on first use. Uses the lsm binary
given, or $LSM_BIN, or builds one with `cargo build -p lsm-cli`. It:

1. generates lsm networks (CubaLIF with random delays, LIF, IF), exports each with
   `lsm network export --format nir`, loads it with `nir.read` and checks node types, shapes
   and parameters against the network file (docs/nir.md gives the mapping);
2. writes each graph back with `nir.write`, imports it with `lsm network import`, and checks
   that the network file is the original, field by field;
3. writes a NIR graph from Python (another tool's conventions) and checks what lsm imports
   against NIR's equations.

Ends with a line `N passed, M failed`; exits non-zero on any failure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nir_venv import ensure_nir  # noqa: E402

ensure_nir()

import nir  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
RESULTS = {"passed": 0, "failed": 0}


def check(ok, what):
    RESULTS["passed" if ok else "failed"] += 1
    print(("ok    " if ok else "FAIL  ") + what)


def lsm_binary(arg):
    if arg:
        return arg
    if os.environ.get("LSM_BIN"):
        return os.environ["LSM_BIN"]
    subprocess.run(["cargo", "build", "-q", "-p", "lsm-cli"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "debug" / "lsm")


def run(lsm, *args):
    subprocess.run([lsm, *args, "--quiet"], check=True)


def per_neuron(p, n):
    return np.full(n, p, dtype=float) if np.isscalar(p) else np.asarray(p, dtype=float)


def dense(lst, n_post, n_pre):
    """The synapses as a [post][pre] matrix (repeated pairs add up)."""
    w = np.zeros((n_post, n_pre))
    for a, b, x in zip(lst["pre"], lst["post"], lst["weight"]):
        w[b, a] += x
    return w


def check_export(name, net, g):
    n, k = net["n_neurons"], net["n_inputs"]
    ne = net["neuron"]
    types = {key: type(v).__name__ for key, v in g.nodes.items()}
    want = "CubaLIF" if ne["synapse"] == "exp_current" else ("LIF" if ne.get("leaky", True) else "IF")
    check(types.get("neurons") == want, f"{name}: population node `neurons` is {want} ({types.get('neurons')})")
    check(isinstance(g.nodes["input"], nir.Input) and list(g.nodes["input"].input_type["input"]) == [k],
          f"{name}: Input of shape [{k}]")
    check(isinstance(g.nodes["output"], nir.Output) and list(g.nodes["output"].output_type["output"]) == [n],
          f"{name}: Output of shape [{n}]")
    check(abs(float(g.metadata["dt"]) - net["dt_ms"] / 1000) < 1e-15, f"{name}: metadata dt = dt_ms / 1000 s")
    pop = g.nodes["neurons"]
    tau_s = per_neuron(ne["tau_m_ms"], n) / 1000
    if want == "CubaLIF":
        check(np.allclose(pop.tau_mem, tau_s), f"{name}: tau_mem = tau_m_ms / 1000")
        check(np.allclose(pop.tau_syn, per_neuron(ne["tau_syn_exc_ms"], n) / 1000), f"{name}: tau_syn = tau_syn_ms / 1000")
        check(np.array_equal(pop.w_in, pop.tau_syn), f"{name}: w_in = tau_syn (so w_in W / tau_syn = W nA)")
        v_leak = per_neuron(ne["v_rest_mv"], n) + per_neuron(ne["r_mohm"], n) * per_neuron(ne.get("i_bias_na", 0.0), n)
        check(np.allclose(pop.v_leak, v_leak), f"{name}: v_leak = v_rest + r i_bias")
    elif want == "LIF":
        check(np.allclose(pop.tau, tau_s) and np.array_equal(pop.r, pop.tau), f"{name}: tau = tau_m_ms / 1000, r = tau (jump r W / tau = W mV)")
    else:
        check(np.all(pop.r == 1.0), f"{name}: IF r = 1 (jump r W = W mV)")
    check(np.allclose(pop.v_threshold, per_neuron(ne["v_th_mv"], n)), f"{name}: v_threshold")
    check(np.allclose(pop.v_reset, per_neuron(ne["v_reset_mv"], n)), f"{name}: v_reset")
    # Weights: every projection (behind its Delay) is the synapses of that delay.
    for kind, src, size in (("recurrent", "neurons", n), ("input", "input", k)):
        lst = net[kind]
        projections = [e[1] for e in g.edges if e[0] == src and isinstance(g.nodes[e[1]], (nir.Linear, nir.Affine))]
        delays = [e[1] for e in g.edges if e[0] == src and isinstance(g.nodes[e[1]], nir.Delay)]
        total = np.zeros((n, size))
        good = True
        for dn in delays:
            (wn,) = [e[1] for e in g.edges if e[0] == dn]
            d_ms = np.asarray(g.nodes[dn].delay, dtype=float) * 1000  # one delay per pre element
            w = g.nodes[wn].weight
            for b, a in zip(*np.nonzero(w)):
                same = [x for i, x in enumerate(lst["weight"]) if lst["pre"][i] == a and lst["post"][i] == b
                        and abs(lst["delay_ms"][i] - d_ms[a]) < 1e-9]
                good &= bool(same) and abs(sum(same) - w[b, a]) < 1e-12
            total += w
        for wn in projections:
            total += g.nodes[wn].weight
        good &= np.allclose(total, dense(lst, n, size))
        check(good, f"{name}: {kind} weights ({len(lst['pre'])} synapses, {len(delays)} delay groups) match the network file")


def compare(name, a, b, path=""):
    """Field-by-field comparison; returns the differing paths."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += compare(name, a.get(key), b.get(key), f"{path}.{key}" if path else key)
        return out
    return [] if a == b else [path]


def round_trip(lsm, name, net_path, work):
    nir_path = work / f"{name}.nir"
    run(lsm, "network", "export", "--format", "nir", str(net_path), str(nir_path))
    g = nir.read(nir_path)
    net = json.loads(net_path.read_text())
    check_export(name, net, g)
    again = work / f"{name}.python.nir"
    nir.write(again, g)
    back = work / f"{name}.back.json"
    run(lsm, "network", "import", str(again), str(back))
    diff = compare(name, net, json.loads(back.read_text()))
    check(not diff, f"{name}: export -> nir.read -> nir.write -> import gives the same network file" + (f" (differs: {diff[:5]})" if diff else ""))


def python_graph(lsm, work):
    nodes = {
        "input": nir.Input(input_type=np.array([2])),
        "delay": nir.Delay(delay=np.array([0.002, 0.003])),
        "fc": nir.Affine(weight=np.array([[0.0, 0.04], [0.02, 0.0]]), bias=np.array([0.5, 0.0])),
        "lif": nir.LIF(tau=np.array([0.02, 0.02]), r=np.array([1.0, 1.0]), v_leak=np.array([-1.0, -1.0]),
                       v_threshold=np.array([1.0, 2.0]), v_reset=np.array([0.0, 0.0])),
        "rec": nir.Linear(weight=np.array([[0.0, -0.01], [0.0, 0.0]])),
        "output": nir.Output(output_type=np.array([2])),
    }
    edges = [("input", "delay"), ("delay", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")]
    path = work / "python.nir"
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": 0.001}))
    out = work / "python.json"
    run(lsm, "network", "import", str(path), str(out))
    v = json.loads(out.read_text())
    check(v["dt_ms"] == 1.0 and v["neuron"]["tau_m_ms"] == 20.0, "python LIF: dt 1 ms, tau_m 20 ms")
    check(v["input"]["weight"] == [1.0, 2.0], "python LIF: input jumps r W / tau = 1, 2 mV")
    check(v["input"]["delay_ms"] == [2.0, 3.0], "python LIF: per-element delays 2, 3 ms")
    check(v["recurrent"]["weight"] == [-0.5], "python LIF: recurrent jump -0.5 mV")
    check(v["neuron"]["i_bias_na"] == [0.5, 0.0], "python LIF: Affine bias -> i_bias 0.5 nA")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lsm", help="the lsm binary (default: $LSM_BIN, or cargo build -p lsm-cli)")
    lsm = lsm_binary(ap.parse_args().lsm)
    print(f"nir {nir.version}, lsm {subprocess.run([lsm, '--version'], capture_output=True, text=True).stdout.strip()}")
    configs = {
        "cubalif": {"n_neurons": 50, "neuron": {"model": "lif", "tau_m_ms": 30, "r_mohm": 1, "v_rest_mv": 0, "v_reset_mv": 13.5,
                    "v_th_mv": 15, "t_ref_ms": 2, "i_bias_na": 13.5, "synapse": "exp_current", "tau_syn_exc_ms": 3, "tau_syn_inh_ms": 3},
                    "weight_dist": {"kind": "gamma", "shape": 2.0}, "delay": {"kind": "uniform", "min_ms": 0.5, "max_ms": 2},
                    "v_init_uniform_mv": [0, 13]},
        "lif": {"n_neurons": 40, "neuron": {"model": "lif", "tau_m_ms": 20, "r_mohm": 2, "v_rest_mv": -1, "v_reset_mv": 0,
                "v_th_mv": 1, "t_ref_ms": 1, "i_bias_na": 0.25, "synapse": "delta"}},
        "if": {"n_neurons": 30, "neuron": {"model": "lif", "leaky": False, "tau_m_ms": 10, "r_mohm": 3, "v_rest_mv": 0,
               "v_reset_mv": 0, "v_th_mv": 1, "t_ref_ms": 0, "i_bias_na": 0.1, "synapse": "delta"}},
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, cfg in configs.items():
            (work / f"{name}.gen.json").write_text(json.dumps(cfg))
            net = work / f"{name}.json"
            run(lsm, "network", "generate", "--config", str(work / f"{name}.gen.json"), "--out", str(net), "--n-inputs", "3")
            round_trip(lsm, name, net, work)
        python_graph(lsm, work)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()
