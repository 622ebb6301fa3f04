"""Input validation at the public boundary (done once, before the C core is called).

Every check raises ``ValueError`` (bad value) or ``TypeError`` (bad type) with a message that
names the argument, says what was wrong and what to do.
"""
from __future__ import annotations

import numbers
import os
from typing import Any, Optional, Tuple, Union

import numpy as np

from .exceptions import NotFittedError

RandomState = Union[None, int, np.integer, np.random.Generator, np.random.RandomState]

__all__ = [
    "RandomState",
    "as_float_array",
    "check_array",
    "check_X_y",
    "check_random_state",
    "seed_from_random_state",
    "check_scalar",
    "check_is_fitted",
]


def as_float_array(x: Any, name: str) -> np.ndarray:
    """Convert an array-like to a float64 array, with a TypeError naming ``name``."""
    if x is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers ({exc})") from None
    if arr.dtype == object or arr.dtype.kind in "USVMm":
        raise TypeError(
            f"{name} must hold numbers, got an array of dtype {arr.dtype}; "
            "convert it with np.asarray(..., dtype=float)")
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got complex values")
    return arr.astype(np.float64, copy=False)


def check_array(
    x: Any,
    name: str = "X",
    *,
    ndim: Optional[int] = 2,
    allow_1d: bool = False,
    min_samples: int = 1,
    allow_nonfinite: bool = False,
    n_features: Optional[int] = None,
) -> np.ndarray:
    """Validate an array and return it as float64, C-contiguous.

    Parameters
    ----------
    x : array-like
        The input.
    name : str
        The argument name used in error messages.
    ndim : int or None
        Required number of dimensions (None: any).
    allow_1d : bool
        With ``ndim=2``, a 1-D input is an error (scikit-learn's rule) unless this is True,
        in which case it is read as one feature per sample.
    min_samples : int
        Minimum length of the first axis.
    allow_nonfinite : bool
        Accept NaN and infinity.
    n_features : int or None
        Required size of the second axis.

    Examples
    --------
    >>> check_array([[1, 2], [3, 4]]).dtype
    dtype('float64')
    """
    arr = as_float_array(x, name)
    if ndim == 2 and arr.ndim == 1 and allow_1d:
        arr = arr[:, None]
    if ndim is not None and arr.ndim != ndim:
        hint = ""
        if ndim == 2 and arr.ndim == 1:
            hint = (" Reshape your data with array.reshape(-1, 1) if it has a single feature "
                    "or array.reshape(1, -1) if it contains a single sample.")
        elif ndim == 2 and arr.ndim == 0:
            hint = " Pass a 2-D array of shape (n_samples, n_features)."
        raise ValueError(f"{name} must be {ndim}-D, got an array of shape {arr.shape}.{hint}")
    if arr.ndim >= 1 and arr.shape[0] < min_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} sample(s) but at least {min_samples} "
            f"{'is' if min_samples == 1 else 'are'} required")
    if n_features is not None and arr.ndim == 2 and arr.shape[1] != n_features:
        raise ValueError(
            f"{name} has {arr.shape[1]} feature(s) but {n_features} were expected "
            "(the number seen in fit)")
    if not allow_nonfinite and arr.size and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or infinity (first at index {tuple(int(i) for i in bad)}); "
            "remove or impute those values")
    return np.ascontiguousarray(arr)


def check_X_y(X: Any, y: Any, *, multi_output: bool = True, min_samples: int = 1
              ) -> Tuple[np.ndarray, np.ndarray]:
    """Validate a (X, y) training pair; y may be 1-D or (with multi_output) 2-D.

    Examples
    --------
    >>> X, y = check_X_y([[0.0], [1.0]], [1, 2])
    >>> X.shape, y.shape
    ((2, 1), (2,))
    """
    X = check_array(X, "X", min_samples=min_samples)
    y = check_array(y, "y", ndim=None)
    if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
        y = y[:, 0]
    if y.ndim not in (1, 2) or (y.ndim == 2 and not multi_output):
        raise ValueError(f"y must be 1-D{' or 2-D' if multi_output else ''}, got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {X.shape[0]}, y has "
            f"{y.shape[0]}")
    return X, np.ascontiguousarray(y)


def check_random_state(random_state: RandomState) -> np.random.Generator:
    """Turn ``random_state`` (None, int or Generator) into a ``numpy.random.Generator``.

    A legacy ``numpy.random.RandomState`` is accepted and used to draw a seed.

    Examples
    --------
    >>> g = check_random_state(0)
    >>> isinstance(g, np.random.Generator)
    True
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**63 - 1, dtype=np.int64))
    if isinstance(random_state, (numbers.Integral, np.integer)) and not isinstance(
            random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return np.random.default_rng(int(random_state))
    raise TypeError(
        "random_state must be None, a non-negative int or a numpy.random.Generator, got "
        f"{type(random_state).__name__}")


def seed_from_random_state(random_state: RandomState) -> int:
    """A 64-bit seed for the C core's counter-based RNG.

    An int maps to itself (so ``random_state=3`` always means the same C streams); a
    Generator yields the next 64 bits of its stream (advancing it); None draws from the OS.

    Examples
    --------
    >>> seed_from_random_state(7)
    7
    """
    if random_state is None:
        return int.from_bytes(os.urandom(8), "little")
    if isinstance(random_state, (numbers.Integral, np.integer)) and not isinstance(
            random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return int(random_state) & 0xFFFFFFFFFFFFFFFF
    gen = check_random_state(random_state)
    return int(gen.integers(0, 2**64, dtype=np.uint64))


def check_scalar(x: Any, name: str, *, kind: type = numbers.Real, low: Optional[float] = None,
                 high: Optional[float] = None, include_low: bool = True,
                 include_high: bool = True) -> Any:
    """Check a scalar parameter's type and range; return it.

    Examples
    --------
    >>> check_scalar(3, "n_restarts_optimizer", kind=numbers.Integral, low=0)
    3
    """
    if isinstance(x, bool) or not isinstance(x, kind):
        kname = {numbers.Integral: "an integer", numbers.Real: "a real number"}.get(
            kind, kind.__name__)
        raise TypeError(f"{name} must be {kname}, got {x!r} of type {type(x).__name__}")
    if isinstance(x, numbers.Real) and not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if low is not None and (x < low or (x == low and not include_low)):
        raise ValueError(f"{name} must be {'>=' if include_low else '>'} {low}, got {x}")
    if high is not None and (x > high or (x == high and not include_high)):
        raise ValueError(f"{name} must be {'<=' if include_high else '<'} {high}, got {x}")
    return x


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise NotFittedError unless ``estimator`` has the learned ``attribute``.

    Examples
    --------
    >>> class E: pass
    >>> check_is_fitted(E(), "coef_")
    Traceback (most recent call last):
    ...
    activesci.exceptions.NotFittedError: This E instance is not fitted yet; call fit first.
    """
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet; call fit first.")
