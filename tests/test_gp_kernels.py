"""Kernels against scikit-learn's: values, gradients (n x n x p), theta/bounds, algebra."""
import numpy as np
import pytest

import activesci.gp.kernels as ak

sk = pytest.importorskip("sklearn.gaussian_process.kernels")


def kernel_pairs(d):
    """(activesci kernel, scikit-learn kernel) for every kernel and composition."""
    ls = np.linspace(0.5, 2.0, d)
    return [
        (ak.RBF(0.7), sk.RBF(0.7)),
        (ak.RBF(ls), sk.RBF(ls)),
        (ak.Matern(0.9, nu=0.5), sk.Matern(0.9, nu=0.5)),
        (ak.Matern(ls, nu=0.5), sk.Matern(ls, nu=0.5)),
        (ak.Matern(1.1, nu=1.5), sk.Matern(1.1, nu=1.5)),
        (ak.Matern(ls, nu=1.5), sk.Matern(ls, nu=1.5)),
        (ak.Matern(ls, nu=2.5), sk.Matern(ls, nu=2.5)),
        (ak.Matern(0.8, nu=np.inf), sk.Matern(0.8, nu=np.inf)),
        (ak.RationalQuadratic(0.8, 1.7), sk.RationalQuadratic(0.8, 1.7)),
        (ak.ExpSineSquared(1.2, 2.5), sk.ExpSineSquared(1.2, 2.5)),
        (ak.DotProduct(0.6), sk.DotProduct(0.6)),
        (ak.ConstantKernel(2.5), sk.ConstantKernel(2.5)),
        (ak.WhiteKernel(0.3), sk.WhiteKernel(0.3)),
        (ak.ConstantKernel(1.7) * ak.Matern(ls, nu=2.5) + ak.WhiteKernel(0.05),
         sk.ConstantKernel(1.7) * sk.Matern(ls, nu=2.5) + sk.WhiteKernel(0.05)),
        (ak.RBF(ls) * ak.ExpSineSquared(1.0, 3.0) + ak.RationalQuadratic(1.0, 0.5),
         sk.RBF(ls) * sk.ExpSineSquared(1.0, 3.0) + sk.RationalQuadratic(1.0, 0.5)),
        (2.0 * ak.DotProduct(0.3) + ak.RBF(0.4) * ak.WhiteKernel(0.2),
         2.0 * sk.DotProduct(0.3) + sk.RBF(0.4) * sk.WhiteKernel(0.2)),
        (ak.ConstantKernel(0.5, "fixed") * ak.RBF(ls, "fixed") + 1.5,
         sk.ConstantKernel(0.5, "fixed") * sk.RBF(ls, "fixed") + 1.5),
        (ak.Matern(ls, length_scale_bounds="fixed", nu=1.5) * ak.ConstantKernel(3.0),
         sk.Matern(ls, length_scale_bounds="fixed", nu=1.5) * sk.ConstantKernel(3.0)),
    ]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("d", [1, 3])
def test_values_and_gradients_match_sklearn(seed, d):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(17, d))
    Y = rng.normal(size=(5, d))
    for a, b in kernel_pairs(d):
        np.testing.assert_allclose(a(X), b(X), rtol=1e-8, atol=1e-12, err_msg=repr(b))
        np.testing.assert_allclose(a(X, Y), b(X, Y), rtol=1e-8, atol=1e-12, err_msg=repr(b))
        np.testing.assert_allclose(a.diag(X), b.diag(X), rtol=1e-8, atol=1e-12)
        Ka, Ga = a(X, eval_gradient=True)
        Kb, Gb = b(X, eval_gradient=True)
        np.testing.assert_allclose(Ka, Kb, rtol=1e-8, atol=1e-12)
        assert Ga.shape == Gb.shape, repr(b)
        np.testing.assert_allclose(Ga, Gb, rtol=1e-8, atol=1e-10, err_msg=repr(b))
        np.testing.assert_allclose(a.theta, b.theta, rtol=1e-12)
        np.testing.assert_allclose(a.bounds, b.bounds, rtol=1e-12)
        assert a.n_dims == b.n_dims
        assert [h.name for h in a.hyperparameters] == [h.name for h in b.hyperparameters]


