"""Prior distributions for ABC: independent components, products and constrained priors.

Every prior has ``n_params``, ``param_names``, ``sample(n, random_state) -> (n, n_params)``,
``logpdf(theta) -> (n,)`` and ``support_contains(theta) -> (n,) bool``.  Sampling uses a
``numpy.random.Generator`` (or an int seed), so the same seed gives the same draws.

A :class:`Constrained` prior is the base prior conditioned on a constraint; it is sampled by
rejection from the base prior, which draws exactly from the conditioned distribution (no bias:
each accepted draw is an independent draw from the base density restricted to the constraint
set and renormalised).  :class:`MA2Triangle` is the uniform prior on the invertibility triangle of
an MA(2) process, sampled directly (a uniform point in a parallelogram, folded into the triangle).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Optional, Sequence, Tuple

import numpy as np
from .._validation import RandomState, as_float_array, check_random_state

__all__ = ["Prior", "Uniform", "Normal", "LogUniform", "Product", "Constrained", "MA2Triangle",
           "as_prior"]


def _vec(x: Any, name: str) -> np.ndarray:
    arr = np.atleast_1d(as_float_array(x, name))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a number or a 1-D array of numbers, got shape "
                         f"{np.shape(x)}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def _names(names: Optional[Sequence[str]], n: int, prefix: str = "theta") -> Tuple[str, ...]:
    if names is None:
        return (prefix,) if n == 1 else tuple(f"{prefix}{i}" for i in range(n))
    if isinstance(names, str):
        names = (names,)
    names = tuple(str(s) for s in names)
    if len(names) != n:
        raise ValueError(f"names must have {n} entries (one per parameter), got {len(names)}")
    return names


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    return int(n)


class Prior:
    """Base class: a distribution over θ of dimension ``n_params``."""

    param_names: Tuple[str, ...] = ()

    @property
    def n_params(self) -> int:
        """Number of parameters."""
        return len(self.param_names)

    def sample(self, n: int, random_state: RandomState = None) -> np.ndarray:
        """Draw ``n`` points, an array of shape (n, n_params)."""
        return self._sample(_check_n(n), check_random_state(random_state))

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _rows(self, theta: Any) -> np.ndarray:
        arr = as_float_array(theta, "theta")
        if arr.ndim == 0 or (arr.ndim == 1 and self.n_params > 1):
            arr = arr.reshape(1, -1)
        elif arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        if arr.ndim != 2 or arr.shape[1] != self.n_params:
            raise ValueError(f"theta must have {self.n_params} column(s), got shape "
                             f"{np.shape(theta)}")
        return arr

    def logpdf(self, theta: Any) -> np.ndarray:
        """Log density at rows of theta (-inf outside the support)."""
        return self._logpdf(self._rows(theta))

    def _logpdf(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def support_contains(self, theta: Any) -> np.ndarray:
        """Whether each row of theta has positive density."""
        return np.isfinite(self.logpdf(theta))

    def __mul__(self, other: "Prior") -> "Product":
        if not isinstance(other, Prior):
            return NotImplemented
        return Product(self, other)

    def _repr_html_(self) -> str:
        return f"<code>{self!r}</code>"


class Uniform(Prior):
    """Independent uniform distributions on [low, high] (vectors for several parameters).

    Examples
    --------
    >>> p = Uniform([0, -1], [1, 1], names=["a", "b"])
    >>> p.sample(3, random_state=0).shape
    (3, 2)
    >>> bool(p.logpdf([0.5, 0.0])[0] == -np.log(2.0))
    True
    """

    def __init__(self, low: Any, high: Any, names: Optional[Sequence[str]] = None):
        self.low, self.high = _vec(low, "low"), _vec(high, "high")
        self.low, self.high = np.broadcast_arrays(self.low, self.high)
        if not (self.low < self.high).all():
            raise ValueError(f"Uniform needs low < high, got low={self.low.tolist()}, "
                             f"high={self.high.tolist()}; swap reversed bounds")
        self.param_names = _names(names, self.low.size)

    def _sample(self, n, rng):
        return self.low + (self.high - self.low) * rng.random((n, self.low.size))

    def _logpdf(self, rows):
        inside = ((rows >= self.low) & (rows <= self.high)).all(axis=1)
        return np.where(inside, -np.log(self.high - self.low).sum(), -np.inf)

    def __repr__(self) -> str:
        return f"Uniform(low={self.low.tolist()}, high={self.high.tolist()})"


class Normal(Prior):
    """Independent normal distributions N(mean, std²).

    Examples
    --------
    >>> Normal(0.0, 2.0).sample(4, random_state=1).shape
    (4, 1)
    """

    def __init__(self, mean: Any, std: Any, names: Optional[Sequence[str]] = None):
        self.mean, self.std = np.broadcast_arrays(_vec(mean, "mean"), _vec(std, "std"))
        if not (self.std > 0).all():
            raise ValueError(f"std must be > 0, got {self.std.tolist()}")
        self.param_names = _names(names, self.mean.size)

    def _sample(self, n, rng):
        return self.mean + self.std * rng.standard_normal((n, self.mean.size))

    def _logpdf(self, rows):
        z = (rows - self.mean) / self.std
        return (-0.5 * z * z - np.log(self.std) - 0.5 * math.log(2 * math.pi)).sum(axis=1)

    def __repr__(self) -> str:
        return f"Normal(mean={self.mean.tolist()}, std={self.std.tolist()})"


class LogUniform(Prior):
    """log θ uniform on [log low, log high] (0 < low < high), density 1/(θ log(high/low)).

    Examples
    --------
    >>> x = LogUniform(1e-3, 1e3).sample(1000, random_state=0)
    >>> bool((x > 1e-3).all() and (x < 1e3).all())
    True
    """

    def __init__(self, low: Any, high: Any, names: Optional[Sequence[str]] = None):
        self.low, self.high = np.broadcast_arrays(_vec(low, "low"), _vec(high, "high"))
        if not ((self.low > 0).all() and (self.low < self.high).all()):
            raise ValueError(f"LogUniform needs 0 < low < high, got low={self.low.tolist()}, "
                             f"high={self.high.tolist()}")
        self.param_names = _names(names, self.low.size)

    def _sample(self, n, rng):
        lo, hi = np.log(self.low), np.log(self.high)
        return np.exp(lo + (hi - lo) * rng.random((n, self.low.size)))

    def _logpdf(self, rows):
        inside = ((rows >= self.low) & (rows <= self.high)).all(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = (-np.log(rows) - np.log(np.log(self.high / self.low))).sum(axis=1)
        return np.where(inside, lp, -np.inf)

    def __repr__(self) -> str:
        return f"LogUniform(low={self.low.tolist()}, high={self.high.tolist()})"


class Product(Prior):
    """Independent priors side by side (θ is their concatenation).

    Examples
    --------
    >>> p = Product(Normal(0, 1, names="mu"), LogUniform(0.1, 10, names="sigma"))
    >>> p.param_names
    ('mu', 'sigma')
    >>> p.sample(2, random_state=0).shape
    (2, 2)
    """

    def __init__(self, *priors: Prior):
        if not priors or not all(isinstance(p, Prior) for p in priors):
            raise TypeError("Product takes one or more Prior objects")
        flat = []
        for p in priors:
            flat.extend(p.priors if isinstance(p, Product) else [p])
        self.priors = tuple(flat)
        self.param_names = tuple(n for p in self.priors for n in p.param_names)
        if len(set(self.param_names)) != len(self.param_names):
            self.param_names = _names(None, len(self.param_names))

    def _sample(self, n, rng):
        return np.concatenate([p._sample(n, rng) for p in self.priors], axis=1)

    def _logpdf(self, rows):
        out, j = np.zeros(rows.shape[0]), 0
        for p in self.priors:
            out = out + p._logpdf(rows[:, j:j + p.n_params])
            j += p.n_params
        return out

    def __repr__(self) -> str:
        return "Product(" + ", ".join(repr(p) for p in self.priors) + ")"


class Constrained(Prior):
    """A prior conditioned on ``constraint(theta) -> bool array``, sampled by exact rejection.

    The density is the base density restricted to the constraint set and renormalised; the
    normalising constant (the base probability of the set) is estimated once from
    ``n_estimate`` draws for :meth:`logpdf` only.  Sampling draws from the base prior until
    enough points satisfy the constraint (at most ``max_tries`` rounds).

    Examples
    --------
    >>> p = Constrained(Uniform([-1, -1], [1, 1]), lambda t: (t ** 2).sum(axis=1) < 1)
    >>> x = p.sample(100, random_state=0)
    >>> bool(((x ** 2).sum(axis=1) < 1).all())
    True
    """

    def __init__(self, base: Prior, constraint: Callable[[np.ndarray], Any], *,
                 max_tries: int = 1000, n_estimate: int = 100_000):
        if not isinstance(base, Prior):
            raise TypeError("base must be a Prior")
        if not callable(constraint):
            raise TypeError("constraint must be a callable theta (n, p) -> bool array (n,)")
        self.base, self.constraint = base, constraint
        self.max_tries, self.n_estimate = int(max_tries), int(n_estimate)
        self.param_names = base.param_names
        self._log_mass: Optional[float] = None

    def _ok(self, rows: np.ndarray) -> np.ndarray:
        ok = np.asarray(self.constraint(rows))
        if ok.shape != (rows.shape[0],):
            raise ValueError(f"constraint must return a bool array of shape ({rows.shape[0]},), "
                             f"got shape {ok.shape}")
        return ok.astype(bool)

    def _sample(self, n, rng):
        parts, got = [], 0
        for _ in range(self.max_tries):
            if got >= n:
                break
            draw = self.base._sample(max(2 * (n - got), 16), rng)
            keep = draw[self._ok(draw)]
            parts.append(keep)
            got += keep.shape[0]
        if got < n:
            raise ValueError("Constrained prior: the constraint accepted too few base draws; "
                             "check that it is satisfiable under the base prior")
        return np.concatenate(parts)[:n] if parts else np.empty((0, self.n_params))

    def _logpdf(self, rows):
        if self._log_mass is None:
            draw = self.base._sample(self.n_estimate, np.random.default_rng(0))
            self._log_mass = math.log(max(self._ok(draw).mean(), 1.0 / self.n_estimate))
        lp = self.base._logpdf(rows) - self._log_mass
        return np.where(self._ok(rows), lp, -np.inf)

    def __repr__(self) -> str:
        return f"Constrained({self.base!r}, {getattr(self.constraint, '__name__', 'constraint')})"


class MA2Triangle(Prior):
    """Uniform prior on the MA(2) invertibility triangle -2 < θ1 < 2, θ1 + θ2 > -1, θ1 - θ2 < 1.

    The triangle has vertices (-2, 1), (2, 1), (0, -1) and area 4.  A point is drawn exactly:
    (u, v) uniform on the unit square; if u + v > 1 it is reflected to (1 - u, 1 - v), which is a
    uniform point of the lower-left half; it is mapped affinely to the triangle.

    Examples
    --------
    >>> t = MA2Triangle().sample(1000, random_state=0)
    >>> bool(((t[:, 1] > np.abs(t[:, 0]) - 1) & (t[:, 1] < 1)).all())
    True
    """

    param_names = ("t1", "t2")

    def __init__(self, names: Optional[Sequence[str]] = None):
        self.param_names = _names(names, 2) if names is not None else ("t1", "t2")

    def _sample(self, n, rng):
        u = rng.random((n, 2))
        a, b = u[:, 0], u[:, 1]
        # vertices A=(0,-1), B=(2,1), C=(-2,1): A + u (B - A) + v (C - A) = (2(u - v),
        # -1 + 2(u + v)); the reflection (1 - u, 1 - v) of a point with s = u + v > 1 negates
        # u - v and maps s to 2 - s, so t2 = 1 - 2|1 - s| either way.  Written with whole-array
        # operations (no boolean indexing): ~4x faster, and the prior is sampled for every
        # simulation of a rejection run.
        s = a + b
        out = np.empty((n, 2))
        d = a - b
        np.multiply(np.where(s > 1.0, -d, d), 2.0, out=out[:, 0])
        np.subtract(1.0, s, out=s)
        np.abs(s, out=s)
        np.multiply(s, -2.0, out=s)
        np.add(s, 1.0, out=out[:, 1])
        return out

    def _logpdf(self, rows):
        t1, t2 = rows[:, 0], rows[:, 1]
        inside = (t2 > np.abs(t1) - 1.0) & (t2 < 1.0)
        return np.where(inside, -math.log(4.0), -np.inf)

    def __repr__(self) -> str:
        return "MA2Triangle()"


def as_prior(prior: Any) -> Prior:
    """Check that ``prior`` is a :class:`Prior` (or a scipy frozen distribution, wrapped).

    Examples
    --------
    >>> as_prior(Uniform(0, 1)).n_params
    1
    """
    if isinstance(prior, Prior):
        return prior
    if hasattr(prior, "rvs") and hasattr(prior, "logpdf"):
        return _ScipyPrior(prior)
    raise TypeError("prior must be an activesci.abc.priors.Prior (Uniform, Normal, LogUniform, "
                    f"Product, Constrained, MA2Triangle) or a frozen scipy.stats distribution, "
                    f"got {type(prior).__name__}")


class _ScipyPrior(Prior):
    def __init__(self, dist):
        self.dist = dist
        probe = np.atleast_1d(dist.rvs(random_state=np.random.default_rng(0)))
        self.param_names = _names(None, probe.size)

    def _sample(self, n, rng):
        return np.asarray(self.dist.rvs(size=n, random_state=rng), float).reshape(n, -1)

    def _logpdf(self, rows):
        lp = np.asarray(self.dist.logpdf(rows if self.n_params > 1 else rows[:, 0]), float)
        return lp.reshape(rows.shape[0], -1).sum(axis=1)

    def __repr__(self) -> str:
        return f"ScipyPrior({self.dist!r})"

