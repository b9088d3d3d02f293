"""Shared fixtures of the Python suite. The suite runs against the installed wheel
(scripts/python-test.sh installs it into a fresh virtual environment); `LSM_BIN`, when set,
names the `lsm` command line the cross-checks compare with."""

import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "datasets" / "fsdd-sample" / "recordings"


@pytest.fixture(scope="session")
def lsm_bin():
    """The `lsm` command line (LSM_BIN), or skip when it is not given."""
    b = os.environ.get("LSM_BIN")
    if not b:
        pytest.skip("LSM_BIN is not set: no command line to compare with")
    path = shutil.which(b) or b
    assert pathlib.Path(path).is_file(), f"LSM_BIN={b} does not exist"
    return path


def run_cli(lsm_bin, *args):
    """Run the command line; return its stdout (fail the test on a non-zero exit)."""
    r = subprocess.run([lsm_bin, *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, f"lsm {' '.join(map(str, args))} failed:\n{r.stderr}"
    return r.stdout


def tones(n_per_class, freqs=(300.0, 1200.0), rate=8000, seconds=0.3, seed=0):
    """Noisy pure tones, one class per frequency: (signals, labels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    xs, ys = [], []
    for i in range(n_per_class):
        for label, f in enumerate(freqs):
            x = 0.5 * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
            xs.append(x + 0.05 * rng.normal(size=t.size))
            ys.append(str(label))
    return xs, ys
