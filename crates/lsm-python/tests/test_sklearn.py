"""The scikit-learn estimators: the parameter protocol, cross-validation, grid search,
pipelines, and scikit-learn's own estimator checks where they apply."""

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import lsm  # noqa: E402
from conftest import tones  # noqa: E402
from lsm.sklearn import ESNRegressor, LSMClassifier  # noqa: E402


def series(n=1500):
    t = np.arange(n) * 0.1
    return np.sin(t)[:, None], np.sin(t + 0.5)


def test_parameters_round_trip_through_clone():
    reg = ESNRegressor(units=50, sr=0.8, ridge=1e-4)
    assert reg.get_params()["units"] == 50
    c = clone(reg)
    assert c.get_params() == reg.get_params() and c is not reg
    reg.set_params(units=70)
    assert reg.units == 70
    clf = LSMClassifier(config={"seed": 1})
    assert clone(clf).get_params()["config"] == {"seed": 1}


def test_cross_val_score_and_grid_search():
    X, y = series()
    scores = cross_val_score(ESNRegressor(units=80, warmup=20), X, y, cv=KFold(3))
    assert scores.shape == (3,) and np.all(scores > 0.9)
    gs = GridSearchCV(ESNRegressor(units=60, warmup=20), {"ridge": [1e-8, 1e3]}, cv=KFold(3))
    gs.fit(X, y)
    assert gs.best_params_ == {"ridge": 1e-8}


def test_in_a_pipeline():
    X, y = series()
    pipe = make_pipeline(StandardScaler(), ESNRegressor(units=80, warmup=20))
    assert pipe.fit(X, y).score(X, y) > 0.95


def test_classifier_with_any_labels():
    xs, ys = tones(10)
    labels = np.array(["low" if v == "0" else "high" for v in ys])
    cfg = lsm.default_config("spoken-digits")
    cfg["network"]["n_neurons"] = 100
    clf = LSMClassifier(config=cfg, sample_rate=8000)
    clf.fit(xs, labels)
    assert set(clf.classes_) == {"low", "high"}
    txs, tys = tones(5, seed=9)
    tl = np.array(["low" if v == "0" else "high" for v in tys])
    assert clf.score(txs, tl) >= 0.9
    proba = clf.predict_proba(txs)
    assert proba.shape == (10, 2)
    assert (clf.classes_[proba.argmax(1)] == clf.predict(txs)).all()


# scikit-learn's estimator checks feed random tabular data. ESNRegressor reads X as one time
# series (rows are time steps), so the checks that assume rows are independent samples
# (shuffling or subsetting rows must not change other rows' predictions) do not apply.
ROW_ORDER_CHECKS = {
    "check_methods_subset_invariance": "rows are time steps: a row's state depends on earlier rows",
    "check_methods_sample_order_invariance": "rows are time steps: reordering changes the series",
}


def test_sklearn_estimator_checks_for_the_regressor():
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(ESNRegressor(units=20), expected_failed_checks=ROW_ORDER_CHECKS)


def test_sklearn_estimator_checks_for_the_classifier_on_tables():
    # A 2-D numeric array is a table (one sample per row, complement rate coding): every
    # scikit-learn check runs. Only those needing an optional package or an environment
    # variable (pandas, SCIPY_ARRAY_API) may skip.
    from sklearn.utils.estimator_checks import check_estimator

    clf = LSMClassifier(config={"network": {"n_neurons": 100}}, presentation_ms=50)
    results = check_estimator(clf, on_fail=None)
    bad = [(r["check_name"], r["exception"]) for r in results if r["status"] == "failed"]
    assert not bad
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert skipped <= {"check_array_api_input", "check_classifier_data_not_an_array"}
    assert len(results) - len(skipped) >= 50


def test_table_rows_are_rate_coded_with_their_complement():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    clf = LSMClassifier(config={"network": {"n_neurons": 100}}, presentation_ms=40).fit(X, y)
    spikes = clf._rows_to_spikes(X[:2])
    counts = [s.counts() for s in spikes]
    scaled = (X[:2] - X.min(0)) / (X.max(0) - X.min(0))
    for c, v in zip(counts, scaled):
        assert c.shape == (6,)
        # Regular rate coding up to 400 Hz over 40 ms: at most 16 spikes per channel, and a
        # feature's two channels share them (value and complement).
        assert np.all(np.abs(c[0::2] - 16 * v) <= 1) and np.all(np.abs(c[1::2] - 16 * (1 - v)) <= 1)
    assert clf.score(X, y) > 0.8
