"""Likelihood ratios from calibrated classifiers (carl's ``ratios`` API, maintained).

Convention, everywhere in this module: r(x) = p(x | θ0) / p(x | θ1) -- the **numerator** p0 is
labelled y = 0 and the **denominator** p1 is labelled y = 1.  A classifier s(x) ~ P(y=1 | x)
trained on balanced samples gives r(x) = (1 - s(x)) / s(x); calibrating s on held-out data makes
the estimate exact in the limit of enough data even when s is not (Cranmer, Pavez & Louppe,
"Approximating likelihood ratios with calibrated discriminative classifiers",
arXiv:1506.02169).

- :class:`ClassifierRatio`: r from a (calibrated) classifier, trained on data or on samples
  drawn from two distributions.
- :class:`DecomposedRatio`: for mixtures, r from the ratios of their components, recombined
  with the mixture weights at predict time (sec. 3.2 of the paper), so new weights need no refit.
- :class:`KnownDensityRatio` (exact, for validation) and :class:`InverseRatio`.
- :class:`ParameterizedRatio`: r(x | θ0, θ1 = reference) for every θ0 with one parameterized
  classifier; :class:`AmortizedRatio`: r(x, θ) = p(x | θ) / p(x) from joint versus shuffled
  pairs (Hermans, Begy & Louppe, "Likelihood-free MCMC with amortized approximate ratio
  estimators", arXiv:1903.04057), i.e. a posterior over θ for any observation.
"""
from __future__ import annotations

import numbers
from typing import Any, List, Optional

import numpy as np
from scipy import special

from ._estimator import BaseEstimator
from ._validation import (RandomState, check_array, check_is_fitted, check_random_state,
                          seed_from_random_state)
from .learning.calibration import CalibratedClassifierCV, clone_estimator

__all__ = ["ClassifierRatio", "DecomposedRatio", "KnownDensityRatio", "InverseRatio",
           "ParameterizedRatio", "AmortizedRatio", "classifier_log_ratio", "reweighting_test"]


def _check_binary_y(y: Any, n: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"y must be 1-D with one label per row of X ({n}), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinity; labels must be 0 (numerator) or 1 "
                         "(denominator)")
    u = np.unique(y)
    if not np.all(np.isin(u, [0, 1])):
        raise ValueError(f"y must hold only 0 (numerator p0) and 1 (denominator p1), got "
                         f"classes {u[:5].tolist()}")
    if u.size < 2:
        raise ValueError(f"y holds only class {u.tolist()}; a ratio needs samples of both the "
                         "numerator (0) and the denominator (1)")
    return y.astype(np.float64)


def classifier_log_ratio(clf: Any, X: np.ndarray, log_prior_ratio: float = 0.0) -> np.ndarray:
    """log r(x) = log P(y=0|x) - log P(y=1|x) - log(π0 / π1) from a fitted binary classifier.

    Uses ``predict_log_ratio`` (calibrated classifiers), else ``decision_function`` of a
    binary classifier (a logit), else ``predict_log_proba`` / ``predict_proba``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> clf = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> classifier_log_ratio(clf, np.array([[0.0]])) > 0
    array([ True])
    """
    if hasattr(clf, "predict_log_ratio"):
        return np.asarray(clf.predict_log_ratio(X), dtype=float)
    if hasattr(clf, "decision_function"):
        s = np.asarray(clf.decision_function(X), dtype=float)
        if s.ndim == 1:
            return -s - log_prior_ratio
    if hasattr(clf, "predict_log_proba"):
        lp = np.asarray(clf.predict_log_proba(X), dtype=float)
    else:
        with np.errstate(divide="ignore"):
            lp = np.log(np.asarray(clf.predict_proba(X), dtype=float))
    return lp[:, 0] - lp[:, 1] - log_prior_ratio


def _draw(dist: Any, n: int, rng: np.random.Generator, name: str) -> np.ndarray:
    if hasattr(dist, "rvs"):
        X = dist.rvs(n, random_state=rng)
    elif callable(dist):
        X = dist(n, rng)
    else:
        raise TypeError(f"{name} must be a distribution with rvs(n, random_state) or a callable "
                        f"(n, rng) -> samples, got {type(dist).__name__}")
    X = np.asarray(X, dtype=float)
    return X[:, None] if X.ndim == 1 else X


