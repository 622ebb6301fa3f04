"""Local-linear regression adjustment of ABC samples (Beaumont, Zhang & Balding 2002).

Beaumont, Zhang & Balding, "Approximate Bayesian computation in population genetics", Genetics
162 (2002) 2025.  Given accepted pairs (θ_i, s_i) with distances d_i to the observed summary s_o,
fit by weighted least squares, with Epanechnikov weights K(d_i / h) = 1 - (d_i / h)² (0 beyond
h; h the tolerance),

    g(θ_i) = α + (s_i - s_o)ᵀ β + ε_i,

and replace each g(θ_i) by g(θ_i) - (s_i - s_o)ᵀ β̂, then map back with g⁻¹.  The weights are
kept as importance weights.  ``g`` is the identity, ``log`` (positive parameters) or
``logit`` on given bounds (a, b): g(θ) = log((θ - a) / (b - θ)); the transforms keep adjusted
values inside the support (the R package ``abc``, Csilléry, François & Blum 2012, uses the same
choices).
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

__all__ = ["epanechnikov_weights", "loclinear_adjust", "adjust_result"]


def epanechnikov_weights(distances: Any, h: float) -> np.ndarray:
    """K(d / h) = max(0, 1 - (d / h)²).

    Examples
    --------
    >>> epanechnikov_weights([0.0, 0.5, 1.0, 2.0], 1.0)
    array([1.  , 0.75, 0.  , 0.  ])
    """
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"the kernel bandwidth h must be a finite number > 0, got {h!r}")
    u = np.asarray(distances, dtype=float) / h
    return np.where(u < 1.0, 1.0 - u * u, 0.0)


def _transforms(transform: Any, p: int) -> list:
    if transform is None or isinstance(transform, str):
        transform = [transform] * p
    transform = list(transform)
    if len(transform) != p:
        raise ValueError(f"transform must be None, 'log', 'logit' or a list of {p} of those, got "
                         f"{len(transform)} entries")
    for t in transform:
        if t not in (None, "none", "log", "logit"):
            raise ValueError(f"unknown transform {t!r}; use None, 'log' or 'logit'")
    return [None if t == "none" else t for t in transform]


def _bounds(bounds: Any, p: int) -> np.ndarray:
    b = np.asarray(bounds, dtype=float)
    if b.shape == (2,):
        b = np.tile(b, (p, 1))
    if b.shape != (p, 2) or not (b[:, 0] < b[:, 1]).all():
        raise ValueError(f"bounds must be a pair (low, high) or an array of shape ({p}, 2) with "
                         f"low < high, got {np.asarray(bounds).tolist()}")
    return b


def _forward(theta, kinds, bounds):
    out = theta.copy()
    for j, t in enumerate(kinds):
        if t == "log":
            if not (theta[:, j] > 0).all():
                raise ValueError(f"transform 'log' for parameter {j} needs positive samples")
            out[:, j] = np.log(theta[:, j])
        elif t == "logit":
            a, b = bounds[j]
            if not ((theta[:, j] >= a) & (theta[:, j] <= b)).all():
                raise ValueError(f"transform 'logit' for parameter {j}: samples outside the "
                                 f"bounds ({a}, {b})")
            span = b - a
            z = np.clip((theta[:, j] - a) / span, 1e-12, 1 - 1e-12)
            out[:, j] = np.log(z) - np.log1p(-z)
    return out


def _inverse(g, kinds, bounds):
    out = g.copy()
    for j, t in enumerate(kinds):
        if t == "log":
            out[:, j] = np.exp(g[:, j])
        elif t == "logit":
            a, b = bounds[j]
            out[:, j] = a + (b - a) / (1.0 + np.exp(-g[:, j]))
    return out


def loclinear_adjust(samples: Any, summaries: Any, observed_summary: Any, distances: Any,
                     h: Optional[float] = None, transform: Any = None, bounds: Any = None
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Adjusted samples and their Epanechnikov weights.

    Parameters
    ----------
    samples : (n, p) accepted θ
    summaries : (n, k) their simulated summaries
    observed_summary : (k,)
    distances : (n,)
    h : float, optional
        Kernel bandwidth; default the largest distance (every sample but the farthest gets a
        positive weight).
    transform : None, "log", "logit" or a list with one per parameter
    bounds : (low, high) or (p, 2), needed for "logit"

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> th = rng.uniform(-1, 1, size=(2000, 1))
    >>> s = th + 0.05 * rng.normal(size=(2000, 1))
    >>> d = np.abs(s[:, 0] - 0.3)
    >>> keep = np.argsort(d)[:400]
    >>> adj, w = loclinear_adjust(th[keep], s[keep], [0.3], d[keep])
    >>> bool(abs(np.average(adj[:, 0], weights=w) - 0.3) < 0.02)
    True
    """
    th = np.asarray(samples, dtype=float)
    if th.ndim == 1:
        th = th[:, None]
    if th.shape[0] == 0:
        raise ValueError("no samples to adjust: the ABC run accepted nothing")
    S = np.asarray(summaries, dtype=float).reshape(th.shape[0], -1)
    so = np.asarray(observed_summary, dtype=float).reshape(-1)
    d = np.asarray(distances, dtype=float).reshape(-1)
    n, p = th.shape
    if S.shape[1] != so.shape[0] or d.shape[0] != n:
        raise ValueError(f"summaries (n, k) = {S.shape}, observed_summary ({so.shape[0]},) and "
                         f"distances ({d.shape[0]},) do not match samples ({n}, {p})")
    if n == 0:
        raise ValueError("no samples to adjust: the ABC run accepted nothing")
    if not (np.isfinite(th).all() and np.isfinite(S).all() and np.isfinite(d).all()):
        raise ValueError("samples, summaries and distances must be finite")
    if h is None:
        h = float(d.max())
    kinds = _transforms(transform, p)
    b = _bounds(bounds, p) if "logit" in kinds else None
    if "logit" in kinds and bounds is None:
        raise ValueError("transform 'logit' needs bounds=(low, high) per parameter")
    w = epanechnikov_weights(d, h) if h > 0 else np.ones(n)
    pos = w > 0
    k = S.shape[1]
    if pos.sum() <= k + 1:
        raise ValueError(f"loclinear adjustment needs more than {k + 1} samples with positive "
                         f"weight (got {int(pos.sum())}); accept more samples (larger quantile "
                         "or n_simulations)")
    g = _forward(th, kinds, b)
    D = S - so
    sd = D[pos].std(axis=0)
    sd[~(sd > 0)] = 1.0  # a constant summary column cannot be regressed on: leave it out
    const = D[pos].std(axis=0) == 0
    Z = D / sd
    Z[:, const] = 0.0
    X = np.column_stack([np.ones(n), Z])
    sw = np.sqrt(w)[pos, None]
    coef, *_ = np.linalg.lstsq(sw * X[pos], sw * g[pos], rcond=None)
    beta = coef[1:]
    adjusted = _inverse(g - Z @ beta, kinds, b)
    return adjusted, w


