"""Reservoirs and readouts against closed forms computed here with numpy."""

import lsm
import numpy as np
import pytest


def test_reservoir_states_follow_the_leaky_tanh_update():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    res = lsm.Reservoir(units=50, sr=0.9, lr=0.4, input_scaling=0.7, seed=3)
    S = res.run(X)
    W, Win, b = res.W, res.Win, res.bias
    assert W.shape == (50, 50) and Win.shape == (50, 2) and b.shape == (50,)
    x = np.zeros(50)
    for t in range(len(X)):
        x = 0.6 * x + 0.4 * np.tanh(W @ x + Win @ X[t] + b)
        assert np.allclose(S[t], x, atol=1e-9), t
    assert np.isclose(np.max(np.abs(np.linalg.eigvals(W))), 0.9, rtol=1e-6)


def test_reservoir_is_stateful_and_resets():
    X = np.sin(np.linspace(0, 10, 200))
    res = lsm.Reservoir(units=30, seed=1)
    whole = res.run(X)
    res.reset()
    parts = np.vstack([res.run(X[:77]), res.run(X[77:])])
    assert np.array_equal(whole, parts)
    assert np.array_equal(res.run(X, reset=True), whole)
    assert np.array_equal(lsm.Reservoir(units=30, seed=1).run(X.astype(np.float32)),
                          lsm.Reservoir(units=30, seed=1).run(X.astype(np.float32).astype(float)))
    with pytest.raises(lsm.DataError, match="input columns"):
        res.run(np.zeros((5, 2)))


def test_same_result_whatever_the_thread_count():
    X = np.random.default_rng(1).normal(size=(500, 3))
    a = lsm.Reservoir(units=300, seed=2).run(X, n_threads=1)
    b = lsm.Reservoir(units=300, seed=2).run(X, n_threads=2)
    assert np.array_equal(a, b)


def test_ridge_equals_the_normal_equations():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(200, 5)), rng.normal(size=(200, 2))
    for alpha in [0.0, 0.5, 10.0]:
        r = lsm.Ridge(ridge=alpha).fit(X, Y, warmup=20)
        Xc, Yc = X[20:] - X[20:].mean(0), Y[20:] - Y[20:].mean(0)
        W = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(5), Xc.T @ Yc)
        assert np.allclose(r.Wout, W, atol=1e-9)
        b = Y[20:].mean(0) - X[20:].mean(0) @ W
        assert np.allclose(r.bias, b, atol=1e-9)
        assert np.allclose(r.run(X), X @ W + b, atol=1e-9)
    with pytest.raises(lsm.DataError, match="same number of rows"):
        lsm.Ridge().fit(X, Y[:10])


def test_rls_without_forgetting_is_ridge_with_its_alpha():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(300, 4)), rng.normal(size=(300, 1))
    r = lsm.RLS(alpha=0.1, forgetting=1.0, fit_bias=False)
    before = r.train(X, Y)
    W = np.linalg.solve(X.T @ X + 0.1 * np.eye(4), X.T @ Y)
    assert np.allclose(r.Wout, W, atol=1e-8)
    assert before.shape == Y.shape and np.all(before[0] == 0)  # predicted before learning
    assert np.allclose(r.run(X), X @ W, atol=1e-8)


def test_lms_follows_its_update_rule():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(50, 3)), rng.normal(size=(50, 1))
    r = lsm.LMS(learning_rate=0.01, fit_bias=False)
    r.train(X, Y)
    w = np.zeros((3, 1))
    for t in range(50):
        e = Y[t] - X[t] @ w
        w += 0.01 * np.outer(X[t], e)
    assert np.allclose(r.Wout, w, atol=1e-12)


def test_nvar_features_are_the_delays_and_their_monomials():
    X = np.random.default_rng(5).normal(size=(10, 2))
    F = lsm.NVAR(delay=2, order=2, strides=1).run(X)
    assert F.shape == (10, 4 + 10)
    for t in range(1, 10):
        lin = np.concatenate([X[t], X[t - 1]])
        assert sorted(F[t, :4]) == sorted(lin)
        quad = [lin[i] * lin[j] for i in range(4) for j in range(i, 4)]
        assert np.allclose(sorted(F[t, 4:]), sorted(quad))


def test_esn_generates_a_sine_in_closed_loop():
    t = np.arange(3000) * 0.1
    x = np.sin(t)[:, None]
    esn = lsm.ESN(lsm.Reservoir(units=200, sr=0.9, lr=0.3, seed=1), lsm.Ridge(ridge=1e-7))
    esn.fit(x[:-1], x[1:], warmup=100)
    gen = esn.generate(300, warmup=x[:2000])
    assert np.abs(gen[:, 0] - np.sin(t[2000:2300])).max() < 0.05
    zero = np.abs(np.sin(t[2000:2300])).max()
    assert zero > 0.9  # the error bound above is far below the signal's amplitude


def test_logistic_readout_on_any_labels_and_pickle():
    import pickle

    rng = np.random.default_rng(6)
    X = np.vstack([rng.normal(m, 1.0, (60, 3)) for m in (-3, 0, 3)])
    y = np.repeat([10, 20, 30], 60)
    clf = lsm.Logistic(alpha=1e-2).fit(X, y)
    assert clf.classes_.tolist() == [10, 20, 30]
    p = clf.predict_proba(X)
    assert p.shape == (180, 3) and np.allclose(p.sum(1), 1)
    assert (clf.predict(X) == y).mean() > 0.95
    back = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(back.predict_proba(X), p)
    with pytest.raises(lsm.DataError, match="two classes"):
        lsm.Logistic().fit(X, np.zeros(180))


def test_fitted_objects_pickle():
    import pickle

    X = np.sin(np.linspace(0, 30, 400))[:, None]
    res = lsm.Reservoir(units=40, seed=3)
    S = res.run(X)
    r = lsm.Ridge(ridge=1e-6).fit(S, X)
    res2, r2 = pickle.loads(pickle.dumps((res, r)))
    assert np.array_equal(res2.state, res.state)
    assert np.array_equal(res2.run(X, reset=True), S)
    assert np.array_equal(r2.run(S), r.run(S))


def test_spiking_reservoir_features_are_its_traces_and_deterministic():
    cfg = {"network": {"n_neurons": 60, "dt_ms": 0.1}, "steps_per_sample": 10, "counts": True}
    X = np.sin(np.linspace(0, 12, 80))
    a = lsm.SpikingReservoir(cfg, seed=4).run(X)
    assert a.shape == (80, 120)  # a trace and a count per neuron
    counts = a[:, 60:]
    assert np.all(counts == np.round(counts)) and np.all(counts <= 10)  # <= one spike per step
    assert np.array_equal(lsm.SpikingReservoir(cfg, seed=4).run(X), a)
    assert not np.array_equal(lsm.SpikingReservoir(cfg, seed=5).run(X), a)
    with pytest.raises(lsm.ConfigError, match="steps_per_sample|unknown field"):
        lsm.SpikingReservoir({"steps_per_sampel": 3})