class _RatioMixin:
    """predict/nllr/score shared by every ratio (log_ratio(X) does the work)."""

    def predict(self, X: Any, log: bool = False, **kwargs: Any) -> np.ndarray:
        """r(x) = p0(x) / p1(x) (numerator labelled 0), or log r(x) with ``log=True``."""
        lr = self._log_ratio(X, **kwargs)
        return lr if log else np.exp(lr)

    def nllr(self, X: Any, **kwargs: Any) -> float:
        """Negative log-likelihood ratio of the sample X: -sum_i log r(x_i)."""
        return float(-np.sum(self._log_ratio(X, **kwargs)))

    def score(self, X: Any, y: Any, finite_only: bool = True, **kwargs: Any) -> float:
        """Minus the mean squared error between the estimated log r(X) and reference
        log-ratios ``y`` (e.g. from :class:`KnownDensityRatio`); higher is better."""
        lr = self._log_ratio(X, **kwargs)
        y = np.asarray(y, dtype=float)
        if y.shape != lr.shape:
            raise ValueError(f"y must hold one reference log-ratio per row of X, got shape "
                             f"{y.shape} for {lr.shape}")
        ok = np.isfinite(lr) & np.isfinite(y) if finite_only else np.ones(lr.shape, bool)
        return float(-np.mean((lr[ok] - y[ok]) ** 2))


class ClassifierRatio(_RatioMixin, BaseEstimator):
    """Likelihood ratio r(x) = p0(x) / p1(x) from a classifier separating p0 (y=0) from
    p1 (y=1).

    Parameters
    ----------
    base_estimator : classifier
        E.g. ``CalibratedClassifierCV(MLPClassifier(), method="histogram")`` (recommended: a
        calibrated classifier), a bare :class:`~activesci.learning.MLPClassifier` or any
        scikit-learn classifier.  It is cloned at fit.
    random_state : int, Generator or None
        Seeds the samples drawn from ``numerator``/``denominator``.

    Attributes
    ----------
    classifier_ : the fitted classifier
    log_prior_ratio_ : float
        log(n0 / n1), removed from the classifier's odds so that unbalanced training sets still
        estimate the density ratio.

    Examples
    --------
    >>> import numpy as np
    >>> from activesci.distributions import Normal
    >>> from activesci.learning import CalibratedClassifierCV, MLPClassifier
    >>> from activesci.ratios import ClassifierRatio, KnownDensityRatio
    >>> p0, p1 = Normal(0.5, 1.0), Normal(0.0, 1.0)
    >>> clf = CalibratedClassifierCV(MLPClassifier((8,), max_iter=20, random_state=0), bins=20)
    >>> ratio = ClassifierRatio(clf, random_state=0).fit(numerator=p0, denominator=p1,
    ...                                                  n_samples=4000)
    >>> x = np.array([[-1.0], [0.0], [1.0]])
    >>> exact = KnownDensityRatio(p0, p1).predict(x, log=True)  # 0.5 x - 0.125
    >>> bool(np.max(np.abs(ratio.predict(x, log=True) - exact)) < 0.2)
    True
    """

    def __init__(self, base_estimator: Any = None, random_state: RandomState = None):
        self.base_estimator = base_estimator
        self.random_state = random_state

    def fit(self, X: Any = None, y: Any = None, numerator: Any = None, denominator: Any = None,
            n_samples: Optional[int] = None, sample_weight: Optional[Any] = None
            ) -> "ClassifierRatio":
        """Fit from data (X, y with y=0 for numerator samples, 1 for denominator samples) or
        from ``n_samples`` draws, half from each of ``numerator`` and ``denominator``.

        Returns
        -------
        self
        """
        if self.base_estimator is None:
            raise ValueError("base_estimator is required (a classifier)")
        if numerator is not None or denominator is not None:
            if X is not None or y is not None:
                raise ValueError("pass either (X, y) or (numerator, denominator, n_samples), "
                                 "not both")
            if numerator is None or denominator is None or n_samples is None:
                raise ValueError("numerator, denominator and n_samples are all needed to fit "
                                 "from samplers")
            if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) \
                    or n_samples < 4:
                raise ValueError(f"n_samples must be an integer >= 4, got {n_samples!r}")
            rng = check_random_state(self.random_state)
            n0 = int(n_samples) // 2
            X0 = _draw(numerator, n0, rng, "numerator")
            X1 = _draw(denominator, int(n_samples) - n0, rng, "denominator")
            X = np.vstack([X0, X1])
            y = np.r_[np.zeros(X0.shape[0]), np.ones(X1.shape[0])]
        elif X is None or y is None:
            raise ValueError("fit needs (X, y) or (numerator, denominator, n_samples)")
        X = check_array(X, "X", min_samples=2)
        y = _check_binary_y(y, X.shape[0])
        w = None
        if sample_weight is not None:
            w = check_array(sample_weight, "sample_weight", ndim=1)
            if w.shape[0] != X.shape[0] or (w < 0).any():
                raise ValueError("sample_weight must be non-negative, one weight per row of X")
        clf = clone_estimator(self.base_estimator)
        if self.random_state is not None:
            # seed every unset random_state of the classifier (nested ones included), so that
            # the ratio's random_state makes the whole fit reproducible
            seed = seed_from_random_state(self.random_state) % 2**31
            unset = {k: seed + i for i, (k, v) in enumerate(sorted(
                clf.get_params(deep=True).items())) if k.endswith("random_state") and v is None}
            if unset:
                clf.set_params(**unset)
        clf.fit(X, y) if w is None else clf.fit(X, y, sample_weight=w)
        self.classifier_ = clf
        W0 = np.sum(y == 0) if w is None else w[y == 0].sum()
        W1 = np.sum(y == 1) if w is None else w[y == 1].sum()
        self.log_prior_ratio_ = float(np.log(W0) - np.log(W1))
        self.n_features_in_ = X.shape[1]
        return self

    def _log_ratio(self, X):
        check_is_fitted(self, "classifier_")
        X = check_array(X, "X", n_features=self.n_features_in_, min_samples=0, allow_1d=True)
        return classifier_log_ratio(self.classifier_, X, self.log_prior_ratio_)


