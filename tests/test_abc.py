"""rejection_abc against analytic answers: the normal mean with a conjugate normal prior.

x_i ~ N(μ, σ²), i = 1..n, prior μ ~ N(μ0, τ²), summary x̄ (sufficient), distance |x̄ - x̄_o|.
(μ, x̄) is bivariate normal with Var x̄ = τ² + σ²/n and Cov = τ², so the ABC posterior for a
tolerance eps is μ | x̄ ∈ [x̄_o - eps, x̄_o + eps]: with β = τ² / (τ² + σ²/n),
E = μ0 + β (E[x̄ | I] - μ0) and Var = τ² (σ²/n) / (τ² + σ²/n) + β² Var[x̄ | I], the moments of
a truncated normal; the acceptance rate is P(x̄ ∈ I).  As eps -> 0 this is the conjugate
posterior N((μ0/τ² + n x̄_o/σ²) / (1/τ² + n/σ²), 1 / (1/τ² + n/σ²)).
"""
import math

import numpy as np
import pytest
from scipy import stats

from activesci.abc import GaussianMean, Mean, Normal, Uniform, rejection_abc

MU0, TAU, SIGMA, N_OBS, XBAR = 0.0, 1.0, 1.0, 10, 0.5


def numpy_gaussian(theta, random_state):
    """The same model as GaussianMean, as a plain Python callable."""
    return theta + SIGMA * random_state.standard_normal((theta.shape[0], N_OBS))


def analytic_abc(eps):
    s2 = SIGMA ** 2 / N_OBS
    sd_x = math.sqrt(TAU ** 2 + s2)
    a, b = (XBAR - eps - MU0) / sd_x, (XBAR + eps - MU0) / sd_x
    tn = stats.truncnorm(a, b, loc=MU0, scale=sd_x)
    beta = TAU ** 2 / (TAU ** 2 + s2)
    mean = MU0 + beta * (tn.mean() - MU0)
    var = TAU ** 2 * s2 / (TAU ** 2 + s2) + beta ** 2 * tn.var()
    rate = stats.norm.cdf(b) - stats.norm.cdf(a)
    return mean, math.sqrt(var), rate


def conjugate():
    prec = 1 / TAU ** 2 + N_OBS / SIGMA ** 2
    return (MU0 / TAU ** 2 + N_OBS * XBAR / SIGMA ** 2) / prec, math.sqrt(1 / prec)


@pytest.mark.parametrize("simulator", [numpy_gaussian, GaussianMean(SIGMA, N_OBS)],
                         ids=["python", "builtin"])
def test_finite_eps_matches_analytic_abc_posterior(simulator):
    eps, n_sim = 0.5, 200_000
    res = rejection_abc(simulator, Normal(MU0, TAU), np.full(N_OBS, XBAR), summary=Mean(),
                        eps=eps, n_simulations=n_sim, random_state=1)
    mean, sd, rate = analytic_abc(eps)
    n = res.n_samples
    assert res.n_simulations == n_sim and res.eps == eps
    assert abs(res.acceptance_rate - rate) < 4 * math.sqrt(rate * (1 - rate) / n_sim)
    assert abs(res.mean()[0] - mean) < 4 * sd / math.sqrt(n)
    # std of the sample std of a near-normal sample is about sd / sqrt(2 n)
    assert abs(res.std()[0] - sd) < 4 * sd / math.sqrt(2 * n)
    # the finite-eps posterior is clearly wider than the conjugate one
    assert res.std()[0] > conjugate()[1] * 1.1
    assert (res.distances <= eps).all()


def test_small_eps_matches_conjugate_posterior():
    eps, n_sim = 0.01, 400_000
    res = rejection_abc(GaussianMean(SIGMA, N_OBS), Normal(MU0, TAU), np.full(N_OBS, XBAR),
                        summary=Mean(), eps=eps, n_simulations=n_sim, random_state=2)
    mean, sd = conjugate()
    n = res.n_samples
    assert n > 1000
    # the eps bias of the variance is beta^2 eps^2 / 3, far below the Monte Carlo error
    assert abs(res.mean()[0] - mean) < 4 * sd / math.sqrt(n)
    assert abs(res.std()[0] - sd) < 4 * sd / math.sqrt(2 * n)
    rate = analytic_abc(eps)[2]
    assert abs(res.acceptance_rate - rate) < 4 * math.sqrt(rate / n_sim)


