"""An echo state network as reservoirpy users write it: a reservoir feeding a readout, with
``fit``, ``run`` and closed-loop ``generate``, optionally with the readout's output fed back
into the reservoir."""

import numpy as np

from ._errors import ConfigError, DataError
from ._lsm import FORCE, Reservoir, Ridge


def _rows(a, name):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise DataError(f"{name}: expected a 1-D or 2-D array, got {a.ndim} dimensions")
    return a


class ESN:
    """A reservoir and a readout (``Ridge`` by default): ``fit(X, Y, warmup)`` runs the
    reservoir over ``X`` and fits the readout on its states; ``run(X)`` predicts;
    ``generate(n_steps, warmup=X)`` warms the reservoir up on ``X`` and then feeds each
    prediction back as the next input (the outputs must be the inputs, as for one-step-ahead
    prediction of an autonomous series).

    With ``feedback=True`` the readout's output of the step before also enters the reservoir
    through its feedback weights (``Reservoir(fb_scaling=..., fb_connectivity=...)``):
    ``fit`` is teacher forced (the true previous target is fed back), ``run`` and
    ``generate`` feed back the readout's own output. Online readouts (``RLS``, ``LMS``) learn
    on the teacher-forced states; ``FORCE`` learns while its own output is fed back
    (Sussillo & Abbott 2009) and needs ``feedback=True``.

    >>> import numpy as np, lsm
    >>> t = np.arange(3000) * 0.1
    >>> x = np.sin(t)[:, None]
    >>> esn = lsm.ESN(lsm.Reservoir(units=200, sr=0.9, lr=0.3, seed=1), lsm.Ridge(ridge=1e-7))
    >>> _ = esn.fit(x[:-1], x[1:], warmup=100)
    >>> gen = esn.generate(200, warmup=x[:2000])
    >>> bool(np.abs(gen[:, 0] - np.sin(t[2000:2200])).max() < 0.05)
    True
    """

    def __init__(self, reservoir=None, readout=None, feedback=False):
        self.reservoir = reservoir if reservoir is not None else Reservoir()
        self.readout = readout if readout is not None else Ridge(ridge=1e-6)
        self.feedback = bool(feedback)
        self._y = None
        if isinstance(self.readout, FORCE) and not self.feedback:
            raise ConfigError(
                "readout: FORCE learns while its output is fed back; use "
                "lsm.ESN(reservoir, lsm.FORCE(), feedback=True)"
            )

    def _last(self, n_out, reset):
        if reset or self._y is None:
            return np.zeros(n_out)
        return self._y

    def fit(self, X, Y, warmup=0, reset=True):
        """Run the reservoir over ``X`` (from rest unless ``reset=False``) and fit the readout
        on the states and ``Y``, dropping the first ``warmup`` steps. Returns self."""
        X, Y = _rows(X, "X"), _rows(Y, "Y")
        if isinstance(self.readout, FORCE):
            z = self.reservoir._force(X, Y, self.readout, warmup=warmup, reset=reset)
            self._y = z[-1]
            return self
        if self.feedback:
            if X.shape[0] != Y.shape[0]:
                raise DataError(
                    f"X and Y: expected the same number of rows, got {X.shape[0]} and {Y.shape[0]}"
                )
            fb = np.vstack([self._last(Y.shape[1], reset)[None, :], Y[:-1]])
            states = self.reservoir.run(X, feedback=fb, reset=reset)
        else:
            states = self.reservoir.run(X, reset=reset)
        if hasattr(self.readout, "fit"):
            self.readout.fit(states, Y, warmup=warmup)
        else:
            self.readout.train(states[warmup:], Y[warmup:])
        self._y = Y[-1]
        return self

    def run(self, X, reset=False):
        """Predictions over ``X``, continuing from the reservoir's current state (with
        feedback, each step's prediction is fed back into the next)."""
        if not self.feedback:
            return self.readout.run(self.reservoir.run(X, reset=reset))
        X = _rows(X, "X")
        bias = np.asarray(self.readout.bias)
        _, Y = self.reservoir._closed_loop(
            X, self.readout.Wout, bias, self._last(bias.shape[0], reset), reset=reset
        )
        self._y = Y[-1]
        return Y

    def generate(self, n_steps, warmup=None, reset=True):
        """``n_steps`` steps of closed-loop generation after warming up on ``warmup``: each
        prediction is the next input (and, with feedback, the fed-back value)."""
        if warmup is None:
            raise DataError("warmup: expected the series to warm the reservoir up on")
        w = _rows(warmup, "warmup")
        y = self.run(w, reset=reset)[-1]
        if y.shape[0] != w.shape[1]:
            raise DataError(
                f"generate: the readout has {y.shape[0]} outputs but the reservoir "
                f"{w.shape[1]} inputs; closed loop needs them equal"
            )
        n_steps = int(n_steps)
        if n_steps <= 1:
            return y[None, :][:n_steps]
        _, rest = self.reservoir._closed_loop(
            None, self.readout.Wout, np.asarray(self.readout.bias), y, n_steps=n_steps - 1
        )
        self._y = rest[-1]
        return np.vstack([y[None, :], rest])
