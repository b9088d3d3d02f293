"""An echo state network as reservoirpy users write it: a reservoir feeding a readout, with
``fit``, ``run`` and closed-loop ``generate``."""

import numpy as np

from ._errors import DataError
from ._lsm import Reservoir, Ridge


class ESN:
    """A reservoir and a readout (``Ridge`` by default): ``fit(X, Y, warmup)`` runs the
    reservoir over ``X`` and fits the readout on its states; ``run(X)`` predicts;
    ``generate(n_steps, warmup=X)`` warms the reservoir up on ``X`` and then feeds each
    prediction back as the next input (the outputs must be the inputs, as for one-step-ahead
    prediction of an autonomous series).

    >>> import numpy as np, lsm
    >>> t = np.arange(3000) * 0.1
    >>> x = np.sin(t)[:, None]
    >>> esn = lsm.ESN(lsm.Reservoir(units=200, sr=0.9, lr=0.3, seed=1), lsm.Ridge(ridge=1e-7))
    >>> _ = esn.fit(x[:-1], x[1:], warmup=100)
    >>> gen = esn.generate(200, warmup=x[:2000])
    >>> bool(np.abs(gen[:, 0] - np.sin(t[2000:2200])).max() < 0.05)
    True
    """

    def __init__(self, reservoir=None, readout=None):
        self.reservoir = reservoir if reservoir is not None else Reservoir()
        self.readout = readout if readout is not None else Ridge(ridge=1e-6)

    def fit(self, X, Y, warmup=0, reset=True):
        """Run the reservoir over ``X`` (from rest unless ``reset=False``) and fit the readout
        on the states and ``Y``, dropping the first ``warmup`` steps. Returns self."""
        states = self.reservoir.run(X, reset=reset)
        self.readout.fit(states, Y, warmup=warmup)
        return self

    def run(self, X, reset=False):
        """Predictions over ``X``, continuing from the reservoir's current state."""
        return self.readout.run(self.reservoir.run(X, reset=reset))

    def generate(self, n_steps, warmup=None, reset=True):
        """``n_steps`` steps of closed-loop generation after warming up on ``warmup``."""
        if warmup is None:
            raise DataError("warmup: expected the series to warm the reservoir up on")
        w = np.asarray(warmup, dtype=np.float64)
        if w.ndim == 1:
            w = w[:, None]
        y = self.run(w, reset=reset)[-1]
        if y.shape[0] != w.shape[1]:
            raise DataError(
                f"generate: the readout has {y.shape[0]} outputs but the reservoir "
                f"{w.shape[1]} inputs; closed loop needs them equal"
            )
        out = np.empty((int(n_steps), y.shape[0]))
        for i in range(int(n_steps)):
            out[i] = y
            y = self.run(y[None, :])[0]
        return out
