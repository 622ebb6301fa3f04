"""The learning section of the binding (mlp_*, hist_*, isotonic_*): no reference leaks on
success and error paths, no mutation of inputs, named errors."""

import sys

import numpy as np
import pytest

from activesci import _core

SIZES = (2, 4, 1)


def _cases():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(float)
    w = np.ones(30)
    params = _core.mlp_init(SIZES, 0, 1)
    s = rng.normal(size=50)
    edges = np.linspace(-3, 3, 7)
    dens = _core.hist_density(s, None, edges, 0.5)
    xs = np.sort(s)
    blocks = _core.isotonic_fit(xs, (xs > 0).astype(float), None)
    ok = [
        ("mlp_init", (SIZES, 0, 1), {}),
        ("mlp_forward", (SIZES, 0, params, X), {}),
        ("mlp_fit", (SIZES, 0, params.copy(), X, y, w, X, y, 8, 2, 1e-3, 0.9, 0.999, 1e-8,
                     1e-4, 1e-4, 10, True, 3), {}),
        ("mlp_fit", (SIZES, 1, params.copy(), X, y, None, None, None, 8, 2, 1e-3, 0.9, 0.999,
                     1e-8, 1e-4, 1e-4, 10, True, 3), {"single_precision": True}),
        ("hist_density", (s, None, edges, 0.5), {}),
        ("hist_eval", (edges, dens, s), {}),
        ("hist_log_ratio", (edges, dens, dens[::-1].copy(), s), {}),
        ("isotonic_fit", (xs, (xs > 0).astype(float), None), {}),
        ("isotonic_predict", (*blocks[:4], 1, s), {}),
    ]
    Xn = X.copy()
    Xn[0, 0] = np.nan
    bad = [
        ("mlp_forward", (SIZES, 0, params, X[:, :1]), ValueError, "feature"),
        ("mlp_forward", (SIZES, 0, params[:-1], X), ValueError, "params"),
        ("mlp_forward", (SIZES, 0, params, Xn), ValueError, "NaN"),
        ("mlp_forward", ((2, 0, 1), 0, params, X), ValueError, "positive"),
        ("mlp_forward", (SIZES, 5, params, X), ValueError, "activation"),
        ("mlp_fit", (SIZES, 0, params.copy(), X, y[:-1], None, None, None, 8, 2, 1e-3, 0.9,
                     0.999, 1e-8, 1e-4, 1e-4, 10, True, 3), ValueError, "one label per row"),
        ("mlp_fit", (SIZES, 0, params.copy(), X, y + 2, None, None, None, 8, 2, 1e-3, 0.9,
                     0.999, 1e-8, 1e-4, 1e-4, 10, True, 3), ValueError, "class index"),
        ("mlp_fit", (SIZES, 0, list(params), X, y, None, None, None, 8, 2, 1e-3, 0.9, 0.999,
                     1e-8, 1e-4, 1e-4, 10, True, 3), TypeError, "params"),
        ("mlp_fit", (SIZES, 0, params.copy(), X, y, None, None, None, 8, 2, -1.0, 0.9, 0.999,
                     1e-8, 1e-4, 1e-4, 10, True, 3), ValueError, "learning_rate"),
        ("hist_density", (s, None, edges[:1], 0.5), ValueError, "at least 2 edges"),
        ("hist_density", (s, None, edges[::-1].copy(), 0.5), ValueError, "increasing"),
        ("hist_eval", (edges, dens[:-1], s), ValueError, "one entry per bin"),
        ("isotonic_fit", (s, s, None), ValueError, "sorted"),
        ("isotonic_predict", (*blocks[:4], 3, s), ValueError, "mode"),
    ]
    return ok, bad


def _counts(args):
    # arrays and sequences we pass (small ints and floats are shared by the interpreter)
    return [sys.getrefcount(a) for a in args if isinstance(a, (np.ndarray, tuple, list))]


def test_no_reference_leaks_and_no_mutation():
    ok, bad = _cases()
    for name, args, kwargs in ok:
        fn = getattr(_core, name)
        before = _counts(args)
        copies = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
        for _ in range(20):
            out = fn(*args, **kwargs)
            del out
        assert _counts(args) == before, name
        if name != "mlp_fit":  # mlp_fit trains params in place by design
            for a, c in zip(args, copies):
                if c is not None:
                    np.testing.assert_array_equal(a, c)
    for name, args, exc, match in bad:
        fn = getattr(_core, name)
        before = _counts(args)
        for _ in range(20):
            with pytest.raises(exc, match=match):
                fn(*args)
        assert _counts(args) == before, name


def test_returned_arrays_are_owned():
    X = np.random.default_rng(1).normal(size=(5, 2))
    out = _core.mlp_forward(SIZES, 0, _core.mlp_init(SIZES, 0, 1), X)
    assert sys.getrefcount(out) == 2 and out.flags.owndata and out.shape == (5, 1)
    res = _core.mlp_fit(SIZES, 0, _core.mlp_init(SIZES, 0, 1), X, np.r_[0, 1, 0, 1, 1.0],
                        None, None, None, 2, 3, 1e-3, 0.9, 0.999, 1e-8, 1e-4, 0.0, 10, True, 1)
    n_iter, curve, vcurve, interrupted = res
    assert n_iter == 3 and curve.shape == (3,) and interrupted is False
