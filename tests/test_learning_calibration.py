"""CalibratedClassifierCV and the C calibration kernels against scikit-learn / NumPy."""
import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from scipy import stats

from activesci import _core
from activesci.exceptions import NotFittedError
from activesci.learning import CalibratedClassifierCV, MLPClassifier


def test_isotonic_kernel_matches_sklearn():
    rng = np.random.default_rng(0)
    x = np.round(rng.normal(size=800), 1)  # many ties
    y = (rng.uniform(size=800) < stats.norm.cdf(x)).astype(float)
    w = rng.uniform(0.1, 2.0, 800)
    order = np.argsort(x, kind="stable")
    lo, hi, xm, val, wt = _core.isotonic_fit(x[order], y[order], w[order])
    ref = IsotonicRegression(out_of_bounds="clip").fit(x, y, sample_weight=w)
    t = np.linspace(-4, 4, 2001)
    np.testing.assert_allclose(_core.isotonic_predict(lo, hi, xm, val, 0, t), ref.predict(t),
                               rtol=1e-12, atol=1e-12)
    assert np.all(np.diff(val) > 0)
    np.testing.assert_allclose(wt.sum(), w.sum())
    # interpolated mode is continuous, monotone and passes through the block centres
    v1 = _core.isotonic_predict(lo, hi, xm, val, 1, t)
    assert np.all(np.diff(v1) >= -1e-15)
    np.testing.assert_allclose(_core.isotonic_predict(lo, hi, xm, val, 1, xm), val)


def test_histogram_kernel_matches_numpy():
    rng = np.random.default_rng(1)
    s = rng.normal(size=5000)
    w = rng.uniform(size=5000)
    edges = np.array([-5.0, -1.0, -0.2, 0.0, 0.7, 5.0])
    dens = _core.hist_density(s, w, edges, 0.0)
    ref, _ = np.histogram(s, bins=edges, weights=w, density=True)
    np.testing.assert_allclose(dens, ref, rtol=1e-12)
    x = np.array([-9.0, -0.5, 0.0, 6.0])
    np.testing.assert_allclose(_core.hist_eval(edges, dens, x), dens[[0, 1, 3, 4]])
    d2 = dens[::-1].copy()
    np.testing.assert_allclose(_core.hist_log_ratio(edges, dens, d2, x),
                               np.log(dens[[0, 1, 3, 4]] / d2[[0, 1, 3, 4]]))


def _gauss_problem(n, seed, shift=1.0):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(0, 1, (n, 1)), rng.normal(shift, 1, (n, 1))]
    y = np.r_[np.zeros(n), np.ones(n)]
    return X, y


class _Distorted:
    """A deliberately miscalibrated 'classifier': P(y=1|x) pushed towards 0.5 (saturating,
    or a logistic function with the wrong slope and offset if linear)."""

    classes_ = np.array([0.0, 1.0])

    def __init__(self, linear=False):
        self.linear = linear

    def fit(self, X, y):
        self.fitted_ = True
        return self

    def predict_proba(self, X):
        if self.linear:
            p = 1.0 / (1.0 + np.exp(-(0.3 * (X[:, 0] - 0.5) + 0.2)))
        else:
            p = stats.norm.cdf(2.0 * (X[:, 0] - 0.5)) * 0.3 + 0.35
        return np.column_stack([1 - p, p])

    def get_params(self, deep=True):
        return {}

    def set_params(self, **kw):
        return self


@pytest.mark.parametrize("method, tol", [("histogram", 0.06), ("kde", 0.04),
                                         ("isotonic", 0.06), ("interpolated-isotonic", 0.06),
                                         ("sigmoid", 0.02)])
def test_calibration_recovers_exact_posterior(method, tol):
    # p0 = N(0, 1), p1 = N(1, 1): P(y=1|x) = expit(x - 0.5); the distorted scores are
    # monotone in it, so every calibration must recover it (Platt scaling needs a logistic
    # distortion, the others any monotone one); the
    # tolerances are ~3 binomial standard errors of the bins/blocks; uncalibrated, the error
    # is 0.2
    X, y = _gauss_problem(20000, 2)
    base = _Distorted(linear=method == "sigmoid").fit(X, y)
    cal = CalibratedClassifierCV(base, method=method, bins=40, cv="prefit").fit(X, y)
    xt = np.linspace(-1.5, 2.5, 41)[:, None]
    exact = 1.0 / (1.0 + np.exp(-(xt[:, 0] - 0.5)))
    p = cal.predict_proba(xt)[:, 1]
    assert np.max(np.abs(p - exact)) < tol
    lr = cal.predict_log_ratio(xt)  # log p0/p1 = 0.5 - x
    assert np.max(np.abs(lr - (0.5 - xt[:, 0]))) < 6 * tol


