"""Import activesci from the installed package, or else from this checkout (built in place).

Each benchmark imports this module first, so that ``python benchmarks/bench_<name>.py`` runs
both after ``pip install .`` and in a checkout built with
``python setup.py build_ext --inplace``.  An installed package wins: putting the checkout first
would shadow it with sources that may have no compiled core.
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

try:
    import activesci  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT))
