"""Acceptance tests of issue 4 with known answers.

1. Mixture of normals (carl's example): p(x | γ) = (1 − γ)·½(N(−2, 0.75) + N(0, 2)) +
   γ·N(1, 0.5), numerator γ = 0.05 against the reference γ = 0 (background only).  Trained on
   200k samples, the calibrated and the decomposed log-ratios match the exact one in the bulk;
   over pseudo-experiments of n = 5000 events the MLE of γ from the estimated ratio is unbiased
   and its spread is the Fisher-information value (~0.0068).
2. A parameterized 1-D problem, x ~ N(θ, 1) with reference θ = 0, whose exact MLE is the sample
   mean: the MLE from the parameterized ratio agrees within the statistical error.

Runtime is kept modest: 200 pseudo-experiments (the issue's spread is then measured to ~5%).
"""
import numpy as np
import pytest
from scipy import integrate, optimize

from activesci.distributions import Mixture, Normal
from activesci.learning import CalibratedClassifierCV, MLPClassifier, make_parameterized_data
from activesci.ratios import (ClassifierRatio, DecomposedRatio, KnownDensityRatio,
                              ParameterizedRatio)

GAMMA = 0.05
N_EVENTS, N_EXP = 5000, 200
BKG = Mixture([Normal(-2.0, 0.75), Normal(0.0, 2.0)], [0.5, 0.5])
SIG = Normal(1.0, 0.5)


def p_gamma(g):
    return Mixture([BKG, SIG], [1.0 - g, g])


P0, P1 = p_gamma(GAMMA), p_gamma(0.0)


def _mlp(seed):
    return MLPClassifier((32, 32), max_iter=10, random_state=seed)


@pytest.fixture(scope="module")
def test_points():
    X = P0.rvs(50_000, random_state=123)
    lo, hi = np.quantile(X[:, 0], [0.01, 0.99])
    bulk = (X[:, 0] > lo) & (X[:, 0] < hi)
    exact = KnownDensityRatio(P0, P1).predict(X, log=True)
    return X, bulk, exact


@pytest.fixture(scope="module")
def decomposed():
    base = ClassifierRatio(CalibratedClassifierCV(_mlp(0), method="histogram"))
    return DecomposedRatio(base, random_state=1).fit(numerator=P0, denominator=P1,
                                                     n_samples=200_000)


def fisher_sd(g=GAMMA, n=N_EVENTS):
    f = lambda x: (SIG.pdf([x])[0] - BKG.pdf([x])[0]) ** 2 / p_gamma(g).pdf([x])[0]  # noqa
    info = integrate.quad(f, -25, 25, limit=200)[0]
    return 1.0 / np.sqrt(n * info)


def test_calibrated_log_ratio_matches_exact(test_points):
    X, bulk, exact = test_points
    r = ClassifierRatio(CalibratedClassifierCV(_mlp(2), method="histogram"), random_state=3)
    r.fit(numerator=P0, denominator=P1, n_samples=200_000)
    err = r.predict(X, log=True) - exact
    mse = np.mean(err[bulk] ** 2)
    # the log-ratio varies with variance ~0.014 over the bulk; with 100k samples a class the
    # calibrated estimate is within a few percent of that (measured ~1e-3)
    assert mse < 0.15 * np.var(exact[bulk])
    assert abs(np.mean(err[bulk])) < 0.03


def test_decomposed_log_ratio_matches_exact(decomposed, test_points):
    X, bulk, exact = test_points
    err = decomposed.predict(X, log=True) - exact
    # one sub-ratio (signal / background) that the classifier separates well: ~1e-4
    assert np.mean(err[bulk] ** 2) < 0.03 * np.var(exact[bulk])
    # new weights need no refit: γ = 0.1 against the same reference
    ex2 = KnownDensityRatio(p_gamma(0.1), P1).predict(X, log=True)
    err2 = decomposed.predict(X, log=True, numerator_weights=[0.9, 0.1]) - ex2
    assert np.mean(err2[bulk] ** 2) < 0.03 * np.var(ex2[bulk])


