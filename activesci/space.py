"""Search spaces for Bayesian optimization (scikit-optimize's names and shapes).

A :class:`Space` is a list of dimensions: :class:`Real`, :class:`Integer` or
:class:`Categorical`. Points are plain Python lists, one entry per dimension. The optimizer
works in the *transformed* space: every real or integer dimension is mapped to [0, 1]
(linearly, or linearly in log for ``prior="log-uniform"``), and a categorical dimension with
``k`` categories becomes ``k`` one-hot columns, so the model sees the unit cube.

Shorthand as in scikit-optimize: a tuple ``(low, high)`` of two ints is an :class:`Integer`,
of floats a :class:`Real`; ``(low, high, "log-uniform")`` sets the prior; a list of anything
else is a :class:`Categorical`.

Examples
--------
>>> from activesci.space import Space, Real, Integer, Categorical
>>> space = Space([Real(1e-3, 1.0, prior="log-uniform", name="lr"), Integer(1, 5, name="k"),
...                ["relu", "tanh"]])
>>> space.n_dims, space.transformed_n_dims
(3, 4)
>>> space.transform([[0.01, 3, "tanh"]]).round(3).tolist()
[[0.333, 0.5, 0.0, 1.0]]
>>> space.inverse_transform([[1.0, 0.5, 0.0, 1.0]])
[[1.0, 3, 'tanh']]
"""
from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from ._validation import RandomState, check_random_state

__all__ = ["Dimension", "Real", "Integer", "Categorical", "Space", "check_dimension",
           "use_named_args"]

_PRIORS = ("uniform", "log-uniform")


def _check_transform(transform, name):
    if transform not in (None, "normalize"):
        raise ValueError(f"{name}: transform must be None or 'normalize' (the unit cube), got "
                         f"{transform!r}")
    return "normalize"


class Dimension:
    """Base class of the dimensions of a :class:`Space`."""

    name: Optional[str] = None

    @property
    def transformed_size(self) -> int:
        return 1

    def _label(self, index: Optional[int] = None) -> str:
        if self.name is not None:
            return f"dimension {self.name!r}"
        return "dimension" if index is None else f"dimension {index}"

    def rvs(self, n_samples: int = 1, random_state: RandomState = None) -> list:
        """``n_samples`` random values drawn from the prior.

        Examples
        --------
        >>> len(Real(0, 1).rvs(5, random_state=0))
        5
        """
        rng = check_random_state(random_state)
        return self.from_unit(rng.uniform(0.0, 1.0, n_samples))


class _Range(Dimension):
    """What Real and Integer share: bounds, prior, the transform to [0, 1], repr, equality."""

    def _set_range(self, low, high, cast, prior: str, base, check_base: bool,
                   transform: Optional[str], dtype, label: str) -> None:
        """Check the bounds, the prior (and the base if check_base), then store them, the
        bounds as cast(low), cast(high)."""
        if not low < high:
            raise ValueError(f"{label}: low must be < high, got low={low}, high={high}; swap "
                             "or widen the bounds")
        if prior not in _PRIORS:
            raise ValueError(f"{label}: prior must be 'uniform' or 'log-uniform', got {prior!r}")
        if prior == "log-uniform" and low <= 0:
            raise ValueError(f"{label}: the log-uniform prior needs low > 0, got low={low}")
        if check_base and not (isinstance(base, numbers.Real) and base > 0 and base != 1):
            raise ValueError(f"{label}: base must be a positive number other than 1, got "
                             f"{base!r}")
        self.low, self.high = cast(low), cast(high)
        self.prior, self.base = prior, base
        self.transform_ = _check_transform(transform, label)
        self.dtype = dtype
        self._log = prior == "log-uniform"
        self._a = math.log(self.low) if self._log else float(self.low)
        self._b = math.log(self.high) if self._log else float(self.high)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(low={self.low}, high={self.high}, "
                f"prior={self.prior!r}, name={self.name!r})")

    def __eq__(self, other) -> bool:
        return (type(other) is type(self) and (self.low, self.high, self.prior, self.name)
                == (other.low, other.high, other.prior, other.name))

    @property
    def bounds(self):
        return (self.low, self.high)

    def transform(self, values) -> np.ndarray:
        """Values to [0, 1]."""
        v = np.asarray(values, dtype=float)
        t = np.log(v) if self._log else v
        return (t - self._a) / (self._b - self._a)

    def _to_dict(self) -> Dict[str, Any]:
        return {"type": type(self).__name__, "low": self.low, "high": self.high,
                "prior": self.prior, "base": self.base, "name": self.name}