class KnownDensityRatio(_RatioMixin, BaseEstimator):
    """The exact ratio p0(x) / p1(x) of two distributions with known densities.

    Examples
    --------
    >>> from activesci.distributions import Normal
    >>> r = KnownDensityRatio(Normal(0.5, 1.0), Normal(0.0, 1.0))
    >>> float(r.predict([[1.0]], log=True)[0])
    0.375
    """

    def __init__(self, numerator: Any = None, denominator: Any = None):
        self.numerator = numerator
        self.denominator = denominator

    def get_params(self, deep: bool = True):
        return {"numerator": self.numerator, "denominator": self.denominator}

    def fit(self, X: Any = None, y: Any = None, **kwargs: Any) -> "KnownDensityRatio":
        """Nothing to learn; returns self."""
        return self

    def _log_ratio(self, X):
        if self.numerator is None or self.denominator is None:
            raise ValueError("KnownDensityRatio needs numerator and denominator distributions")
        return self.numerator.logpdf(X) - self.denominator.logpdf(X)


class InverseRatio(_RatioMixin, BaseEstimator):
    """1 / r for a fitted ratio r: numerator and denominator swapped.

    Examples
    --------
    >>> from activesci.distributions import Normal
    >>> r = InverseRatio(KnownDensityRatio(Normal(0.5, 1.0), Normal(0.0, 1.0)))
    >>> float(r.predict([[1.0]], log=True)[0])
    -0.375
    """

    def __init__(self, base_ratio: Any = None):
        self.base_ratio = base_ratio

    def fit(self, *args: Any, **kwargs: Any) -> "InverseRatio":
        """Nothing to learn (the base ratio is used as fitted); returns self."""
        return self

    def _log_ratio(self, X, **kwargs):
        return -self.base_ratio.predict(X, log=True, **kwargs)


