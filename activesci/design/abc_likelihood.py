"""The ABC likelihood of whole data sets on a θ grid: rejection ABC with a smooth kernel.

For a data set D of n events with summary s(D), rejection ABC with a kernel K_ε accepts θ with
probability L_ε(θ) = E[K_ε(‖s(D') − s(D)‖)], D' ~ p(· | θ, φ) of the same size n (Pritchard et
al. 1999; Beaumont, Zhang & Balding 2002 for the Epanechnikov kernel). The ABC posterior on a
grid is then p(θ_g) L_ε(θ_g), i.e. rejection ABC whose proposals are the grid points, each with
``n_simulations`` reference data sets. ε is the ``quantile`` of the distances over all reference
data sets, so the acceptance fraction is fixed and ε shrinks as the model gets sharper. The
reference data sets are simulated once per design φ and data-set size with common random numbers
across θ, so L_ε is smooth in θ.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .._validation import RandomState, check_scalar, seed_from_random_state

__all__ = ["ABCLikelihood", "default_summary"]

def theta_subgrid(points: np.ndarray, n_eval: int) -> np.ndarray:
    """Indices of the grid points where a simulation-based likelihood is evaluated: for one
    parameter, ``n_eval`` evenly spaced ones (the log-likelihood is interpolated in between),
    otherwise (or with ``n_eval`` = 0 or >= the grid) all of them."""
    G = points.shape[0]
    if points.shape[1] == 1 and 0 < n_eval < G:
        return np.unique(np.linspace(0, G - 1, n_eval).round().astype(int))
    return np.arange(G)


def _bad_dataset(data: Any) -> bool:
    """True when a data set is empty or holds NaN/inf."""
    arr = np.asarray(data, dtype=float)
    return arr.size == 0 or not np.all(np.isfinite(arr))


def _n_bad(data: Any) -> int:
    return int(np.size(data) - np.isfinite(np.asarray(data, dtype=float)).sum())


def default_summary():
    """The mean and the variance of the events of each data set, computed in C.

    Few, informative summaries keep ABC's tolerance small (every extra noisy summary widens the
    ABC posterior); for a distribution of the form a(θ)(1 + c²) + b(θ) c, such as the μ⁻ angle
    of e⁺e⁻ → μ⁺μ⁻, the first two moments carry the information.

    Examples
    --------
    >>> default_summary()(np.arange(12.0).reshape(2, 6)).tolist()
    [[2.5, 3.5], [8.5, 3.5]]
    """
    from ..abc import Mean, Summaries, Variance

    return Summaries([Mean(), Variance()])


class ABCLikelihood:
    """ABC likelihood L_ε(θ) of data sets on a θ grid (rejection ABC with an Epanechnikov kernel).

    Parameters
    ----------
    simulator : Simulator
        ``simulate(theta, phi, n, random_state)`` with a batch of θ.
    n_simulations : int, default=400
        Reference data sets per grid point (per design and data-set size).
    quantile : float in (0, 1], default=0.05
        ε is this quantile of the distances of all reference data sets to the observed one.
    summary : callable, optional
        Maps data sets, one per row (n_datasets, n_values), to summaries (n_datasets, k): an
        :mod:`activesci.abc` summary (``Mean()``, ``Autocov(...)``, ``Summaries([...])``, run
        in C) or any callable; default :func:`default_summary`, the mean and variance. Distances are Euclidean after scaling each summary by its
        median absolute deviation among the reference data sets of one grid point.
    n_theta_eval : int, default=41
        For one parameter, reference data sets are simulated on this many grid points and log
        L_ε interpolated in between; 0 simulates at every grid point.
    random_state : int, Generator or None

    Examples
    --------
    >>> from activesci.simulators import GaussianToy
    >>> from activesci.design import GridPosterior
    >>> prior = GridPosterior.uniform([(-3.0, 3.0)], 61)
    >>> lik = ABCLikelihood(GaussianToy(), n_simulations=100, random_state=0)
    >>> ll = lik.loglike([np.full(20, 1.0)], prior.points, 1.0)
    >>> bool(abs(prior.points[np.argmax(ll[0]), 0] - 1.0) < 0.3)
    True
    """

    name = "abc"

    def __init__(self, simulator, n_simulations: int = 400, quantile: float = 0.05,
                 summary: Optional[Callable] = None, n_theta_eval: int = 41,
                 random_state: RandomState = None):
        check_scalar(n_simulations, "n_simulations", kind=numbers.Integral, low=2)
        check_scalar(quantile, "quantile", low=0.0, high=1.0, include_low=False)
        check_scalar(n_theta_eval, "n_theta_eval", kind=numbers.Integral, low=0)
        self.simulator = simulator
        self.n_simulations = int(n_simulations)
        self.quantile = float(quantile)
        self.summary = summary if summary is not None else default_summary()
        self.n_theta_eval = int(n_theta_eval)
        self.random_state = random_state
        self._seed = seed_from_random_state(random_state)
        self._cache: dict = {}

    def _reference(self, points: np.ndarray, phi: Any, n: int) -> np.ndarray:
        """Summaries of ``n_simulations`` data sets of ``n`` events at each point (G, M, s)."""
        key = (points.tobytes(), np.asarray(phi, dtype=float).tobytes(), n)
        if key not in self._cache:
            M = self.n_simulations
            theta = np.repeat(points[:, 0] if points.shape[1] == 1 else points, M, axis=0)
            # common random numbers: grid point g, data set m uses stream m whatever g
            rows = []
            for g in range(points.shape[0]):
                th = theta[g * M:(g + 1) * M]
                ev = np.asarray(self.simulator.simulate(th, phi, n, random_state=self._seed),
                                dtype=float)
                rows.append(np.asarray(self.summary(ev.reshape(M, -1)), dtype=float).reshape(M, -1))
            self._cache = {key: np.stack(rows)}  # one design at a time: memory stays bounded
        return self._cache[key]

    def loglike(self, datasets: Sequence[np.ndarray], points: np.ndarray, phi: Any,
                random_state: RandomState = None) -> np.ndarray:
        """log L_ε(θ_g) for each data set k and grid point g, shape (n_datasets, n_points)."""
        points = np.asarray(points, dtype=float).reshape(len(points), -1)
        G = points.shape[0]
        evals = theta_subgrid(points, self.n_theta_eval)
        out = np.empty((len(datasets), G))
        for k, data in enumerate(datasets):
            data = np.asarray(data, dtype=float)
            if _bad_dataset(data):
                raise ValueError(f"datasets[{k}] must be a non-empty array of finite events, got "
                                 f"shape {np.shape(data)} with {_n_bad(data)} NaN/inf value(s); "
                                 "drop the bad events before computing the likelihood")
            ref = self._reference(points[evals], phi, data.shape[0])  # (g, M, s)
            obs = np.asarray(self.summary(data.reshape(1, -1)), dtype=float).reshape(-1)
            # each summary scaled by its simulation noise at fixed θ (the median over grid
            # points of the per-point MAD), not by its spread over the grid: a summary that
            # does not depend on θ then weighs no more than an informative one
            mad = np.median(np.abs(ref - np.median(ref, axis=1, keepdims=True)), axis=1)
            scale = np.median(mad, axis=0)
            spread = ref.reshape(-1, ref.shape[-1]).std(axis=0)
            scale = np.where(scale > 0, scale, np.where(spread > 0, spread, 1.0))
            dist = np.sqrt((((ref - obs) / scale) ** 2).sum(axis=-1))  # (g, M)
            eps = max(float(np.quantile(dist, self.quantile)), 1e-300)
            kern = np.clip(1.0 - (dist / eps) ** 2, 0.0, None)  # Epanechnikov
            # a grid point with no accepted data set keeps a tiny likelihood, not zero, so
            # that the posterior stays defined when the observed data is extreme
            like = kern.mean(axis=1) + 1e-3 / (self.n_simulations * len(evals))
            ll = np.log(like)
            out[k] = np.interp(points[:, 0], points[evals, 0], ll) if len(evals) < G else ll
        return out