def _prior_bounds(result) -> Any:
    b = result.info.get("prior_bounds")
    return None if b is None else np.asarray(b, dtype=float)


def adjust_result(result, method: str = "loclinear", transform: Any = None, bounds: Any = None):
    """A new ABCResult with regression-adjusted samples (used by ``ABCResult.adjust``)."""
    from .result import ABCResult

    if method != "loclinear":
        raise ValueError(f"unknown adjustment method {method!r}; use 'loclinear'")
    if result.summaries.shape[1] == 0:
        raise ValueError("this result holds no summaries to regress on")
    if bounds is None and transform is not None and "logit" in (
            [transform] if isinstance(transform, str) else list(transform)):
        bounds = _prior_bounds(result)
    adjusted, w = loclinear_adjust(result.samples, result.summaries, result.observed_summary,
                                   result.distances, h=result.eps if result.eps > 0 else None,
                                   transform=transform, bounds=bounds)
    info = dict(result.info, adjustment={"method": method, "transform": transform})
    return ABCResult(adjusted, result.distances, result.eps, result.n_simulations, weights=w,
                     summaries=result.summaries, observed_summary=result.observed_summary,
                     param_names=result.param_names, n_invalid=result.n_invalid,
                     partial=result.partial, method=f"{result.method}+loclinear", info=info)
