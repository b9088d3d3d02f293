"""lsm: liquid state machines (spiking reservoirs), echo state networks, NVAR and linear
readouts, in Rust, from Python.

signal (audio, time series) -> encoder -> spike trains -> reservoir -> features -> readout.

>>> import lsm
>>> lsm.__version__ == lsm._lsm.__version__
True
"""

from ._errors import ConfigError, DataError, FileError, InternalError, LsmError
from ._lsm import (
    FORCE,
    LMS,
    NVAR,
    RLS,
    DigitsModel,
    Network,
    Reservoir,
    Ridge,
    SeriesModel,
    SpikeTrains,
    SpikingReservoir,
    __version__,
    default_config,
    encode,
    encode_audio,
    load,
    series,
)
from .esn import ESN
from .readouts import Logistic
from .plot import raster

__all__ = [
    "ConfigError",
    "DataError",
    "DigitsModel",
    "ESN",
    "FORCE",
    "FileError",
    "InternalError",
    "LMS",
    "Logistic",
    "LsmError",
    "NVAR",
    "Network",
    "RLS",
    "Reservoir",
    "Ridge",
    "SeriesModel",
    "SpikeTrains",
    "SpikingReservoir",
    "__version__",
    "default_config",
    "encode",
    "encode_audio",
    "load",
    "raster",
    "series",
]
