"""Probability calibration of binary classifiers (carl's ``CalibratedClassifierCV``).

A classifier trained to separate samples of p0 (label 0) from samples of p1 (label 1) gives a
score s(x) that is monotone in the likelihood ratio r(x) = p0(x) / p1(x) but rarely its exact
transform.  Calibration estimates the class-conditional densities of the score, p0(s) and
p1(s), on held-out data; their ratio p0(s(x)) / p1(s(x)) equals r(x) whenever s is a
one-to-one function of r (Cranmer, Pavez & Louppe, arXiv:1506.02169, eq. 8).  Histogram and
isotonic (pool-adjacent-violators) calibrations run in the C core.
"""
from __future__ import annotations

import numbers
from typing import Any, List, Optional

import numpy as np

from .. import _core
from .._estimator import BaseEstimator
from .._validation import (RandomState, check_array, check_is_fitted, check_random_state)

__all__ = ["CalibratedClassifierCV", "score_of", "clone_estimator", "softplus"]

_METHODS = ("histogram", "kde", "isotonic", "interpolated-isotonic", "sigmoid")


def clone_estimator(est: Any) -> Any:
    """An unfitted copy with the same parameters (``sklearn.base.clone`` semantics).

    Examples
    --------
    >>> from activesci.learning import MLPClassifier
    >>> clone_estimator(MLPClassifier(alpha=0.5)).alpha
    0.5
    """
    try:
        from sklearn.base import clone  # noqa: PLC0415
        return clone(est)
    except ImportError:  # pragma: no cover - scikit-learn is optional at run time
        return type(est)(**est.get_params(deep=False))


def score_of(clf: Any, X: np.ndarray) -> np.ndarray:
    """A one-dimensional score increasing with p(y=1|x): the decision function of a binary
    classifier when it has one, else the logit of ``predict_proba(X)[:, 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> clf = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> score_of(clf, np.array([[0.0], [3.0]])).shape
    (2,)
    """
    if hasattr(clf, "decision_function"):
        s = np.asarray(clf.decision_function(X), dtype=float)
        if s.ndim == 1:
            return s
    p = np.asarray(clf.predict_proba(X), dtype=float)[:, 1]
    p = np.clip(p, 1e-15, 1.0 - 1e-15)
    return np.log(p) - np.log1p(-p)