def _mle(q, n_exp, n):
    """MLE of γ per pseudo-experiment from q = sig / bkg density ratios of its events:
    log p(x | γ) / p(x | 0) = log(1 - γ + γ q)."""
    out = np.empty(n_exp)
    for k in range(n_exp):
        qk = q[k * n:(k + 1) * n] - 1.0
        res = optimize.minimize_scalar(lambda g: -np.sum(np.log1p(g * qk)), bounds=(0.0, 0.3),
                                       method="bounded", options={"xatol": 1e-7})
        out[k] = res.x
    return out


def test_mle_of_gamma_unbiased_with_fisher_spread(decomposed):
    X = P0.rvs(N_EXP * N_EVENTS, random_state=77)
    L = decomposed.pairwise_log_ratios(X)
    i_bkg = next(i for i, c in enumerate(decomposed.components_) if c is BKG)
    i_sig = 1 - i_bkg
    q_est = np.exp(L[i_sig, i_bkg])
    q_exact = np.exp(SIG.logpdf(X) - BKG.logpdf(X))
    g_est, g_exact = _mle(q_est, N_EXP, N_EVENTS), _mle(q_exact, N_EXP, N_EVENTS)
    sd_f = fisher_sd()
    assert 0.0065 < sd_f < 0.0070  # the "about 0.007"
    spread = g_est.std(ddof=1)
    # the pseudo-experiments themselves: the exact MLE is unbiased within 3 standard errors
    assert abs(g_exact.mean() - GAMMA) < 3 * g_exact.std(ddof=1) / np.sqrt(N_EXP)
    # the estimated MLE is unbiased within its spread.  Its shift against the exact MLE on the
    # same events is the (seed-dependent) error of a ratio learned from 200k samples: measured
    # between -0.15 and +0.03 Fisher standard deviations over training seeds
    assert abs(g_est.mean() - GAMMA) < 0.5 * spread
    assert abs(np.mean(g_est - g_exact)) < 0.35 * sd_f
    # the spread is the Fisher value (its sampling error with 200 experiments is ~5%)
    assert abs(spread / sd_f - 1.0) < 0.2
    # per experiment, the estimated ratio adds a small fraction of the statistical error
    assert np.sqrt(np.mean((g_est - g_exact) ** 2)) < 0.3 * sd_f


def test_parameterized_mle_agrees_with_exact():
    sim = lambda t, n, rng: rng.normal(t, 1.0, n)  # noqa: E731
    X, th, y = make_parameterized_data(sim, theta=np.linspace(-1, 1, 21), n_samples=3000,
                                       reference=0.0, random_state=0)
    r = ParameterizedRatio(MLPClassifier((32, 32), max_iter=40, tol=0.0, random_state=0),
                           random_state=0).fit(X, th, y)
    rng = np.random.default_rng(1)
    grid = np.linspace(-0.6, 1.0, 161)
    n_obs, n_exp, theta_true = 1000, 20, 0.3
    obs = rng.normal(theta_true, 1.0, (n_exp, n_obs, 1))
    # all pseudo-experiments and all θ in one vectorized call
    L = r.log_ratio(obs.reshape(-1, 1), grid).reshape(grid.size, n_exp, n_obs).sum(axis=2)
    approx = grid[np.argmax(L, axis=0)]
    exact = obs[:, :, 0].mean(axis=1)  # the exact MLE of a normal mean
    sigma = 1.0 / np.sqrt(n_obs)
    diff = approx - exact
    assert abs(diff.mean()) < 0.5 * sigma
    assert np.sqrt(np.mean(diff ** 2)) < 0.6 * sigma
    # the approximate MLEs scatter like the exact ones around the truth
    assert abs(approx.mean() - theta_true) < 3 * sigma / np.sqrt(n_exp) + abs(diff.mean())
