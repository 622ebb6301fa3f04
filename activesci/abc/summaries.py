"""Summary statistics of simulated data sets, computed row by row (one data set per row).

Built-ins run in C (``csrc/abc.c``) and can be fused with the built-in simulators so a data set
is summarised while it is still in cache and never stored:

* :class:`Mean`, :class:`Variance` (``ddof=1``)
* :class:`Autocov`: γ̂(k) = (1/n) Σ_{t<n-k} (x_t - m)(x_{t+k} - m), m the row mean
  (``center=True``) or 0, the usual biased estimator (Brockwell & Davis, *Time Series: Theory
  and Methods*, 1991, section 7.2)
* :class:`Quantiles`: linear interpolation between order statistics (Hyndman & Fan 1996
  definition 7, NumPy's default)
* :class:`Histogram`: counts in bins with given edges (the last bin closed, as ``np.histogram``)

Combine them with :class:`Summaries` (or a list).  Any callable ``x -> (n_rows, k)`` works too.

Examples
--------
>>> x = np.arange(12.0).reshape(2, 6)
>>> Summaries([Mean(), Variance()])(x)
array([[2.5, 3.5],
       [8.5, 3.5]])
"""
from __future__ import annotations

from typing import Any, Callable, List, Sequence, Tuple

import numpy as np

from .._validation import as_float_array

__all__ = ["Summary", "Mean", "Variance", "Autocov", "Quantiles", "Histogram", "Summaries",
           "as_summary"]

# kinds understood by the C core (csrc/abc.h, AS_ABC_SUM_*)
_MEAN, _VAR, _AUTOCOV, _AUTOCOV_RAW, _QUANTILE, _HIST, _IDENTITY = range(7)


def _rows(x: Any) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    return arr.reshape(arr.shape[0], -1)


def _c_core():
    try:
        from .. import _core
    except ImportError:  # pragma: no cover - the extension is always built
        return None
    return _core if hasattr(_core, "abc_summarize") else None


class Summary:
    """Base class of built-in summaries: ``summary(x) -> (n_rows, size(n_obs))``."""

    kind: int = -1

    def params(self) -> np.ndarray:
        return np.empty(0)

    def size(self, n_obs: int) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _c_items(self) -> List[Tuple[int, np.ndarray]]:
        return [(self.kind, np.ascontiguousarray(self.params(), dtype=float))]

    def _numpy(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, x: Any) -> np.ndarray:
        rows = _rows(x)
        core = _c_core()
        if core is not None:
            return core.abc_summarize(self._c_items(), rows)
        return self._numpy(rows)

    def _repr_html_(self) -> str:
        return f"<code>{self!r}</code>"


class Mean(Summary):
    """Row mean.

    Examples
    --------
    >>> Mean()([[1.0, 2.0, 6.0]])
    array([[3.]])
    """

    kind = _MEAN

    def size(self, n_obs):
        return 1

    def _numpy(self, x):
        return x.mean(axis=1, keepdims=True)

    def __repr__(self):
        return "Mean()"


class Variance(Summary):
    """Row variance with ``ddof=1``.

    Examples
    --------
    >>> Variance()([[1.0, 2.0, 3.0]])
    array([[1.]])
    """

    kind = _VAR

    def size(self, n_obs):
        return 1

    def _numpy(self, x):
        return x.var(axis=1, ddof=1, keepdims=True)

    def __repr__(self):
        return "Variance()"


class Autocov(Summary):
    """Autocovariances at the given lags (lag 0 is the biased variance).

    Examples
    --------
    >>> Autocov([1, 2], center=False)([[1.0, 2.0, 3.0, 4.0]])
    array([[5.  , 2.75]])
    """

    def __init__(self, lags: Sequence[int] = (1, 2), center: bool = True):
        lags_arr = np.atleast_1d(np.asarray(lags))
        if lags_arr.ndim != 1 or lags_arr.size == 0 or lags_arr.dtype.kind not in "iu" or (
                lags_arr < 0).any():
            raise ValueError(f"lags must be non-negative integers, got {lags!r}")
        self.lags = tuple(int(v) for v in lags_arr)
        self.center = bool(center)

    @property
    def kind(self):
        return _AUTOCOV if self.center else _AUTOCOV_RAW

    def params(self):
        return np.asarray(self.lags, dtype=float)

    def size(self, n_obs):
        return len(self.lags)

    def _numpy(self, x):
        n = x.shape[1]
        if max(self.lags) >= n:
            raise ValueError(f"Autocov lags must be < the number of observations ({n}), got "
                             f"{max(self.lags)}")
        xc = x - x.mean(axis=1, keepdims=True) if self.center else x
        return np.column_stack([(xc[:, k:] * xc[:, :n - k]).sum(axis=1) / n
                                for k in self.lags])

    def __repr__(self):
        return f"Autocov(lags={list(self.lags)}, center={self.center})"


