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
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError:  # pragma: no cover
    validate_data = None
    check_classification_targets = None

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


def _is_table(X, sample_rate):
    """A 2-D array of numbers (rows are samples, columns features) rather than a list of
    recordings: audio rows need ``sample_rate``, so without it a 2-D array is a table."""
    if hasattr(X, "tocsr"):  # a scipy sparse matrix or array: validated (and refused) as a table
        return True
    if sample_rate is not None or isinstance(X, (str, bytes)):
        return False
    try:
        a = np.asarray(X, dtype=object)
    except (TypeError, ValueError):
        return False
    if a.ndim != 2:
        return a.ndim > 2
    return not any(isinstance(v, (str, bytes)) for v in a.flat[: min(a.size, 1000)])


def _merged(base, over):
    """``over``'s fields over ``base``, object by object."""
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = _merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class LSMClassifier(ClassifierMixin, BaseEstimator):
    """A liquid state machine classifier. Each sample is encoded to spikes, run through the
    spiking reservoir, pooled into features and classified by the readout.

    Samples are recordings, or rows of a table:

    * recordings: a list of WAV paths, ``SpikeTrains``, or 1-D arrays of audio at
      ``sample_rate`` Hz. ``config`` is a pipeline config dict (fields over
      ``lsm.default_config("spoken-digits")``).
    * a table: a 2-D numeric array, one sample per row (when ``sample_rate`` is None). Each
      feature is scaled to [0, 1] by its range on the training rows (clipped at predict time)
      and presented for ``presentation_ms`` as the rates of two input channels, the value and
      one minus it (complement coding). The encoder is ``encoder`` (default regular rate
      coding up to 400 Hz). ``config`` is then over
      ``lsm.default_config("spikes")``.

    >>> import numpy as np
    >>> from lsm.sklearn import LSMClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (60, 4)), rng.normal(1.5, 1, (60, 4))])
    >>> y = np.repeat(["a", "b"], 60)
    >>> clf = LSMClassifier(config={"network": {"n_neurons": 200}}).fit(X[::2], y[::2])
    >>> clf.score(X[1::2], y[1::2]) > 0.8
    True
    """

    def __init__(
        self, config=None, sample_rate=None, presentation_ms=100.0, encoder=None, n_threads=None
    ):
        self.config = config
        self.sample_rate = sample_rate
        self.presentation_ms = presentation_ms
        self.encoder = encoder
        self.n_threads = n_threads

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        return tags

    def _table(self, X, y=None, fitting=False):
        """Validated rows of a table (and, when fitting, labels), as scikit-learn checks them."""
        if validate_data is None:
            X = np.asarray(X, dtype=np.float64)
            if X.ndim != 2 or not np.isfinite(X).all():
                raise DataError("X: expected a finite 2-D array (samples × features)")
            if fitting:
                if y is None:
                    raise DataError("y: fitting requires labels, got None")
                self.n_features_in_ = X.shape[1]
            elif X.shape[1] != self.n_features_in_:
                raise DataError(
                    f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input"
                )
            return (X, np.asarray(y)) if fitting else X
        if fitting:
            return validate_data(self, X, y, dtype=np.float64)
        return validate_data(self, X, reset=False, dtype=np.float64)

    def _rows_to_spikes(self, X):
        """Each row rate-coded, feature ``j`` on channels ``2j`` (its scaled value) and
        ``2j + 1`` (one minus it), held for ``presentation_ms``: complement coding, so every
        row drives the reservoir with the same total rate whatever its values."""
        from . import encode

        steps = int(round(float(self.presentation_ms) / self.dt_))
        if steps < 1:
            raise DataError(f"presentation_ms: expected at least one step of {self.dt_} ms")
        scaled = np.clip((X - self.feature_min_) * self.feature_scale_, 0.0, 1.0)
        coded = np.empty((len(X), 2 * X.shape[1]))
        coded[:, 0::2], coded[:, 1::2] = scaled, 1.0 - scaled
        enc = self.encoder if self.encoder is not None else {"kind": "rate"}
        return [
            encode(np.repeat(r[None, :], steps, axis=0), config=enc, frame_ms=self.dt_,
                   dt=self.dt_, sample_id=i)
            for i, r in enumerate(coded)
        ]

    def fit(self, X, y, groups=None):
        """Fit on samples ``X`` and labels ``y`` (any hashable labels; kept as given)."""
        from . import default_config

        self.table_ = _is_table(X, self.sample_rate)
        if self.table_:
            X, y = self._table(X, y, fitting=True)
            if check_classification_targets is not None:
                check_classification_targets(y)
            lo, hi = X.min(axis=0), X.max(axis=0)
            span = hi - lo
            self.feature_min_ = lo
            self.feature_scale_ = np.where(span > 0, 1.0 / np.where(span > 0, span, 1.0), 0.0)
            config = _merged(default_config("spikes"), self.config)
            self.dt_ = float(config["input"]["dt_ms"])
            samples = self._rows_to_spikes(X)
        else:
            config, samples = self.config, list(X)
        y = np.asarray(y) if not isinstance(y, np.ndarray) else y
        if y.ndim != 1:
            raise DataError(f"y: expected one label per sample (1-D), got shape {y.shape}")
        try:
            self.classes_ = np.unique(y)
        except TypeError:
            self.classes_ = np.array(sorted(set(y.tolist()), key=str), dtype=object)
        self._label_of = {str(c): c for c in self.classes_}
        if len(self._label_of) != len(self.classes_):
            raise DataError("y: two labels have the same text")
        if len(self.classes_) < 2:
            raise DataError(
                f"y: expected at least two classes, got 1 class ({self.classes_[0]!r})"
            )
        self.model_ = DigitsModel.fit(
            samples,
            [str(v) for v in y],
            config=config,
            groups=None if groups is None else [str(g) for g in groups],
            sample_rate=self.sample_rate,
            n_threads=self.n_threads,
        )
        return self

    def _samples(self, X):
        if self.table_:
            return self._rows_to_spikes(self._table(X))
        return list(X)

    def predict(self, X):
        """The predicted label of each sample."""
        check_is_fitted(self)
        p = self.model_.predict(
            self._samples(X), sample_rate=self.sample_rate, n_threads=self.n_threads
        )
        return np.array([self._label_of[v] for v in p], dtype=self.classes_.dtype)

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self)
        p = self.model_.predict_proba(
            self._samples(X), sample_rate=self.sample_rate, n_threads=self.n_threads
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
