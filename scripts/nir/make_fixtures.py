#!/usr/bin/env python3
"""Write the NIR fixtures of lsm's Rust tests with the Python `nir` package.

    python3 scripts/nir/make_fixtures.py   # writes crates/lsm-cli/tests/fixtures/nir/*.nir

The Rust tests read these files without Python; rerun this script only to change them.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nir_venv import ensure_nir  # noqa: E402

ensure_nir()

import h5py  # noqa: E402
import nir  # noqa: E402
import numpy as np  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "crates" / "lsm-cli" / "tests" / "fixtures" / "nir"


def write(name, graph, compression=None):
    # Uncompressed keeps the fixtures at a few KB; one is gzip-compressed as nir writes by
    # default, so the reader's gzip path is tested too.
    OUT.mkdir(parents=True, exist_ok=True)
    nir.write(OUT / name, graph, compression=compression)
    print(f"wrote {OUT / name} ({(OUT / name).stat().st_size} bytes)")


def lif_python():
    # A LIF population as another tool writes it: r = 1, an Affine with a bias, one delay per
    # input element, a recurrent Linear, dt 1 ms in the graph metadata.
    nodes = {
        "input": nir.Input(input_type=np.array([2])),
        "delay": nir.Delay(delay=np.array([0.002, 0.003])),
        "fc": nir.Affine(weight=np.array([[0.0, 0.04], [0.02, 0.0]]), bias=np.array([0.5, 0.0])),
        "lif": nir.LIF(
            tau=np.array([0.02, 0.02]),
            r=np.array([1.0, 1.0]),
            v_leak=np.array([-1.0, -1.0]),
            v_threshold=np.array([1.0, 2.0]),
            v_reset=np.array([0.0, 0.0]),
        ),
        "rec": nir.Linear(weight=np.array([[0.0, -0.01], [0.0, 0.0]])),
        "output": nir.Output(output_type=np.array([2])),
    }
    edges = [("input", "delay"), ("delay", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "output")]
    write("lif_python.nir", nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": 0.001}), "gzip")


def cubalif_float32_no_dt():
    # CubaLIF in float32 (as torch exports), w_in 2, no dt: import needs --dt-ms.
    f = np.float32
    n = 3
    nodes = {
        "input": nir.Input(input_type=np.array([1])),
        "w": nir.Linear(weight=np.array([[1.0], [0.0], [0.5]], dtype=f)),
        "cuba": nir.CubaLIF(
            tau_syn=np.full(n, 0.005, dtype=f),
            tau_mem=np.full(n, 0.01, dtype=f),
            r=np.full(n, 2.0, dtype=f),
            v_leak=np.zeros(n, dtype=f),
            v_threshold=np.ones(n, dtype=f),
            w_in=np.full(n, 2.0, dtype=f),
        ),
        "output": nir.Output(output_type=np.array([n])),
    }
    edges = [("input", "w"), ("w", "cuba"), ("cuba", "output")]
    write("cubalif_float32_no_dt.nir", nir.NIRGraph(nodes=nodes, edges=edges))


def if_graph():
    nodes = {
        "input": nir.Input(input_type=np.array([1])),
        "w": nir.Linear(weight=np.array([[0.5], [0.25]])),
        "if": nir.IF(r=np.array([4.0, 4.0]), v_threshold=np.array([1.0, 1.0])),
        "output": nir.Output(output_type=np.array([2])),
    }
    edges = [("input", "w"), ("w", "if"), ("if", "output")]
    write("if_graph.nir", nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": 0.0005}))


def refused_conv():
    nodes = {
        "input": nir.Input(input_type=np.array([1, 4, 4])),
        "conv": nir.Conv2d(
            input_shape=(4, 4),
            weight=np.ones((1, 1, 2, 2)),
            stride=1,
            padding=0,
            dilation=1,
            groups=1,
            bias=np.zeros(1),
        ),
        "output": nir.Output(output_type=np.array([1, 3, 3])),
    }
    write("refused_conv.nir", nir.NIRGraph(nodes=nodes, edges=[("input", "conv"), ("conv", "output")], metadata={"dt": 0.001}))


def refused_two_populations():
    lif = lambda: nir.LIF(tau=np.ones(2) * 0.01, r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))  # noqa: E731
    nodes = {
        "input": nir.Input(input_type=np.array([2])),
        "w1": nir.Linear(weight=np.eye(2)),
        "pop_a": lif(),
        "w2": nir.Linear(weight=np.eye(2)),
        "pop_b": lif(),
        "output": nir.Output(output_type=np.array([2])),
    }
    edges = [("input", "w1"), ("w1", "pop_a"), ("pop_a", "w2"), ("w2", "pop_b"), ("pop_b", "output")]
    write("refused_two_populations.nir", nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": 0.001}))


def refused_huge_weight():
    # A weight matrix that declares 10^10 float64 values (80 GB) but stores none (chunked,
    # never written): import must refuse it by its declared size, before reading.
    name = OUT / "refused_huge_weight.nir"
    nir.write(name, compression=None, graph=nir.NIRGraph(
        nodes={
            "input": nir.Input(input_type=np.array([1])),
            "w": nir.Linear(weight=np.ones((2, 1))),
            "lif": nir.LIF(tau=np.ones(2) * 0.01, r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2)),
            "output": nir.Output(output_type=np.array([2])),
        },
        edges=[("input", "w"), ("w", "lif"), ("lif", "output")],
        metadata={"dt": 0.001},
    ))
    with h5py.File(name, "a") as f:
        del f["node/nodes/w/weight"]
        f["node/nodes/w"].create_dataset("weight", shape=(100000, 100000), dtype="f8", chunks=(100, 100))
    print(f"wrote {name} ({name.stat().st_size} bytes)")


if __name__ == "__main__":
    lif_python()
    cubalif_float32_no_dt()
    if_graph()
    refused_conv()
    refused_two_populations()
    refused_huge_weight()
