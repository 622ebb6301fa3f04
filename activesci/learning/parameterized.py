"""Parameterized classifiers: the parameters θ are an explicit input, not global state.

A classifier trained on rows (x, θ) learns s(x, θ) for a whole family of hypotheses at once;
carl's "parameterized classifier" (Cranmer, Pavez & Louppe, arXiv:1506.02169, sec. 3.3;
Baldi et al., "Parameterized neural networks for high-energy physics", arXiv:1601.07913).
Convention: rows drawn from the numerator p(x | θ) carry y = 0, rows from the reference
(denominator) y = 1, so the log-ratio is log p(x | θ) - log p(x | θ_ref).
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Tuple

import numpy as np

from .._estimator import BaseEstimator
from .._validation import RandomState, check_array, check_is_fitted, check_random_state
from .calibration import clone_estimator

__all__ = ["ParameterStacker", "ParameterizedClassifier", "make_parameterized_data",
           "check_theta"]

_CHUNK_ROWS = 1 << 20


def check_theta(theta: Any, n_rows: int, n_params: Optional[int], name: str = "theta"
                ) -> np.ndarray:
    """Broadcast θ to one row per sample: a scalar or a (p,) vector is repeated; an (n, p)
    array must have n_rows rows.  Returns (n_rows, p).

    Examples
    --------
    >>> check_theta(0.5, 3, 1).shape
    (3, 1)
    >>> check_theta([[0.1], [0.2]], 2, 1)[:, 0]
    array([0.1, 0.2])
    """
    t = check_array(theta, name, ndim=None)
    if t.ndim == 0:
        t = t.reshape(1, 1)
    if t.ndim == 1:
        # one θ vector for all rows, or one scalar θ per row
        if n_params is not None:
            per_row = t.size != n_params and n_params == 1 and t.size == n_rows
        else:
            per_row = t.size == n_rows and n_rows > 1
        t = t[:, None] if per_row else t[None, :]
    if t.ndim != 2:
        raise ValueError(f"{name} must be a scalar, a (n_params,) vector or an "
                         f"(n_samples, n_params) array, got shape {t.shape}")
    if n_params is not None and t.shape[1] != n_params:
        raise ValueError(f"{name} has {t.shape[1]} parameter(s) per row but {n_params} were "
                         "seen in fit")
    if t.shape[0] == 1 and n_rows != 1:
        t = np.repeat(t, n_rows, axis=0)
    if t.shape[0] != n_rows:
        raise ValueError(f"{name} has {t.shape[0]} rows but X has {n_rows}; pass one θ for "
                         "all rows or one row of θ per sample")
    return np.ascontiguousarray(t)


class ParameterStacker(BaseEstimator):
    """Append the parameters θ to the features: [X | θ] (a stateless transformer).

    θ is broadcast as in :func:`check_theta`; give ``n_params`` (or a 2-D θ) to remove the
    ambiguity of a 1-D θ whose length equals the number of rows.

    Examples
    --------
    >>> import numpy as np
    >>> ParameterStacker(n_params=2).transform(np.zeros((2, 1)), theta=[1.0, 2.0])
    array([[0., 1., 2.],
           [0., 1., 2.]])
    >>> ParameterStacker(n_params=1).transform(np.zeros((2, 1)), theta=[1.0, 2.0])
    array([[0., 1.],
           [0., 2.]])
    """

    def __init__(self, n_params: Optional[int] = None):
        self.n_params = n_params

    def fit(self, X: Any = None, theta: Any = None) -> "ParameterStacker":
        """Stateless; returns self."""
        return self

    def transform(self, X: Any, theta: Any) -> np.ndarray:
        """[X | θ] with θ broadcast to every row (see :func:`check_theta`)."""
        X = check_array(X, "X", allow_1d=True, min_samples=0)
        t = check_theta(theta, X.shape[0], self.n_params)
        return np.hstack([X, t])


class ParameterizedClassifier(BaseEstimator):
    """A classifier of (x, θ): any classifier fitted on [X | θ].

    Parameters
    ----------
    base_estimator : classifier
        Cloned at fit (e.g. :class:`~activesci.learning.MLPClassifier`).

    Attributes
    ----------
    classifier_ : the fitted classifier on [X | θ]
    n_params_ : int
    log_prior_ratio_ : float
        log(n0 / n1) of the training labels.

    Examples
    --------
    >>> import numpy as np
    >>> from activesci.learning import MLPClassifier, ParameterizedClassifier
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.uniform(-1, 1, 2000)
    >>> X = np.r_[rng.normal(theta, 1.0), rng.normal(0.0, 1.0, 2000)][:, None]
    >>> y = np.r_[np.zeros(2000), np.ones(2000)]
    >>> clf = ParameterizedClassifier(MLPClassifier((16,), max_iter=20, random_state=0))
    >>> clf = clf.fit(X, np.r_[theta, theta], y)
    >>> clf.predict_proba(X[:3], theta=0.5).shape
    (3, 2)
    >>> clf.log_ratio(X[:3], thetas=[-0.5, 0.0, 0.5]).shape
    (3, 3)
    """

    _estimator_type = "classifier"

    def __init__(self, base_estimator: Any = None):
        self.base_estimator = base_estimator

    def fit(self, X: Any, theta: Any, y: Any, sample_weight: Optional[Any] = None
            ) -> "ParameterizedClassifier":
        """Fit on rows (x, θ) with labels y; θ is one row per sample (or one θ for all)."""
        if self.base_estimator is None:
            raise ValueError("base_estimator is required (a classifier)")
        X = check_array(X, "X", allow_1d=True)
        t = check_theta(theta, X.shape[0], None)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be 1-D with one label per row of X ({X.shape[0]}), got "
                             f"shape {y.shape}")
        self.n_features_in_ = X.shape[1]
        self.n_params_ = t.shape[1]
        clf = clone_estimator(self.base_estimator)
        Z = np.hstack([X, t])
        clf.fit(Z, y) if sample_weight is None else clf.fit(Z, y, sample_weight=sample_weight)
        self.classifier_ = clf
        self.classes_ = getattr(clf, "classes_", np.unique(y))
        counts = np.array([np.sum(y == c) for c in self.classes_], dtype=float)
        self.log_prior_ratio_ = float(np.log(counts[0]) - np.log(counts[-1]))
        return self

    def _stack(self, X, theta):
        check_is_fitted(self, "classifier_")
        X = check_array(X, "X", allow_1d=True, min_samples=0, n_features=self.n_features_in_)
        return np.hstack([X, check_theta(theta, X.shape[0], self.n_params_)])

    def predict_proba(self, X: Any, theta: Any) -> np.ndarray:
        """Class probabilities at (x, θ); θ is one vector for all rows or one row per row."""
        return self.classifier_.predict_proba(self._stack(X, theta))

    def decision_function(self, X: Any, theta: Any) -> np.ndarray:
        """Decision function of the base classifier at (x, θ)."""
        return self.classifier_.decision_function(self._stack(X, theta))

    def predict(self, X: Any, theta: Any) -> np.ndarray:
        """Predicted classes at (x, θ)."""
        return self.classifier_.predict(self._stack(X, theta))

    def log_ratio(self, X: Any, thetas: Any) -> np.ndarray:
        """Vectorized log r(x | θ) = log p(x | θ) - log p(x | θ_ref) for every θ in ``thetas``
        and every row of X: shape (n_thetas, n_samples).

        The rows (x, θ) are stacked for all θ at once and evaluated in large chunks (one C call
        per chunk for :class:`~activesci.learning.MLPClassifier`).
        """
        from ..ratios import classifier_log_ratio  # noqa: PLC0415
        check_is_fitted(self, "classifier_")
        X = check_array(X, "X", allow_1d=True, min_samples=0, n_features=self.n_features_in_)
        T = check_array(thetas, "thetas", ndim=None)
        if T.ndim == 0:
            T = T.reshape(1, 1)
        elif T.ndim == 1:
            T = T[:, None] if self.n_params_ == 1 else T[None, :]
        if T.ndim != 2 or T.shape[1] != self.n_params_:
            raise ValueError(f"thetas must be a list of θ values, shape (n_thetas, "
                             f"{self.n_params_}), got shape {np.shape(thetas)}")
        n, k = X.shape[0], T.shape[0]
        out = np.empty((k, n))
        per = max(1, _CHUNK_ROWS // max(n, 1))
        for s in range(0, k, per):
            Tb = T[s:s + per]
            Z = np.hstack([np.tile(X, (Tb.shape[0], 1)), np.repeat(Tb, n, axis=0)])
            out[s:s + Tb.shape[0]] = classifier_log_ratio(
                self.classifier_, Z, self.log_prior_ratio_).reshape(Tb.shape[0], n)
        return out


def _simulate(simulator: Any, theta_rows: np.ndarray, n: int, rng: np.random.Generator,
              phi: Any) -> np.ndarray:
    """Events (n_theta, n, d) from an activesci Simulator or a callable f(theta, n, rng)."""
    if hasattr(simulator, "simulate"):
        out = np.asarray(simulator.simulate(theta_rows if theta_rows.shape[1] > 1
                                            else theta_rows[:, 0], phi, n,
                                            random_state=rng), dtype=float)
        if out.ndim == 2:
            out = out[:, :, None]
        return out.reshape(theta_rows.shape[0], n, -1)
    if not callable(simulator):
        raise TypeError("simulator must be an activesci Simulator or a callable "
                        "f(theta, n, rng) -> (n, n_features) array")
    rows = []
    for t in theta_rows:
        x = np.asarray(simulator(t if t.size > 1 else float(t[0]), n, rng), dtype=float)
        rows.append(x.reshape(n, -1))
    return np.stack(rows)


def make_parameterized_data(simulator: Any, theta: Any = None, n_samples: int = 1000,
                            reference: Any = None, *, prior: Any = None, n_theta: int = 20,
                            phi: Any = None, random_state: RandomState = None
                            ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training data for a parameterized ratio p(x | θ) / p(x | θ_ref).

    For every θ of a grid (``theta``) or of ``n_theta`` draws from ``prior`` (anything with
    ``rvs(n, random_state)``), ``n_samples`` events are simulated at θ (label 0, numerator)
    and ``n_samples`` at the reference (label 1, denominator); both carry θ as input.

    Parameters
    ----------
    simulator : Simulator or callable
        An activesci simulator (``simulate(theta, phi, n, random_state)``) or a function
        ``f(theta, n, rng) -> (n, n_features)``.
    theta : array-like of shape (n_theta,) or (n_theta, n_params), optional
    n_samples : int
        Events per θ and class.
    reference : float or array-like of shape (n_params,)
        θ_ref of the denominator.
    prior : distribution, optional
        Draws ``n_theta`` parameter points instead of a grid.
    phi : optional
        The design, passed to an activesci simulator.
    random_state : int, Generator or None

    Returns
    -------
    X : (2 n_theta n_samples, n_features), theta : (same rows, n_params), y : (same rows,)

    Examples
    --------
    >>> import numpy as np
    >>> sim = lambda t, n, rng: rng.normal(t, 1.0, n)
    >>> X, th, y = make_parameterized_data(sim, theta=[0.0, 1.0], n_samples=5, reference=0.5,
    ...                                    random_state=0)
    >>> X.shape, th.shape, int(y.sum())
    ((20, 1), (20, 1), 10)
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) \
            or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if reference is None:
        raise ValueError("reference (θ of the denominator) is required")
    rng = check_random_state(random_state)
    if (theta is None) == (prior is None):
        raise ValueError("pass exactly one of theta (a grid) and prior (a distribution)")
    if prior is not None:
        T = np.asarray(prior.rvs(n_theta, random_state=rng), dtype=float)
    else:
        T = check_array(theta, "theta", ndim=None)
    if T.ndim == 0:
        T = T.reshape(1, 1)
    elif T.ndim == 1:
        T = T[:, None]
    ref = check_array(reference, "reference", ndim=None).reshape(1, -1)
    if ref.shape[1] != T.shape[1]:
        raise ValueError(f"reference has {ref.shape[1]} parameter(s) but theta has "
                         f"{T.shape[1]}")
    num = _simulate(simulator, T, int(n_samples), rng, phi)
    den = _simulate(simulator, ref, int(n_samples) * T.shape[0], rng, phi)[0]
    d = num.shape[2]
    X = np.vstack([num.reshape(-1, d), den.reshape(-1, d)])
    th = np.vstack([np.repeat(T, n_samples, axis=0), np.repeat(T, n_samples, axis=0)])
    y = np.r_[np.zeros(num.shape[0] * n_samples), np.ones(num.shape[0] * n_samples)]
    return X, th, y