_AUTO_BINS = (5, 8, 12, 18, 27, 40, 60, 90, 135, 200)


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow (several times faster than ``np.logaddexp(0, z)``).

    Examples
    --------
    >>> softplus(np.array([-800.0, 0.0, 800.0])).round(4).tolist()
    [0.0, 0.6931, 800.0]
    """
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def _quantile_edges(s_sorted: np.ndarray, nb: int) -> np.ndarray:
    """Equal-frequency edges of an already sorted sample (ties merged)."""
    pos = np.linspace(0.0, s_sorted.size - 1, nb + 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, s_sorted.size - 1)
    q = s_sorted[lo] + (pos - lo) * (s_sorted[hi] - s_sorted[lo])
    edges = np.unique(q)
    if edges.size < 2:
        edges = np.array([s_sorted[0] - 0.5, s_sorted[0] + 0.5])
    return edges


def _cv_bins(s0: np.ndarray, s1: np.ndarray, w0, w1, rng_seed: int = 0) -> int:
    """Number of equal-frequency bins by two-fold cross-validation of the held-out
    log-likelihood of the labels given the score (the bins trade variance, ~bins / n, against
    the bias of a coarse step function; the best number depends on the problem)."""
    rng = np.random.default_rng(rng_seed)
    f0 = rng.permutation(s0.size) % 2 == 1
    f1 = rng.permutation(s1.size) % 2 == 1
    w0 = np.ones(s0.size) if w0 is None else w0
    w1 = np.ones(s1.size) if w1 is None else w1
    folds = []
    for k in (False, True):  # train on the other fold, score on this one
        t0, t1, v0, v1 = f0 != k, f1 != k, f0 == k, f1 == k
        a0, a1 = np.ascontiguousarray(s0[t0]), np.ascontiguousarray(s1[t1])
        folds.append((a0, a1, np.ascontiguousarray(w0[t0]), np.ascontiguousarray(w1[t1]),
                      np.sort(np.r_[a0, a1]), np.ascontiguousarray(s0[v0]),
                      np.ascontiguousarray(s1[v1]), w0[v0], w1[v1],
                      np.log(w0[t0].sum()) - np.log(w1[t1].sum())))
    max_bins = max(2, min(s0.size, s1.size) // 10)
    best, best_ll = 2, -np.inf
    for nb in _AUTO_BINS:
        if nb > max_bins and nb != _AUTO_BINS[0]:
            break
        ll = 0.0
        for a0, a1, wa0, wa1, pooled, b0, b1, wb0, wb1, lp in folds:
            edges = _quantile_edges(pooled, nb)
            d0 = _core.hist_density(a0, wa0, edges, 0.5)
            d1 = _core.hist_density(a1, wa1, edges, 0.5)
            # log P(y | s) of the held-out fold, y = 0 for b0 and 1 for b1
            lrb = np.log(d0) - np.log(d1) + lp
            lr0 = _core.hist_eval(edges, lrb, b0)
            lr1 = _core.hist_eval(edges, lrb, b1)
            ll -= np.sum(wb0 * softplus(-lr0)) + np.sum(wb1 * softplus(lr1))  # (no BLAS)
        if ll > best_ll:
            best, best_ll = nb, ll
    return best


def _auto_edges(s0: np.ndarray, s1: np.ndarray, w0, w1, bins: Any) -> np.ndarray:
    s = np.sort(np.r_[s0, s1])
    if isinstance(bins, str):
        return _quantile_edges(s, _cv_bins(s0, s1, w0, w1))
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        return _quantile_edges(s, int(bins))
    edges = check_array(bins, "bins", ndim=1)
    if edges.size < 3:
        raise ValueError(f"bins as edges must hold at least 3 values (2 bins), got {edges.size}")
    if np.any(np.diff(edges) <= 0):
        raise ValueError("bins as edges must be strictly increasing")
    return edges


class _HistogramCal:
    def fit(self, s0, s1, w0, w1, edges):
        self.edges = edges
        # a pseudo-count of 0.5 per bin keeps empty bins away from log(0)
        self.dens0 = _core.hist_density(s0, w0, edges, 0.5)
        self.dens1 = _core.hist_density(s1, w1, edges, 0.5)
        self.log_ratio_bins = np.log(self.dens0) - np.log(self.dens1)
        return self

    def log_ratio(self, s):
        return _core.hist_eval(self.edges, self.log_ratio_bins, s)

    def log_densities(self, s):
        return (np.log(_core.hist_eval(self.edges, self.dens0, s)),
                np.log(_core.hist_eval(self.edges, self.dens1, s)))


class _KDECal:
    """Gaussian kernel densities of each class's scores.

    The scores are first mapped through the pooled empirical distribution function,
    u = F(s) in [0, 1]: the ratio p0(u) / p1(u) equals p0(s) / p1(s) for any monotone map,
    and in u the pooled sample is uniform, so one bandwidth suits the whole range even when
    the classifier's scores saturate.  The densities are binned on a 1024-point grid,
    reflected at 0 and 1 (no boundary loss) and convolved with the kernel (Silverman 1986,
    sec. 3.5 and 2.10); the bandwidth is Silverman's rule of thumb per class."""

    n_grid = 1024

    def fit(self, s0, s1, w0, w1, edges):
        pooled = np.sort(np.r_[s0, s1])
        q = np.linspace(0.0, 1.0, min(pooled.size, 2049))
        self.knots = np.quantile(pooled, q)
        self.knots_u = q
        self.grid = (np.arange(self.n_grid) + 0.5) / self.n_grid
        self.dens = [self._binned(self._u(s), w) for s, w in ((s0, w0), (s1, w1))]
        return self

    def _u(self, s):
        k, idx = np.unique(self.knots, return_index=True)
        return np.interp(s, k, self.knots_u[idx])

    @staticmethod
    def _bandwidth(u, w):
        m = np.average(u, weights=w)
        sd = np.sqrt(np.average((u - m) ** 2, weights=w))
        q25, q75 = np.quantile(u, [0.25, 0.75])
        spread = min(sd, (q75 - q25) / 1.349) if q75 > q25 else sd
        neff = w.sum() ** 2 / (w ** 2).sum()
        return max(0.9 * spread * neff ** -0.2, 2.0 / 1024)

    def _binned(self, u, w):
        w = np.ones_like(u) if w is None else w
        h = self._bandwidth(u, w)
        G = self.n_grid
        dx = 1.0 / G
        counts = np.bincount(np.clip((u * G).astype(int), 0, G - 1), weights=w, minlength=G)
        half = min(int(np.ceil(5 * h / dx)), G - 1)
        padded = np.pad(counts, half, mode="symmetric")  # reflection at u = 0 and 1
        k = np.exp(-0.5 * (np.arange(-half, half + 1) * dx / h) ** 2)
        dens = np.convolve(padded, k, mode="valid")
        dens /= dens.sum() * dx
        return np.maximum(dens, 1e-300)

    def log_densities(self, s):
        u = self._u(s)
        return (np.log(np.interp(u, self.grid, self.dens[0])),
                np.log(np.interp(u, self.grid, self.dens[1])))

    def log_ratio(self, s):
        a, b = self.log_densities(s)
        return a - b


