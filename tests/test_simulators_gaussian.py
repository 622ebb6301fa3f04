"""GaussianToy and GaussianDemo: sampling laws, logpdf, the analytic posterior against a
brute-force grid, the expected information gain against Monte Carlo, the best design of the
demo, reproducibility, and bad inputs."""
import math

import numpy as np
import pytest

from activesci import _core
from activesci.simulators import GaussianDemo, GaussianToy, NormalPosterior

stats = pytest.importorskip("scipy.stats")


@pytest.mark.parametrize("sim, phi, var", [(GaussianToy(), 0.3, 0.3), (GaussianToy(), 7.0, 7.0),
                                           (GaussianDemo(), 0.0, 3.0),
                                           (GaussianDemo(), math.pi, 1.0),
                                           (GaussianDemo(), 2.0, 2 + math.cos(2.0))])
def test_samples_follow_the_normal_law(sim, phi, var):
    theta = np.array([-2.0, 0.0, 3.5])
    x = sim.simulate(theta, phi, 50_000, random_state=2)
    assert x.shape == (3, 50_000)
    for row, th in zip(x, theta):
        assert stats.kstest(row, stats.norm(th, math.sqrt(var)).cdf).pvalue > 1e-4
    assert sim.variance(phi) == pytest.approx(var)


def test_logpdf_matches_scipy_and_broadcasts():
    sim = GaussianToy()
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(sim.logpdf(x, 0.5, 2.0), stats.norm(0.5, math.sqrt(2)).logpdf(x),
                               rtol=1e-13)
    both = sim.logpdf(x, [0.5, -1.0], 2.0)  # shared events, two θ
    assert both.shape == (2, 7)
    np.testing.assert_allclose(both[1], stats.norm(-1, math.sqrt(2)).logpdf(x), rtol=1e-13)
    per_row = sim.logpdf(np.vstack([x, x + 1]), [0.5, -1.0], 2.0)
    np.testing.assert_allclose(per_row[1], stats.norm(-1, math.sqrt(2)).logpdf(x + 1),
                               rtol=1e-13)
    assert np.ndim(sim.logpdf(0.0, 0.0, 1.0)) == 0
    demo = GaussianDemo()
    np.testing.assert_allclose(demo.logpdf(x, 1.0, 1.0),
                               stats.norm(1.0, math.sqrt(2 + math.cos(1.0))).logpdf(x),
                               rtol=1e-13)
    assert sim.has_logpdf and demo.has_logpdf


@pytest.mark.parametrize("sim, phi", [(GaussianToy(), 0.5), (GaussianToy(), 4.0),
                                      (GaussianDemo(), 1.0)])
def test_posterior_matches_a_brute_force_grid(sim, phi):
    x = sim.simulate(1.3, phi, 25, random_state=4)
    prior_mean, prior_std = 0.5, 2.0
    post = sim.posterior(x, prior_mean, prior_std, phi)
    grid = np.linspace(-9.9, 9.9, 200_001)
    loglik = sim.logpdf(x, grid, phi).sum(axis=1)
    logp = loglik + stats.norm(prior_mean, prior_std).logpdf(grid)
    w = np.exp(logp - logp.max())
    w /= w.sum()
    mean = np.sum(w * grid)
    std = math.sqrt(np.sum(w * (grid - mean) ** 2))
    assert post.mean == pytest.approx(mean, abs=1e-7)
    assert post.std == pytest.approx(std, rel=1e-6)
    # a batch of data sets gives one posterior each
    xs = sim.simulate([1.0, 2.0], phi, 25, random_state=5)
    batch = sim.posterior(xs, prior_mean, prior_std, phi)
    assert batch.mean.shape == (2,) and batch.std.shape == (2,)
    assert batch.mean[1] == pytest.approx(sim.posterior(xs[1], prior_mean, prior_std, phi).mean)
    mean_, std_ = post  # unpacks
    assert "NormalPosterior" in repr(post) and "std" in post._repr_html_()
    assert post.logpdf(post.mean) == pytest.approx(-math.log(std_ * math.sqrt(2 * math.pi)))


@pytest.mark.parametrize("sim, phi, n", [(GaussianToy(), 0.5, 4), (GaussianToy(), 3.0, 20),
                                         (GaussianDemo(), 0.5, 10)])
def test_expected_information_gain_matches_monte_carlo(sim, phi, n):
    """EIG = E over the prior predictive of KL(posterior || prior)."""
    prior_mean, prior_std = 0.0, 1.5
    rng = np.random.default_rng(8)
    theta = np.clip(rng.normal(prior_mean, prior_std, 20_000), -9.99, 9.99)
    x = sim.simulate(theta, phi, n, random_state=9)
    post = sim.posterior(x, prior_mean, prior_std, phi)
    kl = (np.log(prior_std / post.std) + (post.std**2 + (post.mean - prior_mean) ** 2)
          / (2 * prior_std**2) - 0.5)
    eig = sim.expected_information_gain(phi, n, prior_std)
    assert eig == pytest.approx(0.5 * math.log1p(n * prior_std**2 / sim.variance(phi)))
    assert abs(kl.mean() - eig) < 4.5 * kl.std() / math.sqrt(kl.size)
    assert sim.expected_information_gain(phi, 0, prior_std) == 0.0


