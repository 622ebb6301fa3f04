"""GaussianProcessRegressor against scikit-learn, finite differences and its own invariants."""
import numpy as np
import pytest

import activesci.gp.kernels as ak
from activesci.exceptions import NotFittedError, NotPositiveDefiniteError
from activesci.gp import GaussianProcessRegressor

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.gaussian_process import GaussianProcessRegressor as SkGPR  # noqa: E402

from test_gp_kernels import kernel_pairs  # noqa: E402


def problem(seed, n=25, d=2, n_out=None):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, d))
    f = np.sin(X @ np.linspace(1.0, 0.5, d)) + 0.3 * X[:, 0] ** 2
    y = f + 0.1 * rng.standard_normal(n)
    if n_out:
        y = np.column_stack([y * (c + 1) + c for c in range(n_out)])
    Xs = rng.uniform(-2.5, 2.5, size=(11, d))
    return X, y, Xs


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("normalize_y", [False, True])
def test_fixed_hyperparameters_match_sklearn_for_every_kernel(seed, normalize_y):
    d = 2
    X, y, Xs = problem(seed, d=d)
    for a, b in kernel_pairs(d):
        if isinstance(a, ak.ConstantKernel) or isinstance(a, ak.WhiteKernel):
            continue  # a constant or pure-noise kernel alone is singular at alpha=1e-10
        alpha = 1e-2
        ours = GaussianProcessRegressor(a, alpha=alpha, optimizer=None, max_jitter=0.0,
                                        normalize_y=normalize_y)
        ref = SkGPR(b, alpha=alpha, optimizer=None, normalize_y=normalize_y)
        try:
            ref.fit(X, y)
        except np.linalg.LinAlgError:  # e.g. ExpSineSquared is not PSD for d > 1
            with pytest.raises(NotPositiveDefiniteError):
                ours.fit(X, y)
            continue
        ours.fit(X, y)
        assert ours.jitter_ == 0.0
        np.testing.assert_allclose(ours.log_marginal_likelihood_value_,
                                   ref.log_marginal_likelihood_value_, rtol=1e-8)
        np.testing.assert_allclose(ours.alpha_, ref.alpha_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(ours.L_, ref.L_, rtol=1e-8, atol=1e-12)
        m, s, c = ours.predict(Xs, return_std=True, return_cov=True)
        mr, sr = ref.predict(Xs, return_std=True)
        _, cr = ref.predict(Xs, return_cov=True)
        np.testing.assert_allclose(m, mr, rtol=1e-8, atol=1e-10, err_msg=repr(b))
        np.testing.assert_allclose(s, sr, rtol=1e-7, atol=1e-9, err_msg=repr(b))
        np.testing.assert_allclose(c, cr, rtol=1e-7, atol=1e-10, err_msg=repr(b))
        if a.n_dims:
            theta = a.theta + 0.3
            la, ga = ours.log_marginal_likelihood(theta, eval_gradient=True)
            lb, gb = ref.log_marginal_likelihood(theta, eval_gradient=True)
            np.testing.assert_allclose(la, lb, rtol=1e-8)
            np.testing.assert_allclose(ga, gb, rtol=1e-7, atol=1e-8, err_msg=repr(b))


@pytest.mark.parametrize("n_out", [2, 3, 20])
def test_multi_output_matches_sklearn(n_out):
    # 20 outputs: the gradient's scratch must hold y (n x n_out), more than the kernel's 2 n d
    # (it overran the workspace when n_out > 2 d, and glibc aborted)
    X, y, Xs = problem(5, n_out=n_out)
    a = ak.ConstantKernel(1.5) * ak.RBF([0.8, 1.2]) + ak.WhiteKernel(0.1)
    b = sk_kernel = clone_sk(a)
    ours = GaussianProcessRegressor(a, optimizer=None, normalize_y=True).fit(X, y)
    ref = SkGPR(sk_kernel, optimizer=None, normalize_y=True).fit(X, y)
    np.testing.assert_allclose(ours.log_marginal_likelihood_value_,
                               ref.log_marginal_likelihood_value_, rtol=1e-8)
    m, s = ours.predict(Xs, return_std=True)
    mr, sr = ref.predict(Xs, return_std=True)
    assert m.shape == (11, n_out) and s.shape == (11, n_out)
    np.testing.assert_allclose(m, mr, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(s, sr, rtol=1e-7, atol=1e-10)
    _, c = ours.predict(Xs, return_cov=True)
    _, cr = ref.predict(Xs, return_cov=True)
    np.testing.assert_allclose(c, cr, rtol=1e-7, atol=1e-10)
    theta = ours.kernel_.theta - 0.2
    la, ga = ours.log_marginal_likelihood(theta, eval_gradient=True)
    lb, gb = ref.log_marginal_likelihood(theta, eval_gradient=True)
    np.testing.assert_allclose(la, lb, rtol=1e-8)
    np.testing.assert_allclose(ga, gb, rtol=1e-7, atol=1e-9)
    del b


def clone_sk(k):
    """The scikit-learn twin of a small activesci kernel (for the tests)."""
    from sklearn.gaussian_process import kernels as sk
    if isinstance(k, ak.Sum):
        return clone_sk(k.k1) + clone_sk(k.k2)
    if isinstance(k, ak.Product):
        return clone_sk(k.k1) * clone_sk(k.k2)
    return getattr(sk, type(k).__name__)(**k.get_params())


def test_lml_gradient_matches_central_differences():
    X, y, _ = problem(7, n=30, d=3)
    k = ak.ConstantKernel(1.2) * ak.Matern([0.7, 1.0, 1.5], nu=2.5) + ak.WhiteKernel(0.05)
    gp = GaussianProcessRegressor(k, optimizer=None, normalize_y=True).fit(X, y)
    theta = k.theta + np.array([0.1, -0.2, 0.3, 0.0, -0.5])
    _, g = gp.log_marginal_likelihood(theta, eval_gradient=True)
    for p in range(len(theta)):
        h = 1e-5
        tp, tm = theta.copy(), theta.copy()
        tp[p] += h
        tm[p] -= h
        fd = (gp.log_marginal_likelihood(tp) - gp.log_marginal_likelihood(tm)) / (2 * h)
        np.testing.assert_allclose(g[p], fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_optimization_reaches_at_least_sklearns_lml(seed):
    """Same restart budget: our optimum is at least scikit-learn's minus 1e-6."""
    rng = np.random.default_rng(100 + seed)
    d = 3 if seed % 2 else 2
    n = 40 + 10 * seed
    X = rng.uniform(0, 1, size=(n, d))
    y = np.sin(6 * X[:, 0]) + X[:, -1] ** 2 + 0.05 * rng.standard_normal(n)
    a = ak.ConstantKernel(1.0) * ak.Matern(np.ones(d), nu=2.5) + ak.WhiteKernel(1e-2)
    ours = GaussianProcessRegressor(a, normalize_y=True, n_restarts_optimizer=2,
                                    random_state=seed).fit(X, y)
    ref = SkGPR(clone_sk(a), normalize_y=True, n_restarts_optimizer=2,
                random_state=seed).fit(X, y)
    assert ours.log_marginal_likelihood_value_ >= ref.log_marginal_likelihood_value_ - 1e-6
    # the fitted model's value is the lml at its own hyperparameters
    np.testing.assert_allclose(ours.log_marginal_likelihood(ours.kernel_.theta),
                               ours.log_marginal_likelihood_value_, rtol=1e-10)


def test_optimizer_none_keeps_hyperparameters_and_callable_optimizer_works():
    X, y, _ = problem(1)
    k = ak.RBF(0.5)
    gp = GaussianProcessRegressor(k, optimizer=None).fit(X, y)
    assert gp.kernel_.length_scale == 0.5
    calls = []

    def my_opt(obj, theta0, bounds):
        calls.append(theta0)
        f, g = obj(theta0)
        assert g.shape == theta0.shape
        return theta0, f

    gp = GaussianProcessRegressor(k, optimizer=my_opt, n_restarts_optimizer=2,
                                  random_state=0).fit(X, y)
    assert len(calls) == 3


def test_same_seed_same_fit():
    X, y, _ = problem(2, d=3)
    k = ak.ConstantKernel() * ak.RBF(np.ones(3)) + ak.WhiteKernel()
    a = GaussianProcessRegressor(k, n_restarts_optimizer=3, random_state=4).fit(X, y)
    b = GaussianProcessRegressor(k, n_restarts_optimizer=3, random_state=4).fit(X, y)
    np.testing.assert_array_equal(a.kernel_.theta, b.kernel_.theta)
    c = GaussianProcessRegressor(k, n_restarts_optimizer=3, random_state=4, n_threads=1).fit(X, y)
    np.testing.assert_array_equal(a.kernel_.theta, c.kernel_.theta)


def test_interpolates_at_zero_noise_and_std_nonnegative():
    X, y, Xs = problem(3, n=15)
    gp = GaussianProcessRegressor(ak.RBF(1.0), alpha=1e-10, optimizer=None).fit(X, y)
    m, s = gp.predict(X, return_std=True)
    np.testing.assert_allclose(m, y, atol=1e-5)
    assert np.all(s >= 0) and np.all(s < 1e-3)
    _, s2 = gp.predict(Xs, return_std=True)
    assert np.all(s2 >= 0)


def test_sample_y_moments_match_predict():
    X, y, Xs = problem(4, n=12)
    gp = GaussianProcessRegressor(ak.RBF(0.8), alpha=1e-2, optimizer=None).fit(X, y)
    mean, cov = gp.predict(Xs[:4], return_cov=True)
    samples = gp.sample_y(Xs[:4], n_samples=40000, random_state=0)
    assert samples.shape == (4, 40000)
    se = np.sqrt(np.diag(cov) / 40000)
    assert np.all(np.abs(samples.mean(1) - mean) < 5 * se + 1e-12)
    np.testing.assert_allclose(np.cov(samples), cov, atol=0.03 * np.max(np.diag(cov)))
    np.testing.assert_array_equal(samples, gp.sample_y(Xs[:4], 40000, random_state=0))
    ref = SkGPR(clone_sk(ak.RBF(0.8)), alpha=1e-2, optimizer=None).fit(X, y)
    assert ref.sample_y(Xs[:4], 3).shape == gp.sample_y(Xs[:4], 3).shape


def test_prior_prediction_before_fit():
    gp = GaussianProcessRegressor(ak.ConstantKernel(2.0) * ak.RBF(1.0))
    m, s = gp.predict([[0.0], [1.0]], return_std=True)
    np.testing.assert_allclose(m, 0.0)
    np.testing.assert_allclose(s, np.sqrt(2.0))


def test_predict_with_gradients_matches_finite_differences():
    X, y, Xs = problem(6, n=20, d=3)
    k = ak.ConstantKernel(1.3) * ak.Matern([0.6, 0.9, 1.4], nu=2.5) + ak.WhiteKernel(0.01)
    for kernel in (k, ak.RBF(0.9) * ak.DotProduct(0.5), ak.RationalQuadratic(0.8, 2.0),
                   ak.Matern(0.7, nu=1.5), ak.Matern([0.7, 1.0, 0.8], nu=0.5),
                   ak.RBF([1.0, 0.5, 2.0])):
        gp = GaussianProcessRegressor(kernel, alpha=1e-3, optimizer=None,
                                      normalize_y=True).fit(X, y)
        m, s, dm, ds = gp.predict_with_gradients(Xs)
        mr, sr = gp.predict(Xs, return_std=True)
        np.testing.assert_allclose(m, mr, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(s, sr, rtol=1e-7, atol=1e-9)
        h = 1e-6
        for a in range(3):
            e = np.zeros(3)
            e[a] = h
            mp, sp = gp.predict(Xs + e, return_std=True)
            mm, sm = gp.predict(Xs - e, return_std=True)
            np.testing.assert_allclose(dm[:, a], (mp - mm) / (2 * h), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(ds[:, a], (sp - sm) / (2 * h), rtol=1e-4, atol=1e-6)


def test_periodic_kernel_gradients_in_one_dimension():
    rng = np.random.default_rng(12)
    X = rng.uniform(0, 10, (15, 1))
    y = np.sin(X[:, 0])
    gp = GaussianProcessRegressor(ak.ExpSineSquared(1.0, 6.0), alpha=1e-2,
                                  optimizer=None).fit(X, y)
    Xs = rng.uniform(0, 10, (7, 1))
    m, s, dm, ds = gp.predict_with_gradients(Xs)
    h = 1e-6
    mp, sp = gp.predict(Xs + h, return_std=True)
    mm, sm = gp.predict(Xs - h, return_std=True)
    np.testing.assert_allclose(dm[:, 0], (mp - mm) / (2 * h), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ds[:, 0], (sp - sm) / (2 * h), rtol=1e-4, atol=1e-6)


def test_add_observation_equals_refit_at_fixed_hyperparameters():
    X, y, Xs = problem(8, n=30, d=2)
    k = ak.ConstantKernel(1.1) * ak.Matern([0.9, 1.3], nu=2.5) + ak.WhiteKernel(0.02)
    base = GaussianProcessRegressor(k, alpha=1e-6, optimizer=None).fit(X[:20], y[:20])
    upd = base.copy().add_observation(X[20:], y[20:])
    full = GaussianProcessRegressor(k, alpha=1e-6, optimizer=None).fit(X, y)
    np.testing.assert_allclose(upd.L_, full.L_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(upd.alpha_, full.alpha_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(upd.log_marginal_likelihood_value_,
                               full.log_marginal_likelihood_value_, rtol=1e-10)
    np.testing.assert_allclose(upd.predict(Xs, return_std=True),
                               full.predict(Xs, return_std=True), rtol=1e-8, atol=1e-10)
    assert base.X_train_.shape == (20, 2)  # the copy did not touch the original
    # per-point noise is honoured
    noisy = base.copy().add_observation(X[20:21], y[20:21], alpha_new=0.5)
    ref = GaussianProcessRegressor(k, alpha=np.r_[np.full(20, 1e-6), 0.5],
                                   optimizer=None).fit(X[:21], y[:21])
    np.testing.assert_allclose(noisy.predict(Xs), ref.predict(Xs), rtol=1e-8, atol=1e-10)


def test_jitter_is_added_and_recorded_for_duplicate_points():
    X = np.array([[0.0], [0.0], [1.0]])
    y = np.array([1.0, 1.0, 2.0])
    gp = GaussianProcessRegressor(ak.RBF(1.0), alpha=0.0, optimizer=None).fit(X, y)
    assert gp.jitter_ > 0
    assert np.all(np.isfinite(gp.predict([[0.5]])))
    with pytest.raises(NotPositiveDefiniteError, match="alpha"):
        GaussianProcessRegressor(ak.RBF(1.0), alpha=0.0, optimizer=None,
                                 max_jitter=0.0).fit(X, y)
    assert issubclass(NotPositiveDefiniteError, np.linalg.LinAlgError)


def test_sklearn_compatibility_clone_and_params():
    gp = GaussianProcessRegressor(ak.RBF(2.0), alpha=0.1, normalize_y=True, random_state=3)
    c = clone(gp)
    assert c.get_params()["alpha"] == 0.1 and c.kernel is not gp.kernel
    assert c.kernel.length_scale == 2.0
    gp.set_params(kernel__length_scale=3.0)
    assert gp.kernel.length_scale == 3.0
    assert "normalize_y=True" in repr(gp)
    from sklearn.model_selection import cross_val_score
    X, y, _ = problem(9, n=30)
    scores = cross_val_score(GaussianProcessRegressor(ak.RBF(1.0), alpha=1e-2), X, y, cv=3)
    assert np.all(scores > 0.5)


def test_pickle_roundtrip():
    import pickle
    X, y, Xs = problem(10)
    gp = GaussianProcessRegressor(ak.RBF(1.0) + ak.WhiteKernel(0.1)).fit(X, y)
    gp2 = pickle.loads(pickle.dumps(gp))
    np.testing.assert_array_equal(gp.predict(Xs), gp2.predict(Xs))


@pytest.mark.parametrize("call, exc, match", [
    (lambda gp: gp.fit([[np.nan]], [1.0]), ValueError, "X contains NaN"),
    (lambda gp: gp.fit([[1.0]], [np.inf]), ValueError, "y contains NaN"),
    (lambda gp: gp.fit([1.0, 2.0], [1.0, 2.0]), ValueError, "Reshape your data"),
    (lambda gp: gp.fit([[1.0], [2.0]], [1.0]), ValueError, "inconsistent numbers of samples"),
    (lambda gp: gp.fit(np.empty((0, 2)), np.empty(0)), ValueError, "0 sample"),
    (lambda gp: gp.fit([["a"]], [1.0]), TypeError, "must hold numbers"),
    (lambda gp: gp.set_params(n_restarts_optimizer=-1).fit([[1.0]], [1.0]), ValueError,
     "n_restarts_optimizer must be >= 0"),
    (lambda gp: gp.set_params(n_restarts_optimizer=1.5).fit([[1.0]], [1.0]), TypeError,
     "n_restarts_optimizer must be an integer"),
    (lambda gp: gp.set_params(alpha=-1.0).fit([[1.0]], [1.0]), ValueError, "alpha"),
    (lambda gp: gp.set_params(alpha=np.ones(3)).fit([[1.0]], [1.0]), ValueError, "alpha"),
    (lambda gp: gp.set_params(optimizer="bfgs").fit([[1.0]], [1.0]), ValueError, "optimizer"),
    (lambda gp: gp.set_params(kernel="rbf").fit([[1.0]], [1.0]), TypeError, "kernel"),
    (lambda gp: gp.set_params(kernel=ak.RBF(-1.0)).fit([[1.0]], [1.0]), ValueError,
     "length_scale must be positive"),
    (lambda gp: gp.set_params(kernel=ak.RBF(1.0, (10.0, 1.0))).fit([[1.0], [2.0]], [1.0, 2.0]),
     ValueError, "lower > upper"),
    (lambda gp: gp.set_params(kernel=ak.Matern(nu=3.5)).fit([[1.0]], [1.0]), ValueError,
     "nu=3.5 is not supported"),
    (lambda gp: gp.set_params(kernel=ak.RBF(1.0, (1e-5, np.inf)), n_restarts_optimizer=1)
     .fit([[1.0], [2.0]], [1.0, 2.0]), ValueError, "finite"),
    (lambda gp: gp.fit([[1.0], [2.0]], [1.0, 2.0]).predict([[1.0, 2.0]]), ValueError,
     "2 feature"),
    (lambda gp: gp.fit([[1.0], [2.0]], [1.0, 2.0]).predict([[np.nan]]), ValueError, "NaN"),
    (lambda gp: gp.log_marginal_likelihood([0.0]), NotFittedError, "not fitted"),
    (lambda gp: gp.fit([[1.0], [2.0]], [1.0, 2.0]).log_marginal_likelihood(eval_gradient=True),
     ValueError, "theta!=None"),
    (lambda gp: gp.fit([[1.0], [2.0]], [1.0, 2.0]).add_observation([[np.inf]], [1.0]),
     ValueError, "NaN"),
    (lambda gp: gp.fit([[1.0], [2.0]], [1.0, 2.0]).sample_y([[1.0]], 0), ValueError,
     "n_samples must be >= 1"),
])
def test_bad_input(call, exc, match):
    gp = GaussianProcessRegressor(ak.RBF(1.0))
    with pytest.raises(exc, match=match):
        call(gp)


def test_failed_fit_keeps_previous_model():
    X, y, Xs = problem(11)
    gp = GaussianProcessRegressor(ak.RBF(1.0), optimizer=None).fit(X, y)
    before = gp.predict(Xs, return_std=True)
    with pytest.raises(ValueError):
        gp.fit(X, np.full_like(y, np.nan))
    np.testing.assert_array_equal(gp.predict(Xs), before[0])
    # a failure after the inputs were taken (duplicate points, no noise, no jitter allowed):
    # the previous training set, factor and kernel stay together
    from activesci.exceptions import NotPositiveDefiniteError
    gp.set_params(alpha=0.0, max_jitter=0.0)
    with pytest.raises(NotPositiveDefiniteError):
        gp.fit(np.vstack([X[:5], X[:5]]), np.r_[y[:5], y[:5]])
    gp.set_params(alpha=1e-10, max_jitter=1e-4)
    assert gp.X_train_.shape == X.shape
    for a, b in zip(gp.predict(Xs, return_std=True), before):
        np.testing.assert_array_equal(a, b)