class _ProbabilityCal:
    """Calibrations of p(y=1 | s) (isotonic, sigmoid); the ratio follows from Bayes' rule."""

    def log_ratio(self, s):
        p = np.clip(self.proba(s), 1e-12, 1.0 - 1e-12)
        return np.log1p(-p) - np.log(p) - self.log_prior_ratio


class _IsotonicCal(_ProbabilityCal):
    def __init__(self, mode):
        self.mode = mode

    def fit(self, s0, s1, w0, w1, edges):
        s = np.r_[s0, s1]
        y = np.r_[np.zeros(s0.size), np.ones(s1.size)]
        w = None if w0 is None else np.r_[w0, w1]
        order = np.argsort(s, kind="stable")
        ww = None if w is None else w[order]
        lo, hi, xm, val, wt = _core.isotonic_fit(s[order], y[order], ww)
        W0 = s0.size if w0 is None else w0.sum()
        W1 = s1.size if w1 is None else w1.sum()
        # one pseudo-observation at the class prior per block keeps p away from 0 and 1 in
        # blocks of a few samples (a pure block of one sample would give log r = -inf)
        prior1 = W1 / (W0 + W1)
        val = (val * wt + prior1) / (wt + 1.0)
        self.blocks = (lo, hi, xm, val, wt)
        self.log_prior_ratio = np.log(W0) - np.log(W1)
        return self

    def proba(self, s):
        lo, hi, xm, val, _ = self.blocks
        return _core.isotonic_predict(lo, hi, xm, val, self.mode, s)


class _SigmoidCal(_ProbabilityCal):
    """Platt scaling: p(y=1|s) = 1 / (1 + exp(-(a s + b))) by Newton's method on the
    log-loss (Platt 1999)."""

    def fit(self, s0, s1, w0, w1, edges):
        s = np.r_[s0, s1]
        y = np.r_[np.zeros(s0.size), np.ones(s1.size)]
        w = np.ones_like(s) if w0 is None else np.r_[w0, w1]
        def loss(a, b):
            z = a * s + b
            return np.sum(w * (np.logaddexp(0.0, z) - y * z))

        a, b = 0.0, 0.0
        f = loss(a, b)
        for _ in range(100):  # Newton's method with backtracking (the loss is convex)
            z = a * s + b
            p = 0.5 * (1.0 + np.tanh(0.5 * z))
            g = np.array([np.sum(w * (p - y) * s), np.sum(w * (p - y))])
            q = w * p * (1 - p)
            H = np.array([[np.sum(q * s * s), np.sum(q * s)], [np.sum(q * s), np.sum(q)]])
            H += 1e-12 * np.eye(2) * max(1.0, np.trace(H))
            step = np.linalg.solve(H, g)
            t = 1.0
            while t > 1e-10:
                fn = loss(a - t * step[0], b - t * step[1])
                if fn <= f:
                    break
                t *= 0.5
            a, b, f_old, f = a - t * step[0], b - t * step[1], f, fn
            if np.abs(t * step).max() < 1e-10 or f_old - f < 1e-14 * max(1.0, abs(f)):
                break
        self.a, self.b = a, b
        self.log_prior_ratio = np.log(w[y == 0].sum()) - np.log(w[y == 1].sum())
        return self

    def proba(self, s):
        return 0.5 * (1.0 + np.tanh(0.5 * (self.a * s + self.b)))


def _make_calibrator(method: str):
    if method == "histogram":
        return _HistogramCal()
    if method == "kde":
        return _KDECal()
    if method == "isotonic":
        return _IsotonicCal(0)
    if method == "interpolated-isotonic":
        return _IsotonicCal(1)
    return _SigmoidCal()


