"""Shared helpers for the FSDD peer benchmarks (esn_fsdd.py, brian2_lsm_fsdd.py).

* FSDD file listing: ``{digit}_{speaker}_{take}.wav``, sorted by (speaker, digit, take) so that
  every script sees the files in the same, stable order.
* Official split: takes 0-4 are test, takes 5-49 are train.
* ``--subset N``: N files per (speaker, digit), keeping the split ratio (about 1 test take in 10):
  test takes 0..n_test-1 and train takes 5..5+n_train-1 with n_test = max(1, round(N / 10)).
* Audio front ends shared by the peers (librosa, 8 kHz, 32 ms Hann window = 256 samples,
  10 ms hop = 80 samples, centred frames, mel filters 0-4 kHz):
  MFCC (20 coefficients over 40 mel bands) and log-mel in dB relative to the utterance maximum.
* Machine context for the JSON records (load average, thread pools, versions).
* Where the recordings are: ``--data DIR``, else ``$LSM_FSDD_DIR``, else
  ``../shared/datasets/fsdd/recordings`` next to the repository (computed from this file's
  location, not from the working directory). ``scripts/fetch-fsdd.sh DEST`` downloads FSDD.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FSDD_ENV = "LSM_FSDD_DIR"


def default_data() -> str:
    """``$LSM_FSDD_DIR`` if set, else ``../shared/datasets/fsdd/recordings`` beside the repository."""
    env = os.environ.get(FSDD_ENV)
    if env:
        return env
    return str(REPO.parent / "shared" / "datasets" / "fsdd" / "recordings")


DEFAULT_DATA = default_data()
MISSING_HINT = (
    f"pass --data DIR or set {FSDD_ENV}; to download FSDD run "
    f"scripts/fetch-fsdd.sh DEST and use DEST/recordings"
)
SR = 8000
N_FFT = 256  # 32 ms at 8 kHz
HOP = 80  # 10 ms at 8 kHz
FMIN = 0.0
FMAX = 4000.0
TEST_TAKES = 5  # takes 0..4 are the official test split

_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)\.wav$")


@dataclass(frozen=True)
class Utt:
    """One FSDD recording."""

    path: str
    digit: int
    speaker: str
    take: int

    @property
    def is_test(self) -> bool:
        return self.take < TEST_TAKES


def list_fsdd(data_dir: str, subset: int | None = None) -> list[Utt]:
    """All FSDD files in ``data_dir`` sorted by (speaker, digit, take); optional subset."""
    if not os.path.isdir(data_dir):
        sys.exit(f"error: FSDD recordings folder '{data_dir}' does not exist: {MISSING_HINT}")
    utts = []
    for name in os.listdir(data_dir):
        m = _NAME.match(name)
        if m is None:
            continue
        utts.append(Utt(os.path.join(data_dir, name), int(m.group(1)), m.group(2), int(m.group(3))))
    if not utts:
        sys.exit(f"error: no FSDD files named <digit>_<speaker>_<take>.wav in '{data_dir}'")
    utts.sort(key=lambda u: (u.speaker, u.digit, u.take))
    if subset is not None:
        if subset < 2:
            sys.exit("error: --subset must be >= 2 (at least one train and one test take)")
        n_test = max(1, round(subset / 10))
        n_train = subset - n_test
        utts = [
            u
            for u in utts
            if (u.take < n_test) or (TEST_TAKES <= u.take < TEST_TAKES + n_train)
        ]
    return utts


def load_wav(path: str) -> np.ndarray:
    """Mono float32 signal at its native rate (FSDD: 8 kHz); error if the rate is not 8 kHz."""
    import soundfile as sf

    y, sr = sf.read(path, dtype="float32", always_2d=True)
    if sr != SR:
        sys.exit(f"error: '{path}' has sample rate {sr}, expected {SR}")
    return y.mean(axis=1)


def mfcc(y: np.ndarray, n_mfcc: int = 20, n_mels: int = 40) -> np.ndarray:
    """librosa MFCC, (frames, n_mfcc): 40 mel bands 0-4 kHz, 32 ms Hann, 10 ms hop."""
    import librosa

    m = librosa.feature.mfcc(
        y=y, sr=SR, n_mfcc=n_mfcc, n_fft=N_FFT, hop_length=HOP, win_length=N_FFT,
        window="hann", n_mels=n_mels, fmin=FMIN, fmax=FMAX,
    )
    return m.T.astype(np.float64)


def logmel01(y: np.ndarray, n_mels: int = 32, floor_db: float = 50.0) -> np.ndarray:
    """Log-mel (frames, n_mels) in dB rel. the utterance max, floored at -floor_db, mapped to [0, 1]."""
    import librosa

    s = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, win_length=N_FFT, window="hann",
        n_mels=n_mels, fmin=FMIN, fmax=FMAX, power=2.0,
    )
    db = librosa.power_to_db(s, ref=np.max, top_db=None)
    db = np.maximum(db, -floor_db)
    return ((db + floor_db) / floor_db).T.astype(np.float64)


def speakers(utts: list[Utt]) -> list[str]:
    return sorted({u.speaker for u in utts})


def machine_info() -> dict:
    """Load average, CPU count and library versions for the JSON record."""
    info = {
        "loadavg": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
    }
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [
            {k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for p in threadpool_info()
        ]
    except Exception:  # threadpoolctl is optional
        pass
    return info


def emit_json(obj: dict) -> None:
    """One JSON line on stdout."""
    print(json.dumps(obj, sort_keys=False, default=float), flush=True)


class Timer:
    """Collects named wall-clock stage timings (seconds)."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.c0 = time.process_time()
        self.stages: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.stages[name] = self.stages.get(name, 0.0) + seconds

    def total(self) -> float:
        return time.perf_counter() - self.t0

    def total_cpu(self) -> float:
        """CPU time of this process (all its threads) since the timer started."""
        return time.process_time() - self.c0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
