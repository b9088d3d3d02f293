"""What calling lsm from Python costs: the same work through the `lsm` Python package and
through the command line, timed alternately in one run, as ratios of medians (Python / CLI).

1. The spoken-digit job: fit on the train split of a FSDD-style folder, evaluate on its test
   split (the default config).
2. The echo state network's run-and-fit: `lsm fit` of the default Mackey-Glass config against
   `lsm.SeriesModel.fit` of the same config (the readout on the states of 5,000 steps).

Usage: python scripts/bench/python_overhead.py --lsm target/release/lsm [--data DIR]
       [--repeats 3] [--threads N] [--json out.json]
The Python environment must have the package installed (bash scripts/install-python.sh)."""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import lsm


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lsm", required=True, help="the lsm command line (a release build)")
    ap.add_argument("--data", default="datasets/fsdd-sample", help="FSDD-style folder")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args()

    files = sorted(glob.glob(os.path.join(a.data, "**", "*.wav"), recursive=True))
    test = [f for f in files if int(os.path.basename(f)[:-4].split("_")[2]) < 5]
    train = [f for f in files if int(os.path.basename(f)[:-4].split("_")[2]) >= 5]
    label = lambda f: os.path.basename(f)[0]  # noqa: E731
    speaker = lambda f: os.path.basename(f).split("_")[1]  # noqa: E731
    work = tempfile.mkdtemp()
    threads = ["--threads", str(a.threads)]

    def cli_digits():
        m = os.path.join(work, "cli.json")
        subprocess.run([a.lsm, "fit", "--data", a.data, "--out", m, "--quiet", *threads], check=True)
        out = subprocess.run([a.lsm, "evaluate", "--model", m, "--data", a.data, "--split", "test",
                              "--json", "--quiet", *threads], check=True, capture_output=True)
        return json.loads(out.stdout)["accuracy"]

    def py_digits():
        m = lsm.DigitsModel.fit(train, [label(f) for f in train],
                                groups=[speaker(f) for f in train], n_threads=a.threads)
        return m.evaluate(test, [label(f) for f in test], n_threads=a.threads)["accuracy"]

    def cli_esn():
        m = os.path.join(work, "mg.json")
        subprocess.run([a.lsm, "fit", "--data", "mackey-glass", "--out", m, "--quiet", *threads],
                       check=True)

    mg = lsm.default_config("mackey-glass")

    def py_esn():
        lsm.SeriesModel.fit(config=mg, n_threads=a.threads)

    results = {}
    for name, cli, py in [("fsdd fit+evaluate", cli_digits, py_digits),
                          ("esn run+fit (mackey-glass)", cli_esn, py_esn)]:
        tc, tp, acc = [], [], set()
        for _ in range(a.repeats):
            t, r = timed(cli)
            tc.append(t)
            acc.add(("cli", r))
            t, r = timed(py)
            tp.append(t)
            acc.add(("python", r))
        mc, mp = statistics.median(tc), statistics.median(tp)
        results[name] = {"cli_s": mc, "python_s": mp, "ratio": mp / mc,
                         "results": sorted(str(x) for x in acc)}
        print(f"{name:28s} CLI {mc:7.3f} s   Python {mp:7.3f} s   Python/CLI {mp / mc:.3f}   "
              f"{sorted(acc)}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"data": a.data, "threads": a.threads, "repeats": a.repeats,
                       "results": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