class DecomposedRatio(_RatioMixin, BaseEstimator):
    """Ratio of two mixtures from the ratios of their components.

    With p0 = sum_i w0_i c_i and p1 = sum_j w1_j c_j over the distinct components c,
    p0(x) / p1(x) = sum_i w0_i / (sum_j w1_j c_j(x) / c_i(x)), so only the pairwise ratios
    c_j / c_i are learned (one classifier per unordered pair; the reverse is its inverse) and
    the weights enter at predict time (Cranmer, Pavez & Louppe, arXiv:1506.02169, sec. 3.2).
    Numerator samples are labelled 0, as everywhere in this module.

    Parameters
    ----------
    base_ratio : ClassifierRatio
        Cloned for every pair of distinct components.

    Examples
    --------
    >>> from activesci.distributions import Mixture, Normal
    >>> from activesci.learning import CalibratedClassifierCV, MLPClassifier
    >>> a, b = Normal(-1.0, 1.0), Normal(1.0, 1.0)
    >>> base = ClassifierRatio(CalibratedClassifierCV(MLPClassifier((8,), max_iter=10,
    ...                                                             random_state=0), bins=20))
    >>> r = DecomposedRatio(base, random_state=0).fit(
    ...     numerator=Mixture([a, b], [0.6, 0.4]), denominator=Mixture([a, b], [0.4, 0.6]),
    ...     n_samples=4000)
    >>> r.predict([[0.0]], log=True, numerator_weights=[0.5, 0.5]).shape
    (1,)
    """

    def __init__(self, base_ratio: Any = None, random_state: RandomState = None):
        self.base_ratio = base_ratio
        self.random_state = random_state

    def fit(self, X: Any = None, y: Any = None, numerator: Any = None, denominator: Any = None,
            n_samples: Optional[int] = None) -> "DecomposedRatio":
        """Fit the pairwise component ratios with ``n_samples`` draws per pair.

        ``numerator`` and ``denominator`` are :class:`~activesci.distributions.Mixture` s
        (a plain distribution counts as a one-component mixture); components are matched by
        identity, so share the component objects between the two mixtures.
        """
        if X is not None or y is not None:
            raise ValueError("DecomposedRatio is fitted from numerator and denominator "
                             "mixtures, not from (X, y)")
        if numerator is None or denominator is None or n_samples is None:
            raise ValueError("numerator, denominator and n_samples are required")
        if self.base_ratio is None:
            raise ValueError("base_ratio is required (e.g. a ClassifierRatio)")
        comps0, w0 = self._split(numerator)
        comps1, w1 = self._split(denominator)
        comps: List[Any] = []
        for c in comps0 + comps1:
            if not any(c is d for d in comps):
                comps.append(c)
        self.components_ = comps
        self.numerator_weights_ = self._weights_on(comps, comps0, w0)
        self.denominator_weights_ = self._weights_on(comps, comps1, w1)
        rng = check_random_state(self.random_state)
        self.ratios_ = {}
        for i in range(len(comps)):
            for j in range(i + 1, len(comps)):
                r = clone_estimator(self.base_ratio)
                r.set_params(random_state=int(rng.integers(0, 2**31)))
                r.fit(numerator=comps[i], denominator=comps[j], n_samples=n_samples)
                self.ratios_[(i, j)] = r
        return self

    @staticmethod
    def _split(m):
        if hasattr(m, "components") and hasattr(m, "_w"):
            comps, w = m._w()
            return list(comps), np.asarray(w, dtype=float)
        return [m], np.ones(1)

    @staticmethod
    def _weights_on(comps, sub, w):
        out = np.zeros(len(comps))
        for c, wi in zip(sub, w):
            k = next(i for i, d in enumerate(comps) if d is c)
            out[k] += wi
        return out

    def _check_w(self, w, default, name):
        if w is None:
            return default
        w = check_array(w, name, ndim=1)
        if w.size != len(self.components_) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"{name} must hold {len(self.components_)} non-negative weights "
                             "(one per distinct component, in components_ order)")
        return w / w.sum()

    def pairwise_log_ratios(self, X: Any) -> np.ndarray:
        """Matrix L[i, j] (per row of X) = log c_i(x) / c_j(x), shape (k, k, n)."""
        check_is_fitted(self, "ratios_")
        k = len(self.components_)
        X = check_array(X, "X", allow_1d=True, min_samples=0)
        L = np.zeros((k, k, X.shape[0]))
        for (i, j), r in self.ratios_.items():
            lr = r.predict(X, log=True)
            L[i, j] = lr
            L[j, i] = -lr
        return L

    def _log_ratio(self, X, numerator_weights=None, denominator_weights=None):
        check_is_fitted(self, "ratios_")
        w0 = self._check_w(numerator_weights, self.numerator_weights_, "numerator_weights")
        w1 = self._check_w(denominator_weights, self.denominator_weights_,
                           "denominator_weights")
        L = self.pairwise_log_ratios(X)
        return self.log_ratio_from_pairwise(L, w0, w1)

    @staticmethod
    def log_ratio_from_pairwise(L: np.ndarray, w0: Any, w1: Any) -> np.ndarray:
        """log sum_i w0_i / sum_j w1_j exp(L[j, i]) from precomputed pairwise log-ratios
        (L from :meth:`pairwise_log_ratios`): re-weighting costs no classifier evaluation."""
        with np.errstate(divide="ignore"):
            lw0, lw1 = np.log(np.asarray(w0, float)), np.log(np.asarray(w1, float))
        # inner[i] = log sum_j w1_j c_j / c_i
        inner = special.logsumexp(lw1[:, None, None] + L, axis=0)
        return special.logsumexp(lw0[:, None] - inner, axis=0)



