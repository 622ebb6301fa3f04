"""MA(2): the triangle prior, the exact likelihood, the C simulator and ABC against the exact
grid posterior (the likelihood is Gaussian with a banded Toeplitz covariance)."""
import numpy as np
import pytest
from scipy import stats
from scipy.linalg import toeplitz

from activesci import _core
from activesci.abc import (MA2, Autocov, MA2Triangle, ma2_grid_posterior, ma2_log_likelihood,
                           rejection_abc)


def test_triangle_prior_is_uniform_on_the_triangle():
    t = MA2Triangle().sample(200_000, random_state=0)
    assert ((t[:, 1] > np.abs(t[:, 0]) - 1) & (t[:, 1] < 1)).all()
    # moments of the uniform triangle with vertices (-2, 1), (2, 1), (0, -1):
    # centroid (0, 1/3); Var t1 = 2/3, Var t2 = 2/9, Cov = 0
    se = 1 / np.sqrt(t.shape[0])
    assert abs(t[:, 0].mean()) < 5 * np.sqrt(2 / 3) * se
    assert abs(t[:, 1].mean() - 1 / 3) < 5 * np.sqrt(2 / 9) * se
    np.testing.assert_allclose(np.var(t, axis=0), [2 / 3, 2 / 9], rtol=0.02)
    # equal mass in the left and right halves and in the four quadrant pieces
    left = (t[:, 0] < 0).mean()
    assert abs(left - 0.5) < 5 * 0.5 * se
    # above t2 = 0 lies the trapezoid of area 3 of the triangle's 4
    assert abs((t[:, 1] > 0).mean() - 0.75) < 5 * np.sqrt(0.75 * 0.25) * se
    assert np.isfinite(MA2Triangle().logpdf(t[:5])).all()
    assert MA2Triangle().logpdf([1.5, -0.9])[0] == -np.inf


def test_exact_log_likelihood_matches_scipy():
    x = MA2(30)(np.array([[0.6, 0.2]]), random_state=4)[0]
    for t1, t2 in [(0.6, 0.2), (-1.2, 0.5), (0.0, 0.0)]:
        col = np.zeros(30)
        col[:3] = [1 + t1 * t1 + t2 * t2, t1 * (1 + t2), t2]
        ref = stats.multivariate_normal(np.zeros(30), toeplitz(col)).logpdf(x)
        np.testing.assert_allclose(ma2_log_likelihood(x, [[t1, t2]])[0], ref, rtol=1e-10)


@pytest.mark.parametrize("center", [False, True])
def test_c_simulator_autocovariances_match_the_model(center):
    # E γ̂(k) = (1 - k/n) γ(k) for the uncentred estimator of a zero-mean series
    n, t1, t2 = 200, 0.6, 0.2
    theta = np.tile([t1, t2], (20_000, 1))
    s = _core.abc_run_batch(("ma2", n), theta, 3, 0, Autocov([0, 1, 2], center=center)._c_items())
    g = np.array([1 + t1 * t1 + t2 * t2, t1 * (1 + t2), t2]) * (1 - np.arange(3) / n)
    se = s.std(axis=0) / np.sqrt(s.shape[0])
    bias = 0 if not center else 3.0 / n  # centring biases by O(1/n)
    assert (np.abs(s.mean(axis=0) - g) < 5 * se + bias).all()
    # and the NumPy simulator gives the same distribution
    x = MA2(n)(theta, random_state=1)
    s2 = Autocov([0, 1, 2], center=center)(x)
    assert (np.abs(s2.mean(axis=0) - s.mean(axis=0)) < 5 * np.sqrt(2) * se).all()


