"""Every ``Examples`` section of the package's docstrings runs and prints what it shows.

Each module's examples run by doctest in a fresh temporary directory (some save files), with
NumPy's print options fixed so that array reprs do not depend on the environment.
"""
import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import activesci

MODULES = sorted(m.name for m in pkgutil.walk_packages(activesci.__path__, "activesci.")
                 if not m.name.endswith("__main__"))


def _optional_missing(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return True
    return False


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    if _optional_missing(name):  # e.g. a module needing an optional extra that is absent
        pytest.skip(f"{name} needs an optional dependency")
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    with np.printoptions(legacy=False):
        for test in finder.find(module, name):  # the module's own objects, its globals
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
