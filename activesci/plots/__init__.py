"""Plots (matplotlib, imported lazily): every function returns the axes it drew on.

One submodule per concept (``optimizer``, ``ratios``, ``abc``, ``design``); their public
functions are re-exported here.
"""
from __future__ import annotations

import importlib

_SUBMODULES = ("optimizer", "ratios", "abc", "design")


def pyplot():
    """matplotlib.pyplot, or an ImportError that says how to install it.

    Examples
    --------
    >>> pyplot().__name__
    'matplotlib.pyplot'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("activesci's plots need matplotlib: pip install \"activesci[plots]\" "
                          f"(or pip install matplotlib); {exc}") from None
    return plt


def __getattr__(name):
    for sub in _SUBMODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{sub}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{sub}":
                raise
            continue
        if name in getattr(mod, "__all__", ()):
            return getattr(mod, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
