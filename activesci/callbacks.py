"""Callbacks for :func:`activesci.optimizer.minimize` (scikit-optimize's names).

A callback is called with the :class:`~activesci.optimizer.OptimizeResult` after every
evaluation; returning True stops the run.

Examples
--------
>>> from activesci.optimizer import minimize
>>> from activesci.callbacks import DeltaYStopper
>>> res = minimize(lambda x: round(x[0] ** 2, 1), [(-1.0, 1.0)], n_calls=30,
...                n_initial_points=4, random_state=0, callback=DeltaYStopper(0.05, n_best=3))
>>> len(res.func_vals) < 30
True
"""
from __future__ import annotations

import os
import sys
import time
from typing import Optional

import numpy as np

from .persistence import dump

__all__ = ["DeltaXStopper", "DeltaYStopper", "DeadlineStopper", "CheckpointSaver",
           "VerboseCallback", "EarlyStopper"]


class EarlyStopper:
    """Base class: ``__call__`` returns True to stop; subclasses implement ``_criterion``."""

    def __call__(self, result) -> bool:
        return bool(self._criterion(result))

    def _criterion(self, result) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


class DeltaXStopper(EarlyStopper):
    """Stop when the last two evaluated points are closer than ``delta`` (Euclidean distance
    in the transformed unit cube, so dimensions of any scale and type are comparable).

    Examples
    --------
    >>> from activesci.optimizer import OptimizeResult
    >>> from activesci.space import Space
    >>> r = OptimizeResult(x_iters=[[0.0], [0.5], [0.5001]], space=Space([(0.0, 1.0)]))
    >>> DeltaXStopper(1e-3)(r)
    True
    """

    def __init__(self, delta: float):
        if not delta > 0:
            raise ValueError(f"delta must be > 0, got {delta}")
        self.delta = float(delta)

    def _criterion(self, result) -> bool:
        if len(result.x_iters) < 2:
            return False
        a, b = result.space.transform(result.x_iters[-2:])
        return float(np.linalg.norm(a - b)) < self.delta


class DeltaYStopper(EarlyStopper):
    """Stop when the ``n_best`` best values found differ by less than ``delta``.

    Examples
    --------
    >>> from activesci.optimizer import OptimizeResult
    >>> DeltaYStopper(0.1, n_best=3)(OptimizeResult(func_vals=np.array([5.0, 1.0, 1.05, 1.02])))
    True
    """

    def __init__(self, delta: float, n_best: int = 5):
        if not delta > 0:
            raise ValueError(f"delta must be > 0, got {delta}")
        if int(n_best) < 2:
            raise ValueError(f"n_best must be >= 2, got {n_best}")
        self.delta = float(delta)
        self.n_best = int(n_best)

    def _criterion(self, result) -> bool:
        vals = np.sort(np.asarray(result.func_vals, dtype=float))
        if len(vals) < self.n_best:
            return False
        return float(vals[self.n_best - 1] - vals[0]) < self.delta


class DeadlineStopper(EarlyStopper):
    """Stop when the next call would likely exceed ``total_time`` seconds since the first
    call of the callback (judged from the longest interval between calls so far).

    Examples
    --------
    >>> DeadlineStopper(0.0)(None)
    True
    """

    def __init__(self, total_time: float):
        if not total_time >= 0:
            raise ValueError(f"total_time must be >= 0, got {total_time}")
        self.total_time = float(total_time)
        self._start: Optional[float] = None
        self._last: Optional[float] = None
        self.iter_time = 0.0

    def _criterion(self, result) -> bool:
        now = time.monotonic()
        if self._start is None:
            self._start = self._last = now
        else:
            self.iter_time = max(self.iter_time, now - self._last)
            self._last = now
        return (now - self._start) + self.iter_time >= self.total_time


class CheckpointSaver:
    """Save the result (and the optimizer state it came from) after every call, atomically:
    written to a temporary file in the same directory, then renamed over ``path``. A crash
    while writing leaves the previous checkpoint intact. ``load(path).optimizer`` resumes
    exactly where the run stopped.

    Parameters
    ----------
    path : str or path-like
        ``.npz`` for NPZ, anything else for JSON.

    Examples
    --------
    >>> import os, tempfile
    >>> from activesci.optimizer import minimize, load
    >>> path = os.path.join(tempfile.mkdtemp(), "run.json")
    >>> res = minimize(lambda x: x[0] ** 2, [(-1.0, 1.0)], n_calls=5, n_initial_points=3,
    ...                random_state=0, callback=CheckpointSaver(path))
    >>> load(path).func_vals.tolist() == res.func_vals.tolist()
    True
    """

    def __init__(self, path):
        self.path = os.fspath(path)

    def __call__(self, result) -> bool:
        dump(result, self.path)
        return False


class VerboseCallback:
    """Print the iteration number, the time it took, the value and the best value so far.

    Parameters
    ----------
    n_total : int, optional
        Expected number of calls (printed as "i/n_total").
    stream : file-like, default=sys.stdout

    Examples
    --------
    >>> import io
    >>> from activesci.optimizer import OptimizeResult
    >>> s = io.StringIO()
    >>> _ = VerboseCallback(stream=s)(OptimizeResult(func_vals=np.array([3.0, 1.0])))
    >>> s.getvalue().split()[:2]
    ['Iteration', '2:']
    """

    def __init__(self, n_total: Optional[int] = None, stream=None):
        self.n_total = n_total
        self.stream = stream
        self._last = time.monotonic()

    def __call__(self, result) -> bool:
        now = time.monotonic()
        vals = np.asarray(result.func_vals, dtype=float)
        i = len(vals)
        total = f"/{self.n_total}" if self.n_total else ""
        print(f"Iteration {i}{total}: {now - self._last:.3f} s, f(x) = {vals[-1]:.6g}, "
              f"best = {vals.min():.6g}", file=self.stream or sys.stdout)
        self._last = now
        return False