def test_c_and_numpy_paths_agree_in_distribution():
    x_obs = MA2(100)(np.array([[0.6, 0.2]]), random_state=1)[0]
    kw = dict(summary=Autocov([1, 2]), quantile=0.01, n_simulations=100_000, random_state=0)
    r_c = rejection_abc(MA2(100), MA2Triangle(), x_obs, **kw)
    r_np = rejection_abc(lambda th, rs: MA2(100)(th, rs), MA2Triangle(), x_obs, **kw)
    assert r_c.info["c_path"] and not r_np.info["c_path"]
    se = np.sqrt(r_c.std() ** 2 / r_c.ess + r_np.std() ** 2 / r_np.ess)
    assert (np.abs(r_c.mean() - r_np.mean()) < 5 * se).all()


def test_c_path_results_do_not_depend_on_n_jobs():
    x_obs = MA2(100)(np.array([[0.6, 0.2]]), random_state=2)[0]
    kw = dict(summary=Autocov([1, 2]), quantile=0.01, n_simulations=60_000, batch_size=7_000,
              random_state=9, distance="scaled")
    r1 = rejection_abc(MA2(100), MA2Triangle(), x_obs, n_jobs=1, **kw)
    r2 = rejection_abc(MA2(100), MA2Triangle(), x_obs, n_jobs=2, **kw)
    np.testing.assert_array_equal(r1.samples, r2.samples)
    np.testing.assert_array_equal(r1.summaries, r2.summaries)
    np.testing.assert_array_equal(r1.distances, r2.distances)


def test_abc_posterior_against_the_exact_grid_posterior():
    """Autocovariances at lags 0, 1, 2 are not sufficient, so the ABC posterior is the posterior
    given those summaries: centred near the exact one and not narrower than it."""
    x_obs = MA2(100)(np.array([[0.6, 0.2]]), random_state=1)[0]
    pts, w = ma2_grid_posterior(x_obs, n_grid=101)
    m_exact = w @ pts
    sd_exact = np.sqrt(w @ (pts - m_exact) ** 2)
    res = rejection_abc(MA2(100), MA2Triangle(), x_obs, summary=Autocov([0, 1, 2]),
                        distance="scaled", quantile=0.005, n_simulations=400_000,
                        random_state=0)
    # rejection alone keeps a tolerance-sized bias towards the prior; the local-linear
    # adjustment removes most of it (limits in units of the exact posterior std)
    for r, bias, wider in ((res, 1.5, 1.6), (res.adjust(), 0.5, 1.3)):
        assert (np.abs(r.mean() - m_exact) < bias * sd_exact).all()
        ratio = r.std() / sd_exact
        assert ((ratio > 0.85) & (ratio < wider)).all()
        lo, hi = r.quantiles([0.025, 0.975])
        assert ((lo < m_exact) & (m_exact < hi)).all()
    # the adjustment moves the ABC posterior towards the exact one
    adj = res.adjust()
    assert np.abs(adj.mean() - m_exact).sum() < np.abs(res.mean() - m_exact).sum()
    assert (adj.std() <= res.std()).all()
    # a grid posterior for far-away data is far away: the comparison can fail
    x_far = MA2(100)(np.array([[-0.8, 0.3]]), random_state=1)[0]
    pts2, w2 = ma2_grid_posterior(x_far, n_grid=61)
    assert (np.abs(w2 @ pts2 - res.mean()) > sd_exact).any()


def test_a_process_pool_executor_gives_the_same_result():
    from concurrent.futures import ProcessPoolExecutor

    x_obs = MA2(100)(np.array([[0.6, 0.2]]), random_state=1)[0]
    kw = dict(summary=Autocov([1, 2]), quantile=0.01, n_simulations=40_000, batch_size=10_000,
              random_state=3)
    r1 = rejection_abc(MA2(100), MA2Triangle(), x_obs, **kw)
    with ProcessPoolExecutor(2) as ex:
        r2 = rejection_abc(MA2(100), MA2Triangle(), x_obs, executor=ex, **kw)
    np.testing.assert_array_equal(r1.samples, r2.samples)
    np.testing.assert_array_equal(r1.distances, r2.distances)
