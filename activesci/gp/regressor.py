"""Gaussian-process regression with the linear algebra, the log marginal likelihood, its
gradient and the hyperparameter optimization in C.

The estimator follows scikit-learn's ``GaussianProcessRegressor`` (same constructor
parameters, attributes and results to 1e-8 relative at fixed hyperparameters), and adds what
Bayesian optimization needs: predictive gradients, O(n²) updates with new observations at fixed
hyperparameters, per-observation noise, and a record of the jitter used when the kernel matrix
is numerically singular.

References
----------
C. E. Rasmussen and C. K. I. Williams, *Gaussian Processes for Machine Learning*, MIT Press
(2006): Algorithm 2.1 (prediction), eq. 2.30 (log marginal likelihood), eq. 5.9 (its gradient).
"""
from __future__ import annotations

import copy
import numbers
from typing import Any, Callable, Optional, Tuple, Union

import numpy as np

from .. import _core
from .._estimator import BaseEstimator
from .._validation import (RandomState, check_array, check_is_fitted, check_random_state,
                           check_scalar, check_X_y)
from ..exceptions import NotPositiveDefiniteError
from .kernels import RBF, ConstantKernel, Kernel

__all__ = ["GaussianProcessRegressor"]

_OPTIMIZER_NAMES = ("lbfgs", "fmin_l_bfgs_b")
_POLISH_FTOL = 1e-13  # relative reduction below which the polished optimum stops