class Real(_Range):
    """A real interval [low, high].

    Parameters
    ----------
    low, high : float
        Bounds, ``low < high`` (both > 0 for the log-uniform prior).
    prior : {"uniform", "log-uniform"}, default="uniform"
    base : float, default=10
        Base of the logarithm for the log-uniform prior (the transform does not depend on it).
    transform : None or "normalize"
        The transformed space is always the unit interval.
    name : str, optional
    dtype : type, default=float

    Examples
    --------
    >>> Real(1e-4, 1e-1, prior="log-uniform").transform([1e-3]).round(6).tolist()
    [0.333333]
    """

    def __init__(self, low: float, high: float, prior: str = "uniform", base: float = 10,
                 transform: Optional[str] = None, name: Optional[str] = None, dtype=float):
        self.name = name
        label = self._label()
        for v, what in ((low, "low"), (high, "high")):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ValueError(f"{label}: {what} must be a finite real number, got {v!r}")
        self._set_range(low, high, float, prior, base, True, transform, dtype, label)

    def contains(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        return self.low <= float(value) <= self.high

    def from_unit(self, u: np.ndarray) -> list:
        """Map uniforms on [0, 1] to values (the inverse CDF of the prior)."""
        t = self._a + np.asarray(u, dtype=float) * (self._b - self._a)
        v = np.clip(np.exp(t) if self._log else t, self.low, self.high)
        return [float(x) for x in v]

    def inverse_transform(self, u) -> list:
        """[0, 1] to values (clipped to the bounds)."""
        return self.from_unit(np.clip(np.asarray(u, dtype=float), 0.0, 1.0))


class Integer(_Range):
    """An integer range ``low, low + 1, ..., high`` (inclusive).

    The transform maps ``low`` to 0 and ``high`` to 1 (in log for the log-uniform prior); the
    inverse rounds to the nearest integer.

    Examples
    --------
    >>> Integer(1, 5).inverse_transform([0.0, 0.49, 1.0])
    [1, 3, 5]
    """

    def __init__(self, low: int, high: int, prior: str = "uniform", base: float = 10,
                 transform: Optional[str] = None, name: Optional[str] = None, dtype=int):
        self.name = name
        label = self._label()
        for v, what in ((low, "low"), (high, "high")):
            if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)):
                if not (isinstance(v, numbers.Real) and math.isfinite(v) and float(v).is_integer()):
                    raise ValueError(f"{label}: {what} must be an integer, got {v!r}")
        self._set_range(low, high, int, prior, base, False, transform, dtype, label)

    def contains(self, value) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, (numbers.Integral, np.integer)):
            return self.low <= int(value) <= self.high
        if isinstance(value, numbers.Real) and float(value).is_integer():
            return self.low <= float(value) <= self.high
        return False

    def from_unit(self, u) -> list:
        u = np.asarray(u, dtype=float)
        if self._log:  # log-uniform over [low, high], then rounded
            v = np.rint(np.exp(self._a + u * (self._b - self._a)))
        else:  # each integer gets an equal share of [0, 1]
            v = np.floor(self.low + u * (self.high - self.low + 1))
        return [int(x) for x in np.clip(v, self.low, self.high)]

    def inverse_transform(self, u) -> list:
        t = self._a + np.clip(np.asarray(u, dtype=float), 0.0, 1.0) * (self._b - self._a)
        v = np.rint(np.exp(t) if self._log else t)
        return [int(x) for x in np.clip(v, self.low, self.high)]


