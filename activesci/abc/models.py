"""Simulators for ABC: the MA(2) process, built-in C simulators at a design, and helpers.

A simulator for :func:`~activesci.abc.rejection_abc` is a vectorized callable
``simulator(theta, random_state) -> x`` with ``theta`` of shape (batch, n_params) and ``x`` of
shape (batch, ...), one data set per row.  The classes here also run entirely in C (fused with
the built-in summaries, in threads) when :func:`rejection_abc` sees their ``_abc_c_spec()``.

MA(2): x_t = e_t + θ1 e_{t-1} + θ2 e_{t-2}, e_t iid N(0, 1), t = 1..n_obs (e_{-1}, e_0 drawn
too).  The process is invertible on the triangle -2 < θ1 < 2, θ1 + θ2 > -1, θ1 - θ2 < 1
(Marin, Pudlo, Robert & Ryder 2012, "Approximate Bayesian computational methods", Statistics
and Computing 22, 1167, the ABC example used by ELFI and others).  Its likelihood is Gaussian:
x ~ N(0, Σ) with Σ banded Toeplitz, γ0 = 1 + θ1² + θ2², γ1 = θ1 (1 + θ2), γ2 = θ2, which
:func:`ma2_log_likelihood` evaluates exactly (banded Cholesky) for grid posteriors.
"""
from __future__ import annotations

import numbers
from typing import Any, Tuple

import numpy as np
from scipy import linalg

from .._validation import RandomState, as_float_array, check_random_state

__all__ = ["MA2", "GaussianMean", "BuiltinSimulator", "at_design", "ma2_log_likelihood",
           "ma2_grid_posterior"]


def _theta2d(theta: Any, p: int) -> np.ndarray:
    t = as_float_array(theta, "theta")
    if t.ndim == 1 and p > 1 and t.shape[0] == p:
        t = t[None, :]
    t = t.reshape(-1, p) if t.ndim <= 1 else t
    if t.ndim != 2 or t.shape[1] != p:
        raise ValueError(f"theta must have shape (batch, {p}), got {np.shape(theta)}")
    return t


class MA2:
    """The MA(2) simulator, vectorized in NumPy and built into the C core.

    Parameters
    ----------
    n_obs : int, default=100
        Length of each series.

    Examples
    --------
    >>> sim = MA2(n_obs=50)
    >>> sim(np.array([[0.6, 0.2], [0.0, 0.0]]), random_state=0).shape
    (2, 50)
    """

    param_names = ("t1", "t2")

    def __init__(self, n_obs: int = 100):
        if isinstance(n_obs, bool) or not isinstance(n_obs, (numbers.Integral, np.integer)) \
                or n_obs < 1:
            raise ValueError(f"n_obs must be an integer >= 1, got {n_obs!r}")
        self.n_obs = int(n_obs)

    def __call__(self, theta: Any, random_state: RandomState = None) -> np.ndarray:
        t = _theta2d(theta, 2)
        rng = check_random_state(random_state)
        e = rng.standard_normal((t.shape[0], self.n_obs + 2))
        return e[:, 2:] + t[:, :1] * e[:, 1:-1] + t[:, 1:2] * e[:, :-2]

    def _abc_c_spec(self) -> Tuple:
        return ("ma2", self.n_obs)

    def __repr__(self) -> str:
        return f"MA2(n_obs={self.n_obs})"


class GaussianMean:
    """x_i ~ N(θ, σ²) iid, i = 1..n_obs, with θ of any dimension p (x has shape (batch, n_obs·p)).

    Runs in C; the conjugate-normal test model.

    Examples
    --------
    >>> GaussianMean(sigma=1.0, n_obs=5)(np.zeros((3, 1)), random_state=0).shape
    (3, 5)
    """

    def __init__(self, sigma: float = 1.0, n_obs: int = 1, n_params: int = 1):
        if not (np.isfinite(sigma) and sigma > 0):
            raise ValueError(f"sigma must be a finite number > 0, got {sigma!r}")
        if int(n_obs) < 1 or int(n_params) < 1:
            raise ValueError("n_obs and n_params must be >= 1")
        self.sigma, self.n_obs, self.n_params = float(sigma), int(n_obs), int(n_params)

    def __call__(self, theta: Any, random_state: RandomState = None) -> np.ndarray:
        t = _theta2d(theta, self.n_params)
        rng = check_random_state(random_state)
        x = t[:, None, :] + self.sigma * rng.standard_normal((t.shape[0], self.n_obs,
                                                               self.n_params))
        return x.reshape(t.shape[0], -1)

    def _abc_c_spec(self) -> Tuple:
        return ("gaussian", self.n_obs, self.n_params, self.sigma)

    def __repr__(self) -> str:
        return f"GaussianMean(sigma={self.sigma}, n_obs={self.n_obs}, n_params={self.n_params})"


