"""Readout feedback, closed loop and FORCE on the reservoirpy-style nodes, against the update
recomputed here with numpy and against step-by-step runs."""

import os
import signal
import threading

import lsm
import numpy as np
import pytest


def test_feedback_enters_through_its_own_weights():
    rng = np.random.default_rng(0)
    X, F = rng.normal(size=(80, 2)), rng.normal(size=(80, 3))
    res = lsm.Reservoir(units=40, sr=0.8, lr=0.5, fb_scaling=0.7, fb_connectivity=0.5, seed=4)
    S = res.run(X, feedback=F)
    W, Win, Wfb, b = res.W, res.Win, res.Wfb, res.bias
    assert Win.shape == (40, 2) and Wfb.shape == (40, 3)
    # fb_connectivity 0.5 keeps about half of the feedback weights, each |w| <= fb_scaling.
    nz = np.count_nonzero(Wfb)
    assert 30 < nz < 90 and np.abs(Wfb).max() <= 0.7
    x = np.zeros(40)
    for t in range(len(X)):
        x = 0.5 * x + 0.5 * np.tanh(W @ x + Win @ X[t] + Wfb @ F[t] + b)
        assert np.allclose(S[t], x, atol=1e-9), t
    # The reservoir's own weights do not change when feedback is added.
    plain = lsm.Reservoir(units=40, sr=0.8, lr=0.5, seed=4)
    plain.run(X)
    assert np.array_equal(plain.W, W) and np.array_equal(plain.Win, Win)
    with pytest.raises(lsm.DataError, match="feedback columns"):
        res.run(X)
    with pytest.raises(lsm.DataError, match="Wfb"):
        _ = plain.Wfb
    with pytest.raises(lsm.ConfigError, match="feedback.connectivity"):
        lsm.Reservoir(fb_connectivity=0.0)


def test_closed_loop_feeds_back_the_readouts_own_output():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(300, 1)), rng.normal(size=(300, 2))
    esn = lsm.ESN(lsm.Reservoir(units=30, sr=0.9, lr=0.6, seed=5), lsm.Ridge(1e-3), feedback=True)
    esn.fit(X, Y)
    Wout, bias = esn.readout.Wout, esn.readout.bias
    # Step by step: each prediction becomes the next step's feedback.
    ref = lsm.Reservoir(units=30, sr=0.9, lr=0.6, seed=5)
    ref.run(X[:1], feedback=np.zeros((1, 2)))  # builds the same weights
    ref.reset()
    U = rng.normal(size=(50, 1))
    y = np.zeros(2)
    want = []
    for t in range(len(U)):
        s = ref.run(U[t:t + 1], feedback=y[None, :])[0]
        y = s @ Wout + bias
        want.append(y)
    got = esn.run(U, reset=True)
    assert np.allclose(got, np.array(want), atol=1e-12)


def test_generate_is_the_step_by_step_loop():
    t = np.arange(1500) * 0.1
    x = np.sin(t)[:, None]
    esn = lsm.ESN(lsm.Reservoir(units=100, sr=0.9, lr=0.3, seed=1), lsm.Ridge(ridge=1e-7))
    esn.fit(x[:-1], x[1:], warmup=100)
    gen = esn.generate(50, warmup=x[:1000])
    res2 = lsm.Reservoir(units=100, sr=0.9, lr=0.3, seed=1)
    y = esn.readout.run(res2.run(x[:1000]))[-1]
    want = []
    for _ in range(50):
        want.append(y)
        y = esn.readout.run(res2.run(y[None, :]))[0]
    assert np.allclose(gen, np.array(want), atol=1e-12)


def test_force_learns_a_sine_that_the_closed_loop_then_produces():
    t = np.arange(2500)
    y = np.sin(2 * np.pi * t / 50)[:, None]
    U = np.zeros((2500, 1))

    def closed_loop_rmse(readout, feedback=True):
        res = lsm.Reservoir(units=200, sr=1.2, lr=0.3, fb_scaling=1.0, fb_connectivity=1.0, seed=3)
        esn = lsm.ESN(res, readout, feedback=feedback)
        esn.fit(U[:2000], y[:2000], warmup=100)
        return np.sqrt(np.mean((esn.run(U[2000:]) - y[2000:]) ** 2))

    force = closed_loop_rmse(lsm.FORCE(alpha=1.0))
    # The zero output scores 1/sqrt(2); FORCE is within a few percent of the amplitude.
    assert force < 0.05
    with pytest.raises(lsm.ConfigError, match="FORCE"):
        lsm.ESN(lsm.Reservoir(), lsm.FORCE(), feedback=False)


def test_online_readouts_learn_on_teacher_forced_states():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(400, 1)), rng.normal(size=(400, 1))
    a = lsm.ESN(lsm.Reservoir(units=20, seed=6), lsm.RLS(alpha=1e-6), feedback=True).fit(X, Y)
    res = lsm.Reservoir(units=20, seed=6)
    S = res.run(X, feedback=np.vstack([[[0.0]], Y[:-1]]))
    b = lsm.RLS(alpha=1e-6)
    b.train(S, Y)
    assert np.array_equal(a.readout.Wout, b.Wout)


def test_ctrl_c_stops_a_long_force_training():
    # 200,000 RLS steps on 400 units take tens of seconds; Ctrl-C after 0.5 s stops them.
    n = 200_000
    esn = lsm.ESN(lsm.Reservoir(units=400, seed=1), lsm.FORCE(alpha=1.0), feedback=True)
    X, Y = np.zeros((n, 1)), np.sin(np.arange(n) / 10.0)[:, None]
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            esn.fit(X, Y)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_runs_are_checked_against_their_cost_before_allocating():
    res = lsm.Reservoir(units=1000, seed=1)
    with pytest.raises(lsm.ConfigError, match="n_units"):
        res._closed_loop(None, np.zeros((1000, 1)), np.zeros(1), np.zeros(1), n_steps=10**9)