def test_demo_best_design_is_pi():
    sim = GaussianDemo()
    grid = np.linspace(0, 2 * np.pi, 1001)
    eig = sim.expected_information_gain(grid, 10, 1.0)
    assert eig.shape == grid.shape
    assert grid[np.argmax(eig)] == pytest.approx(math.pi, abs=2 * np.pi / 1000)
    assert sim.best_phi == math.pi
    assert sim.phi_bounds == (0.0, 2 * math.pi)


def test_reproducible_split_and_threads():
    sim = GaussianToy()
    theta = np.linspace(-5, 5, 7)
    a = sim.simulate(theta, 1.0, 100, random_state=3)
    np.testing.assert_array_equal(a, sim.simulate(theta, 1.0, 100, random_state=3, n_jobs=2))
    np.testing.assert_array_equal(
        a, np.concatenate([sim.simulate(theta[:2], 1.0, 100, random_state=3),
                           sim.simulate(theta[2:], 1.0, 100, random_state=3, stream_offset=2)]))
    assert not np.array_equal(a, sim.simulate(theta, 1.0, 100, random_state=4))
    # the demo and the toy share their normals: same streams, variance 1 at φ = π and φ = 1
    np.testing.assert_allclose(GaussianDemo().simulate(theta, math.pi, 100, random_state=3), a,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(
        a, _core.sim_simulate(sim._c_model_spec(), theta[:, None], 1.0, 100, 3))


def test_spec_params_and_repr():
    sklearn_base = pytest.importorskip("sklearn.base")
    sim = GaussianToy(theta_bounds=(-1, 1), phi_bounds=(0.5, 2.0))
    assert sim._c_model_spec() == ("gaussian_toy", {"theta_lo": -1.0, "theta_hi": 1.0,
                                                    "phi_lo": 0.5, "phi_hi": 2.0})
    assert GaussianDemo()._c_model_spec()[0] == "gaussian_demo"
    assert sklearn_base.clone(sim).get_params() == sim.get_params()
    assert "GaussianToy(theta_bounds=(-1.0, 1.0), phi_bounds=(0.5, 2.0))" == repr(sim)
    sim.set_params(theta_bounds=(-2, 2))
    np.testing.assert_array_equal(sim.theta_bounds, [[-2, 2]])
    with pytest.raises(ValueError, match="Invalid parameter"):
        sim.set_params(mean=1)


def test_bad_inputs():
    toy, demo = GaussianToy(), GaussianDemo()
    with pytest.raises(ValueError, match="phi .*variance.* > 0"):
        toy.simulate(0.0, 0.0, 5)
    with pytest.raises(ValueError, match="phi .*> 0"):
        toy.simulate(0.0, -1.0, 5)
    with pytest.raises(ValueError, match="outside phi_bounds"):
        toy.simulate(0.0, 1000.0, 5)
    with pytest.raises(ValueError, match="outside phi_bounds"):
        demo.simulate(0.0, 7.0, 5)
    with pytest.raises(ValueError, match="outside theta_bounds"):
        toy.simulate([0.0, 11.0], 1.0, 5)
    with pytest.raises(ValueError, match="NaN"):
        toy.simulate([np.nan], 1.0, 5)
    with pytest.raises(ValueError, match="n .*>= 0"):
        toy.simulate(0.0, 1.0, -3)
    with pytest.raises(ValueError, match="prior_std"):
        toy.posterior([1.0], 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="prior_mean"):
        toy.posterior([1.0], np.nan, 1.0, 1.0)
    with pytest.raises(ValueError, match="x contains NaN"):
        toy.posterior([1.0, np.nan], 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="x must be 1-D"):
        toy.posterior(np.zeros((2, 2, 2)), 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="outside phi_bounds"):
        demo.expected_information_gain([1.0, 9.0], 3, 1.0)
    with pytest.raises(ValueError, match="n .*>= 0"):
        toy.expected_information_gain(1.0, -1, 1.0)
    with pytest.raises(ValueError, match="phi_bounds .*> 0"):
        GaussianToy(phi_bounds=(0.0, 1.0)).simulate(0.0, 0.5, 3)
    with pytest.raises(ValueError, match="theta_bounds"):
        GaussianToy(theta_bounds=(1.0, -1.0)).simulate(0.0, 0.5, 3)
    with pytest.raises(ValueError, match="finite"):
        GaussianToy(theta_bounds=(-np.inf, 1.0))._c_model_spec()
    with pytest.raises(ValueError, match="rows"):
        toy.logpdf(np.zeros((3, 2)), [0.0, 1.0], 1.0)
    assert isinstance(NormalPosterior(0, 1).logpdf(0.0), float) or np.ndim(
        NormalPosterior(0, 1).logpdf(0.0)) == 0
