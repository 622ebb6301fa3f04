"""activesci.distributions against scipy.stats and analytic formulas."""
import numpy as np
import pytest
from scipy import stats

from activesci.distributions import (Exponential, Histogram, Join, KernelDensity,
                                     LinearTransform, Mixture, MultivariateNormal, Normal,
                                     Uniform)
from activesci.exceptions import NotFittedError

X1 = np.linspace(-4, 6, 57)


@pytest.mark.parametrize("dist, ref", [
    (Normal(1.0, 2.0), stats.norm(1.0, 2.0)),
    (Exponential(2.5), stats.expon(scale=1 / 2.5)),
    (Uniform(-1.0, 3.0), stats.uniform(-1.0, 4.0)),
])
def test_univariate_against_scipy(dist, ref):
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(dist.logpdf(X1), ref.logpdf(X1), rtol=1e-12)
    np.testing.assert_allclose(dist.pdf(X1[:, None]), ref.pdf(X1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(dist.cdf(X1), ref.cdf(X1), rtol=1e-12, atol=1e-15)
    x = dist.rvs(20000, random_state=0)
    assert x.shape == (20000, 1)
    # the sample moments agree within 5 standard errors
    assert abs(x.mean() - ref.mean()) < 5 * ref.std() / np.sqrt(20000)
    assert stats.kstest(x[:, 0], ref.cdf).pvalue > 1e-4
    np.testing.assert_allclose(dist.nll(x[:10]), -ref.logpdf(x[:10, 0]).sum(), rtol=1e-12)
    np.testing.assert_array_equal(x, dist.rvs(20000, random_state=0))


def test_multivariate_normal_against_scipy():
    mu = np.array([1.0, -1.0, 0.5])
    A = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]])
    p = MultivariateNormal(mu, A)
    X = np.random.default_rng(0).normal(size=(30, 3))
    np.testing.assert_allclose(p.logpdf(X), stats.multivariate_normal(mu, A).logpdf(X),
                               rtol=1e-12)
    x = p.rvs(40000, random_state=1)
    np.testing.assert_allclose(np.cov(x, rowvar=False), A, atol=0.05)
    with pytest.raises(ValueError, match="positive definite"):
        MultivariateNormal([0, 0], [[1, 2], [2, 1]]).logpdf(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="2 column"):
        p.logpdf(np.zeros((2, 2)))


def test_mixture_of_normals():
    comps = [Normal(-2, 0.75), Normal(0, 2), Normal(1, 0.5)]
    w = [0.475, 0.475, 0.05]
    p = Mixture(comps, w)
    exact = sum(wi * stats.norm(c.mu, c.sigma).pdf(X1) for wi, c in zip(w, comps))
    np.testing.assert_allclose(p.pdf(X1), exact, rtol=1e-12)
    np.testing.assert_allclose(
        p.cdf(X1), sum(wi * stats.norm(c.mu, c.sigma).cdf(X1) for wi, c in zip(w, comps)))
    x = p.rvs(30000, random_state=2)[:, 0]
    assert stats.kstest(x, p.cdf).pvalue > 1e-4
    # a nested mixture and a zero weight are the same distribution
    B = Mixture(comps[:2], [0.5, 0.5])
    q = Mixture([B, comps[2]], [0.95, 0.05])
    np.testing.assert_allclose(q.logpdf(X1), p.logpdf(X1), rtol=1e-12)
    np.testing.assert_allclose(Mixture([B, comps[2]], [1.0, 0.0]).logpdf(X1), B.logpdf(X1))
    with pytest.raises(ValueError, match="sum to one"):
        Mixture(comps, [0.5, 0.5, 0.5]).logpdf(X1)
    with pytest.raises(ValueError, match="entries"):
        Mixture(comps, [0.5, 0.5]).logpdf(X1)


def test_join_and_linear_transform_jacobian():
    j = Join([Normal(0, 1), Exponential(1.0)])
    X = np.column_stack([X1, np.abs(X1)])
    np.testing.assert_allclose(j.logpdf(X), stats.norm.logpdf(X1) + stats.expon.logpdf(
        np.abs(X1)))
    assert j.rvs(5, random_state=0).shape == (5, 2)
    # Y = A Z with Z ~ N(0, I) is N(0, A A^T): the Jacobian term must make them agree
    A = np.array([[2.0, 0.5], [-0.3, 1.5]])
    lt = LinearTransform(MultivariateNormal([0.0, 0.0], np.eye(2)), A)
    Y = np.random.default_rng(3).normal(size=(20, 2))
    np.testing.assert_allclose(lt.logpdf(Y), stats.multivariate_normal(
        np.zeros(2), A @ A.T).logpdf(Y), rtol=1e-12)
    y = lt.rvs(40000, random_state=4)
    np.testing.assert_allclose(np.cov(y, rowvar=False), A @ A.T, atol=0.08)
    with pytest.raises(ValueError, match="invertible"):
        LinearTransform(Normal(), [[0.0]]).logpdf(X1)


def test_histogram_matches_numpy():
    x = np.random.default_rng(5).normal(size=(3000, 1))
    h = Histogram(bins=12).fit(x)
    dens, edges = np.histogram(x[:, 0], bins=12, density=True)
    mids = 0.5 * (edges[1:] + edges[:-1])
    np.testing.assert_allclose(h.pdf(mids), dens, rtol=1e-12)
    assert h.pdf([[100.0]])[0] == 0.0
    np.testing.assert_allclose(h.pdf([[edges[-1]]]), dens[-1:], rtol=1e-12)
    s = h.rvs(2000, random_state=0)
    assert s.min() >= edges[0] and s.max() <= edges[-1]
    h2 = Histogram(bins=(4, 5)).fit(np.random.default_rng(6).normal(size=(500, 2)))
    assert h2.ndim == 2 and h2.pdf(np.zeros((3, 2))).shape == (3,)
    with pytest.raises(NotFittedError):
        Histogram().pdf([[0.0]])


def test_kernel_density_matches_scipy():
    x = np.random.default_rng(7).normal(size=(400, 2)) @ np.array([[1.0, 0.3], [0.0, 0.7]])
    kd = KernelDensity().fit(x)
    ref = stats.gaussian_kde(x.T)  # Scott's factor, the same bandwidth rule
    Y = np.random.default_rng(8).normal(size=(50, 2))
    np.testing.assert_allclose(kd.logpdf(Y), ref.logpdf(Y.T), rtol=1e-10)
    assert kd.rvs(10, random_state=0).shape == (10, 2)
    k1 = KernelDensity().fit(x[:, :1])
    np.testing.assert_allclose(k1.cdf([0.0, 1.0]),
                               [stats.gaussian_kde(x[:, 0]).integrate_box_1d(-np.inf, t)
                                for t in (0.0, 1.0)], rtol=1e-8)


def test_bad_parameters_and_input():
    with pytest.raises(ValueError, match="sigma must be > 0"):
        Normal(0.0, -1.0).logpdf(X1)
    with pytest.raises(ValueError, match="high must be > low"):
        Uniform(2.0, 1.0).rvs(3)
    with pytest.raises(ValueError, match="NaN"):
        Normal().logpdf([np.nan])
    with pytest.raises(ValueError, match="n must be"):
        Normal().rvs(-1)
    with pytest.raises(NotImplementedError):
        MultivariateNormal().cdf(np.zeros((1, 2)))
    assert Normal(3.0, 1.0).get_params() == {"mu": 3.0, "sigma": 1.0}