class GaussianProcessRegressor(BaseEstimator):
    """Gaussian-process regression (scikit-learn compatible, C core).

    Parameters
    ----------
    kernel : Kernel, default=None
        Covariance function; ``None`` means ``ConstantKernel(1.0, "fixed") * RBF(1.0,
        "fixed")`` as in scikit-learn. Its hyperparameters are the first optimizer start.
    alpha : float or array of shape (n_samples,), default=1e-10
        Variance added to the diagonal of the kernel matrix: observation noise, per sample if
        an array.
    optimizer : "lbfgs", None or callable, default="lbfgs"
        ``"lbfgs"`` (alias ``"fmin_l_bfgs_b"``) maximizes the log marginal likelihood with the
        bound-constrained quasi-Newton method of the C core; ``None`` keeps the kernel's
        hyperparameters; a callable ``optimizer(obj_func, initial_theta, bounds) -> (theta,
        func_min)`` is used as in scikit-learn.
    n_restarts_optimizer : int, default=0
        Extra optimizer starts drawn log-uniformly within the bounds (requires finite bounds).
    normalize_y : bool, default=False
        Standardize targets (mean 0, std 1) before fitting; predictions are mapped back.
    copy_X_train : bool, default=True
        Keep a copy of the training inputs (otherwise a reference, as scikit-learn).
    n_targets : int, default=None
        Number of outputs, only used by the prior (unfitted) ``sample_y``.
    random_state : int, Generator or None, default=None
        Seeds the restart draws and ``sample_y``.
    max_jitter : float, default=1e-4
        If the kernel matrix is not positive definite, jitter of 1e-10, 1e-9, ... times its mean
        diagonal is added up to this relative amount; the jitter used is in ``jitter_``.
    n_threads : int, default=None
        Threads for optimizer restarts (None: all cores for small problems, 1 for n >= 1000,
        where OpenBLAS threads instead).

    Attributes
    ----------
    X_train_ : ndarray of shape (n_samples, n_features)
    y_train_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Training targets, normalized if ``normalize_y``.
    kernel_ : Kernel
        The kernel with the fitted hyperparameters.
    L_ : ndarray of shape (n_samples, n_samples)
        Lower Cholesky factor of ``K + diag(alpha) (+ jitter)``.
    alpha_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        ``K⁻¹ y_train_``.
    log_marginal_likelihood_value_ : float
    jitter_ : float
        Absolute jitter added to the diagonal (0.0 when none was needed).
    n_features_in_ : int
    optimizer_evaluations_ : int
        Log-marginal-likelihood evaluations spent by the optimizer (with several threads,
        the count of abandoned restarts depends on timing; the fitted values do not).

    Examples
    --------
    >>> import numpy as np
    >>> from activesci.gp import GaussianProcessRegressor
    >>> from activesci.gp.kernels import ConstantKernel, Matern, WhiteKernel
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 5, (30, 1))
    >>> y = np.sin(X[:, 0]) + 0.05 * rng.standard_normal(30)
    >>> kernel = ConstantKernel() * Matern(nu=2.5) + WhiteKernel(1e-2)
    >>> gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=0).fit(X, y)
    >>> mean, std = gp.predict([[2.5]], return_std=True)
    >>> bool(abs(mean[0] - np.sin(2.5)) < 0.1)
    True
    """

    _estimator_type = "regressor"

    def __init__(
        self,
        kernel: Optional[Kernel] = None,
        *,
        alpha: Union[float, np.ndarray] = 1e-10,
        optimizer: Union[str, Callable, None] = "lbfgs",
        n_restarts_optimizer: int = 0,
        normalize_y: bool = False,
        copy_X_train: bool = True,
        n_targets: Optional[int] = None,
        random_state: RandomState = None,
        max_jitter: float = 1e-4,
        n_threads: Optional[int] = None,
    ):
        self.kernel = kernel
        self.alpha = alpha
        self.optimizer = optimizer
        self.n_restarts_optimizer = n_restarts_optimizer
        self.normalize_y = normalize_y
        self.copy_X_train = copy_X_train
        self.n_targets = n_targets
        self.random_state = random_state
        self.max_jitter = max_jitter
        self.n_threads = n_threads

    # ------------------------------------------------------------------ validation
    def _default_kernel(self) -> Kernel:
        return ConstantKernel(1.0, constant_value_bounds="fixed") * RBF(
            1.0, length_scale_bounds="fixed")

    def _check_params(self) -> None:
        if self.kernel is not None and not isinstance(self.kernel, Kernel):
            raise TypeError(
                f"kernel must be an activesci.gp.kernels.Kernel or None, got "
                f"{type(self.kernel).__name__}")
        if not (self.optimizer is None or callable(self.optimizer)
                or self.optimizer in _OPTIMIZER_NAMES):
            raise ValueError(f"optimizer must be 'lbfgs', None or a callable, got "
                             f"{self.optimizer!r}")
        check_scalar(self.n_restarts_optimizer, "n_restarts_optimizer", kind=numbers.Integral,
                     low=0)
        check_scalar(self.max_jitter, "max_jitter", low=0.0)
        if self.n_threads is not None:
            check_scalar(self.n_threads, "n_threads", kind=numbers.Integral, low=1)

    def _noise_vector(self, n: int) -> np.ndarray:
        alpha = np.asarray(self.alpha, dtype=float)
        if alpha.ndim == 0:
            noise = np.full(n, float(alpha))
        elif alpha.shape == (n,):
            noise = alpha.copy()
        else:
            raise ValueError(
                f"alpha must be a scalar or an array with one entry per sample; got shape "
                f"{alpha.shape} for {n} samples")
        if not np.all(np.isfinite(noise)) or np.any(noise < 0):
            raise ValueError("alpha (the noise variance) must be finite and >= 0")
        return noise

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y) -> "GaussianProcessRegressor":
        """Fit the GP: optimize the kernel hyperparameters, then factor K.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : GaussianProcessRegressor

        A fit that raises (bad input, a kernel matrix that no jitter makes positive definite,
        an interrupted optimization) leaves the previously fitted model as it was.
        """
        saved = dict(self.__dict__)
        try:
            return self._fit(X, y)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _fit(self, X, y) -> "GaussianProcessRegressor":
        self._check_params()
        X, y = check_X_y(X, y, multi_output=True)
        n = X.shape[0]
        kernel = self._default_kernel() if self.kernel is None else self.kernel
        # one walk of the kernel gives everything the fit needs (and checks the kernel first)
        spec, free, theta, bounds = kernel._fit_spec(X.shape[1])
        self._rng = check_random_state(self.random_state)
        if self.normalize_y:
            mean = np.mean(y, axis=0)
            std = np.std(y, axis=0)
            std = np.where(std < 10 * np.finfo(float).eps, 1.0, std)
            y = (y - mean) / std
        else:
            mean = np.zeros(y.shape[1:])
            std = np.ones(y.shape[1:])
        self._y_train_mean = mean
        self._y_train_std = std
        self.X_train_ = np.copy(X) if self.copy_X_train else X
        self.y_train_ = np.copy(y)
        self._noise = self._noise_vector(n)
        self.n_features_in_ = X.shape[1]
        self.optimizer_evaluations_ = 0
        if self.optimizer is not None and theta.size > 0:
            starts = self._restart_starts(theta, bounds)
            if callable(self.optimizer):
                self.kernel_ = kernel.clone_with_theta(theta)  # log_marginal_likelihood's
                theta = self._optimize_with_callable(starts, bounds)
            else:
                theta = self._optimize_theta(spec, free, starts, bounds)
        self.kernel_ = kernel.clone_with_theta(theta)
        self._factor(kernel._spec_with_theta(spec, free, theta))
        return self

    def _y2d(self) -> np.ndarray:
        return self.y_train_.reshape(self.y_train_.shape[0], -1)

    def _restart_starts(self, theta: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        if self.n_restarts_optimizer == 0:
            return theta[None, :]
        if not np.isfinite(bounds).all():
            raise ValueError("Multiple optimizer restarts (n_restarts_optimizer>0) require "
                             "that all bounds are finite.")
        # one draw per restart, row after row: the same numbers as scikit-learn's loop
        draws = self._rng.uniform(bounds[:, 0], bounds[:, 1],
                                  size=(self.n_restarts_optimizer, theta.size))
        return np.vstack([theta, draws])

    def _optimize_theta(self, spec, free, starts: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        args = (spec, self.X_train_, self._y2d(), self._noise, free, bounds)
        # Every start stops by scipy's L-BFGS-B rules (pgtol 1e-5, factr 1e7), the same as
        # scikit-learn's, so equal budgets cost equal evaluations; then the best start alone is
        # polished with a tight tolerance: on a flat ridge (a length scale creeping towards its
        # bound) the loose rule stops early, and polishing one start costs a few evaluations
        # where tightening all of them costs ~40% more.  The C core polishes the best finished
        # start on a thread that has no start left, overlapping the last starts; the result is
        # that of polishing afterwards.  Restarts clearly heading for an optimum worse than the
        # first start's (by 3 nats and more than ten times their recent gain) are abandoned.
        thetas, lmls, n_evals, n_discarded = _core.gp_optimize(
            *args, np.clip(starts, bounds[:, 0], bounds[:, 1]), self.n_threads or 0, 0, 0.0, 0.0,
            _POLISH_FTOL, True)
        if not np.any(np.isfinite(lmls)):
            raise NotPositiveDefiniteError(
                "the kernel matrix is not positive definite at any optimizer start; increase "
                "the GP's alpha (noise), add a WhiteKernel, or narrow the hyperparameter bounds")
        self.optimizer_evaluations_ = int(n_evals + n_discarded)
        return thetas[int(np.argmax(lmls))]

    def _optimize_with_callable(self, starts, bounds) -> np.ndarray:
        def obj_func(theta, eval_gradient=True):
            if eval_gradient:
                lml, grad = self.log_marginal_likelihood(theta, eval_gradient=True,
                                                         clone_kernel=False)
                return -lml, -grad
            return -self.log_marginal_likelihood(theta, clone_kernel=False)

        best_theta, best_f = None, np.inf
        for theta0 in starts:
            theta, f = self.optimizer(obj_func, theta0, bounds)
            if f < best_f or best_theta is None:
                best_theta, best_f = np.asarray(theta, dtype=float), f
        return best_theta

    def _factor(self, spec) -> None:
        """Factor K of ``spec`` (the fitted kernel's) at the training inputs."""
        L, alpha, lml, jitter = _core.gp_fit(spec, self.X_train_, self._y2d(), self._noise,
                                             float(self.max_jitter))
        self.L_ = L
        self.alpha_ = alpha if self.y_train_.ndim == 2 else alpha[:, 0]
        self.log_marginal_likelihood_value_ = float(lml)
        self.jitter_ = float(jitter)

    # ------------------------------------------------------------------ likelihood
    def log_marginal_likelihood(self, theta=None, eval_gradient: bool = False,
                                clone_kernel: bool = True):
        """Log marginal likelihood of the training data at ``theta`` (log hyperparameters).

        Returns ``-inf`` (and a zero gradient) where the kernel matrix is not positive
        definite, as scikit-learn does, so optimizers can continue.

        Parameters
        ----------
        theta : array of shape (n_kernel_params,), default=None
            None returns ``log_marginal_likelihood_value_``.
        eval_gradient : bool, default=False
            Also return the gradient with respect to theta (analytic, computed in C).
        clone_kernel : bool, default=True
            Kept for scikit-learn compatibility (the fitted kernel is never modified).

        Returns
        -------
        lml : float
        grad : ndarray of shape (n_kernel_params,), if ``eval_gradient``
        """
        check_is_fitted(self, "kernel_")
        if theta is None:
            if eval_gradient:
                raise ValueError("Gradient can only be evaluated for theta!=None")
            return self.log_marginal_likelihood_value_
        theta = check_array(theta, "theta", ndim=1)
        if theta.shape[0] != self.kernel_.n_dims:
            raise ValueError(f"theta has {theta.shape[0]} entries but the kernel has "
                             f"{self.kernel_.n_dims} free hyperparameters")
        kernel = self.kernel_.clone_with_theta(theta)
        d = self.X_train_.shape[1]
        out = _core.gp_lml(kernel._spec(d), self.X_train_, self._y2d(), self._noise,
                           kernel._free_mask(d), bool(eval_gradient))
        return out

    # ------------------------------------------------------------------ prediction
    def _fitted_arrays(self):
        alpha = self.alpha_.reshape(self.alpha_.shape[0], -1)
        n_out = alpha.shape[1]
        mean = np.broadcast_to(np.asarray(self._y_train_mean, dtype=float), (n_out,)).copy()
        std = np.broadcast_to(np.asarray(self._y_train_std, dtype=float), (n_out,)).copy()
        return self.X_train_, self.L_, alpha, mean, std

    def predict(self, X, return_std: bool = False, return_cov: bool = False):
        """Predictive mean, and optionally standard deviation and/or covariance, at X.

        Before ``fit``, the prior (mean 0, the kernel's covariance) is returned.

        Parameters
        ----------
        X : array-like of shape (n_query, n_features)
        return_std, return_cov : bool
            Both may be requested; they share one triangular solve.

        Returns
        -------
        mean : ndarray of shape (n_query,) or (n_query, n_targets)
        std : ndarray of shape (n_query,) or (n_query, n_targets), if ``return_std``
        cov : ndarray of shape (n_query, n_query) or (n_query, n_query, n_targets), if
            ``return_cov``
        """
        if not hasattr(self, "L_"):
            return self._predict_prior(X, return_std, return_cov)
        X = check_array(X, "X", n_features=self.n_features_in_)
        d = self.n_features_in_
        mean, std, cov = _core.gp_predict(self.kernel_._spec(d), *self._fitted_arrays(), X,
                                          bool(return_std), bool(return_cov))
        if mean.shape[1] == 1:
            mean = mean[:, 0]
            std = None if std is None else std[:, 0]
            cov = None if cov is None else cov[:, :, 0]
        out: Tuple[np.ndarray, ...] = (mean,)
        if return_std:
            out += (std,)
        if return_cov:
            out += (cov,)
        return out if len(out) > 1 else mean

    def _predict_prior(self, X, return_std, return_cov):
        self._check_params()
        kernel = self._default_kernel() if self.kernel is None else self.kernel
        X = check_array(X, "X")
        shape = (X.shape[0],) if self.n_targets in (None, 1) else (X.shape[0], self.n_targets)
        mean = np.zeros(shape)
        out: Tuple[np.ndarray, ...] = (mean,)
        if return_std:
            std = np.sqrt(np.maximum(kernel.diag(X), 0.0))
            out += (std if len(shape) == 1 else np.repeat(std[:, None], shape[1], 1),)
        if return_cov:
            cov = kernel(X)
            out += (cov if len(shape) == 1 else np.repeat(cov[:, :, None], shape[1], 2),)
        return out if len(out) > 1 else mean

    def predict_with_gradients(self, X):
        """Predictive mean and std of the (single) output and their gradients with respect to x.

        Used by acquisition optimizers. Computed in C with one pair of triangular solves per
        point: dμ/dx = (∂k/∂x)ᵀ α and dσ/dx = (∂k(x,x)/∂x − 2 (∂k/∂x)ᵀ K⁻¹k) / (2σ).

        Parameters
        ----------
        X : array-like of shape (n_query, n_features)

        Returns
        -------
        mean, std : ndarray of shape (n_query,)
        dmean, dstd : ndarray of shape (n_query, n_features)

        Examples
        --------
        >>> import numpy as np
        >>> gp = GaussianProcessRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
        >>> m, s, dm, ds = gp.predict_with_gradients([[0.5]])
        >>> dm.shape
        (1, 1)
        """
        check_is_fitted(self, "L_")
        if self.y_train_.ndim == 2 and self.y_train_.shape[1] > 1:
            raise ValueError("predict_with_gradients supports a single output; fit one GP per "
                             "output")
        X = check_array(X, "X", n_features=self.n_features_in_)
        return _core.gp_predict_grad(self.kernel_._spec(self.n_features_in_),
                                     *self._fitted_arrays(), X)

    # ------------------------------------------------------------------ updates
    def add_observation(self, X_new, y_new, alpha_new=None) -> "GaussianProcessRegressor":
        """Condition on new observations at fixed hyperparameters, in O(n²) per point.

        The Cholesky factor gains one row per point (a triangular solve against the current
        factor) and ``alpha_`` is recomputed with two triangular solves; the normalization
        constants of the last ``fit`` are kept. Used for fantasy observations in batch
        Bayesian optimization and between full refits.

        Parameters
        ----------
        X_new : array-like of shape (n_new, n_features)
        y_new : array-like of shape (n_new,) or (n_new, n_targets), on the original scale
        alpha_new : float or array of shape (n_new,), default=None
            Noise variance of the new points; None uses the estimator's scalar ``alpha`` (an
            array ``alpha`` requires giving it).

        Returns
        -------
        self
        """
        check_is_fitted(self, "L_")
        X_new = check_array(X_new, "X_new", n_features=self.n_features_in_)
        y_new = check_array(y_new, "y_new", ndim=None)
        if y_new.shape[0] != X_new.shape[0]:
            raise ValueError(f"X_new has {X_new.shape[0]} rows but y_new has {y_new.shape[0]}")
        m = X_new.shape[0]
        if alpha_new is None:
            if np.ndim(self.alpha) != 0:
                raise ValueError("alpha is per-sample: give alpha_new for the new points")
            alpha_new = np.full(m, float(self.alpha))
        alpha_new = np.broadcast_to(np.asarray(alpha_new, dtype=float), (m,)).copy()
        if not np.all(np.isfinite(alpha_new)) or np.any(alpha_new < 0):
            raise ValueError("alpha_new must be finite and >= 0")
        y_norm = (y_new - self._y_train_mean) / self._y_train_std
        if self.y_train_.ndim == 1:
            y_norm = y_norm.reshape(m)
        else:
            y_norm = y_norm.reshape(m, self.y_train_.shape[1])
        d = self.n_features_in_
        spec = self.kernel_._spec(d)
        n = self.X_train_.shape[0]
        L = np.zeros((n + m, n + m))
        L[:n, :n] = self.L_
        X_all = np.vstack([self.X_train_, X_new])
        kself = _core.kernel_diag(spec, X_new) + alpha_new + self.jitter_
        kcols = _core.kernel_matrix(spec, X_all[:n + m - 1], X_new)  # (n + m - 1, m)
        for j in range(m):
            size = n + j
            Lbig = np.ascontiguousarray(L[:size + 1, :size + 1])
            _core.gp_cholesky_append(Lbig, size, np.ascontiguousarray(kcols[:size, j]),
                                     float(kself[j]))
            L[size, :size + 1] = Lbig[size]
        self.L_ = L
        self.X_train_ = X_all
        self.y_train_ = np.concatenate([self.y_train_, y_norm], axis=0)
        self._noise = np.concatenate([self._noise, alpha_new])
        y2d = self._y2d()
        alpha = _core.gp_cho_solve(self.L_, y2d)
        self.alpha_ = alpha if self.y_train_.ndim == 2 else alpha[:, 0]
        n_all = n + m
        self.log_marginal_likelihood_value_ = float(
            -0.5 * np.sum(y2d * alpha) - y2d.shape[1] * np.sum(np.log(np.diag(self.L_)))
            - 0.5 * n_all * y2d.shape[1] * np.log(2 * np.pi))
        return self

    def copy(self) -> "GaussianProcessRegressor":
        """A deep copy (for fantasies that must not touch the original).

        Examples
        --------
        >>> gp = GaussianProcessRegressor().fit([[0.0]], [1.0])
        >>> gp.copy().add_observation([[1.0]], [0.0]).X_train_.shape, gp.X_train_.shape
        ((2, 1), (1, 1))
        """
        return copy.deepcopy(self)

    # ------------------------------------------------------------------ sampling and scoring
    def sample_y(self, X, n_samples: int = 1, random_state: RandomState = 0) -> np.ndarray:
        """Draw functions from the GP (posterior after ``fit``, prior before) at X.

        Parameters
        ----------
        X : array-like of shape (n_query, n_features)
        n_samples : int, default=1
        random_state : int, Generator or None, default=0

        Returns
        -------
        samples : ndarray of shape (n_query, n_samples) or (n_query, n_targets, n_samples)

        Examples
        --------
        >>> gp = GaussianProcessRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
        >>> gp.sample_y([[0.5], [2.0]], n_samples=3, random_state=1).shape
        (2, 3)
        """
        check_scalar(n_samples, "n_samples", kind=numbers.Integral, low=1)
        rng = check_random_state(random_state)
        mean, cov = self.predict(X, return_cov=True)
        if mean.ndim == 1:
            return _mvn_samples(mean, cov, n_samples, rng).T
        return np.stack([_mvn_samples(mean[:, t], cov[:, :, t], n_samples, rng).T
                         for t in range(mean.shape[1])], axis=1)

    def score(self, X, y, sample_weight=None) -> float:
        """Coefficient of determination R² of the predictions (uniform over outputs).

        Examples
        --------
        >>> gp = GaussianProcessRegressor().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 4.0])
        >>> gp.score([[0.0], [1.0], [2.0]], [0.0, 1.0, 4.0]) > 0.99
        True
        """
        X, y = check_X_y(X, y, multi_output=True)
        pred = self.predict(X)
        y2 = y.reshape(y.shape[0], -1)
        p2 = np.asarray(pred).reshape(y.shape[0], -1)
        w = np.ones(y.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
        ss_res = np.sum(w[:, None] * (y2 - p2) ** 2, axis=0)
        ybar = np.average(y2, axis=0, weights=w)
        ss_tot = np.sum(w[:, None] * (y2 - ybar) ** 2, axis=0)
        r2 = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1),
                      np.where(ss_res > 0, 0.0, 1.0))
        return float(np.mean(r2))


def _mvn_samples(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator
                 ) -> np.ndarray:
    """Samples of N(mean, cov) via a jittered Cholesky (eigen-decomposition as fallback)."""
    m = mean.shape[0]
    z = rng.standard_normal((n, m))
    scale = max(float(np.mean(np.diag(cov))), 1e-300) if m else 1.0
    for jitter in (0.0, 1e-12, 1e-10, 1e-8):
        try:
            L = np.linalg.cholesky(cov + jitter * scale * np.eye(m))
            return mean + z @ L.T
        except np.linalg.LinAlgError:
            continue
    w, V = np.linalg.eigh(cov)
    return mean + (z * np.sqrt(np.clip(w, 0.0, None))) @ V.T
