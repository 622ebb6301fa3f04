"""Distances between simulated and observed summaries.

A distance is fitted once on a pilot set of simulated summaries (the first batch of a run, so
memory stays bounded and the result does not depend on the number of workers) and then maps
summaries ``S`` (n, k) to distances (n,) from the observed summary ``s_obs`` (k,):

* ``"euclidean"``: ‖S - s_obs‖.
* ``"scaled"`` / ``"mad"`` / ``"std"``: ‖(S - s_obs) / scale‖ with scale the median absolute
  deviation (times 1.4826, consistent with the standard deviation for normal data) or the
  standard deviation of the pilot summaries, or a given ``scale`` array (Prangle 2017, "Adapting
  the ABC distance function", Bayesian Analysis 12, 289, discusses these choices).
* ``"mahalanobis"``: sqrt((S - s_obs)ᵀ C⁻¹ (S - s_obs)), C the pilot covariance.
* a callable ``distance(S, s_obs) -> (n,)``.

Examples
--------
>>> d = as_distance("scaled").fit(np.array([[0.0, 0.0], [2.0, 20.0], [4.0, 40.0]]))
>>> d(np.array([[1.0, 10.0]]), np.zeros(2)).round(3)
array([0.477])
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from .._validation import as_float_array

__all__ = ["Distance", "Euclidean", "Scaled", "Mahalanobis", "as_distance"]

_MAD_TO_STD = 1.482602218505602  # 1 / Φ⁻¹(3/4)


class Distance:
    """Base class: ``fit(pilot_summaries)`` then ``__call__(S, s_obs) -> (n,)``."""

    def fit(self, pilot: np.ndarray) -> "Distance":
        return self

    def __call__(self, S: np.ndarray, s_obs: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _c_weights(self) -> Optional[np.ndarray]:
        """Per-component 1/scale for a weighted euclidean distance in C (None: not one)."""
        return None


class Euclidean(Distance):
    """‖S - s_obs‖₂.

    Examples
    --------
    >>> Euclidean()(np.array([[3.0, 4.0]]), np.zeros(2))
    array([5.])
    """

    def __call__(self, S, s_obs):
        d = S - s_obs
        return np.sqrt(np.einsum("ij,ij->i", d, d))

    def _c_weights(self):
        return np.empty(0)

    def __repr__(self):
        return "Euclidean()"


class Scaled(Distance):
    """‖(S - s_obs) / scale‖₂ with scale "mad", "std" (from the pilot) or given.

    Examples
    --------
    >>> Scaled([1.0, 10.0])(np.array([[3.0, 40.0]]), np.zeros(2))
    array([5.])
    """

    def __init__(self, scale: Any = "mad"):
        self.scale = scale
        self.scale_: Optional[np.ndarray] = None
        if not isinstance(scale, str):
            self.scale_ = _check_scale(scale)
        elif scale not in ("mad", "std"):
            raise ValueError(f"scale must be 'mad', 'std' or an array of positive numbers, "
                             f"got {scale!r}")

    def fit(self, pilot):
        if isinstance(self.scale, str):
            if self.scale == "mad":
                med = np.median(pilot, axis=0)
                sc = _MAD_TO_STD * np.median(np.abs(pilot - med), axis=0)
            else:
                sc = pilot.std(axis=0, ddof=1) if pilot.shape[0] > 1 else np.zeros(pilot.shape[1])
            if not (np.isfinite(sc).all() and (sc > 0).all()):
                fallback = pilot.std(axis=0) if pilot.shape[0] > 1 else np.ones(pilot.shape[1])
                sc = np.where(np.isfinite(sc) & (sc > 0), sc, fallback)
                sc = np.where(np.isfinite(sc) & (sc > 0), sc, 1.0)
            self.scale_ = sc
        elif self.scale_.shape[0] != pilot.shape[1]:
            raise ValueError(f"scale must have one entry per summary ({pilot.shape[1]}), got "
                             f"{self.scale_.shape[0]}")
        return self

    def __call__(self, S, s_obs):
        d = (S - s_obs) / self.scale_
        return np.sqrt(np.einsum("ij,ij->i", d, d))

    def _c_weights(self):
        return 1.0 / self.scale_

    def __repr__(self):
        return f"Scaled(scale={self.scale!r})"


class Mahalanobis(Distance):
    """sqrt(dᵀ C⁻¹ d) with C the pilot covariance of the summaries (or a given ``cov``).

    Examples
    --------
    >>> Mahalanobis(cov=np.diag([1.0, 4.0]))(np.array([[3.0, 8.0]]), np.zeros(2))
    array([5.])
    """

    def __init__(self, cov: Any = None):
        self.cov = cov
        self.chol_: Optional[np.ndarray] = None
        if cov is not None:
            self._set(as_float_array(cov, "cov"))

    def _set(self, cov):
        cov = np.atleast_2d(cov)
        if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or not np.isfinite(cov).all():
            raise ValueError("cov must be a finite square matrix")
        try:
            self.chol_ = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError("the summary covariance is not positive definite (constant or "
                             "collinear summaries); drop redundant summaries or pass cov=") from None

    def fit(self, pilot):
        if self.cov is None:
            if pilot.shape[0] <= pilot.shape[1]:
                raise ValueError("Mahalanobis needs more pilot simulations than summaries; "
                                 "increase batch_size")
            self._set(np.cov(pilot, rowvar=False))
        return self

    def __call__(self, S, s_obs):
        z = np.linalg.solve(self.chol_, (S - s_obs).T)
        return np.sqrt((z * z).sum(axis=0))

    def __repr__(self):
        return "Mahalanobis()" if self.cov is None else "Mahalanobis(cov=...)"


class _CallableDistance(Distance):
    def __init__(self, fn: Callable):
        self.fn = fn

    def __call__(self, S, s_obs):
        d = np.asarray(self.fn(S, s_obs), dtype=float).reshape(-1)
        if d.shape[0] != S.shape[0]:
            raise ValueError(f"distance must return one value per row ({S.shape[0]}), got "
                             f"shape {d.shape}")
        return d

    def __repr__(self):
        return getattr(self.fn, "__name__", repr(self.fn))


def _check_scale(scale: Any) -> np.ndarray:
    sc = np.atleast_1d(as_float_array(scale, "scale")).astype(float)
    if sc.ndim != 1 or not (np.isfinite(sc).all() and (sc > 0).all()):
        raise ValueError(f"scale must be a 1-D array of finite numbers > 0, got {scale!r}")
    return sc


def as_distance(distance: Any, scale: Any = None) -> Distance:
    """Build a Distance from a name, a Distance or a callable; ``scale`` sets a scaled euclidean.

    Examples
    --------
    >>> as_distance("euclidean", scale=[1.0, 2.0])
    Scaled(scale=array([1., 2.]))
    """
    if scale is not None:
        if not (isinstance(distance, str) and distance in ("euclidean", "scaled")):
            raise ValueError("scale= applies to distance='euclidean' or 'scaled' only")
        return Scaled(_check_scale(scale))
    if isinstance(distance, Distance):
        return distance
    if isinstance(distance, str):
        key = distance.lower()
        if key == "euclidean":
            return Euclidean()
        if key in ("scaled", "mad"):
            return Scaled("mad")
        if key == "std":
            return Scaled("std")
        if key == "mahalanobis":
            return Mahalanobis()
        raise ValueError(f"unknown distance {distance!r}; use 'euclidean', 'scaled' (MAD), "
                         "'std', 'mahalanobis' or a callable (S, s_obs) -> (n,)")
    if callable(distance):
        return _CallableDistance(distance)
    raise TypeError(f"distance must be a string, a Distance or a callable, got "
                    f"{type(distance).__name__}")
