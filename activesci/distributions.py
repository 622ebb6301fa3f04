"""Probability distributions with explicit parameters (carl's ``distributions`` without
Theano or global state).

Every distribution has ``rvs(n, random_state)`` returning an array of shape (n, ndim),
``logpdf(X)``, ``pdf(X)``, ``nll(X)`` (the negative log-likelihood, a sum) and, in one
dimension, ``cdf(X)``.  ``X`` is (n, ndim); one-dimensional distributions also accept a 1-D
array of n values.  Parameters are constructor arguments stored as given; nothing is shared
between instances.  Histogram and KernelDensity are estimated from data with ``fit``.
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence

import numpy as np
from scipy import special, stats

from ._estimator import BaseEstimator
from ._validation import RandomState, check_array, check_is_fitted, check_random_state

__all__ = ["Distribution", "Normal", "MultivariateNormal", "Exponential", "Uniform", "Mixture",
           "Join", "LinearTransform", "Histogram", "KernelDensity"]


def _real(x: Any, name: str, positive: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if positive and x <= 0:
        raise ValueError(f"{name} must be > 0, got {x}")
    return x


def _n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    return int(n)


class Distribution(BaseEstimator):
    """Base class: subclasses define ``ndim``, ``_logpdf(X)`` and ``_rvs(n, rng)``."""

    ndim: int = 1

    def _check_X(self, X: Any) -> np.ndarray:
        X = check_array(X, "X", allow_1d=self.ndim == 1, min_samples=0)
        if X.shape[1] != self.ndim:
            raise ValueError(f"X has {X.shape[1]} column(s) but the distribution has "
                             f"{self.ndim} dimension(s); pass an array of shape (n, {self.ndim})")
        return X

    def logpdf(self, X: Any) -> np.ndarray:
        """Log density at each row of X, shape (n,)."""
        return self._logpdf(self._check_X(X))

    def pdf(self, X: Any) -> np.ndarray:
        """Density at each row of X, shape (n,)."""
        return np.exp(self.logpdf(X))

    def nll(self, X: Any) -> float:
        """Negative log-likelihood of the sample X: -sum logpdf(X)."""
        return float(-np.sum(self.logpdf(X)))

    def cdf(self, X: Any) -> np.ndarray:
        """Cumulative distribution function (one-dimensional distributions)."""
        if self.ndim != 1 or not hasattr(self, "_cdf"):
            raise NotImplementedError(f"{type(self).__name__} has no cdf")
        return self._cdf(self._check_X(X)[:, 0])

    def rvs(self, n: int, random_state: RandomState = None) -> np.ndarray:
        """Draw n samples, shape (n, ndim)."""
        return self._rvs(_n(n), check_random_state(random_state))


class Normal(Distribution):
    """The normal distribution N(mu, sigma^2); sigma is the standard deviation.

    Examples
    --------
    >>> from activesci.distributions import Normal
    >>> p = Normal(mu=1.0, sigma=2.0)
    >>> p.rvs(3, random_state=0).shape
    (3, 1)
    >>> round(float(p.pdf([1.0])[0]), 6)
    0.199471
    """

    def __init__(self, mu: float = 0.0, sigma: float = 1.0):
        self.mu = mu
        self.sigma = sigma

    def _logpdf(self, X):
        mu, s = _real(self.mu, "mu"), _real(self.sigma, "sigma", True)
        z = (X[:, 0] - mu) / s
        return -0.5 * z * z - np.log(s) - 0.5 * np.log(2 * np.pi)

    def _cdf(self, x):
        return special.ndtr((x - _real(self.mu, "mu")) / _real(self.sigma, "sigma", True))

    def _rvs(self, n, rng):
        mu, s = _real(self.mu, "mu"), _real(self.sigma, "sigma", True)
        return (mu + s * rng.standard_normal(n))[:, None]


class MultivariateNormal(Distribution):
    """Multivariate normal N(mu, sigma) with mean vector mu and covariance matrix sigma.

    Examples
    --------
    >>> import numpy as np
    >>> p = MultivariateNormal(mu=[0.0, 0.0], sigma=np.eye(2))
    >>> p.rvs(4, random_state=0).shape
    (4, 2)
    >>> round(float(p.logpdf([[0.0, 0.0]])[0]), 6)
    -1.837877
    """

    def __init__(self, mu: Any = (0.0, 0.0), sigma: Any = ((1.0, 0.0), (0.0, 1.0))):
        self.mu = mu
        self.sigma = sigma

    def _params(self):
        mu = check_array(self.mu, "mu", ndim=1)
        S = check_array(self.sigma, "sigma")
        if S.shape != (mu.size, mu.size) or not np.allclose(S, S.T):
            raise ValueError(f"sigma must be a symmetric ({mu.size}, {mu.size}) covariance "
                             "matrix")
        try:
            L = np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            raise ValueError("sigma must be positive definite") from None
        return mu, L

    @property
    def ndim(self):
        return int(np.size(self.mu))

    def _logpdf(self, X):
        mu, L = self._params()
        z = np.linalg.solve(L, (X - mu).T)
        return (-0.5 * np.sum(z * z, axis=0) - np.sum(np.log(np.diag(L)))
                - 0.5 * mu.size * np.log(2 * np.pi))

    def _rvs(self, n, rng):
        mu, L = self._params()
        return mu + rng.standard_normal((n, mu.size)) @ L.T


class Exponential(Distribution):
    """Exponential distribution with rate ``inverse_scale`` (density λ e^{-λ x}, x >= 0).

    Examples
    --------
    >>> round(float(Exponential(inverse_scale=2.0).cdf([1.0])[0]), 6)
    0.864665
    """

    def __init__(self, inverse_scale: float = 1.0):
        self.inverse_scale = inverse_scale

    def _logpdf(self, X):
        lam = _real(self.inverse_scale, "inverse_scale", True)
        x = X[:, 0]
        with np.errstate(invalid="ignore"):
            return np.where(x >= 0, np.log(lam) - lam * x, -np.inf)

    def _cdf(self, x):
        lam = _real(self.inverse_scale, "inverse_scale", True)
        return np.where(x >= 0, -np.expm1(-lam * np.maximum(x, 0)), 0.0)

    def _rvs(self, n, rng):
        return rng.exponential(1.0 / _real(self.inverse_scale, "inverse_scale", True), n)[:, None]


class Uniform(Distribution):
    """Uniform distribution on [low, high].

    Examples
    --------
    >>> float(Uniform(0.0, 2.0).pdf([1.0])[0])
    0.5
    """

    def __init__(self, low: float = 0.0, high: float = 1.0):
        self.low = low
        self.high = high

    def _bounds(self):
        lo, hi = _real(self.low, "low"), _real(self.high, "high")
        if not hi > lo:
            raise ValueError(f"high must be > low, got low={lo}, high={hi}; swap them")
        return lo, hi

    def _logpdf(self, X):
        lo, hi = self._bounds()
        x = X[:, 0]
        return np.where((x >= lo) & (x <= hi), -np.log(hi - lo), -np.inf)

    def _cdf(self, x):
        lo, hi = self._bounds()
        return np.clip((x - lo) / (hi - lo), 0.0, 1.0)

    def _rvs(self, n, rng):
        lo, hi = self._bounds()
        return rng.uniform(lo, hi, n)[:, None]


class Mixture(Distribution):
    """Finite mixture sum_i w_i p_i(x) of distributions of the same dimension.

    Parameters
    ----------
    components : sequence of Distribution
    weights : sequence of float, optional
        Non-negative, summing to one (default: equal weights).  A zero weight is allowed.

    Examples
    --------
    >>> p = Mixture([Normal(-2, 0.75), Normal(0, 2), Normal(1, 0.5)], [0.475, 0.475, 0.05])
    >>> p.rvs(5, random_state=0).shape
    (5, 1)
    >>> bool(abs(float(p.cdf([100.0])[0]) - 1.0) < 1e-12)
    True
    """

    def __init__(self, components: Sequence[Distribution] = (),
                 weights: Optional[Sequence[float]] = None):
        self.components = components
        self.weights = weights

    def get_params(self, deep: bool = True):  # components are parameters, not sub-estimators
        return {"components": self.components, "weights": self.weights}

    def _w(self):
        comps = list(self.components)
        if not comps:
            raise ValueError("components must hold at least one distribution")
        d = comps[0].ndim
        if any(c.ndim != d for c in comps):
            raise ValueError("all mixture components must have the same dimension")
        if self.weights is None:
            return comps, np.full(len(comps), 1.0 / len(comps))
        w = check_array(self.weights, "weights", ndim=1)
        if w.size != len(comps):
            raise ValueError(f"weights has {w.size} entries for {len(comps)} components")
        if (w < 0).any() or not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-9):
            raise ValueError(f"weights must be non-negative and sum to one, got {w.tolist()}")
        return comps, w

    @property
    def ndim(self):
        return self._w()[0][0].ndim

    def _logpdf(self, X):
        comps, w = self._w()
        with np.errstate(divide="ignore"):
            lw = np.log(w)
        terms = np.array([lw[i] + c._logpdf(X) for i, c in enumerate(comps) if w[i] > 0])
        return special.logsumexp(terms, axis=0)

    def _cdf(self, x):
        comps, w = self._w()
        X = x[:, None]
        return sum(w[i] * c._cdf(X[:, 0]) for i, c in enumerate(comps) if w[i] > 0)

    def _rvs(self, n, rng):
        comps, w = self._w()
        counts = rng.multinomial(n, w / w.sum())
        parts = [c._rvs(int(k), rng) for c, k in zip(comps, counts)]
        out = np.concatenate(parts, axis=0)
        return out[rng.permutation(n)]


class Join(Distribution):
    """Product of independent distributions: the columns are the components' dimensions.

    Examples
    --------
    >>> p = Join([Normal(0, 1), Exponential(1.0)])
    >>> p.rvs(3, random_state=0).shape
    (3, 2)
    """

    def __init__(self, components: Sequence[Distribution] = ()):
        self.components = components

    def get_params(self, deep: bool = True):
        return {"components": self.components}

    @property
    def ndim(self):
        return int(sum(c.ndim for c in self.components))

    def _logpdf(self, X):
        out, j = np.zeros(X.shape[0]), 0
        for c in self.components:
            out += c._logpdf(np.ascontiguousarray(X[:, j:j + c.ndim]))
            j += c.ndim
        return out

    def _rvs(self, n, rng):
        if not len(self.components):
            raise ValueError("components must hold at least one distribution")
        return np.hstack([c._rvs(n, rng) for c in self.components])


class LinearTransform(Distribution):
    """The distribution of Y = A X for X ~ p; log p_Y(y) = log p(A^{-1} y) - log|det A|.

    Examples
    --------
    >>> import numpy as np
    >>> p = LinearTransform(Normal(0, 1), [[2.0]])
    >>> bool(np.isclose(p.pdf([0.0])[0], Normal(0, 2).pdf([0.0])[0]))
    True
    """

    def __init__(self, p: Distribution = None, A: Any = None):
        self.p = p
        self.A = A

    def get_params(self, deep: bool = True):
        return {"p": self.p, "A": self.A}

    def _A(self):
        A = check_array(self.A, "A")
        d = self.p.ndim
        if A.shape != (d, d):
            raise ValueError(f"A must be ({d}, {d}), got {A.shape}")
        sign, logdet = np.linalg.slogdet(A)
        if sign == 0:
            raise ValueError("A must be invertible")
        return A, logdet

    @property
    def ndim(self):
        return self.p.ndim

    def _logpdf(self, X):
        A, logdet = self._A()
        return self.p._logpdf(np.ascontiguousarray(np.linalg.solve(A, X.T).T)) - logdet

    def _rvs(self, n, rng):
        A, _ = self._A()
        return self.p._rvs(n, rng) @ A.T


class Histogram(Distribution):
    """Histogram density estimate (any dimension), fitted from a sample.

    Parameters
    ----------
    bins : int or sequence, default=10
        Bins per axis (or edges), passed to ``numpy.histogramdd``.
    range : sequence of (low, high) or None
        Histogram range per dimension (default: the sample's range).

    Examples
    --------
    >>> import numpy as np
    >>> h = Histogram(bins=5).fit(np.random.default_rng(0).normal(size=(100, 1)))
    >>> h.pdf([[0.0]]).shape
    (1,)
    """

    def __init__(self, bins: Any = 10, range: Any = None):
        self.bins = bins
        self.range = range

    @property
    def ndim(self):
        check_is_fitted(self, "edges_")
        return len(self.edges_)

    def fit(self, X: Any, sample_weight: Optional[Any] = None) -> "Histogram":
        """Estimate the density from X (n, d)."""
        X = check_array(X, "X", allow_1d=True)
        if isinstance(self.bins, numbers.Integral) and self.bins < 1:
            raise ValueError(f"bins must be >= 1, got {self.bins}")
        counts, edges = np.histogramdd(X, bins=self.bins, range=self.range,
                                       weights=sample_weight)
        vol = np.ones(counts.shape)
        for ax, e in enumerate(edges):
            shape = [1] * len(edges)
            shape[ax] = -1
            vol = vol * np.diff(e).reshape(shape)
        self.edges_ = edges
        self.density_ = counts / counts.sum() / vol
        return self

    def _index(self, X):
        idx = []
        for j, e in enumerate(self.edges_):
            i = np.searchsorted(e, X[:, j], side="right") - 1
            i = np.where(X[:, j] == e[-1], e.size - 2, i)
            idx.append(i)
        idx = np.array(idx)
        inside = np.all((idx >= 0) & (idx < np.array([e.size - 1 for e in self.edges_])[:, None]),
                        axis=0)
        return np.clip(idx, 0, None), inside

    def _logpdf(self, X):
        check_is_fitted(self, "edges_")
        idx, inside = self._index(X)
        dens = np.zeros(X.shape[0])
        dens[inside] = self.density_[tuple(i[inside] for i in idx)]
        with np.errstate(divide="ignore"):
            return np.log(dens)

    def _rvs(self, n, rng):
        check_is_fitted(self, "edges_")
        vol_p = (self.density_ / self.density_.sum()).ravel()
        flat = rng.choice(vol_p.size, size=n, p=vol_p / vol_p.sum())
        idx = np.unravel_index(flat, self.density_.shape)
        cols = [e[i] + rng.uniform(size=n) * (e[i + 1] - e[i]) for e, i in zip(self.edges_, idx)]
        return np.column_stack(cols)


class KernelDensity(Distribution):
    """Gaussian kernel density estimate with a bandwidth matrix h^2 Cov(X) (Scott's rule
    h = n^(-1/(d+4)) by default; Scott 1992).

    Examples
    --------
    >>> import numpy as np
    >>> k = KernelDensity().fit(np.random.default_rng(0).normal(size=(200, 1)))
    >>> bool(0.2 < k.pdf([[0.0]])[0] < 0.6)
    True
    """

    def __init__(self, bandwidth: Optional[float] = None):
        self.bandwidth = bandwidth

    @property
    def ndim(self):
        check_is_fitted(self, "data_")
        return self.data_.shape[1]

    def fit(self, X: Any) -> "KernelDensity":
        """Store the sample X (n, d) and the kernel's Cholesky factor."""
        X = check_array(X, "X", allow_1d=True, min_samples=2)
        n, d = X.shape
        h = n ** (-1.0 / (d + 4)) if self.bandwidth is None else _real(self.bandwidth,
                                                                        "bandwidth", True)
        cov = np.atleast_2d(np.cov(X, rowvar=False)) * h * h
        try:
            self.chol_ = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError("the sample covariance is singular; pass data that vary in every "
                             "dimension") from None
        self.data_ = X
        return self

    def _logpdf(self, X):
        check_is_fitted(self, "data_")
        L, D = self.chol_, self.data_
        n, d = D.shape
        Dz = np.linalg.solve(L, D.T).T
        Xz = np.linalg.solve(L, X.T).T
        const = -np.log(n) - np.sum(np.log(np.diag(L))) - 0.5 * d * np.log(2 * np.pi)
        out = np.empty(X.shape[0])
        step = max(1, 2_000_000 // max(n, 1))
        for s in range(0, X.shape[0], step):
            diff = Xz[s:s + step, None, :] - Dz[None, :, :]
            out[s:s + step] = special.logsumexp(-0.5 * np.sum(diff * diff, axis=2), axis=1)
        return out + const

    def _cdf(self, x):
        D = self.data_[:, 0]
        s = self.chol_[0, 0]
        return np.array([np.mean(stats.norm.cdf((xi - D) / s)) for xi in x])

    def _rvs(self, n, rng):
        check_is_fitted(self, "data_")
        i = rng.integers(0, self.data_.shape[0], n)
        return self.data_[i] + rng.standard_normal((n, self.data_.shape[1])) @ self.chol_.T
