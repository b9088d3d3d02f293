"""The package itself: version, the installed wheel, the exception hierarchy."""

import pathlib
import re

import lsm
import numpy as np
import pytest
from conftest import ROOT


def test_version_is_the_crates_version():
    text = (ROOT / "Cargo.toml").read_text()
    m = re.search(r'\[workspace\.package\][^\[]*?version\s*=\s*"([^"]+)"', text, re.S)
    assert m, "no workspace version in Cargo.toml"
    assert lsm.__version__ == m.group(1)


def test_runs_against_the_installed_wheel_not_the_source_tree():
    here = pathlib.Path(lsm.__file__).resolve()
    assert ROOT / "crates" / "lsm-python" / "python" not in here.parents, here


def test_exceptions_derive_from_the_builtin_a_user_catches():
    assert issubclass(lsm.ConfigError, ValueError) and issubclass(lsm.ConfigError, lsm.LsmError)
    assert issubclass(lsm.DataError, ValueError)
    assert issubclass(lsm.FileError, OSError)
    assert issubclass(lsm.InternalError, RuntimeError)


def test_a_bad_config_field_is_a_config_error_naming_it():
    with pytest.raises(lsm.ConfigError, match="n_neuronz"):
        lsm.Network.generate({"n_neuronz": 10}, n_inputs=2)
    with pytest.raises(ValueError, match="sr|spectral"):
        lsm.Reservoir(units=10, sr=-1.0)


def test_a_missing_file_is_an_oserror_naming_it(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(OSError, match="nope.json"):
        lsm.load(missing)
    with pytest.raises(lsm.FileError, match="nope.json"):
        lsm.Network.load(missing)


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    p = tmp_path / "m.json"
    p.write_text('{"format": "something-else"}')
    with pytest.raises(lsm.LsmError, match="lsm-model"):
        lsm.load(p)


@pytest.mark.parametrize(
    "bad, err, pattern",
    [
        (np.array([[1.0, np.nan]]), lsm.DataError, "finite"),
        (np.array([[np.inf]]), ValueError, "finite"),
        (np.zeros((0, 3)), lsm.DataError, "non-empty"),
        (np.zeros((2, 2, 2)), lsm.DataError, "dimensions"),
        (np.array([["a", "b"]]), TypeError, "numeric"),
    ],
)
def test_bad_arrays_get_a_clear_error(bad, err, pattern):
    with pytest.raises(err, match=pattern):
        lsm.Reservoir(units=10).run(bad)


def test_default_configs_of_every_task():
    assert lsm.default_config("spoken-digits")["task"] == "spoken-digits"
    for task in ["mackey-glass", "narma10", "lorenz"]:
        assert lsm.default_config(task)["task"] == task
    with pytest.raises(lsm.ConfigError, match="task"):
        lsm.default_config("digits")