class Quantiles(Summary):
    """Row quantiles at probabilities in [0, 1] (NumPy's default linear interpolation).

    Examples
    --------
    >>> Quantiles([0.0, 0.5, 1.0])([[3.0, 1.0, 2.0, 4.0]])
    array([[1. , 2.5, 4. ]])
    """

    kind = _QUANTILE

    def __init__(self, probs: Sequence[float] = (0.25, 0.5, 0.75)):
        p = np.atleast_1d(as_float_array(probs, "probs"))
        if p.ndim != 1 or p.size == 0 or not ((p >= 0) & (p <= 1)).all():
            raise ValueError(f"probs must be numbers in [0, 1], got {probs!r}")
        self.probs = tuple(float(v) for v in p)

    def params(self):
        return np.asarray(self.probs)

    def size(self, n_obs):
        return len(self.probs)

    def _numpy(self, x):
        return np.quantile(x, self.probs, axis=1).T

    def __repr__(self):
        return f"Quantiles(probs={list(self.probs)})"


class Histogram(Summary):
    """Counts of each row's values in the bins ``edges[i] <= x < edges[i+1]`` (last bin closed).

    Values outside [edges[0], edges[-1]] are not counted.

    Examples
    --------
    >>> Histogram([0.0, 1.0, 2.0])([[0.5, 1.0, 2.0, 3.0]])
    array([[1., 2.]])
    """

    kind = _HIST

    def __init__(self, edges: Sequence[float]):
        e = np.atleast_1d(as_float_array(edges, "edges"))
        if e.ndim != 1 or e.size < 2 or not np.isfinite(e).all() or not (np.diff(e) > 0).all():
            raise ValueError(f"edges must be >= 2 finite, strictly increasing numbers, got "
                             f"{edges!r}")
        self.edges = tuple(float(v) for v in e)

    def params(self):
        return np.asarray(self.edges)

    def size(self, n_obs):
        return len(self.edges) - 1

    def _numpy(self, x):
        return np.stack([np.histogram(r, bins=self.edges)[0] for r in x]).astype(float)

    def __repr__(self):
        return f"Histogram(edges={list(self.edges)})"


class Summaries(Summary):
    """Several built-in summaries side by side.

    Examples
    --------
    >>> s = Summaries([Mean(), Autocov([1])])
    >>> s.size(10)
    2
    """

    def __init__(self, parts: Sequence[Summary]):
        parts = list(parts)
        if not parts or not all(isinstance(p, Summary) for p in parts):
            raise TypeError("Summaries takes a non-empty list of built-in Summary objects")
        flat: List[Summary] = []
        for p in parts:
            flat.extend(p.parts if isinstance(p, Summaries) else [p])
        self.parts = flat

    def size(self, n_obs):
        return sum(p.size(n_obs) for p in self.parts)

    def _c_items(self):
        return [item for p in self.parts for item in p._c_items()]

    def _numpy(self, x):
        return np.concatenate([p._numpy(x) for p in self.parts], axis=1)

    def __repr__(self):
        return f"Summaries({self.parts!r})"


class _Identity(Summary):
    """The data themselves, flattened per row."""

    kind = _IDENTITY

    def size(self, n_obs):
        return n_obs

    def _numpy(self, x):
        return x

    def __call__(self, x):
        return _rows(x)

    def __repr__(self):
        return "Identity()"


class _CallableSummary:
    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, x):
        out = np.asarray(self.fn(x), dtype=float)
        n = np.shape(x)[0] if np.ndim(x) else 1
        if out.ndim == 1 and out.shape[0] == n:
            out = out[:, None]
        if out.ndim != 2 or out.shape[0] != n:
            raise ValueError(f"summary must return an array of shape (n_rows, n_summaries) = "
                             f"({n}, k), got shape {out.shape}")
        return out

    def __repr__(self):
        return getattr(self.fn, "__name__", repr(self.fn))


def as_summary(summary: Any) -> Any:
    """Normalise the ``summary`` argument: None (identity), a Summary, a list, or a callable.

    Examples
    --------
    >>> as_summary([Mean(), Variance()])
    Summaries([Mean(), Variance()])
    """
    if summary is None:
        return _Identity()
    if isinstance(summary, Summary):
        return summary
    if isinstance(summary, (list, tuple)):
        return Summaries(summary)
    if callable(summary):
        return _CallableSummary(summary)
    raise TypeError("summary must be None, a Summary (Mean(), Autocov(...), ...), a list of "
                    f"them, or a callable x -> (n_rows, k), got {type(summary).__name__}")