def test_quantile_keeps_the_closest_fraction():
    n_sim, q = 20_000, 0.05
    res = rejection_abc(numpy_gaussian, Normal(MU0, TAU), np.full(N_OBS, XBAR), summary=Mean(),
                        quantile=q, n_simulations=n_sim, batch_size=3_000, random_state=3)
    assert res.n_samples == round(q * n_sim)
    assert np.all(np.diff(res.distances) >= 0)
    assert res.eps == res.distances.max()
    # the same run keeping everything shows the kept ones are exactly the closest
    full = rejection_abc(numpy_gaussian, Normal(MU0, TAU), np.full(N_OBS, XBAR), summary=Mean(),
                         quantile=1.0, n_simulations=n_sim, batch_size=3_000, random_state=3)
    assert full.n_samples == n_sim
    np.testing.assert_array_equal(np.sort(full.distances)[:res.n_samples], res.distances)
    # quantile with n_samples runs n_samples / quantile simulations
    res2 = rejection_abc(numpy_gaussian, Normal(MU0, TAU), np.full(N_OBS, XBAR), summary=Mean(),
                         quantile=q, n_samples=1000, batch_size=3_000, random_state=3)
    assert res2.n_simulations == n_sim
    np.testing.assert_array_equal(res2.samples, res.samples)


def test_eps_with_n_samples_stops_at_the_target():
    res = rejection_abc(numpy_gaussian, Normal(MU0, TAU), np.full(N_OBS, XBAR), summary=Mean(),
                        eps=0.05, n_samples=300, n_simulations=1_000_000, batch_size=2_000,
                        random_state=4)
    assert res.n_samples == 300
    # n_simulations counts up to the simulation that gave the 300th acceptance
    full = rejection_abc(numpy_gaussian, Normal(MU0, TAU), np.full(N_OBS, XBAR), summary=Mean(),
                         eps=0.05, n_simulations=res.n_simulations, batch_size=2_000,
                         random_state=4)
    assert full.n_samples == 300
    np.testing.assert_array_equal(full.samples, res.samples)
    rate = analytic_abc(0.05)[2]
    assert 0.3 * rate < res.acceptance_rate < 3 * rate


@pytest.mark.parametrize("simulator", [numpy_gaussian, GaussianMean(SIGMA, N_OBS)],
                         ids=["python", "builtin"])
def test_results_do_not_depend_on_n_jobs(simulator):
    kw = dict(summary=Mean(), quantile=0.02, n_simulations=30_000, batch_size=4_000,
              random_state=5, distance="scaled")
    r1 = rejection_abc(simulator, Normal(MU0, TAU), np.full(N_OBS, XBAR), n_jobs=1, **kw)
    r2 = rejection_abc(simulator, Normal(MU0, TAU), np.full(N_OBS, XBAR), n_jobs=2, **kw)
    np.testing.assert_array_equal(r1.samples, r2.samples)
    np.testing.assert_array_equal(r1.distances, r2.distances)
    np.testing.assert_array_equal(r1.summaries, r2.summaries)
    r3 = rejection_abc(simulator, Normal(MU0, TAU), np.full(N_OBS, XBAR), n_jobs=1, **kw)
    np.testing.assert_array_equal(r1.samples, r3.samples)
    r4 = rejection_abc(simulator, Normal(MU0, TAU), np.full(N_OBS, XBAR), n_jobs=1,
                       **{**kw, "random_state": 6})
    assert not np.array_equal(r1.samples, r4.samples)


def test_executor_gives_the_same_result():
    from concurrent.futures import ThreadPoolExecutor

    kw = dict(summary=Mean(), eps=0.1, n_simulations=20_000, batch_size=3_000, random_state=7)
    r1 = rejection_abc(numpy_gaussian, Normal(MU0, TAU), np.full(N_OBS, XBAR), **kw)
    with ThreadPoolExecutor(2) as ex:
        r2 = rejection_abc(numpy_gaussian, Normal(MU0, TAU), np.full(N_OBS, XBAR),
                           executor=ex, **kw)
    np.testing.assert_array_equal(r1.samples, r2.samples)


def test_generator_random_state_is_reproducible():
    kw = dict(summary=Mean(), quantile=0.1, n_simulations=2_000)
    a = rejection_abc(numpy_gaussian, Normal(0, 1), np.zeros(N_OBS),
                      random_state=np.random.default_rng(11), **kw)
    b = rejection_abc(numpy_gaussian, Normal(0, 1), np.zeros(N_OBS),
                      random_state=np.random.default_rng(11), **kw)
    np.testing.assert_array_equal(a.samples, b.samples)


def test_result_statistics_match_numpy():
    res = rejection_abc(numpy_gaussian, Uniform(-3, 3), np.full(N_OBS, XBAR), summary=Mean(),
                        quantile=0.1, n_simulations=5_000, random_state=8)
    x = res.samples[:, 0]
    assert res.ess == pytest.approx(res.n_samples)
    np.testing.assert_allclose(res.mean(), [x.mean()])
    np.testing.assert_allclose(res.std(), [x.std()])
    q = res.quantiles([0.1, 0.5, 0.9])[:, 0]
    # midpoint-weighted quantiles of equal weights = Hazen's plotting positions
    np.testing.assert_allclose(q, np.quantile(x, [0.1, 0.5, 0.9], method="hazen"))
    assert res.param_names == ("theta",)
    assert "ABCResult" in repr(res) and "<table>" in res._repr_html_()