def test_sigmoid_matches_logistic_regression_on_scores():
    X, y = _gauss_problem(3000, 3, shift=0.7)
    base = LogisticRegression().fit(X * 0.3, y)  # fitted on a rescaled input: miscalibrated
    cal = CalibratedClassifierCV(base, method="sigmoid", cv="prefit").fit(X, y)
    s = base.decision_function(X)
    ref = LogisticRegression(C=1e12, tol=1e-12, max_iter=10_000).fit(s[:, None], y)
    np.testing.assert_allclose(cal.predict_proba(X)[:, 1], ref.predict_proba(s[:, None])[:, 1],
                               rtol=1e-5, atol=1e-7)


def test_cv_folds_and_splitter():
    X, y = _gauss_problem(1500, 4)
    base = MLPClassifier((4,), max_iter=5, random_state=0)
    cal = CalibratedClassifierCV(base, method="histogram", bins=10, cv=3, random_state=0)
    cal.fit(X, y)
    assert len(cal.calibrated_classifiers_) == 3
    P = cal.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    cal2 = CalibratedClassifierCV(base, method="histogram", bins=10,
                                  cv=KFold(4, shuffle=True, random_state=0)).fit(X, y)
    assert len(cal2.calibrated_classifiers_) == 4
    # same seed, same result
    P2 = CalibratedClassifierCV(base, method="histogram", bins=10, cv=3,
                                random_state=0).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(P, P2)
    # explicit edges
    cal3 = CalibratedClassifierCV(base, bins=np.linspace(-10, 10, 21)).fit(X, y)
    assert cal3.calibrated_classifiers_[0][1].edges.size == 21


def test_sklearn_classifier_accepted():
    X, y = _gauss_problem(1000, 5)
    cal = CalibratedClassifierCV(LogisticRegression(), method="isotonic").fit(X, y)
    assert cal.predict(X).shape == (2000,)
    assert 0.6 < cal.score(X, y) < 0.8


def test_bad_input():
    X, y = _gauss_problem(50, 6)
    base = LogisticRegression()
    with pytest.raises(ValueError, match="bins must be >= 2"):
        CalibratedClassifierCV(base, bins=1).fit(X, y)
    with pytest.raises(ValueError, match="bins"):
        CalibratedClassifierCV(base, bins="many").fit(X, y)
    with pytest.raises(ValueError, match="method"):
        CalibratedClassifierCV(base, method="beta").fit(X, y)
    with pytest.raises(ValueError, match="two classes"):
        CalibratedClassifierCV(base).fit(X, np.zeros(100))
    with pytest.raises(ValueError, match="NaN"):
        CalibratedClassifierCV(base).fit(np.full((100, 1), np.nan), y)
    with pytest.raises(ValueError, match="cv"):
        CalibratedClassifierCV(base, cv=0).fit(X, y)
    with pytest.raises(ValueError, match="fewer than cv"):
        CalibratedClassifierCV(base, cv=60).fit(X, y)
    with pytest.raises(NotFittedError):
        CalibratedClassifierCV(LogisticRegression(), cv="prefit").fit(X, y)
    with pytest.raises(NotFittedError):
        CalibratedClassifierCV(base).predict_proba(X)
    with pytest.raises(ValueError, match="base_estimator"):
        CalibratedClassifierCV(None).fit(X, y)


def test_auto_bins_follow_the_data():
    # a sharp ratio needs many bins, a flat one few: the cross-validated choice must see it
    rng = np.random.default_rng(9)
    flat0, flat1 = rng.normal(0, 1, 20000), rng.normal(0.05, 1, 20000)
    sharp0, sharp1 = rng.normal(0, 1, 20000), rng.normal(3.0, 1, 20000)
    from activesci.learning.calibration import _cv_bins
    assert _cv_bins(sharp0, sharp1, None, None) > _cv_bins(flat0, flat1, None, None)
