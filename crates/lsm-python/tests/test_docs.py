"""Every public class and function documents itself with a runnable example, and the
examples run (as doctests, against the installed package), and the type stubs name every
public object."""

import ast
import doctest
import inspect
import os
import pathlib

import lsm
import lsm.sklearn
import pytest
from conftest import ROOT

PUBLIC = [getattr(lsm, n) for n in lsm.__all__ if not n.startswith("_")]
CLASSES = [o for o in PUBLIC if inspect.isclass(o) and not issubclass(o, Exception)]
CLASSES += [lsm.sklearn.LSMClassifier, lsm.sklearn.ESNRegressor]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_public_class_has_an_example(cls):
    assert cls.__doc__ and ">>>" in cls.__doc__, f"{cls.__name__} has no example"


@pytest.mark.parametrize(
    "obj", PUBLIC + [lsm.sklearn.LSMClassifier, lsm.sklearn.ESNRegressor],
    ids=lambda o: getattr(o, "__name__", str(o)),
)
def test_examples_run(obj, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples may name the bundled sample, relative to the repo
    finder = doctest.DocTestFinder(exclude_empty=True)
    name = getattr(obj, "__name__", "obj")
    tests = finder.find(obj, name, globs={"lsm": lsm}) if obj.__doc__ else []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for t in tests:
        runner.run(t)
    assert runner.failures == 0, f"{runner.failures} doctest failures in {name}"


def test_the_module_docstring_example_runs():
    r = doctest.testmod(lsm, verbose=False)
    assert r.failed == 0


def test_type_stubs_name_every_public_object():
    stub = pathlib.Path(lsm.__file__).with_name("_lsm.pyi")
    assert stub.is_file(), "the wheel carries no _lsm.pyi"
    tree = ast.parse(stub.read_text())
    named = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    named |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    native = {n for n in dir(lsm._lsm) if not n.startswith("_")} | {"__version__"}
    assert native - named == set(), f"missing from _lsm.pyi: {sorted(native - named)}"


def test_the_readme_python_quick_start_runs_as_written(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    block = text.split("## From Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    (tmp_path / "datasets").symlink_to(ROOT / "datasets")
    monkeypatch.chdir(tmp_path)
    printed = []
    exec(compile(block, "README.md", "exec"), {"print": lambda *a: printed.append(a)})
    assert printed and printed[-1][0] == "accuracy" and printed[-1][1] > 0.8, printed
    assert lsm.load(tmp_path / "model.json").classes == [str(d) for d in range(10)]
