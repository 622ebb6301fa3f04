"""activesci: likelihood-free inference and active experiment design with a fast C core.

Subpackages (imported on first use):

- ``activesci.gp``: Gaussian-process regression (scikit-learn compatible, C core)
- ``activesci.optimizer``, ``activesci.space``: ask/tell Bayesian optimization (scikit-optimize
  style)
- ``activesci.ratios``, ``activesci.learning``, ``activesci.distributions``: likelihood ratios
  with calibrated classifiers (carl style)
- ``activesci.abc``: rejection ABC with regression adjustment
- ``activesci.simulators``: built-in simulators (Gaussian toys, e+e- -> mu+mu-)
- ``activesci.io``: Les Houches Event files
- ``activesci.design``: expected information gain and experiment-design campaigns
- ``activesci.parallel``, ``activesci.storage``: executors and persistent runs
- ``activesci.plots``: matplotlib plots

Examples
--------
>>> import activesci
>>> activesci.__version__
'0.1.0'
"""
import importlib

__version__ = "0.1.0"

_SUBMODULES = ("abc", "acquisition", "benchmarks", "callbacks", "cli", "design",
               "distributions", "exceptions", "gp", "io", "learning", "optimizer", "parallel",
               "persistence", "plots", "ratios", "sampler", "simulators", "space", "storage")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
