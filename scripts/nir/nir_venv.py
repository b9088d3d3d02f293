"""Shared by the NIR scripts: run inside scripts/nir/.venv with the `nir` package.

Creates the venv (gitignored) and pip-installs `nir` on first use, then re-executes the
calling script with the venv's Python. Needs only a Python 3.9+ with `venv`.
"""
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"


def ensure_nir() -> None:
    py = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not py.exists():
        print(f"creating {VENV} and installing nir...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "nir"], check=True)
    os.execv(str(py), [str(py), *sys.argv])