class Categorical(Dimension):
    """A finite set of categories, one-hot encoded in the transformed space.

    Parameters
    ----------
    categories : sequence
        At least one category; categories must be distinct.
    prior : sequence of float, optional
        Sampling probabilities (uniform by default).
    name : str, optional

    Examples
    --------
    >>> Categorical(["a", "b", "c"]).transform(["b"]).tolist()
    [[0.0, 1.0, 0.0]]
    """

    def __init__(self, categories: Sequence, prior: Optional[Sequence[float]] = None,
                 transform: Optional[str] = None, name: Optional[str] = None):
        self.name = name
        label = self._label()
        categories = tuple(categories)
        if len(categories) == 0:
            raise ValueError(f"{label}: categories must not be empty")
        if len(set(map(repr, categories))) != len(categories):
            raise ValueError(f"{label}: categories must be distinct, got {categories!r}")
        self.categories = categories
        if prior is None:
            self.prior = None
            self._p = np.full(len(categories), 1.0 / len(categories))
        else:
            p = np.asarray(prior, dtype=float)
            if p.shape != (len(categories),) or not np.all(np.isfinite(p)) or np.any(p < 0) \
                    or not np.isclose(p.sum(), 1.0):
                raise ValueError(f"{label}: prior must hold one probability per category, "
                                 f"summing to 1; got {prior!r}")
            self.prior = tuple(float(x) for x in p)
            self._p = p
        self.transform_ = _check_transform(transform, label)
        self._cdf = np.cumsum(self._p)
        self._index = {repr(c): i for i, c in enumerate(categories)}

    def __repr__(self) -> str:
        return f"Categorical(categories={self.categories!r}, name={self.name!r})"

    def __eq__(self, other) -> bool:
        return (type(other) is Categorical and self.categories == other.categories
                and self.name == other.name)

    @property
    def bounds(self):
        return self.categories

    @property
    def transformed_size(self) -> int:
        return len(self.categories)

    def contains(self, value) -> bool:
        return repr(value) in self._index and value == self.categories[self._index[repr(value)]]

    def from_unit(self, u) -> list:
        idx = np.searchsorted(self._cdf, np.asarray(u, dtype=float) * self._cdf[-1],
                              side="right")
        idx = np.minimum(idx, len(self.categories) - 1)
        return [self.categories[i] for i in idx]

    def transform(self, values) -> np.ndarray:
        idx = [self._index[repr(v)] for v in values]
        out = np.zeros((len(idx), len(self.categories)))
        out[np.arange(len(idx)), idx] = 1.0
        return out

    def inverse_transform(self, u) -> list:
        u = np.asarray(u, dtype=float).reshape(-1, len(self.categories))
        return [self.categories[i] for i in np.argmax(u, axis=1)]

    def _to_dict(self) -> Dict[str, Any]:
        return {"type": "Categorical", "categories": list(self.categories),
                "prior": None if self.prior is None else list(self.prior), "name": self.name}


def check_dimension(dimension, index: Optional[int] = None) -> Dimension:
    """Turn scikit-optimize's shorthand into a :class:`Dimension`.

    ``(low, high)`` of ints: :class:`Integer`; of reals: :class:`Real`;
    ``(low, high, prior)``: with that prior; a list (or a tuple of more than three entries, or
    of strings): :class:`Categorical`.

    Examples
    --------
    >>> check_dimension((0, 1.5))
    Real(low=0.0, high=1.5, prior='uniform', name=None)
    >>> check_dimension((1, 4))
    Integer(low=1, high=4, prior='uniform', name=None)
    """
    if isinstance(dimension, Dimension):
        return dimension
    where = "dimension" if index is None else f"dimension {index}"
    if isinstance(dimension, np.ndarray):
        dimension = dimension.tolist()
    if isinstance(dimension, list):
        return Categorical(dimension)
    if isinstance(dimension, tuple):
        nums = all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                   for v in dimension[:2])
        if len(dimension) in (2, 3) and nums and (
                len(dimension) == 2 or isinstance(dimension[2], str) and dimension[2] in _PRIORS):
            prior = dimension[2] if len(dimension) == 3 else "uniform"
            lo, hi = dimension[0], dimension[1]
            try:
                if all(isinstance(v, (numbers.Integral, np.integer)) for v in (lo, hi)):
                    return Integer(lo, hi, prior=prior)
                return Real(lo, hi, prior=prior)
            except ValueError as exc:
                raise ValueError(f"{where}: {str(exc).split(': ', 1)[-1]}") from None
        if len(dimension) == 0:
            raise ValueError(f"{where}: categories must not be empty")
        return Categorical(dimension)
    raise ValueError(f"{where}: expected a Dimension, a (low, high[, prior]) tuple or a list "
                     f"of categories, got {dimension!r}")


