"""scikit-learn estimators: a spoken-digit / spike-pattern classifier and an echo-state-network
regressor, usable with ``cross_val_score``, ``GridSearchCV`` and ``Pipeline``.

scikit-learn is optional: without it the estimators still work (``get_params`` and
``set_params`` included); with it they derive from its ``BaseEstimator`` and mixins.
"""

import inspect

import numpy as np

from ._errors import DataError
from ._lsm import DigitsModel, Reservoir, Ridge

try:  # pragma: no cover - depends on the environment
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError:  # pragma: no cover
    validate_data = None

    def check_is_fitted(est):
        if not any(k.endswith("_") and not k.startswith("__") for k in vars(est)):
            raise DataError(f"this {type(est).__name__} is not fitted yet: call fit")

    class BaseEstimator:
        """The parameter protocol of scikit-learn's BaseEstimator."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep=True):
            return {k: getattr(self, k) for k in self._get_param_names()}

        def set_params(self, **params):
            for k, v in params.items():
                if k not in self._get_param_names():
                    raise ValueError(f"invalid parameter {k!r} for {type(self).__name__}")
                setattr(self, k, v)
            return self

    class ClassifierMixin:
        def score(self, X, y, sample_weight=None):
            return float(np.mean(np.asarray(self.predict(X)) == np.asarray(y)))

    class RegressorMixin:
        def score(self, X, y, sample_weight=None):
            y = np.asarray(y, dtype=float)
            p = np.asarray(self.predict(X), dtype=float).reshape(y.shape)
            ss_res = ((y - p) ** 2).sum()
            ss_tot = ((y - y.mean(axis=0)) ** 2).sum()
            return float(1 - ss_res / ss_tot)


class LSMClassifier(ClassifierMixin, BaseEstimator):
    """A liquid state machine classifier: each sample (a WAV path, a ``SpikeTrains``, or a 1-D
    array of audio at ``sample_rate`` Hz) is encoded, run through the spiking reservoir,
    pooled into features and classified by the readout. ``config`` is a pipeline config dict
    (fields over the default of ``lsm.default_config("spoken-digits")``).

    >>> import glob, lsm
    >>> from lsm.sklearn import LSMClassifier
    >>> files = sorted(glob.glob("datasets/fsdd-sample/recordings/*.wav"))  # doctest: +SKIP
    >>> labels = [f.split("/")[-1][0] for f in files]  # doctest: +SKIP
    >>> cfg = lsm.default_config("spoken-digits"); cfg["network"]["n_neurons"] = 300  # doctest: +SKIP
    >>> clf = LSMClassifier(config=cfg)  # doctest: +SKIP
    >>> clf.fit(files[:200], labels[:200]).score(files[200:], labels[200:]) > 0.5  # doctest: +SKIP
    True
    """

    def __init__(self, config=None, sample_rate=None, n_threads=None):
        self.config = config
        self.sample_rate = sample_rate
        self.n_threads = n_threads

    def fit(self, X, y, groups=None):
        """Fit on samples ``X`` and labels ``y`` (any hashable labels; kept as given)."""
        y = list(y)
        self.classes_ = np.array(sorted(set(y), key=str))
        self._label_of = {str(c): c for c in self.classes_}
        if len(self._label_of) != len(self.classes_):
            raise DataError("y: two labels have the same text")
        self.model_ = DigitsModel.fit(
            list(X),
            [str(v) for v in y],
            config=self.config,
            groups=None if groups is None else [str(g) for g in groups],
            sample_rate=self.sample_rate,
            n_threads=self.n_threads,
        )
        return self

    def _check_fitted(self):
        check_is_fitted(self)

    def predict(self, X):
        """The predicted label of each sample."""
        self._check_fitted()
        p = self.model_.predict(list(X), sample_rate=self.sample_rate, n_threads=self.n_threads)
        return np.array([self._label_of[v] for v in p])

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        self._check_fitted()
        p = self.model_.predict_proba(
            list(X), sample_rate=self.sample_rate, n_threads=self.n_threads
        )
        cols = [self.model_.classes.index(str(c)) for c in self.classes_]
        return p[:, cols]


class ESNRegressor(RegressorMixin, BaseEstimator):
    """An echo state network regressor: ``X`` is one sequence (steps × inputs), ``y`` its
    target (steps, or steps × outputs); the reservoir runs over ``X`` from rest and a ridge
    readout maps its states (after ``warmup`` steps) to ``y``. ``predict`` runs the reservoir
    over a new sequence from rest.

    >>> import numpy as np
    >>> from lsm.sklearn import ESNRegressor
    >>> t = np.arange(2000) * 0.1
    >>> X, y = np.sin(t)[:, None], np.sin(t + 0.3)
    >>> reg = ESNRegressor(units=100, ridge=1e-8, warmup=50).fit(X, y)
    >>> reg.score(X, y) > 0.99
    True
    """

    def __init__(
        self,
        units=400,
        sr=1.0,
        lr=1.0,
        input_scaling=0.5,
        in_degree=10,
        bias_scaling=0.2,
        ridge=1e-6,
        warmup=0,
        seed=42,
        n_threads=None,
    ):
        self.units = units
        self.sr = sr
        self.lr = lr
        self.input_scaling = input_scaling
        self.in_degree = in_degree
        self.bias_scaling = bias_scaling
        self.ridge = ridge
        self.warmup = warmup
        self.seed = seed
        self.n_threads = n_threads

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _reservoir(self):
        return Reservoir(
            units=self.units,
            sr=self.sr,
            lr=self.lr,
            input_scaling=self.input_scaling,
            in_degree=self.in_degree,
            bias_scaling=self.bias_scaling,
            seed=self.seed,
        )

    def fit(self, X, y):
        """Fit the readout on the states of ``X`` and the target ``y``."""
        if validate_data is not None:
            X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        else:
            X = np.asarray(X, dtype=np.float64)
            self.n_features_in_ = X.reshape(len(X), -1).shape[1]
        y = np.asarray(y, dtype=np.float64)
        self._1d = y.ndim == 1
        self.reservoir_ = self._reservoir()
        states = self.reservoir_.run(X, reset=True, n_threads=self.n_threads)
        self.readout_ = Ridge(ridge=self.ridge).fit(
            states, y[:, None] if self._1d else y, warmup=self.warmup
        )
        return self

    def predict(self, X):
        """Predictions over the sequence ``X`` (the reservoir starts from rest)."""
        check_is_fitted(self)
        if validate_data is not None:
            X = validate_data(self, X, reset=False, dtype=np.float64)
        states = self.reservoir_.run(X, reset=True, n_threads=self.n_threads)
        p = self.readout_.run(states)
        return p[:, 0] if self._1d else p
