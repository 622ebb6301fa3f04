"""Test functions for optimizers (the same definitions as scikit-optimize's benchmarks).

* :func:`branin` on [-5, 10] x [0, 15]: three global minima of 0.397887, at (-π, 12.275),
  (π, 2.275) and (9.42478, 2.475).
* :func:`hart6` on [0, 1]^6: global minimum -3.32237 at (0.20169, 0.150011, 0.476874,
  0.275332, 0.311652, 0.6573).
* :func:`bench1` (x², on [-2, 2]), :func:`bench2` (piecewise, minimum -5 at x = 5 on
  [-6, 6]), :func:`bench3` (sin(5x)(1 - tanh(x²)), minimum ≈ -0.9 on [-2, 2]).

References
----------
S. Surjanovic, D. Bingham, "Virtual Library of Simulation Experiments: Test Functions"
(Simon Fraser University); F. H. Branin, IBM J. Res. Dev. 16 (1972) 504; J. K. Hartman,
Naval Res. Logist. Q. 20 (1973).

Examples
--------
>>> from activesci.benchmarks import branin, hart6
>>> round(branin([3.141592653589793, 2.275]), 6)
0.397887
>>> round(hart6([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]), 5)
-3.32237
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

__all__ = ["branin", "hart6", "bench1", "bench2", "bench3", "BRANIN_MIN", "HART6_MIN"]

BRANIN_MIN = 0.397887
HART6_MIN = -3.32237

_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8],
                  [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8],
                  [17, 8, 0.05, 10, 0.1, 14]], dtype=float)
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886],
                         [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650],
                         [4047, 8828, 8732, 5743, 1091, 381]], dtype=float)


def branin(x: Sequence[float], a: float = 1.0, b: float = 5.1 / (4 * math.pi ** 2),
           c: float = 5.0 / math.pi, r: float = 6.0, s: float = 10.0,
           t: float = 1.0 / (8 * math.pi)) -> float:
    """Branin-Hoo: a (x1 - b x0² + c x0 - r)² + s (1 - t) cos(x0) + s.

    Examples
    --------
    >>> round(branin([9.42478, 2.475]), 5)
    0.39789
    """
    x0, x1 = float(x[0]), float(x[1])
    return a * (x1 - b * x0 ** 2 + c * x0 - r) ** 2 + s * (1 - t) * math.cos(x0) + s


def hart6(x: Sequence[float]) -> float:
    """Hartmann 6-D: -Σ_i α_i exp(-Σ_j A_ij (x_j - P_ij)²).

    Examples
    --------
    >>> round(hart6([0.5] * 6), 4)
    -0.5053
    """
    x = np.asarray(x, dtype=float)
    return float(-np.sum(_H6_ALPHA * np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1))))


def bench1(x: Sequence[float]) -> float:
    """x0² (minimum 0 at 0).

    Examples
    --------
    >>> bench1([2.0])
    4.0
    """
    return float(x[0]) ** 2


def bench2(x: Sequence[float]) -> float:
    """x0² for x0 < 0, (x0 - 5)² - 5 otherwise (minimum -5 at 5).

    Examples
    --------
    >>> bench2([5.0])
    -5.0
    """
    x0 = float(x[0])
    return x0 ** 2 if x0 < 0 else (x0 - 5) ** 2 - 5


def bench3(x: Sequence[float]) -> float:
    """sin(5 x0) (1 - tanh(x0²)).

    Examples
    --------
    >>> round(bench3([0.0]), 3)
    0.0
    """
    x0 = float(x[0])
    return math.sin(5 * x0) * (1 - math.tanh(x0 ** 2))