class Space:
    """A search space: a list of dimensions.

    Parameters
    ----------
    dimensions : sequence
        :class:`Dimension` instances or their shorthand (see :func:`check_dimension`).

    Examples
    --------
    >>> space = Space([(-5.0, 10.0), (0.0, 15.0)])
    >>> space.bounds
    [(-5.0, 10.0), (0.0, 15.0)]
    >>> len(space.rvs(3, random_state=0))
    3
    """

    def __init__(self, dimensions):
        if isinstance(dimensions, Space):
            dimensions = dimensions.dimensions
        dims = list(dimensions)
        if not dims:
            raise ValueError("dimensions must hold at least one dimension")
        out = []
        for i, d in enumerate(dims):
            try:
                dim = check_dimension(d, i)
            except ValueError as exc:
                msg = str(exc)
                if msg.startswith("dimension:"):
                    msg = f"dimension {i}:" + msg[len("dimension:"):]
                elif not msg.startswith("dimension"):
                    msg = f"dimension {i}: {msg}"
                raise ValueError(msg) from None
            out.append(dim)
        self.dimensions: List[Dimension] = out
        names = [d.name for d in out if d.name is not None]
        if len(set(names)) != len(names):
            raise ValueError(f"dimension names must be distinct, got {names}")
        self._slices = []
        start = 0
        for d in out:
            self._slices.append(slice(start, start + d.transformed_size))
            start += d.transformed_size
        self.transformed_n_dims = start

    def __repr__(self) -> str:
        return "Space([" + ", ".join(repr(d) for d in self.dimensions) + "])"

    def __eq__(self, other) -> bool:
        return isinstance(other, Space) and self.dimensions == other.dimensions

    def __len__(self) -> int:
        return len(self.dimensions)

    def __iter__(self):
        return iter(self.dimensions)

    @property
    def n_dims(self) -> int:
        return len(self.dimensions)

    @property
    def bounds(self) -> list:
        return [d.bounds for d in self.dimensions]

    @property
    def transformed_bounds(self) -> list:
        return [(0.0, 1.0)] * self.transformed_n_dims

    @property
    def dimension_names(self) -> List[str]:
        return [d.name if d.name is not None else f"X_{i}" for i, d in enumerate(self.dimensions)]

    @property
    def is_real(self) -> bool:
        return all(isinstance(d, Real) for d in self.dimensions)

    @property
    def is_categorical(self) -> bool:
        return all(isinstance(d, Categorical) for d in self.dimensions)

    def continuous_mask(self) -> np.ndarray:
        """Transformed columns that a gradient method may move (those of Real dimensions)."""
        mask = np.zeros(self.transformed_n_dims, dtype=bool)
        for d, s in zip(self.dimensions, self._slices):
            mask[s] = isinstance(d, Real)
        return mask

    def from_unit(self, U: np.ndarray) -> list:
        """Points from uniforms in [0, 1]^n_dims (one column per dimension, each mapped by its
        prior's inverse CDF): how random and quasi-random designs become points."""
        U = np.asarray(U, dtype=float).reshape(-1, self.n_dims)
        cols = [d.from_unit(U[:, j]) for j, d in enumerate(self.dimensions)]
        return [list(row) for row in zip(*cols)]

    def rvs(self, n_samples: int = 1, random_state: RandomState = None) -> list:
        """``n_samples`` random points (lists) drawn from the priors.

        Examples
        --------
        >>> Space([(0, 3), ["a", "b"]]).rvs(2, random_state=1)  # doctest: +SKIP
        [[2, 'a'], [0, 'b']]
        """
        rng = check_random_state(random_state)
        return self.from_unit(rng.uniform(0.0, 1.0, (n_samples, self.n_dims)))

    def transform(self, X) -> np.ndarray:
        """Points (a list of lists) to the transformed unit cube, shape (n, transformed_n_dims).
        """
        X = [list(x) for x in X]
        out = np.empty((len(X), self.transformed_n_dims))
        for j, (d, s) in enumerate(zip(self.dimensions, self._slices)):
            col = [x[j] for x in X]
            out[:, s] = np.asarray(d.transform(col), dtype=float).reshape(len(X), -1)
        return out

    def inverse_transform(self, Xt) -> list:
        """Transformed rows back to points (integers rounded, categories by argmax)."""
        Xt = np.asarray(Xt, dtype=float).reshape(-1, self.transformed_n_dims)
        cols = [d.inverse_transform(Xt[:, s] if s.stop - s.start > 1 else Xt[:, s.start])
                for d, s in zip(self.dimensions, self._slices)]
        return [list(row) for row in zip(*cols)]

    def check_point(self, x, name: str = "x") -> list:
        """Validate one point: its length and each value against its dimension.

        Returns the point as a list with NumPy scalars turned into Python ones.
        """
        if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
            raise ValueError(f"{name} must be a list with one value per dimension "
                             f"({self.n_dims}), got {x!r}")
        x = [v.item() if isinstance(v, np.generic) else v for v in list(x)]
        if len(x) != self.n_dims:
            raise ValueError(f"{name} has {len(x)} values but the space has {self.n_dims} "
                             f"dimensions")
        for i, (v, d) in enumerate(zip(x, self.dimensions)):
            if not d.contains(v):
                raise ValueError(f"{name}[{i}] = {v!r} is outside {d._label(i)} "
                                 f"({d.bounds if not isinstance(d, Categorical) else d.categories});"
                                 " give a value inside the space")
        return [int(v) if isinstance(d, Integer) else float(v) if isinstance(d, Real) else v
                for v, d in zip(x, self.dimensions)]

    def to_dict(self) -> List[Dict[str, Any]]:
        """A JSON-ready description (used by :mod:`activesci.persistence`)."""
        return [d._to_dict() for d in self.dimensions]

    @classmethod
    def from_dict(cls, items: List[Dict[str, Any]]) -> "Space":
        dims = []
        for it in items:
            it = dict(it)
            kind = it.pop("type")
            if kind == "Real":
                dims.append(Real(it["low"], it["high"], prior=it["prior"], base=it["base"],
                                 name=it["name"]))
            elif kind == "Integer":
                dims.append(Integer(it["low"], it["high"], prior=it["prior"], base=it["base"],
                                    name=it["name"]))
            elif kind == "Categorical":
                dims.append(Categorical(it["categories"], prior=it["prior"], name=it["name"]))
            else:
                raise ValueError(f"unknown dimension type {kind!r}")
        return cls(dims)


def use_named_args(dimensions) -> Callable:
    """Decorator: call ``func(**{name: value})`` with a point given as a list.

    Examples
    --------
    >>> dims = [Real(0, 1, name="a"), Integer(1, 3, name="b")]
    >>> @use_named_args(dims)
    ... def f(a, b):
    ...     return a * b
    >>> f([0.5, 2])
    1.0
    """
    dims = Space(dimensions).dimensions
    if any(d.name is None for d in dims):
        raise ValueError("use_named_args needs every dimension to have a name")
    names = [d.name for d in dims]

    def decorator(func):
        @functools.wraps(func)
        def wrapper(x):
            if len(x) != len(names):
                raise ValueError(f"expected {len(names)} values ({names}), got {len(x)}")
            return func(**dict(zip(names, x)))
        return wrapper
    return decorator
