"""activesci.ratios: exact ratios, classifier ratios on small problems, API and bad input.

Convention: r(x) = p0(x) / p1(x), numerator samples labelled 0."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from activesci.distributions import Mixture, Normal
from activesci.exceptions import NotFittedError
from activesci.learning import CalibratedClassifierCV, MLPClassifier, make_parameterized_data
from activesci.ratios import (AmortizedRatio, ClassifierRatio, DecomposedRatio, InverseRatio,
                              KnownDensityRatio, ParameterizedRatio)

P0, P1 = Normal(0.5, 1.0), Normal(0.0, 1.0)
XT = np.linspace(-2, 2.5, 19)[:, None]
EXACT = 0.5 * XT[:, 0] - 0.125  # log N(x; 0.5, 1) / N(x; 0, 1)


def test_known_and_inverse_ratio():
    r = KnownDensityRatio(P0, P1)
    np.testing.assert_allclose(r.predict(XT, log=True), EXACT, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r.predict(XT), np.exp(EXACT), rtol=1e-12)
    np.testing.assert_allclose(r.nllr(XT), -EXACT.sum(), rtol=1e-12)
    inv = InverseRatio(r)
    np.testing.assert_allclose(inv.predict(XT, log=True), -EXACT, rtol=1e-12, atol=1e-15)
    assert r.score(XT, EXACT) == pytest.approx(0.0, abs=1e-25)
    assert r.score(XT, EXACT + 0.1) == pytest.approx(-0.01)


@pytest.mark.parametrize("clf", [
    LogisticRegression(),
    MLPClassifier((8,), max_iter=20, random_state=0),
    CalibratedClassifierCV(MLPClassifier((8,), max_iter=20, random_state=0), bins=20),
    CalibratedClassifierCV(LogisticRegression(), method="kde"),
])
def test_classifier_ratio_gaussians(clf):
    r = ClassifierRatio(clf, random_state=0).fit(numerator=P0, denominator=P1, n_samples=20000)
    lr = r.predict(XT, log=True)
    # 10000 samples a class: a few hundredths of statistical error in the bulk
    bulk = np.abs(XT[:, 0] - 0.25) < 1.5
    assert np.max(np.abs(lr[bulk] - EXACT[bulk])) < 0.15
    assert np.sqrt(np.mean((lr[bulk] - EXACT[bulk]) ** 2)) < 0.07


def test_classifier_ratio_from_data_is_reproducible_and_unbalanced_ok():
    rng = np.random.default_rng(0)
    X = np.r_[P0.rvs(3000, random_state=rng), P1.rvs(9000, random_state=rng)]
    y = np.r_[np.zeros(3000), np.ones(9000)]
    r = ClassifierRatio(LogisticRegression()).fit(X, y)
    # the class imbalance (1:3) is removed: still the density ratio
    np.testing.assert_allclose(r.predict(XT, log=True), EXACT, atol=0.12)
    a = ClassifierRatio(MLPClassifier((4,), max_iter=3), random_state=5).fit(
        numerator=P0, denominator=P1, n_samples=2000).predict(XT)
    b = ClassifierRatio(MLPClassifier((4,), max_iter=3), random_state=5).fit(
        numerator=P0, denominator=P1, n_samples=2000).predict(XT)
    np.testing.assert_array_equal(a, b)
    # nested random states (the MLP inside the calibration) are seeded by the ratio's
    make = lambda: ClassifierRatio(CalibratedClassifierCV(MLPClassifier((4,), max_iter=3),  # noqa
                                                          bins=5), random_state=7)
    c = make().fit(numerator=P0, denominator=P1, n_samples=2000).predict(XT)
    d = make().fit(numerator=P0, denominator=P1, n_samples=2000).predict(XT)
    np.testing.assert_array_equal(c, d)
    assert clone(ClassifierRatio(LogisticRegression())).get_params()["random_state"] is None


def test_decomposed_ratio_reweights_without_refit():
    a, b = Normal(-1.0, 1.0), Normal(1.0, 1.0)
    num, den = Mixture([a, b], [0.7, 0.3]), Mixture([a, b], [0.3, 0.7])
    base = ClassifierRatio(LogisticRegression())  # exact family for two unit normals
    r = DecomposedRatio(base, random_state=0).fit(numerator=num, denominator=den,
                                                  n_samples=20000)
    assert len(r.ratios_) == 1
    x = np.linspace(-3, 3, 13)[:, None]
    np.testing.assert_allclose(r.predict(x, log=True),
                               KnownDensityRatio(num, den).predict(x, log=True), atol=0.05)
    new = Mixture([a, b], [0.5, 0.5])
    np.testing.assert_allclose(r.predict(x, log=True, numerator_weights=[0.5, 0.5]),
                               KnownDensityRatio(new, den).predict(x, log=True), atol=0.05)
    # equal weights on both sides: exactly one
    np.testing.assert_allclose(
        r.predict(x, log=True, numerator_weights=[0.3, 0.7]), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="numerator_weights"):
        r.predict(x, numerator_weights=[1.0, 0.0, 0.0])


def test_parameterized_ratio_vectorized_matches_pointwise():
    sim = lambda t, n, rng: rng.normal(t, 1.0, n)  # noqa: E731
    X, th, y = make_parameterized_data(sim, theta=np.linspace(-1, 1, 5), n_samples=500,
                                       reference=0.0, random_state=0)
    assert X.shape == (5000, 1) and th.shape == (5000, 1)
    assert np.all(th[y == 0] == th[y == 1])  # reference rows carry the same θ
    r = ParameterizedRatio(MLPClassifier((8,), max_iter=10, random_state=0),
                           random_state=0).fit(X, th, y)
    thetas = np.array([-0.5, 0.2, 0.7])
    L = r.log_ratio(XT, thetas)
    assert L.shape == (3, XT.shape[0])
    for k, t in enumerate(thetas):
        np.testing.assert_allclose(r.predict(XT, theta=t, log=True), L[k], rtol=1e-10,
                                   atol=1e-12)
    # per-row θ
    per_row = r.predict(XT[:3], theta=thetas[:, None], log=True)
    np.testing.assert_allclose(per_row, [L[0, 0], L[1, 1], L[2, 2]], rtol=1e-10)
    np.testing.assert_allclose(r.nllr(XT, thetas), -L.sum(axis=1))
    # normalization: the mean of r over the kept reference samples is one at every θ
    ref = r.normalization_samples_
    np.testing.assert_allclose(np.exp(r.log_ratio(ref, thetas)).mean(axis=1), 1.0, rtol=1e-10)
    with pytest.raises(ValueError, match="thetas"):
        r.log_ratio(XT, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="theta has 2 rows"):
        r.predict(XT, theta=[[0.1], [0.2]])
    cal = r.calibrated(0.5, sim(0.5, 4000, np.random.default_rng(1))[:, None],
                       sim(0.0, 4000, np.random.default_rng(2))[:, None], bins=10)
    assert cal.predict(XT, log=True).shape == (XT.shape[0],)


def test_make_parameterized_data_with_activesci_simulator_and_prior():
    from activesci.simulators import GaussianToy
    sim = GaussianToy()
    X, th, y = make_parameterized_data(sim, prior=Normal(0.0, 0.3), n_theta=4, n_samples=10,
                                       reference=0.0, phi=0.5, random_state=0)
    assert X.shape[0] == th.shape[0] == y.shape[0] == 80
    X2, th2, _ = make_parameterized_data(sim, prior=Normal(0.0, 0.3), n_theta=4, n_samples=10,
                                         reference=0.0, phi=0.5, random_state=0)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError, match="exactly one"):
        make_parameterized_data(sim, n_samples=3, reference=0.0)
    with pytest.raises(ValueError, match="reference"):
        make_parameterized_data(sim, theta=[0.0], n_samples=3)


def test_amortized_posterior_close_to_exact():
    rng = np.random.default_rng(0)
    theta = rng.uniform(-2, 2, 30000)
    X = rng.normal(theta, 0.5)[:, None]
    r = AmortizedRatio(MLPClassifier((32,), max_iter=30, random_state=0), n_normalization=3000,
                       random_state=0).fit(X, theta)
    grid = np.linspace(-2, 2, 401)
    for t in (-0.8, 0.1, 0.9):
        xo = rng.normal(t, 0.5, (10, 1))
        p = np.exp(r.log_posterior(xo, grid))
        mean = np.sum(p * grid)
        sd = np.sqrt(np.sum(p * (grid - mean) ** 2))
        exact_sd = 0.5 / np.sqrt(10)  # flat prior, far from the bounds
        assert abs(mean - xo.mean()) < 0.5 * exact_sd
        assert abs(sd - exact_sd) < 0.3 * exact_sd


def test_bad_input():
    X = np.r_[P0.rvs(50, random_state=0), P1.rvs(50, random_state=1)]
    r = ClassifierRatio(LogisticRegression())
    with pytest.raises(ValueError, match="only 0 .numerator"):
        r.fit(X, np.r_[np.zeros(50), 2 * np.ones(50)])
    with pytest.raises(ValueError, match="holds only class"):
        r.fit(X, np.zeros(100))
    with pytest.raises(ValueError, match="NaN"):
        r.fit(np.where(X > 1, np.nan, X), np.r_[np.zeros(50), np.ones(50)])
    with pytest.raises(ValueError, match="n_samples"):
        r.fit(numerator=P0, denominator=P1)
    with pytest.raises(ValueError, match="either"):
        r.fit(X, np.r_[np.zeros(50), np.ones(50)], numerator=P0, denominator=P1,
              n_samples=10)
    with pytest.raises(NotFittedError):
        r.predict(X)
    with pytest.raises(NotFittedError):
        ParameterizedRatio(LogisticRegression()).log_ratio(X, [0.0])
    with pytest.raises(ValueError, match="base_estimator"):
        ClassifierRatio().fit(X, np.r_[np.zeros(50), np.ones(50)])
    with pytest.raises(ValueError, match="theta has 2 parameter"):
        ParameterizedRatio(LogisticRegression()).fit(
            X, np.zeros((100, 1)), np.r_[np.zeros(50), np.ones(50)]).predict(
                X, theta=[0.0, 1.0])
    with pytest.raises(ValueError, match="theta has 3 rows"):
        ParameterizedRatio(LogisticRegression()).fit(X, np.zeros((3, 1)),
                                                     np.r_[np.zeros(50), np.ones(50)])