class CalibratedClassifierCV(BaseEstimator):
    """A binary classifier whose scores are calibrated into class-conditional densities.

    With samples of the numerator p0 labelled 0 and of the denominator p1 labelled 1, the
    calibrated classifier gives the likelihood ratio r(x) = p0(x) / p1(x) through
    :meth:`predict_log_ratio` (Cranmer, Pavez & Louppe, arXiv:1506.02169).

    Parameters
    ----------
    base_estimator : classifier
        Any classifier with ``fit`` and ``predict_proba`` (or ``decision_function``), e.g.
        :class:`activesci.learning.MLPClassifier` or a scikit-learn classifier.
    method : {"histogram", "kde", "isotonic", "interpolated-isotonic", "sigmoid"}
        "histogram": histograms of the score per class (C core); "kde": Gaussian kernel
        densities; "isotonic": pool-adjacent-violators fit of p(y=1|s) (C core), as in
        scikit-learn; "interpolated-isotonic": the same, interpolated linearly between the
        blocks' centres (continuous); "sigmoid": Platt scaling.
    bins : "auto", int >= 2 or array of edges
        Histogram bins: "auto" chooses the number of equal-frequency bins (5 to 200) by
        two-fold cross-validation of the held-out log-likelihood; an integer gives that many
        equal-frequency bins; an array gives the edges in the score's units.
    cv : 1, "prefit", int >= 2 or a splitter with ``split(X, y)``
        1: fit the classifier and the calibration on the same data (carl's default);
        "prefit": ``base_estimator`` is already fitted, only calibrate; k >= 2: k folds, each
        fold's classifier calibrated on its held-out part, predictions averaged.
    random_state : int, Generator or None
        Seeds the fold assignment for integer ``cv``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    calibrated_classifiers_ : list of (classifier, calibrator) pairs

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (500, 1)), rng.normal(1, 1, (500, 1))]
    >>> y = np.r_[np.zeros(500), np.ones(500)]
    >>> cal = CalibratedClassifierCV(LogisticRegression(), method="histogram", bins=10)
    >>> p = cal.fit(X, y).predict_proba(X)
    >>> p.shape, bool(np.allclose(p.sum(axis=1), 1))
    ((1000, 2), True)
    """

    _estimator_type = "classifier"

    def __init__(self, base_estimator: Any = None, method: str = "histogram", bins: Any = "auto",
                 cv: Any = 1, random_state: RandomState = None):
        self.base_estimator = base_estimator
        self.method = method
        self.bins = bins
        self.cv = cv
        self.random_state = random_state

    def _check(self):
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {self.method!r}")
        b = self.bins
        if isinstance(b, str):
            if b != "auto":
                raise ValueError(f"bins must be 'auto', an integer >= 2 or edges, got {b!r}")
        elif isinstance(b, numbers.Integral) and not isinstance(b, bool):
            if b < 2:
                raise ValueError(f"bins must be >= 2, got {b}; use at least two bins")
        if self.base_estimator is None:
            raise ValueError("base_estimator is required (a classifier with fit and "
                             "predict_proba)")

    def _splits(self, X, y):
        cv = self.cv
        n = X.shape[0]
        if isinstance(cv, str):
            if cv != "prefit":
                raise ValueError(f"cv must be 1, 'prefit', an int >= 2 or a splitter, got {cv!r}")
            return "prefit"
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            if cv < 1:
                raise ValueError(f"cv must be >= 1, got {cv}")
            if cv == 1:
                return [(np.arange(n), np.arange(n))]
            rng = check_random_state(self.random_state)
            folds = np.empty(n, dtype=int)
            for c in (0, 1):  # stratified: each class spread over the folds
                idx = np.flatnonzero(y == c)
                if idx.size < cv:
                    raise ValueError(f"class {self.classes_[c]!r} has {idx.size} sample(s), fewer "
                                     f"than cv={cv} folds; lower cv or pass more data")
                folds[rng.permutation(idx)] = np.arange(idx.size) % cv
            return [(np.flatnonzero(folds != k), np.flatnonzero(folds == k)) for k in range(cv)]
        if hasattr(cv, "split"):
            return [(np.asarray(a), np.asarray(b)) for a, b in cv.split(X, y)]
        raise TypeError(f"cv must be 1, 'prefit', an int >= 2 or a splitter, got {cv!r}")

    def fit(self, X: Any, y: Any, sample_weight: Optional[Any] = None
            ) -> "CalibratedClassifierCV":
        """Fit the classifier(s) and the calibration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), two classes
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        self._check()
        X = check_array(X, "X")
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be 1-D with one label per row of X ({X.shape[0]}), got "
                             f"shape {y.shape}")
        classes, yi = np.unique(y, return_inverse=True)
        if classes.size != 2:
            raise ValueError(f"calibration needs exactly two classes in y, got {classes.size} "
                             f"({classes[:5]!r})")
        self.classes_ = classes
        w = None
        if sample_weight is not None:
            w = check_array(sample_weight, "sample_weight", ndim=1)
            if w.shape[0] != X.shape[0] or (w < 0).any():
                raise ValueError("sample_weight must be non-negative, one weight per sample")
        splits = self._splits(X, yi)
        self.calibrated_classifiers_: List = []
        if splits == "prefit":
            splits = [(None, np.arange(X.shape[0]))]
        for train, test in splits:
            if train is None:
                clf = self.base_estimator
                check_is_fitted_any(clf)
            else:
                clf = clone_estimator(self.base_estimator)
                if w is None:
                    clf.fit(X[train], y[train])
                else:
                    clf.fit(X[train], y[train], sample_weight=w[train])
            s = score_of(clf, X[test])
            yt = yi[test]
            wt = None if w is None else w[test]
            s0, s1 = s[yt == 0], s[yt == 1]
            if s0.size == 0 or s1.size == 0:
                raise ValueError("a calibration fold holds a single class; use more data or "
                                 "fewer folds")
            s0, s1 = np.ascontiguousarray(s0), np.ascontiguousarray(s1)
            w0 = None if wt is None else np.ascontiguousarray(wt[yt == 0])
            w1 = None if wt is None else np.ascontiguousarray(wt[yt == 1])
            edges = (_auto_edges(s0, s1, w0, w1, self.bins) if self.method == "histogram"
                     else None)
            cal = _make_calibrator(self.method).fit(s0, s1, w0, w1, edges)
            self.calibrated_classifiers_.append((clf, cal))
        W0 = np.sum(yi == 0) if w is None else w[yi == 0].sum()
        W1 = np.sum(yi == 1) if w is None else w[yi == 1].sum()
        self.log_prior_ratio_ = float(np.log(W0) - np.log(W1))
        self.n_features_in_ = X.shape[1]
        return self

    def predict_log_ratio(self, X: Any) -> np.ndarray:
        """Calibrated log p(x | y=0) - log p(x | y=1), i.e. log r(x) with the numerator
        labelled 0; averaged over the folds' calibrated ratios.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import LogisticRegression
        >>> X = np.r_[np.zeros((20, 1)), np.ones((20, 1))]; y = np.r_[np.zeros(20), np.ones(20)]
        >>> cal = CalibratedClassifierCV(LogisticRegression(), bins=2).fit(X, y)
        >>> cal.predict_log_ratio([[0.0]]).shape
        (1,)
        """
        check_is_fitted(self, "calibrated_classifiers_")
        X = check_array(X, "X", n_features=self.n_features_in_, min_samples=0)
        lrs = [cal.log_ratio(np.ascontiguousarray(score_of(clf, X)))
               for clf, cal in self.calibrated_classifiers_]
        if len(lrs) == 1:
            return lrs[0]
        return np.log(np.mean(np.exp(np.clip(np.array(lrs), -700, 700)), axis=0))

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log calibrated class probabilities (training class priors), shape (n, 2)."""
        lr = self.predict_log_ratio(X) + self.log_prior_ratio_  # log P(0|x) / P(1|x)
        return np.column_stack([-softplus(-lr), -softplus(lr)])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated class probabilities, shape (n_samples, 2), rows summing to one."""
        return np.exp(self.predict_log_proba(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """Calibrated log P(y=1 | x) / P(y=0 | x)."""
        return -(self.predict_log_ratio(X) + self.log_prior_ratio_)

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def score(self, X: Any, y: Any) -> float:
        """Mean accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


def check_is_fitted_any(clf: Any) -> None:
    """Raise NotFittedError unless a (scikit-learn or activesci) classifier looks fitted."""
    if not any(k.endswith("_") and not k.startswith("__") for k in vars(clf)):
        from ..exceptions import NotFittedError  # noqa: PLC0415
        raise NotFittedError(f"cv='prefit' needs a fitted base_estimator; "
                             f"{type(clf).__name__} is not fitted yet")
