"""Log-likelihoods of whole data sets on a parameter grid, exact or estimated by simulation.

Every model answers one question: for data sets D_k = (x_k1, ..., x_kn) observed at design φ,
what is log p(D_k | θ_g, φ) = Σ_i log p(x_ki | θ_g, φ) at each grid point θ_g?

* :class:`ExactLikelihood` calls the simulator's ``logpdf``.
* :class:`HistogramLikelihood` estimates p(x | θ_g, φ) from simulations on evenly spaced bins
  (with under- and overflow bins), the classic approach for a low-dimensional observable.
* :class:`KDELikelihood` smooths the same fine histogram with a Gaussian kernel (a binned
  kernel density estimate; Scott's rule for the bandwidth, Silverman 1986, ch. 3).
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence

import numpy as np

from .._validation import RandomState, seed_from_random_state

__all__ = ["ExactLikelihood", "HistogramLikelihood", "KDELikelihood", "make_likelihood"]


def _as_events(data: Any, feature: Optional[Callable]) -> np.ndarray:
    x = np.asarray(data, dtype=float)
    if feature is not None:
        x = np.asarray(feature(x), dtype=float)
    return x


class ExactLikelihood:
    """log p(D | θ, φ) from the simulator's exact per-event ``logpdf``.

    Examples
    --------
    >>> from activesci.simulators import GaussianToy  # doctest: +SKIP
    """

    name = "exact"

    def __init__(self, simulator):
        if not getattr(simulator, "has_logpdf", False):
            raise ValueError(f"method='exact' needs a simulator with a tractable logpdf; "
                             f"{type(simulator).__name__} has none: use 'histogram', 'kde', "
                             "'ratio' or 'abc'")
        self.simulator = simulator

    def loglike(self, datasets: Sequence[np.ndarray], points: np.ndarray, phi: Any,
                random_state: RandomState = None) -> np.ndarray:
        out = np.empty((len(datasets), points.shape[0]))
        for k, x in enumerate(datasets):
            lp = np.asarray(self.simulator.logpdf(x, points, phi), dtype=float)
            out[k] = lp.reshape(points.shape[0], -1).sum(axis=1)
        return out


class HistogramLikelihood:
    """p(x | θ_g, φ) estimated per grid point from ``n_reference`` simulated events, on
    ``bins`` evenly spaced bins spanning the simulated range plus an underflow and an overflow
    bin; each bin's count gets +``pseudocount`` so no observed event has probability zero.

    Parameters
    ----------
    simulator : Simulator
    bins : int, default=40
    n_reference : int, default=50000
        Simulated events per grid point and design.
    feature : callable, optional
        Maps events (n, ...) to a scalar observable per event (n,), e.g. cosθ from momenta.
    pseudocount : float, default=0.5
    smooth_degree : int or None, default=4
        Fit each bin's log probability across the parameter grid with a polynomial of this
        total degree (least squares), pooling the reference simulations of all grid points:
        the Monte Carlo noise of a single grid point's template would otherwise dominate the
        likelihood of large data sets. None disables the smoothing.
    """

    name = "histogram"

    def __init__(self, simulator, bins: int = 40, n_reference: int = 50000,
                 feature: Optional[Callable] = None, pseudocount: float = 0.5,
                 smooth_degree: Optional[int] = 4):
        if int(bins) < 2:
            raise ValueError(f"bins must be >= 2, got {bins}")
        if int(n_reference) < 10:
            raise ValueError(f"n_reference must be >= 10, got {n_reference}")
        if smooth_degree is not None and int(smooth_degree) < 0:
            raise ValueError(f"smooth_degree must be >= 0 or None, got {smooth_degree}")
        self.simulator = simulator
        self.bins = int(bins)
        self.n_reference = int(n_reference)
        self.feature = feature
        self.pseudocount = float(pseudocount)
        self.smooth_degree = None if smooth_degree is None else int(smooth_degree)

    def _reference(self, points, phi, random_state) -> np.ndarray:
        # Common random numbers: every grid point is simulated from the same random stream, so
        # the reference samples move smoothly with θ and their Monte Carlo noise largely
        # cancels in likelihood ratios between grid points (independent streams would add a
        # noise of order sqrt(n_data / n_reference) to every log-likelihood difference).
        seed = seed_from_random_state(random_state)
        rows = []
        for g in range(points.shape[0]):
            theta = points[g, 0] if points.shape[1] == 1 else points[g]
            ev = np.asarray(self.simulator.simulate(theta, phi, self.n_reference,
                                                    random_state=seed), dtype=float)
            rows.append(_as_events(ev, self.feature).reshape(self.n_reference))
        return np.stack(rows)

    def _edges(self, ref: np.ndarray) -> np.ndarray:
        lo, hi = np.min(ref), np.max(ref)
        if not hi > lo:
            hi = lo + 1.0
        return np.linspace(lo, hi, self.bins + 1)

    def _log_density(self, ref: np.ndarray, edges: np.ndarray) -> np.ndarray:
        G = ref.shape[0]
        idx = np.searchsorted(edges, ref, side="right")  # 0: underflow, bins + 1: overflow
        counts = np.zeros((G, self.bins + 2))
        np.add.at(counts, (np.repeat(np.arange(G), ref.shape[1]), idx.ravel()), 1.0)
        counts += self.pseudocount
        prob = counts / counts.sum(axis=1, keepdims=True)
        widths = np.concatenate([[1.0], np.diff(edges), [1.0]])  # under/overflow: mass only
        return np.log(prob / widths)

    def _smooth(self, logp: np.ndarray, points: np.ndarray, edges: np.ndarray) -> np.ndarray:
        """Polynomial fit of every bin's log probability across the grid, renormalized."""
        if self.smooth_degree is None or points.shape[0] <= self.smooth_degree + 1:
            return logp
        lo, hi = points.min(axis=0), points.max(axis=0)
        u = 2 * (points - lo) / np.where(hi > lo, hi - lo, 1.0) - 1
        powers = [p for p in np.ndindex(*(self.smooth_degree + 1,) * points.shape[1])
                  if sum(p) <= self.smooth_degree]
        design = np.stack([np.prod(u ** np.array(p), axis=1) for p in powers], axis=1)
        coef, *_ = np.linalg.lstsq(design, logp, rcond=None)
        fitted = design @ coef
        widths = np.concatenate([[1.0], np.diff(edges), [1.0]])
        logmass = fitted + np.log(widths)
        m = logmass.max(axis=1, keepdims=True)
        norm = m + np.log(np.exp(logmass - m).sum(axis=1, keepdims=True))
        return fitted - norm

    def loglike(self, datasets, points, phi, random_state: RandomState = None) -> np.ndarray:
        ref = self._reference(points, phi, random_state)
        edges = self._edges(ref)
        logp = self._smooth(self._log_density(ref, edges), points, edges)  # (G, bins + 2)
        counts = np.zeros((len(datasets), self.bins + 2))
        for k, x in enumerate(datasets):
            xs = _as_events(np.asarray(x, dtype=float), self.feature).ravel()
            counts[k] = np.bincount(np.searchsorted(edges, xs, side="right"),
                                    minlength=self.bins + 2)
        return counts @ logp.T


