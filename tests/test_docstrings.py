"""Every docstring example in the installed package runs (doctest)."""
import doctest
import importlib
import pkgutil

import pytest

import activesci

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(activesci.__path__, "activesci.")
    if not m.name.startswith("activesci._core"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib") if ".plots" in name else None
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    try:
        module = importlib.import_module(name)
    except ImportError as exc:  # an optional dependency of that module
        pytest.skip(f"{name}: {exc}")
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failed = []
    globs = {**vars(module), "np": __import__("numpy")}
    for test in finder.find(module, name, globs=globs):
        result = runner.run(test, out=lambda s: failed.append(s))
    assert not failed, "".join(failed)
