"""Readouts written over the native ones: the multinomial logistic regression, with any
labels."""

import numpy as np

from ._errors import DataError
from ._lsm import _Logistic


class Logistic:
    """Multinomial logistic-regression readout (L2 penalty ``alpha`` on standardised
    features, L-BFGS), the spoken-digit pipeline's default classifier. ``fit(X, y)`` takes any
    labels; ``predict`` returns them, ``predict_proba`` gives a column per class in the order
    of ``classes_``.

    >>> import numpy as np, lsm
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-2, 1, (50, 2)), rng.normal(2, 1, (50, 2))])
    >>> y = ["a"] * 50 + ["b"] * 50
    >>> clf = lsm.Logistic(alpha=1e-3).fit(X, y)
    >>> clf.classes_.tolist(), float((clf.predict(X) == np.array(y)).mean()) > 0.95
    (['a', 'b'], True)
    """

    def __init__(self, alpha=1.0, standardize=True, fit_intercept=True, max_iter=1000, tol=1e-6):
        self._native = _Logistic(alpha, standardize, fit_intercept, max_iter, tol)

    def fit(self, X, y, n_threads=None):
        """Fit on features ``X`` (samples × features) and labels ``y``. Returns self."""
        y = np.asarray(y)
        if y.ndim != 1:
            raise DataError(f"y: expected one label per sample (1-D), got shape {y.shape}")
        self.classes_, idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise DataError("y: expected at least two classes")
        self._native.fit(X, idx.tolist(), len(self.classes_), n_threads)
        return self

    def predict_proba(self, X):
        """Class probabilities, a column per class of ``classes_``."""
        return self._native.predict_proba(X)

    def predict(self, X):
        """The most probable label of each row."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
