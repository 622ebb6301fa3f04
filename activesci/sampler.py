"""Initial designs for Bayesian optimization: random, Sobol, Halton, Latin hypercube, grid.

Every generator returns ``n`` rows of uniforms in [0, 1]^d, one column per dimension of the
space; :meth:`activesci.space.Space.from_unit` maps them to points through each dimension's
prior (so an integer or categorical dimension receives a stratified share of the design).

References
----------
I. M. Sobol', USSR Comput. Math. Math. Phys. 7 (1967) 86; scrambling: A. B. Owen, "Scrambling
Sobol' and Niederreiter-Xing points", J. Complexity 14 (1998) 466 (through
``scipy.stats.qmc``). Maximin Latin hypercubes: M. E. Johnson, L. M. Moore, D. Ylvisaker,
"Minimax and maximin distance designs", J. Stat. Plan. Inference 26 (1990) 131.

Examples
--------
>>> from activesci.sampler import initial_design
>>> U = initial_design("lhs", 5, 2, random_state=0)
>>> U.shape, bool(((U >= 0) & (U <= 1)).all())
((5, 2), True)
>>> sorted((U[:, 0] * 5).astype(int).tolist())  # one point per stratum
[0, 1, 2, 3, 4]
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ._validation import RandomState, check_random_state

__all__ = ["GENERATORS", "initial_design", "lhs_maximin", "grid"]

GENERATORS = ("random", "sobol", "halton", "lhs", "grid")


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**63 - 1))


def lhs_maximin(n: int, d: int, random_state: RandomState = None, n_candidates: int = 20
                ) -> np.ndarray:
    """A Latin hypercube (one point per row and column stratum, jittered within it) chosen
    among ``n_candidates`` random ones to maximize the smallest pairwise distance.

    Examples
    --------
    >>> lhs_maximin(4, 3, random_state=1).shape
    (4, 3)
    """
    rng = check_random_state(random_state)
    best, best_score = None, -np.inf
    for _ in range(max(1, n_candidates)):
        perm = np.argsort(rng.random((d, n)), axis=1).T  # (n, d) stratum of each point
        U = (perm + rng.random((n, d))) / n
        if n > 1:
            diff = U[:, None, :] - U[None, :, :]
            dist = np.sqrt(np.sum(diff * diff, axis=-1))
            score = np.min(dist[np.triu_indices(n, 1)])
        else:
            score = 0.0
        if score > best_score:
            best, best_score = U, score
    return best


def grid(n: int, d: int, random_state: RandomState = None) -> np.ndarray:
    """``n`` points of the smallest full-factorial grid with at least ``n`` nodes (cell
    centres, ``ceil(n ** (1/d))`` levels per dimension), chosen at random without replacement.

    Examples
    --------
    >>> grid(4, 2, random_state=0).tolist().count([0.25, 0.25])
    1
    """
    rng = check_random_state(random_state)
    levels = max(1, math.ceil(n ** (1.0 / d) - 1e-12))
    while levels ** d < n:
        levels += 1
    axes = (np.arange(levels) + 0.5) / levels
    total = levels ** d
    idx = rng.choice(total, size=n, replace=False) if total > n else np.arange(total)
    coords = np.stack(np.unravel_index(idx, (levels,) * d), axis=1)
    return axes[coords]


def initial_design(method: str, n: int, d: int, random_state: RandomState = None) -> np.ndarray:
    """``n`` rows of uniforms in [0, 1]^d from the named generator.

    Parameters
    ----------
    method : {"random", "sobol", "halton", "lhs", "grid"}
        ``"sobol"`` and ``"halton"`` are scrambled (seeded from ``random_state``); ``"lhs"`` is
        a maximin Latin hypercube.
    n, d : int
    random_state : int, Generator or None

    Returns
    -------
    U : ndarray of shape (n, d)
    """
    if method not in GENERATORS:
        raise ValueError(f"initial_point_generator must be one of {GENERATORS}, got {method!r}")
    rng = check_random_state(random_state)
    if n == 0:
        return np.empty((0, d))
    if method == "random":
        return rng.random((n, d))
    if method == "lhs":
        return lhs_maximin(n, d, rng)
    if method == "grid":
        return grid(n, d, rng)
    from scipy.stats import qmc

    if method == "sobol":
        engine = qmc.Sobol(d, scramble=True, seed=_seed(rng))
        with warnings.catch_warnings():  # balance warnings for n not a power of two
            warnings.simplefilter("ignore")
            return engine.random(n)
    engine = qmc.Halton(d, scramble=True, seed=_seed(rng))
    return engine.random(n)