def _keep(X: np.ndarray, n: Any, random_state: RandomState) -> np.ndarray:
    """Up to n rows of X chosen at random (all of them if there are fewer)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n_normalization must be a positive integer, got {n!r}")
    if X.shape[0] <= n:
        return np.ascontiguousarray(X)
    rng = check_random_state(random_state)
    return np.ascontiguousarray(X[np.sort(rng.choice(X.shape[0], int(n), replace=False))])


def _theta_rows(thetas: Any, n_params: int) -> np.ndarray:
    T = check_array(thetas, "thetas", ndim=None)
    if T.ndim == 0:
        return T.reshape(1, 1)
    if T.ndim == 1:
        return T[:, None] if n_params == 1 else T[None, :]
    return T


class _FixedTheta:
    """A prefit binary classifier of x alone: a parameterized classifier held at θ."""

    def __init__(self, clf, theta):
        self.clf, self.theta = clf, theta
        self.classes_ = clf.classes_
        self.fitted_ = True

    def decision_function(self, X):
        return self.clf.decision_function(X, theta=self.theta)

    def predict_proba(self, X):
        return self.clf.predict_proba(X, theta=self.theta)

    def get_params(self, deep=True):
        return {}


def _predict_with_theta(est, X: Any, theta: Any, log: bool) -> np.ndarray:
    """r (or log r) of a fitted parameterized or amortized ratio at one θ for all rows of X,
    or one θ row per row of X, self-normalized when ``est.normalize``."""
    check_is_fitted(est, "classifier_")
    from .learning.parameterized import check_theta  # noqa: PLC0415
    X = check_array(X, "X", allow_1d=True, min_samples=0)
    t = check_theta(theta, X.shape[0], est.n_params_)
    lr = classifier_log_ratio(est.classifier_.classifier_, np.hstack([X, t]),
                              est.classifier_.log_prior_ratio_)
    if est.normalize and X.shape[0]:
        uniq, inv = np.unique(t, axis=0, return_inverse=True)
        lr = lr - est._log_norm(uniq)[inv.ravel()]
    return lr if log else np.exp(lr)


class ParameterizedRatio(BaseEstimator):
    """r(x | θ) = p(x | θ) / p(x | θ_ref) for every θ from one parameterized classifier.

    Training rows (x, θ) carry y = 0 when x ~ p(x | θ) (numerator) and y = 1 when
    x ~ p(x | θ_ref) (denominator); see
    :func:`~activesci.learning.make_parameterized_data`.  Calibration at a requested θ is
    :meth:`calibrated` (carl's recipe: calibrate the classifier held at θ on fresh samples).

    Normalization.  Whatever the classifier, a density ratio must satisfy
    E_{x ~ p(x | θ_ref)}[r(x | θ)] = 1 for every θ.  A small error c(θ) in the classifier's
    offset enters a log-likelihood of n events as n c(θ) and biases a maximum-likelihood fit;
    with ``normalize=True`` each log r(· | θ) is shifted so that its mean over (up to
    ``n_normalization``) stored reference samples is one -- no new simulation is needed, and
    the reference samples are shared by all θ.

    Parameters
    ----------
    base_estimator : classifier
        Cloned at fit and trained on [X | θ].
    normalize : bool, default=True
        Self-normalize r(· | θ) on the reference samples (see above).
    n_normalization : int, default=10000
        Reference samples kept for the normalization.
    random_state : int, Generator or None
        Chooses the kept reference samples.

    Examples
    --------
    >>> import numpy as np
    >>> from activesci.learning import MLPClassifier, make_parameterized_data
    >>> sim = lambda t, n, rng: rng.normal(t, 1.0, n)
    >>> X, th, y = make_parameterized_data(sim, theta=np.linspace(-1, 1, 9), n_samples=500,
    ...                                    reference=0.0, random_state=0)
    >>> r = ParameterizedRatio(MLPClassifier((16,), max_iter=20, random_state=0))
    >>> r = r.fit(X, th, y)
    >>> r.log_ratio(np.array([[0.0], [1.0]]), thetas=[-0.5, 0.5]).shape
    (2, 2)
    """

    def __init__(self, base_estimator: Any = None, normalize: bool = True,
                 n_normalization: int = 10000, random_state: RandomState = None):
        self.base_estimator = base_estimator
        self.normalize = normalize
        self.n_normalization = n_normalization
        self.random_state = random_state

    def fit(self, X: Any, theta: Any, y: Any, sample_weight: Optional[Any] = None
            ) -> "ParameterizedRatio":
        """Fit the parameterized classifier on rows (x, θ) with y = 0 (numerator at θ) or 1
        (reference)."""
        from .learning.parameterized import ParameterizedClassifier  # noqa: PLC0415
        X = check_array(X, "X", allow_1d=True, min_samples=2)
        y = _check_binary_y(y, X.shape[0])
        self.classifier_ = ParameterizedClassifier(self.base_estimator).fit(
            X, theta, y, sample_weight=sample_weight)
        self.n_params_ = self.classifier_.n_params_
        self.normalization_samples_ = _keep(X[y == 1], self.n_normalization, self.random_state)
        return self

    def _log_norm(self, T: np.ndarray) -> np.ndarray:
        if not self.normalize:
            return np.zeros(T.shape[0])
        Lr = self.classifier_.log_ratio(self.normalization_samples_, T)
        return special.logsumexp(Lr, axis=1) - np.log(Lr.shape[1])

    def predict(self, X: Any, theta: Any, log: bool = False) -> np.ndarray:
        """r(x | θ) (or its log) at one θ for all rows, or one θ row per row of X."""
        return _predict_with_theta(self, X, theta, log)

    def log_ratio(self, X: Any, thetas: Any) -> np.ndarray:
        """Vectorized log r(x | θ) for every θ in ``thetas`` and every row of X, shape
        (n_thetas, n_samples) -- the method a "ratio" likelihood scans θ with.

        Examples
        --------
        >>> import numpy as np
        >>> from activesci.learning import MLPClassifier, make_parameterized_data
        >>> sim = lambda t, n, rng: rng.normal(t, 1.0, n)
        >>> X, th, y = make_parameterized_data(sim, theta=[-1.0, 0.0, 1.0], n_samples=300,
        ...                                    reference=0.0, random_state=0)
        >>> r = ParameterizedRatio(MLPClassifier((8,), max_iter=5, random_state=0)).fit(X, th, y)
        >>> r.log_ratio(np.zeros((4, 1)), thetas=np.linspace(-1, 1, 5)).shape
        (5, 4)
        """
        check_is_fitted(self, "classifier_")
        L = self.classifier_.log_ratio(X, thetas)
        if self.normalize:
            L = L - self._log_norm(_theta_rows(thetas, self.n_params_))[:, None]
        return L

    def nllr(self, X: Any, thetas: Any) -> np.ndarray:
        """-sum_i log r(x_i | θ) for every θ in ``thetas``, shape (n_thetas,)."""
        return -self.log_ratio(X, thetas).sum(axis=1)

    def calibrated(self, theta: Any, numerator_samples: Any, reference_samples: Any,
                   method: str = "histogram", bins: Any = "auto") -> "ClassifierRatio":
        """A :class:`ClassifierRatio` at fixed θ whose classifier is this one held at θ and
        calibrated on samples of p(x | θ) (``numerator_samples``) and of the reference."""
        check_is_fitted(self, "classifier_")
        X0 = check_array(numerator_samples, "numerator_samples", allow_1d=True)
        X1 = check_array(reference_samples, "reference_samples", allow_1d=True)
        fixed = _FixedTheta(self.classifier_, theta)
        cal = CalibratedClassifierCV(fixed, method=method, bins=bins, cv="prefit")
        cal.fit(np.vstack([X0, X1]), np.r_[np.zeros(len(X0)), np.ones(len(X1))])
        out = ClassifierRatio(cal)
        out.classifier_ = cal
        out.log_prior_ratio_ = 0.0
        out.n_features_in_ = X0.shape[1]
        return out


class AmortizedRatio(BaseEstimator):
    """Amortized ratio r(x, θ) = p(x | θ) / p(x) from joint versus marginal pairs.

    Joint pairs (x_i, θ_i) with x_i ~ p(x | θ_i), θ_i ~ p(θ), are labelled 0 (numerator
    p(x, θ)); the same x paired with shuffled θ are labelled 1 (denominator p(x) p(θ)).  The
    classifier's odds give r(x, θ), hence the posterior p(θ | x) = p(θ) r(x, θ) for any
    observation with one network (AALR: Hermans, Begy & Louppe, arXiv:1903.04057).

    Parameters
    ----------
    base_estimator : classifier
    n_shuffles : int, default=1
        Shuffled copies of θ (marginal pairs) per joint pair.
    normalize : bool, default=True
        Shift log r(·, θ) so that its mean over (up to ``n_normalization``) training x --
        samples of the marginal p(x) -- is one, as E_{p(x)}[r(x, θ)] = 1 requires (see
        :class:`ParameterizedRatio`).
    n_normalization : int, default=10000
    random_state : int, Generator or None
        Seeds the shuffles and the kept normalization samples.

    Examples
    --------
    >>> import numpy as np
    >>> from activesci.learning import MLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.uniform(-2, 2, 4000); X = rng.normal(theta, 0.5)[:, None]
    >>> r = AmortizedRatio(MLPClassifier((32,), max_iter=30, random_state=0), random_state=0)
    >>> r = r.fit(X, theta)
    >>> grid = np.linspace(-2, 2, 81)
    >>> post = r.log_posterior(np.array([[1.0]]), grid)
    >>> round(float(grid[np.argmax(post)]), 0)
    1.0
    """

    def __init__(self, base_estimator: Any = None, n_shuffles: int = 1, normalize: bool = True,
                 n_normalization: int = 10000, random_state: RandomState = None):
        self.base_estimator = base_estimator
        self.n_shuffles = n_shuffles
        self.normalize = normalize
        self.n_normalization = n_normalization
        self.random_state = random_state

    def fit(self, X: Any, theta: Any) -> "AmortizedRatio":
        """Fit on joint samples: row i of X was simulated at row i of θ (θ from the prior)."""
        from .learning.parameterized import ParameterizedClassifier, check_theta  # noqa
        X = check_array(X, "X", allow_1d=True, min_samples=2)
        t = check_theta(theta, X.shape[0], None)
        if isinstance(self.n_shuffles, bool) or not isinstance(self.n_shuffles,
                                                               numbers.Integral) \
                or self.n_shuffles < 1:
            raise ValueError(f"n_shuffles must be a positive integer, got {self.n_shuffles!r}")
        rng = check_random_state(self.random_state)
        k = int(self.n_shuffles)
        Xs = np.vstack([X] * (k + 1))
        ts = np.vstack([t] + [t[rng.permutation(X.shape[0])] for _ in range(k)])
        y = np.r_[np.zeros(X.shape[0]), np.ones(k * X.shape[0])]
        self.classifier_ = ParameterizedClassifier(self.base_estimator).fit(Xs, ts, y)
        self.n_params_ = t.shape[1]
        self.normalization_samples_ = _keep(X, self.n_normalization, rng)
        return self

    _log_norm = ParameterizedRatio._log_norm

    def log_ratio(self, X: Any, thetas: Any) -> np.ndarray:
        """log r(x, θ) = log p(x | θ) - log p(x), shape (n_thetas, n_samples)."""
        check_is_fitted(self, "classifier_")
        L = self.classifier_.log_ratio(X, thetas)
        if self.normalize:
            L = L - self._log_norm(_theta_rows(thetas, self.n_params_))[:, None]
        return L

    def predict(self, X: Any, theta: Any, log: bool = False) -> np.ndarray:
        """r(x, θ) with one θ for all rows or one θ row per row of X."""
        return _predict_with_theta(self, X, theta, log)

    def log_posterior(self, X: Any, thetas: Any, log_prior: Optional[Any] = None
                      ) -> np.ndarray:
        """log p(θ | x_1..x_n) on the points ``thetas`` for the i.i.d. observations X:
        log prior + sum_i log r(x_i, θ), normalized to sum to one over the points (the prior
        defaults to the training prior, i.e. a flat log_prior on the grid)."""
        lr = self.log_ratio(X, thetas).sum(axis=1)
        if log_prior is not None:
            lr = lr + np.asarray(log_prior, dtype=float)
        return lr - special.logsumexp(lr)


def reweighting_test(X0: Any, X1: Any, ratio: Any, classifier: Any = None, test_size: float = 0.5,
                     random_state: RandomState = None) -> dict:
    """The reweighting diagnostic: if r = p0 / p1 is right, samples of p1 weighted by r(x)
    are distributed as p0, and no classifier can tell them apart (ROC AUC = 0.5).

    A classifier is trained on half of X0 (label 0) against half of X1 weighted by r (label 1)
    and scored on the other halves with the same weights; for comparison a second classifier
    is trained and scored without the weights (its AUC shows how different p0 and p1 are).

    Parameters
    ----------
    X0, X1 : array-like of shape (n, n_features)
        Samples of the numerator p0 and of the denominator p1.
    ratio : fitted ratio with ``predict(X, log=True)``
    classifier : classifier, optional
        Default: a small :class:`~activesci.learning.MLPClassifier`.
    test_size : float
    random_state : int, Generator or None

    Returns
    -------
    dict with ``auc_weighted`` (≈ 0.5 for a good ratio), ``auc_unweighted``, and the test
    arrays ``y``, ``weights``, ``scores_weighted``, ``scores_unweighted`` (for
    :func:`activesci.plots.plot_reweighting`).

    Examples
    --------
    >>> from activesci.distributions import Normal
    >>> p0, p1 = Normal(0.5, 1.0), Normal(0.0, 1.0)
    >>> out = reweighting_test(p0.rvs(2000, random_state=0), p1.rvs(2000, random_state=1),
    ...                        KnownDensityRatio(p0, p1), random_state=0)
    >>> bool(abs(out["auc_weighted"] - 0.5) < 0.05), bool(out["auc_unweighted"] > 0.55)
    (True, True)
    """
    from .learning import MLPClassifier  # noqa: PLC0415
    X0 = check_array(X0, "X0", allow_1d=True, min_samples=4)
    X1 = check_array(X1, "X1", allow_1d=True, min_samples=4, n_features=X0.shape[1])
    rng = check_random_state(random_state)
    w1 = np.exp(np.clip(ratio.predict(X1, log=True), -50, 50))
    if not np.isfinite(w1).all():
        raise ValueError("the ratio gave non-finite weights on X1")
    i0, i1 = rng.permutation(X0.shape[0]), rng.permutation(X1.shape[0])
    k0, k1 = int(X0.shape[0] * (1 - test_size)), int(X1.shape[0] * (1 - test_size))
    Xtr = np.vstack([X0[i0[:k0]], X1[i1[:k1]]])
    ytr = np.r_[np.zeros(k0), np.ones(k1)]
    wtr = np.r_[np.ones(k0), w1[i1[:k1]] * k0 / w1[i1[:k1]].sum()]
    Xte = np.vstack([X0[i0[k0:]], X1[i1[k1:]]])
    yte = np.r_[np.zeros(X0.shape[0] - k0), np.ones(X1.shape[0] - k1)]
    wte = np.r_[np.ones(X0.shape[0] - k0), w1[i1[k1:]]]
    seed = int(rng.integers(0, 2**31))
    out = {}
    for key, wtrain, wtest in (("unweighted", np.ones_like(wtr), np.ones_like(wte)),
                               ("weighted", wtr, wte)):
        clf = clone_estimator(classifier) if classifier is not None else MLPClassifier(
            (16,), max_iter=30, random_state=seed)
        clf.fit(Xtr, ytr, sample_weight=wtrain)
        scores = np.asarray(clf.predict_proba(Xte))[:, 1]
        out[f"auc_{key}"] = _auc(yte, scores, wtest)
        out[f"scores_{key}"] = scores
    out.update(y=yte, scores=out["scores_weighted"], weights=wte)
    return out


def _auc(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> float:
    """Weighted ROC AUC: P(s1 > s0) with ties counted one half (Mann-Whitney)."""
    order = np.argsort(s, kind="mergesort")
    s, y, w = s[order], y[order], w[order]
    w0 = np.where(y == 0, w, 0.0)
    w1 = np.where(y == 1, w, 0.0)
    # group ties
    uniq, start = np.unique(s, return_index=True)
    g0 = np.add.reduceat(w0, start)
    g1 = np.add.reduceat(w1, start)
    below0 = np.cumsum(g0) - g0
    num = np.sum(g1 * (below0 + 0.5 * g0))
    den = g0.sum() * g1.sum()
    return float(num / den) if den > 0 else float("nan")