def test_gradient_matches_central_differences():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 2))
    for a, _ in kernel_pairs(2):
        if a.n_dims == 0:
            continue
        _, G = a(X, eval_gradient=True)
        theta = a.theta
        for p in range(a.n_dims):
            h = 1e-6
            tp, tm = theta.copy(), theta.copy()
            tp[p] += h
            tm[p] -= h
            fd = (a.clone_with_theta(tp)(X) - a.clone_with_theta(tm)(X)) / (2 * h)
            np.testing.assert_allclose(G[:, :, p], fd, rtol=1e-5, atol=1e-7, err_msg=repr(a))


def test_theta_roundtrip_and_clone():
    k = ak.ConstantKernel(2.0) * ak.Matern([1.0, 2.0], nu=2.5) + ak.WhiteKernel(0.1)
    k2 = k.clone_with_theta(k.theta + 0.5)
    np.testing.assert_allclose(k2.theta, k.theta + 0.5)
    np.testing.assert_allclose(k.theta, np.log([2.0, 1.0, 2.0, 0.1]))
    assert k2.k1.k2.nu == 2.5
    import copy
    assert k == copy.deepcopy(k)
    np.testing.assert_allclose(k.clone_with_theta(k.theta).theta, k.theta, rtol=1e-15)
    assert k != k2
    params = k.get_params()
    assert "k1__k2__length_scale" in params
    k.set_params(k2__noise_level=0.2)
    assert k.k2.noise_level == 0.2


def test_repr_is_readable():
    k = ak.ConstantKernel(4.0) * ak.RBF([1.0, 2.0]) + ak.WhiteKernel(0.5)
    assert repr(k) == "2**2 * RBF(length_scale=[1, 2]) + WhiteKernel(noise_level=0.5)"


@pytest.mark.parametrize("bad, match", [
    (lambda: ak.RBF(-1.0)(np.zeros((2, 1))), "length_scale must be positive"),
    (lambda: ak.RBF([1.0, 2.0])(np.zeros((2, 3))), "one length scale or one per feature"),
    (lambda: ak.Matern(1.0, nu=0.7)(np.zeros((2, 1))), "nu=0.7 is not supported"),
    (lambda: ak.WhiteKernel(np.nan)(np.zeros((2, 1))), "noise_level must be positive"),
    (lambda: ak.RBF(1.0)(np.zeros(3)), "must be 2-D"),
    (lambda: ak.RBF(1.0)(np.array([[np.nan]])), "NaN"),
    (lambda: ak.RBF(1.0)(np.zeros((2, 1)), np.zeros((2, 2))), "feature"),
    (lambda: ak.RBF(1.0)(np.zeros((2, 1)), np.zeros((2, 1)), eval_gradient=True), "Y is None"),
])
def test_bad_input_raises_named_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        bad()


def test_accepts_any_array_like():
    k = ak.RBF(1.0)
    X = np.asfortranarray(np.random.default_rng(0).normal(size=(6, 2)))
    ref = k(np.ascontiguousarray(X))
    np.testing.assert_allclose(k(X), ref)
    np.testing.assert_allclose(k(X.astype(np.float32)), k(X.astype(np.float32).astype(float)))
    np.testing.assert_allclose(k(X.tolist()), ref)
    big = np.random.default_rng(1).normal(size=(12, 4))
    np.testing.assert_allclose(k(big[::2, ::2]), k(np.ascontiguousarray(big[::2, ::2])))
    np.testing.assert_allclose(ak.DotProduct(1.0)([[1, 2]]), [[6.0]])
