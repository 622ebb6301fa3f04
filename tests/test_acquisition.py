"""Acquisition functions (C core) against scikit-optimize, analytic formulas and finite
differences; the acquisition optimizer against brute force."""
import math

import numpy as np
import pytest
from scipy.stats import norm

from activesci import _core
from activesci.acquisition import (ACQ_CODES, acquisition_values, gaussian_ei, gaussian_lcb,
                                   gaussian_log_ei, gaussian_pi, latent_kernel,
                                   optimize_acquisition)
from activesci.gp import GaussianProcessRegressor
from activesci.gp.kernels import RBF, ConstantKernel, Matern, WhiteKernel


def _data(n=15, d=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = np.sin(6 * X[:, 0]) + X[:, 1] ** 2
    return X, y


def _pair(X, y):
    """Our GP and scikit-learn's at the same fixed hyperparameters."""
    from sklearn.gaussian_process import GaussianProcessRegressor as SkGP
    from sklearn.gaussian_process.kernels import ConstantKernel as SkC, Matern as SkM

    ours = GaussianProcessRegressor(ConstantKernel(1.3) * Matern([0.3, 0.5], nu=2.5),
                                    optimizer=None, normalize_y=True, alpha=1e-6).fit(X, y)
    ref = SkGP(SkC(1.3) * SkM([0.3, 0.5], nu=2.5), optimizer=None, normalize_y=True,
               alpha=1e-6).fit(X, y)
    return ours, ref


def test_ei_pi_lcb_match_skopt():
    acq = pytest.importorskip("skopt.acquisition")
    X, y = _data()
    ours, ref = _pair(X, y)
    Xq = np.random.default_rng(1).random((200, 2))
    y_opt = float(y.min())
    np.testing.assert_allclose(gaussian_ei(Xq, ours, y_opt, xi=0.01),
                               acq.gaussian_ei(Xq, ref, y_opt, xi=0.01), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(gaussian_pi(Xq, ours, y_opt, xi=0.05),
                               acq.gaussian_pi(Xq, ref, y_opt, xi=0.05), rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(gaussian_lcb(Xq, ours, kappa=2.5),
                               acq.gaussian_lcb(Xq, ref, kappa=2.5), rtol=1e-7, atol=1e-12)


def test_values_match_formulas():
    rng = np.random.default_rng(2)
    mean = rng.normal(size=500)
    std = rng.uniform(0.01, 2.0, 500)
    y_opt, xi, kappa = 0.1, 0.02, 1.5
    z = (y_opt - xi - mean) / std
    ei = (y_opt - xi - mean) * norm.cdf(z) + std * norm.pdf(z)
    np.testing.assert_allclose(-acquisition_values(mean, std, "EI", y_opt, xi), ei, rtol=1e-10,
                               atol=1e-300)
    np.testing.assert_allclose(-acquisition_values(mean, std, "PI", y_opt, xi), norm.cdf(z),
                               rtol=1e-12)
    np.testing.assert_allclose(acquisition_values(mean, std, "LCB", kappa=kappa),
                               mean - kappa * std, rtol=1e-14)
    np.testing.assert_allclose(acquisition_values(mean, std, "mean"), mean)
    ok = ei > 1e-200
    np.testing.assert_allclose(-acquisition_values(mean, std, "LogEI", y_opt, xi)[ok],
                               np.log(ei[ok]), rtol=1e-10, atol=1e-12)


def _log_h_reference(z):
    """log(z Φ(z) + φ(z)) with the Mills-ratio continued fraction summed to 5000 terms
    (z < -4) or directly."""
    if z > -4:
        return math.log(z * norm.cdf(z) + norm.pdf(z))
    t = -z
    g = t
    for k in range(5000, 1, -1):
        g = t + k / g
    c = 1 / g
    return -t * t / 2 - 0.5 * math.log(2 * math.pi) + math.log(c) - math.log(t + c)


def test_log_h_stable_in_the_tail():
    z = np.concatenate([np.linspace(-3.9, 5, 40), -np.logspace(math.log10(4.0), 8, 60)])
    got = _core.acq_log_h(z)
    ref = np.array([_log_h_reference(v) for v in z])
    np.testing.assert_allclose(got, ref, rtol=1e-13)
    assert np.all(np.isfinite(got))
    # EI underflows to 0 where log-EI is still finite and decreasing
    assert -acquisition_values([50.0], [1.0], "EI", y_opt=0.0, xi=0.0)[0] == 0.0
    tail = -acquisition_values([30.0, 40.0, 50.0], [1.0] * 3, "LogEI", y_opt=0.0, xi=0.0)
    assert np.all(np.isfinite(tail)) and np.all(np.diff(tail) < 0)


def test_log_h_continuous_across_branch():
    eps = 1e-9
    z = np.array([-4.0 - eps, -4.0, -4.0 + eps])
    v = _core.acq_log_h(z)
    assert abs(v[0] - v[2]) < 1e-7


@pytest.mark.parametrize("name", list(ACQ_CODES))
def test_derivatives_match_finite_differences(name):
    rng = np.random.default_rng(3)
    mean = rng.normal(size=50) * 2
    std = rng.uniform(0.05, 2.0, 50)
    if name == "LogEI":  # include the continued-fraction branch
        mean[:10] = 8.0 + rng.random(10) * 20
        std[:10] = 1.0
    kw = dict(y_opt=0.3, xi=0.01, kappa=1.7)
    v, dm, ds = acquisition_values(mean, std, name, return_grad=True, **kw)
    h = 1e-6
    fdm = (acquisition_values(mean + h, std, name, **kw)
           - acquisition_values(mean - h, std, name, **kw)) / (2 * h)
    fds = (acquisition_values(mean, std + h, name, **kw)
           - acquisition_values(mean, std - h, name, **kw)) / (2 * h)
    np.testing.assert_allclose(dm, fdm, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(ds, fds, rtol=1e-5, atol=1e-8)


def test_bad_acquisition_arguments():
    with pytest.raises(ValueError, match="acq_func"):
        acquisition_values([0.0], [1.0], "UCB")
    with pytest.raises(ValueError, match="kappa"):
        acquisition_values([0.0], [1.0], "LCB", kappa=-1.0)
    with pytest.raises(ValueError, match="mean has 2 entries but std has 1"):
        acquisition_values([0.0, 1.0], [1.0], "EI")
    gp = GaussianProcessRegressor().fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match="candidates"):
        optimize_acquisition(gp, ["EI"], np.empty((0, 1)), y_opt=0.0)
    with pytest.raises(ValueError, match="acq_func"):
        optimize_acquisition(gp, ["foo"], np.zeros((3, 1)), y_opt=0.0)
    with pytest.raises(ValueError, match="not fitted"):
        optimize_acquisition(GaussianProcessRegressor(), ["EI"], np.zeros((3, 1)), y_opt=0.0)


def test_latent_kernel_drops_white_noise():
    k = ConstantKernel(2.0) * RBF(0.5) + WhiteKernel(0.3)
    assert repr(latent_kernel(k)) == repr(ConstantKernel(2.0) * RBF(0.5))
    X, y = _data(n=20)
    gp = GaussianProcessRegressor(k, optimizer=None).fit(X, y)
    from activesci.acquisition import _predict

    _, std = _predict(gp, X[:3])
    _, std_noisy = gp.predict(X[:3], return_std=True)
    assert np.all(std < std_noisy)
    np.testing.assert_allclose(std ** 2 + 0.3, std_noisy ** 2, rtol=1e-8)


def test_mean_and_std_shared_and_equal_to_predict():
    X, y = _data(n=30)
    gp = GaussianProcessRegressor(ConstantKernel(1.0) * Matern([0.4, 0.4], nu=2.5),
                                  normalize_y=True, optimizer=None).fit(X, y)
    cand = np.random.default_rng(4).random((700, 2))  # several blocks of candidates
    out = optimize_acquisition(gp, ["LogEI", "PI", "LCB"], cand, y_opt=float(y.min()),
                               n_polish=0)
    mean, std = gp.predict(cand, return_std=True)
    np.testing.assert_allclose(out["mean"], mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out["std"], std, rtol=1e-8, atol=1e-12)
    for q, name in enumerate(["LogEI", "PI", "LCB"]):
        ref = acquisition_values(mean, std, name, float(y.min()))
        np.testing.assert_allclose(out["values"][q], ref, rtol=1e-8, atol=1e-12)
        i = int(np.argmin(ref))
        np.testing.assert_allclose(out["x"][q], cand[i])  # sampling only: the best candidate


def test_polish_improves_and_reaches_the_grid_optimum():
    X, y = _data(n=12)
    gp = GaussianProcessRegressor(ConstantKernel(1.0) * Matern([0.3, 0.3], nu=2.5),
                                  normalize_y=True, optimizer=None).fit(X, y)
    cand = np.random.default_rng(5).random((50, 2))
    g = np.linspace(0, 1, 201)
    grid = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    for name in ["LogEI", "LCB", "mean"]:
        out0 = optimize_acquisition(gp, [name], cand, y_opt=float(y.min()), n_polish=0)
        out = optimize_acquisition(gp, [name], cand, y_opt=float(y.min()), n_polish=5,
                                   max_iter=100)
        assert out["fun"][0] <= out0["fun"][0]
        m, s = gp.predict(out["x"], return_std=True)
        np.testing.assert_allclose(acquisition_values(m, s, name, float(y.min()))[0],
                                   out["fun"][0], rtol=1e-9, atol=1e-12)
        gm, gs = gp.predict(grid, return_std=True)
        best_grid = acquisition_values(gm, gs, name, float(y.min())).min()
        assert out["fun"][0] <= best_grid + 1e-3 * (1 + abs(best_grid))


def test_polish_keeps_fixed_columns():
    X, y = _data(n=12)
    gp = GaussianProcessRegressor(ConstantKernel(1.0) * Matern([0.3, 0.3], nu=2.5),
                                  normalize_y=True, optimizer=None).fit(X, y)
    cand = np.random.default_rng(6).random((40, 2))
    cand[:, 1] = np.round(cand[:, 1] * 4) / 4  # an "integer" column
    out = optimize_acquisition(gp, ["LogEI"], cand, y_opt=float(y.min()), free=[True, False],
                               n_polish=5)
    assert out["x"][0, 1] in set(cand[:, 1])


def test_binding_keeps_reference_counts_and_memory():
    import gc
    import resource
    import sys

    X, y = _data(n=20)
    gp = GaussianProcessRegressor(ConstantKernel(1.0) * Matern([0.4, 0.4], nu=2.5),
                                  normalize_y=True, optimizer=None).fit(X, y)
    spec, Xt, L, alpha, ym, ys = __import__("activesci.acquisition", fromlist=["x"]) \
        ._model_arrays(gp)
    cand = np.random.default_rng(0).random((50, 2))
    lo, up = np.zeros(2), np.ones(2)
    acqs = [(1, 0.0, 0.01, 1.96), (3, 0.0, 0.01, 1.96)]
    free = [True, False]
    args_ok = (spec, Xt, L, alpha, ym, ys, cand, acqs, lo, up, free, 3, 10)
    bad_cases = [
        (spec, Xt, L, alpha, ym, ys, cand[:, :1], acqs, lo, up, free, 3, 10),   # wrong d
        (spec, Xt, L, alpha, ym, ys, cand, [(9, 0.0, 0.0, 0.0)], lo, up, free, 3, 10),
        (spec, Xt, L, alpha, ym, ys, cand, acqs, up, lo - 1, free, 3, 10),       # lower>upper
        (spec, Xt, L, alpha, ym, ys, cand, acqs, lo, up, [True], 3, 10),         # free length
        (spec, Xt, L, alpha, ym, ys, cand, [], lo, up, None, 3, 10),             # no acq
    ]
    objs = [spec, Xt, L, alpha, ym, ys, cand, acqs, lo, up, free]
    before = [sys.getrefcount(o) for o in objs]

    def run():
        out = _core.acq_optimize(*args_ok)
        # owned by the tuple only: the tuple, the loop variable and getrefcount's argument
        assert [sys.getrefcount(a) for a in out] == [3] * 5
        for bad in bad_cases:
            with pytest.raises((ValueError, TypeError)):
                _core.acq_optimize(*bad)
        _core.acq_point(acqs[0], ym, ys)
        with pytest.raises(ValueError):
            _core.acq_point(acqs[0], np.zeros(2), np.ones(3))

    for _ in range(50):
        run()
    gc.collect()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(300):
        run()
    gc.collect()
    assert [sys.getrefcount(o) for o in objs] == before
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0 < 20_000  # KiB


def test_gaussian_log_ei_is_log_of_ei():
    X, y = _data()
    ours, _ = _pair(X, y)
    Xq = np.random.default_rng(7).random((100, 2))
    ei = gaussian_ei(Xq, ours, float(y.min()))
    lei = gaussian_log_ei(Xq, ours, float(y.min()))
    ok = ei > 1e-250
    np.testing.assert_allclose(lei[ok], np.log(ei[ok]), rtol=1e-9, atol=1e-12)
    assert np.all(np.isfinite(lei))
