"""Local-linear regression adjustment (Beaumont, Zhang & Balding 2002) on tasks with known
posteriors: sbibm's gaussian_linear (Lueckmann et al. 2021, "Benchmarking simulation-based
inference", AISTATS) and transformed parameters."""
import math

import numpy as np
import pytest

from activesci.abc import (ABCResult, GaussianMean, LogUniform, Normal,
                           epanechnikov_weights, loclinear_adjust, rejection_abc)

D = 10


def gaussian_linear_observation(seed):
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, math.sqrt(0.1), D)
    return theta + rng.normal(0.0, math.sqrt(0.1), D)


@pytest.mark.parametrize("seed", [0, 1])
def test_gaussian_linear_loclinear_recovers_the_exact_posterior(seed):
    """θ ~ N(0, 0.1 I), x | θ ~ N(θ, 0.1 I): posterior N(x_o / 2, 0.05 I)."""
    x_o = gaussian_linear_observation(seed)
    sim = GaussianMean(sigma=math.sqrt(0.1), n_obs=1, n_params=D)
    res = rejection_abc(sim, Normal(np.zeros(D), math.sqrt(0.1)), x_o, quantile=0.01,
                        n_simulations=300_000, random_state=seed)
    adj = res.adjust()
    mean_exact, var_exact = x_o / 2, 0.05
    ess = adj.ess
    assert ess > 1000
    err_mean = np.abs(adj.mean() - mean_exact)
    err_var = np.abs(adj.std() ** 2 - var_exact)
    # Monte Carlo errors of a weighted mean and variance with effective size ess (4 sigma)
    assert (err_mean < 4 * math.sqrt(var_exact / ess)).all()
    assert (err_var < 4 * var_exact * math.sqrt(2 / ess)).all()
    # rejection alone is clearly worse: its posterior is inflated by the tolerance
    rej_err_var = np.abs(res.std() ** 2 - var_exact)
    assert rej_err_var.mean() > 3 * err_var.mean()
    assert (res.std() ** 2 > var_exact).mean() > 0.8


def test_loclinear_is_exact_for_a_linear_model_without_noise():
    rng = np.random.default_rng(0)
    theta = rng.uniform(-1, 1, size=(300, 2))
    B = np.array([[1.0, 0.5], [-0.3, 2.0], [0.2, 0.1]])
    S = theta @ B.T  # three summaries, linear in θ, no noise
    target = np.array([0.1, -0.2])
    s_obs = B @ target
    d = np.linalg.norm(S - s_obs, axis=1)
    adj, w = loclinear_adjust(theta, S, s_obs, d)
    # every adjusted sample collapses on the θ that gives s_obs
    np.testing.assert_allclose(adj[w > 0], np.tile(target, ((w > 0).sum(), 1)), atol=1e-10)


def test_epanechnikov_weights_and_bandwidth():
    np.testing.assert_allclose(epanechnikov_weights([0, 1, 2, 3], 2.0), [1, 0.75, 0, 0])
    with pytest.raises(ValueError, match="bandwidth"):
        epanechnikov_weights([1.0], 0.0)


def test_log_and_logit_transforms_keep_samples_in_the_support():
    # σ of a normal sample with a log-uniform prior: the adjusted σ stay positive
    rng = np.random.default_rng(2)

    def sim(theta, random_state):
        return theta[:, :1] * random_state.standard_normal((theta.shape[0], 20))

    x_o = 0.5 * rng.standard_normal(20)
    res = rejection_abc(sim, LogUniform(0.01, 10.0), x_o,
                        summary=lambda x: np.log(x.std(axis=1)), quantile=0.05,
                        n_simulations=20_000, random_state=3)
    adj = res.adjust(transform="log")
    assert (adj.samples > 0).all()
    lo, hi = 0.01, 10.0
    adj2 = res.adjust(transform="logit")  # bounds from the prior
    assert ((adj2.samples > lo) & (adj2.samples < hi)).all()
    assert adj2.info["adjustment"]["transform"] == "logit"
    # the three estimates agree with each other roughly (same data, same samples)
    m = [r.mean()[0] for r in (res, adj, adj2)]
    assert max(m) - min(m) < 0.5 * res.std()[0] + 0.05
    with pytest.raises(ValueError, match="bounds"):
        loclinear_adjust(res.samples, res.summaries, res.observed_summary, res.distances,
                         transform="logit")
    with pytest.raises(ValueError, match="unknown transform"):
        res.adjust(transform="sqrt")
    with pytest.raises(ValueError, match="loclinear"):
        res.adjust(method="ridge")


def test_adjust_needs_enough_samples():
    r = ABCResult(np.zeros((3, 1)), np.array([0.0, 0.5, 1.0]), 1.0, 100,
                  summaries=np.zeros((3, 2)), observed_summary=np.zeros(2))
    with pytest.raises(ValueError, match="more than"):
        r.adjust()
    empty = ABCResult(np.empty((0, 1)), np.empty(0), 0.1, 100, summaries=np.empty((0, 1)),
                      observed_summary=np.zeros(1))
    with pytest.raises(ValueError, match="accepted nothing"):
        empty.adjust()
