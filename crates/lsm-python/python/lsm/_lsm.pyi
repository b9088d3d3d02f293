"""Type stubs of the native module (Rust, PyO3). See each object's docstring."""

from os import PathLike
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

ArrayLike = npt.ArrayLike
Config = Union[Mapping[str, Any], str]
Path = Union[str, PathLike]
Sample = Union[Path, "SpikeTrains", npt.ArrayLike]

class SpikeTrains:
    @staticmethod
    def from_numpy(
        channels: ArrayLike,
        times: ArrayLike,
        n_channels: Optional[int] = None,
        dt: float = 1.0,
        duration: Optional[float] = None,
    ) -> "SpikeTrains": ...
    def to_numpy(self) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
    def to_dense(self, dt: Optional[float] = None) -> npt.NDArray[np.float64]: ...
    def counts(self) -> npt.NDArray[np.int64]: ...
    @property
    def n_channels(self) -> int: ...
    @property
    def n_steps(self) -> int: ...
    @property
    def dt(self) -> float: ...
    @property
    def duration(self) -> float: ...
    @property
    def n_spikes(self) -> int: ...
    def __len__(self) -> int: ...

def encode(
    signal: ArrayLike,
    config: Optional[Config] = None,
    frame_ms: float = 1.0,
    dt: float = 1.0,
    seed: int = 0,
    sample_id: int = 0,
) -> SpikeTrains: ...
def encode_audio(
    audio: Union[Path, ArrayLike],
    sample_rate: Optional[int] = None,
    config: Optional[Config] = None,
    seed: int = 0,
    sample_id: int = 0,
) -> Tuple[SpikeTrains, npt.NDArray[np.float64]]: ...

class Network:
    @staticmethod
    def generate(
        config: Optional[Config] = None,
        n_inputs: Optional[int] = None,
        seed: int = 42,
        n_neurons: Optional[int] = None,
    ) -> "Network": ...
    @staticmethod
    def load(path: Path) -> "Network": ...
    @staticmethod
    def from_dict(spec: Config) -> "Network": ...
    def to_dict(self) -> dict: ...
    def save(self, path: Path) -> None: ...
    def simulate(
        self,
        inputs: Union[SpikeTrains, ArrayLike, None] = None,
        duration: Optional[float] = None,
        seed: int = 0,
        sample_id: int = 0,
        record_v: bool = False,
        v_neurons: Optional[Sequence[int]] = None,
    ) -> Any: ...
    @property
    def n_neurons(self) -> int: ...
    @property
    def n_inputs(self) -> int: ...
    @property
    def dt(self) -> float: ...
    @property
    def n_synapses(self) -> int: ...

class Reservoir:
    def __init__(
        self,
        units: int = 400,
        sr: float = 1.0,
        lr: float = 1.0,
        input_scaling: float = 0.5,
        in_degree: int = 10,
        bias_scaling: float = 0.2,
        input_connectivity: float = 1.0,
        fb_scaling: float = 1.0,
        fb_connectivity: float = 0.1,
        seed: int = 42,
    ) -> None: ...
    def run(
        self,
        X: ArrayLike,
        feedback: Optional[ArrayLike] = None,
        reset: bool = False,
        n_threads: Optional[int] = None,
    ) -> npt.NDArray[np.float64]: ...
    def _closed_loop(
        self,
        X: Optional[ArrayLike],
        Wout: ArrayLike,
        bias: ArrayLike,
        y0: ArrayLike,
        n_steps: int = 0,
        reset: bool = False,
        n_threads: Optional[int] = None,
    ) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def _force(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        readout: "FORCE",
        warmup: int = 0,
        reset: bool = True,
        n_threads: Optional[int] = None,
    ) -> npt.NDArray[np.float64]: ...
    def reset(self) -> None: ...
    @property
    def state(self) -> npt.NDArray[np.float64]: ...
    @property
    def units(self) -> int: ...
    @property
    def W(self) -> npt.NDArray[np.float64]: ...
    @property
    def Win(self) -> npt.NDArray[np.float64]: ...
    @property
    def Wfb(self) -> npt.NDArray[np.float64]: ...
    @property
    def bias(self) -> npt.NDArray[np.float64]: ...

class SpikingReservoir:
    def __init__(self, config: Optional[Config] = None, seed: int = 42) -> None: ...
    def run(self, X: ArrayLike, n_threads: Optional[int] = None) -> npt.NDArray[np.float64]: ...
    @property
    def n_features(self) -> Optional[int]: ...

class NVAR:
    def __init__(self, delay: int = 2, order: int = 2, strides: int = 1) -> None: ...
    def run(self, X: ArrayLike) -> npt.NDArray[np.float64]: ...
    def reset(self) -> None: ...