class BuiltinSimulator:
    """A built-in :mod:`activesci.simulators` simulator at a fixed design φ and event count.

    Calls run in C; inside :func:`rejection_abc` they run fused with the summaries, in threads.

    Examples
    --------
    >>> from activesci.simulators import GaussianToy
    >>> sim = at_design(GaussianToy(), phi=0.5, n_events=20)
    >>> sim(np.zeros((4, 1)), random_state=0).shape
    (4, 20)
    """

    def __init__(self, simulator: Any, phi: Any, n_events: int):
        spec = getattr(simulator, "_c_model_spec", lambda: None)()
        if spec is None:
            raise TypeError("simulator has no C model; pass a built-in simulator "
                            "(GaussianToy, GaussianDemo, EEToMuMu) or a plain callable")
        self.simulator, self.phi, self.n_events = simulator, float(phi), int(n_events)
        if self.n_events < 1:
            raise ValueError(f"n_events must be >= 1, got {n_events!r}")
        self.param_names = tuple(simulator.param_names)

    def __call__(self, theta: Any, random_state: RandomState = None) -> np.ndarray:
        t = _theta2d(theta, len(self.param_names))
        x = self.simulator.simulate(t, self.phi, self.n_events, random_state=random_state)
        return x.reshape(t.shape[0], -1)

    def _abc_c_spec(self) -> Tuple:
        return ("model", self.simulator._c_model_spec(), self.phi, self.n_events)

    def __repr__(self) -> str:
        return f"at_design({self.simulator!r}, phi={self.phi}, n_events={self.n_events})"


def at_design(simulator: Any, phi: Any, n_events: int) -> BuiltinSimulator:
    """Bind a built-in simulator to a design φ and a number of events per data set.

    Examples
    --------
    >>> from activesci.simulators import GaussianToy
    >>> at_design(GaussianToy(), 1.0, 10).n_events
    10
    """
    return BuiltinSimulator(simulator, phi, n_events)


def ma2_log_likelihood(x: Any, theta: Any) -> np.ndarray:
    """Exact Gaussian log-likelihood of one MA(2) series x at each row of theta (n, 2).

    Examples
    --------
    >>> x = MA2(20)(np.array([[0.6, 0.2]]), random_state=1)[0]
    >>> ll = ma2_log_likelihood(x, [[0.6, 0.2], [-0.5, 0.1]])
    >>> ll.shape
    (2,)
    """
    xv = np.asarray(x, dtype=float).reshape(-1)
    t = _theta2d(theta, 2)
    n = xv.shape[0]
    out = np.empty(t.shape[0])
    ab = np.zeros((3, n))  # upper banded storage for cholesky_banded
    for i, (t1, t2) in enumerate(t):
        ab[2, :] = 1.0 + t1 * t1 + t2 * t2
        ab[1, 1:] = t1 * (1.0 + t2)
        ab[0, 2:] = t2
        try:
            c = linalg.cholesky_banded(ab)
        except linalg.LinAlgError:
            out[i] = -np.inf
            continue
        y = linalg.cho_solve_banded((c, False), xv, check_finite=False)
        out[i] = -np.log(c[-1]).sum() - 0.5 * xv @ y - 0.5 * n * np.log(2 * np.pi)
    return out


def ma2_grid_posterior(x: Any, n_grid: int = 201) -> Tuple[np.ndarray, np.ndarray]:
    """Exact posterior of (θ1, θ2) under the uniform triangle prior, on a regular grid.

    Returns ``(points, weights)``: grid points inside the triangle (m, 2) and normalised
    posterior weights (m,), for moments ``weights @ points``.

    Examples
    --------
    >>> x = MA2(50)(np.array([[0.6, 0.2]]), random_state=1)[0]
    >>> pts, w = ma2_grid_posterior(x, n_grid=41)
    >>> round(float(w.sum()), 12)
    1.0
    """
    g1 = np.linspace(-2.0, 2.0, 2 * n_grid + 1)[1:-1]
    g2 = np.linspace(-1.0, 1.0, n_grid + 1)[1:-1]
    T1, T2 = np.meshgrid(g1, g2, indexing="ij")
    pts = np.column_stack([T1.ravel(), T2.ravel()])
    pts = pts[(pts[:, 1] > np.abs(pts[:, 0]) - 1.0) & (pts[:, 1] < 1.0)]
    ll = ma2_log_likelihood(x, pts)
    w = np.exp(ll - ll.max())
    return pts, w / w.sum()
