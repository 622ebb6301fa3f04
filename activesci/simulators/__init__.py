"""Simulators: the interface every inference and design tool uses, and built-in models.

``Simulator`` (interface), ``CallableSimulator`` / ``as_simulator`` (wrap a plain function),
``GaussianToy``, ``GaussianDemo`` (closed-form posteriors and information gains) and
``EEToMuMu`` (e+e- -> μ+μ- at Born level).  The built-ins sample in C and expose a C model
(``_c_model_spec()``) that inference loops run in threads without Python.
"""
from .base import CallableSimulator, Simulator, as_simulator
from .eemumu import HBARC2_PB, EEToMuMu
from .gaussian import GaussianDemo, GaussianToy, NormalPosterior

__all__ = ["Simulator", "CallableSimulator", "as_simulator", "GaussianToy", "GaussianDemo",
           "NormalPosterior", "EEToMuMu", "HBARC2_PB"]