class KDELikelihood(HistogramLikelihood):
    """A binned Gaussian kernel density estimate per grid point: the fine histogram of the
    reference events convolved with a Gaussian of Scott's bandwidth σ̂ n^(-1/5).

    Parameters are those of :class:`HistogramLikelihood` (``bins`` defaults to 200 fine bins).
    """

    name = "kde"

    def __init__(self, simulator, bins: int = 200, n_reference: int = 50000,
                 feature: Optional[Callable] = None, pseudocount: float = 0.5,
                 smooth_degree: Optional[int] = 4):
        super().__init__(simulator, bins, n_reference, feature, pseudocount, smooth_degree)

    def _log_density(self, ref, edges):
        G, m = ref.shape
        width = edges[1] - edges[0]
        centres = 0.5 * (edges[:-1] + edges[1:])
        idx = np.clip(np.searchsorted(edges, ref, side="right") - 1, 0, self.bins - 1)
        counts = np.zeros((G, self.bins))
        np.add.at(counts, (np.repeat(np.arange(G), m), idx.ravel()), 1.0)
        h = np.maximum(np.std(ref, axis=1) * m ** (-0.2), width)  # Scott's rule, >= a bin
        diff = (centres[:, None] - centres[None, :]) / width
        dens = np.empty((G, self.bins))
        for g in range(G):
            kern = np.exp(-0.5 * (diff * (width / h[g])) ** 2)
            # reflect nothing: the kernel mass leaving the range is renormalised per source bin
            kern /= kern.sum(axis=0, keepdims=True)
            dens[g] = kern @ counts[g]
        dens += self.pseudocount / self.bins
        dens /= dens.sum(axis=1, keepdims=True) * width
        tail = np.log(self.pseudocount / (m + self.pseudocount))
        out = np.empty((G, self.bins + 2))
        out[:, 1:-1] = np.log(dens)
        out[:, 0] = out[:, -1] = tail
        return out


def make_likelihood(method: str, simulator, **kwargs):
    """The likelihood model for ``method`` ('exact', 'histogram', 'kde')."""
    models = {"exact": ExactLikelihood, "histogram": HistogramLikelihood, "kde": KDELikelihood}
    if method not in models:
        raise ValueError(f"unknown likelihood method {method!r}; choose one of {sorted(models)}")
    return models[method](simulator, **kwargs)
