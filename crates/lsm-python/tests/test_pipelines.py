"""The pipelines from Python: fit, predict, probabilities, model files shared with the CLI."""

import json
import os
import signal
import threading

import lsm
import numpy as np
import pytest
from conftest import SAMPLE, run_cli, tones

# The default spoken-digit config with a smaller reservoir (a config dict replaces each
# top-level section it names, as a config file does; so change the default's).
SMALL = lsm.default_config("spoken-digits")
SMALL["network"]["n_neurons"] = 120


@pytest.fixture(scope="module")
def tone_model():
    xs, ys = tones(12)
    return lsm.DigitsModel.fit(xs, ys, config=SMALL, sample_rate=8000), xs, ys


def test_digits_model_learns_tones_in_memory(tone_model):
    model, _, _ = tone_model
    xs, ys = tones(8, seed=1)
    pred = model.predict(xs, sample_rate=8000)
    assert np.mean(np.array(pred) == np.array(ys)) >= 0.9
    report = model.evaluate(xs, ys, sample_rate=8000)
    assert report["accuracy"] == np.mean(np.array(pred) == np.array(ys))


def test_probabilities_sum_to_one_and_agree_with_predict(tone_model):
    model, _, _ = tone_model
    xs, _ = tones(4, seed=2)
    p = model.predict_proba(xs, sample_rate=8000)
    assert p.shape == (8, 2) and np.allclose(p.sum(1), 1.0)
    labels = np.array(model.classes)[p.argmax(1)]
    assert labels.tolist() == model.predict(xs, sample_rate=8000)


def test_same_result_whatever_the_thread_count(tone_model):
    model, _, _ = tone_model
    xs, _ = tones(4, seed=3)
    a = model.predict_proba(xs, sample_rate=8000, n_threads=1)
    b = model.predict_proba(xs, sample_rate=8000, n_threads=2)
    assert np.array_equal(a, b)


def test_model_files_round_trip(tone_model, tmp_path):
    model, _, _ = tone_model
    xs, _ = tones(3, seed=4)
    p = tmp_path / "m.json"
    model.save(p)
    back = lsm.load(p)
    assert isinstance(back, lsm.DigitsModel) and back.classes == model.classes
    assert np.array_equal(back.predict_proba(xs, sample_rate=8000),
                          model.predict_proba(xs, sample_rate=8000))
    raw = json.loads(p.read_text())
    assert raw["format"] == "lsm-model" and raw["format_version"] >= 1
    # A changed file is refused (the checksum).
    p.write_text(p.read_text().replace('"seed":42', '"seed":43', 1))
    with pytest.raises(lsm.LsmError):
        lsm.load(p)


def wav_split():
    files = sorted(SAMPLE.glob("*.wav"))
    assert len(files) >= 100, SAMPLE
    # FSDD's split: takes 0-4 of each speaker and digit are the test set.
    test = [f for f in files if int(f.stem.split("_")[2]) < 5]
    train = [f for f in files if int(f.stem.split("_")[2]) >= 5]
    return train, test


def test_a_python_model_evaluates_with_the_cli_and_a_cli_model_loads_in_python(tmp_path, lsm_bin):
    train, test = wav_split()
    train, test = train[:120], test[:40]
    model = lsm.DigitsModel.fit([str(f) for f in train], [f.name[0] for f in train], config=SMALL)
    model.save(tmp_path / "py.json")
    py_pred = model.predict([str(f) for f in test])
    out = run_cli(lsm_bin, "predict", "--model", tmp_path / "py.json", "--json", "--quiet",
                  *test)
    cli_pred = [json.loads(line)["label"] for line in out.splitlines()]
    assert cli_pred == py_pred
    # And the other way: a model the CLI fitted predicts the same in Python.
    with open(tmp_path / "train.csv", "w") as f:
        f.write("path,label\n")
        for w in train:
            f.write(f"{w},{w.name[0]}\n")
    (tmp_path / "cfg.json").write_text(json.dumps(SMALL))
    run_cli(lsm_bin, "fit", "--data", tmp_path / "train.csv", "--config", tmp_path / "cfg.json",
            "--out", tmp_path / "cli.json", "--split", "all", "--quiet")
    cli_model = lsm.load(tmp_path / "cli.json")
    out = run_cli(lsm_bin, "predict", "--model", tmp_path / "cli.json", "--json", "--quiet",
                  *test)
    assert [json.loads(line)["label"] for line in out.splitlines()] == cli_model.predict(
        [str(f) for f in test])
    # The same config and recordings fitted by the CLI and by Python: the same model, bit for
    # bit.
    paths = [str(f) for f in test]
    assert np.array_equal(cli_model.predict_proba(paths), model.predict_proba(paths))


def test_series_model_fits_predicts_and_round_trips(tmp_path):
    t = np.arange(7000) * 0.05
    x = np.sin(t) + 0.5 * np.sin(0.31 * t)
    m = lsm.SeriesModel.fit(x, config={"data": {"discard": 0}})
    scores = m.evaluate(x)
    assert scores["nrmse"] < 0.05, scores
    pred, target = m.predict(x)
    assert pred.shape == target.shape and pred.shape[1] == 1
    nrmse = np.sqrt(np.mean((pred - target) ** 2) / np.var(target))
    assert np.isclose(nrmse, scores["nrmse"], rtol=1e-9)
    m.save(tmp_path / "s.json")
    back = lsm.load(tmp_path / "s.json")
    assert isinstance(back, lsm.SeriesModel)
    assert np.array_equal(back.predict(x)[0], pred)
    gen, _ = m.predict(x, horizon=50)
    assert gen.shape == (50, 1)


def test_builtin_series_match_the_cli(tmp_path, lsm_bin):
    m = lsm.SeriesModel.fit(config=lsm.default_config("narma10"))
    m.save(tmp_path / "n.json")
    out = run_cli(lsm_bin, "evaluate", "--model", tmp_path / "n.json", "--data", "narma10",
                  "--json", "--quiet")
    # Bit for bit: the same model and data give the same score from Python and the CLI.
    assert json.loads(out)["nrmse"] == m.evaluate()["nrmse"]


def test_ctrl_c_stops_a_long_fit_with_keyboard_interrupt():
    xs, ys = tones(400, seconds=1.0, seed=5)
    # Python's Ctrl-C handler, whatever this process inherited (a shell starts background
    # jobs with SIGINT ignored, and Python then installs no handler).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            lsm.DigitsModel.fit(xs, ys, sample_rate=8000, n_threads=1)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_stops_a_long_series_fit():
    # An RLS readout on 1,000 units over 30,000 training rows takes minutes; Ctrl-C after
    # 0.5 s stops it within a block of rows.
    n = 40_000
    x = np.sin(np.arange(n) * 0.05)
    cfg = {
        "data": {"discard": 0},
        "split": {"washout": 100, "train": 30_000, "validation": 100, "test": 1000},
        "prediction": {"mode": "one-step"},
        "reservoir": {"kind": "esn", "n_units": 1000},
        "readout": {"kind": "rls", "alphas": [1.0]},
    }
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            lsm.SeriesModel.fit(x, config=cfg, n_threads=1)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