class Ridge:
    def __init__(self, ridge: float = 0.0, fit_bias: bool = True) -> None: ...
    def fit(self, X: ArrayLike, Y: ArrayLike, warmup: int = 0) -> "Ridge": ...
    def run(self, X: ArrayLike) -> npt.NDArray[np.float64]: ...
    @property
    def Wout(self) -> npt.NDArray[np.float64]: ...
    @property
    def bias(self) -> npt.NDArray[np.float64]: ...

class RLS:
    def __init__(self, alpha: float = 1e-6, forgetting: float = 1.0, fit_bias: bool = True) -> None: ...
    def train(self, X: ArrayLike, Y: ArrayLike) -> npt.NDArray[np.float64]: ...
    def run(self, X: ArrayLike) -> npt.NDArray[np.float64]: ...
    @property
    def Wout(self) -> npt.NDArray[np.float64]: ...
    @property
    def bias(self) -> npt.NDArray[np.float64]: ...

class LMS:
    def __init__(self, learning_rate: float = 1e-6, fit_bias: bool = True) -> None: ...
    def train(self, X: ArrayLike, Y: ArrayLike) -> npt.NDArray[np.float64]: ...
    def run(self, X: ArrayLike) -> npt.NDArray[np.float64]: ...
    @property
    def Wout(self) -> npt.NDArray[np.float64]: ...
    @property
    def bias(self) -> npt.NDArray[np.float64]: ...

class FORCE:
    def __init__(self, alpha: float = 1e-6, forgetting: float = 1.0, fit_bias: bool = True) -> None: ...
    def train(self, X: ArrayLike, Y: ArrayLike) -> npt.NDArray[np.float64]: ...
    def run(self, X: ArrayLike) -> npt.NDArray[np.float64]: ...
    @property
    def Wout(self) -> npt.NDArray[np.float64]: ...
    @property
    def bias(self) -> npt.NDArray[np.float64]: ...

class _Logistic:
    def __init__(
        self,
        alpha: float = 1.0,
        standardize: bool = True,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-6,
    ) -> None: ...
    def fit(self, X: ArrayLike, y: Sequence[int], n_classes: int, n_threads: Optional[int] = None) -> None: ...
    def predict_proba(self, X: ArrayLike) -> npt.NDArray[np.float64]: ...
    @property
    def converged(self) -> Optional[bool]: ...

class DigitsModel:
    @staticmethod
    def fit(
        X: Sequence[Sample],
        y: Sequence[str],
        config: Optional[Config] = None,
        groups: Optional[Sequence[str]] = None,
        names: Optional[Sequence[str]] = None,
        sample_rate: Optional[int] = None,
        n_threads: Optional[int] = None,
    ) -> "DigitsModel": ...
    @staticmethod
    def load(path: Path) -> "DigitsModel": ...
    def save(self, path: Path) -> None: ...
    def predict(
        self,
        X: Sequence[Sample],
        names: Optional[Sequence[str]] = None,
        sample_rate: Optional[int] = None,
        n_threads: Optional[int] = None,
    ) -> list[str]: ...
    def predict_proba(
        self,
        X: Sequence[Sample],
        names: Optional[Sequence[str]] = None,
        sample_rate: Optional[int] = None,
        n_threads: Optional[int] = None,
    ) -> npt.NDArray[np.float64]: ...
    def features(
        self,
        X: Sequence[Sample],
        names: Optional[Sequence[str]] = None,
        sample_rate: Optional[int] = None,
        n_threads: Optional[int] = None,
    ) -> npt.NDArray[np.float64]: ...
    def evaluate(
        self,
        X: Sequence[Sample],
        y: Sequence[str],
        names: Optional[Sequence[str]] = None,
        sample_rate: Optional[int] = None,
        n_threads: Optional[int] = None,
    ) -> dict: ...
    @property
    def classes(self) -> list[str]: ...
    @property
    def config(self) -> dict: ...

class SeriesModel:
    @staticmethod
    def fit(
        data: Optional[ArrayLike] = None,
        config: Optional[Config] = None,
        names: Optional[Sequence[str]] = None,
        target: Optional[str] = None,
        n_threads: Optional[int] = None,
    ) -> "SeriesModel": ...
    @staticmethod
    def load(path: Path) -> "SeriesModel": ...
    def save(self, path: Path) -> None: ...
    def predict(
        self,
        data: Optional[ArrayLike] = None,
        horizon: Optional[int] = None,
        names: Optional[Sequence[str]] = None,
        target: Optional[str] = None,
        n_threads: Optional[int] = None,
    ) -> Tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def evaluate(
        self,
        data: Optional[ArrayLike] = None,
        names: Optional[Sequence[str]] = None,
        target: Optional[str] = None,
        n_threads: Optional[int] = None,
    ) -> dict: ...
    @property
    def config(self) -> dict: ...

def load(path: Path) -> Union[DigitsModel, SeriesModel]: ...
def default_config(task: str) -> dict: ...
def series(task: str, config: Optional[Config] = None) -> Tuple[npt.NDArray[np.float64], list[str]]: ...
