"""Gaussian toy simulators with closed-form posteriors, for validating inference and design code.

``GaussianToy``: x ~ N(θ, φ), φ the variance.  ``GaussianDemo``: x ~ N(θ, 2 + cos φ), φ an
angle in [0, 2π] whose best value is π (the smallest variance).

For a normal prior θ ~ N(μ0, σ0²) and n events at variance σ² the posterior is normal with
precision 1/σ0² + n/σ² and mean (μ0/σ0² + Σx/σ²) / precision, and the expected information
gain (the mutual information between θ and the data) is ½ log(1 + n σ0²/σ²)
(Lindley 1956, "On a measure of the information provided by an experiment"; Chaloner &
Verdinelli 1995, Statistical Science 10, 273, section 2.2 for the linear-Gaussian case).

Sampling runs in C (``csrc/simulators.c``), one random stream per θ row.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Tuple

import numpy as np

from .. import _core
from .._validation import as_float_array
from .base import Simulator, _bounds_array

__all__ = ["GaussianToy", "GaussianDemo", "NormalPosterior"]


class NormalPosterior:
    """A normal distribution N(mean, std²) (arrays for a batch of data sets).

    Examples
    --------
    >>> p = NormalPosterior(0.5, 0.1)
    >>> round(float(p.logpdf(0.5)), 4)
    1.3836
    """

    def __init__(self, mean: Any, std: Any):
        self.mean = mean
        self.std = std

    def logpdf(self, theta: Any) -> np.ndarray:
        """log N(theta; mean, std²)."""
        z = (np.asarray(theta, dtype=float) - self.mean) / self.std
        return -0.5 * z * z - np.log(self.std) - 0.5 * math.log(2.0 * math.pi)

    def __iter__(self):
        return iter((self.mean, self.std))

    def __repr__(self) -> str:
        return f"NormalPosterior(mean={self.mean!r}, std={self.std!r})"

    def _repr_html_(self) -> str:
        return (f"<b>NormalPosterior</b> mean = {np.array2string(np.asarray(self.mean))}, "
                f"std = {np.array2string(np.asarray(self.std))}")


class _GaussianSimulator(Simulator):
    _model = ""
    _default_phi_bounds: Tuple[float, float] = (0.0, 1.0)

    def __init__(self, *, theta_bounds: Any = (-10.0, 10.0), phi_bounds: Any = None):
        self.theta_bounds_arg = theta_bounds
        self.phi_bounds_arg = phi_bounds

    # constructor names differ from the interface's properties; map them for get/set_params
    def get_params(self, deep: bool = True) -> dict:
        return {"theta_bounds": self.theta_bounds_arg, "phi_bounds": self.phi_bounds_arg}

    def set_params(self, **params: Any):
        for key, value in params.items():
            if key not in ("theta_bounds", "phi_bounds"):
                raise ValueError(f"Invalid parameter {key!r} for {type(self).__name__}; valid "
                                 "parameters are ['phi_bounds', 'theta_bounds']")
            setattr(self, key + "_arg", value)
        return self

    def __repr__(self) -> str:
        lo, hi = (float(v) for v in self.theta_bounds[0])
        return f"{type(self).__name__}(theta_bounds={(lo, hi)}, phi_bounds={self.phi_bounds})"

    @property
    def param_names(self) -> Tuple[str, ...]:
        return ("theta",)

    @property
    def theta_bounds(self) -> np.ndarray:
        return _bounds_array(self.theta_bounds_arg, "theta_bounds", 1)

    @property
    def phi_bounds(self) -> Tuple[float, float]:
        b = self.phi_bounds_arg if self.phi_bounds_arg is not None else self._default_phi_bounds
        arr = _bounds_array(b, "phi_bounds", 1)
        return float(arr[0, 0]), float(arr[0, 1])

    @property
    def has_logpdf(self) -> bool:
        return True

    def variance(self, phi: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _c_model_spec(self) -> Tuple[str, dict]:
        tb = self.theta_bounds
        if not np.isfinite(tb).all():
            raise ValueError("theta_bounds of a built-in simulator must be finite")
        lo, hi = self.phi_bounds
        return (self._model, {"theta_lo": float(tb[0, 0]), "theta_hi": float(tb[0, 1]),
                              "phi_lo": lo, "phi_hi": hi})

    def _simulate(self, rows, phi, n, seed, stream_offset, n_jobs):
        return _core.sim_simulate(self._c_model_spec(), rows, phi, n, seed, stream_offset,
                                  n_jobs)

    def logpdf(self, x: Any, theta: Any, phi: Any) -> np.ndarray:
        """Per-event log N(x; θ, variance(φ)).

        Examples
        --------
        >>> round(float(GaussianToy().logpdf(0.0, 0.0, 1.0)), 6)
        -0.918939
        """
        rows, single = self._check_theta(theta)
        phi_v = self._check_phi(phi)
        xb = self._broadcast_x(x, rows, single)
        out = _core.sim_logpdf(self._c_model_spec(), rows[:, 0], phi_v,
                               xb.reshape(rows.shape[0], -1))
        return self._shape_out(out.reshape(xb.shape), np.ndim(x), single)

    # -------------------------------------------------------------- analytic results
    def _check_prior_std(self, prior_std: Any) -> float:
        if isinstance(prior_std, bool) or not isinstance(prior_std, numbers.Real):
            raise TypeError(f"prior_std must be a real number, got {prior_std!r}")
        if not (np.isfinite(prior_std) and prior_std > 0):
            raise ValueError(f"prior_std must be a finite number > 0, got {prior_std}")
        return float(prior_std)

    def _check_phi_array(self, phi: Any) -> np.ndarray:
        arr = as_float_array(phi, "phi")
        lo, hi = self.phi_bounds
        if not np.isfinite(arr).all():
            raise ValueError("phi contains NaN or infinity; pass finite values")
        if ((arr < lo) | (arr > hi)).any():
            bad = arr[(arr < lo) | (arr > hi)].flat[0]
            raise ValueError(f"phi = {bad:g} is outside phi_bounds [{lo:g}, {hi:g}]")
        return arr

    def posterior(self, x: Any, prior_mean: float, prior_std: float, phi: Any) -> NormalPosterior:
        """The exact posterior of θ given events x for the prior θ ~ N(prior_mean, prior_std²).

        Parameters
        ----------
        x : array-like of shape (n,) or (n_sets, n)
            One data set, or a batch of data sets (one posterior each).
        prior_mean, prior_std : float
            The normal prior.
        phi : float
            The design the data were taken at.

        Returns
        -------
        NormalPosterior
            ``mean`` and ``std`` (floats, or arrays of shape (n_sets,)), with precision
            1/prior_std² + n/variance(φ).

        Examples
        --------
        >>> post = GaussianToy().posterior([1.0, 3.0], prior_mean=0.0, prior_std=1.0, phi=1.0)
        >>> round(post.mean, 4), round(post.std, 4)
        (1.3333, 0.5774)
        """
        arr = as_float_array(x, "x")
        if arr.ndim not in (1, 2):
            raise ValueError(f"x must be 1-D (one data set) or 2-D (n_sets, n), got shape "
                             f"{arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError("x contains NaN or infinity; pass finite values")
        if isinstance(prior_mean, bool) or not isinstance(prior_mean, numbers.Real) or \
                not np.isfinite(prior_mean):
            raise ValueError(f"prior_mean must be a finite real number, got {prior_mean!r}")
        s0 = self._check_prior_std(prior_std)
        var = float(self.variance(self._check_phi(phi)))
        n = arr.shape[-1]
        precision = 1.0 / (s0 * s0) + n / var
        mean = (prior_mean / (s0 * s0) + arr.sum(axis=-1) / var) / precision
        std = 1.0 / math.sqrt(precision)
        if arr.ndim == 1:
            return NormalPosterior(float(mean), std)
        return NormalPosterior(mean, np.full(mean.shape, std))

    def expected_information_gain(self, phi: Any, n: int, prior_std: float) -> Any:
        """½ log(1 + n prior_std² / variance(φ)): the expected KL divergence from the normal
        prior to the posterior after n events (nats); an array for an array of φ.

        Examples
        --------
        >>> round(float(GaussianToy().expected_information_gain(1.0, 3, 1.0)), 6)
        0.693147
        """
        arr = self._check_phi_array(phi)
        n = self._check_n(n)
        s0 = self._check_prior_std(prior_std)
        out = 0.5 * np.log1p(n * s0 * s0 / self.variance(arr))
        return float(out) if out.ndim == 0 else out


class GaussianToy(_GaussianSimulator):
    """x ~ N(θ, φ) with φ the variance: a one-parameter model with known answers.

    Parameters
    ----------
    theta_bounds : (float, float), default=(-10, 10)
        Bounds of θ (the mean); ``simulate`` rejects θ outside them.
    phi_bounds : (float, float), default=(0.01, 100)
        Bounds of φ (the variance); the lower bound must be > 0.

    Examples
    --------
    >>> sim = GaussianToy()
    >>> x = sim.simulate([0.0, 5.0], phi=0.25, n=1000, random_state=0)
    >>> x.shape, bool(abs(x[1].mean() - 5.0) < 0.1)
    ((2, 1000), True)
    """

    _model = "gaussian_toy"
    _default_phi_bounds = (0.01, 100.0)

    @property
    def phi_bounds(self) -> Tuple[float, float]:
        lo, hi = super().phi_bounds
        if not lo > 0:
            raise ValueError(f"phi_bounds of GaussianToy must have a lower bound > 0 (phi is "
                             f"the variance), got ({lo:g}, {hi:g})")
        return lo, hi

    def variance(self, phi: Any) -> Any:
        """The variance of x at design φ: φ itself."""
        return phi

    def _check_phi(self, phi: Any) -> float:
        value = as_float_array(phi, "phi")
        if value.size == 1 and np.isfinite(value).all() and float(value.reshape(())) <= 0:
            raise ValueError(f"phi (the variance) must be > 0, got {float(value.reshape(()))}")
        return super()._check_phi(phi)


class GaussianDemo(_GaussianSimulator):
    """x ~ N(θ, 2 + cos φ), φ in [0, 2π]: the variance is smallest, and every information
    criterion best, at φ = π.

    Parameters
    ----------
    theta_bounds : (float, float), default=(-10, 10)
        Bounds of θ.
    phi_bounds : (float, float), default=(0, 2π)
        Bounds of the design angle.

    Examples
    --------
    >>> sim = GaussianDemo()
    >>> eig = sim.expected_information_gain([0.0, 3.14159, 5.0], n=10, prior_std=1.0)
    >>> int(np.argmax(eig))
    1
    """

    _model = "gaussian_demo"
    _default_phi_bounds = (0.0, 2.0 * math.pi)

    #: the most informative design
    best_phi = math.pi

    def variance(self, phi: Any) -> Any:
        """The variance of x at design φ: 2 + cos φ."""
        return 2.0 + np.cos(phi)
