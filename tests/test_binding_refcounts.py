"""The binding neither leaks nor steals references, on success and on every error path.

For each wrapper: the reference counts of the argument objects are unchanged after many calls,
the returned arrays are owned only by the caller, and the process memory does not grow.
"""
import gc
import resource
import sys

import numpy as np
import pytest

from activesci import _core
from activesci.gp import kernels as ak


def _gp_cases():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = np.sin(X[:, :1])
    noise = np.full(20, 1e-6)
    k = ak.ConstantKernel(1.2) * ak.Matern([1.0, 2.0], nu=2.5) + ak.WhiteKernel(0.1)
    spec = k._spec(2)
    free = k._free_mask(2)
    L, alpha, _, _ = _core.gp_fit(spec, X, y, noise, 1e-4)
    mean, std = np.zeros(1), np.ones(1)
    Xs = rng.normal(size=(5, 2))
    ok = [
        ("kernel_matrix", (spec, X, Xs)),
        ("kernel_diag", (spec, X)),
        ("kernel_gradient", (spec, X)),
        ("gp_fit", (spec, X, y, noise, 1e-4)),
        ("gp_lml", (spec, X, y, noise, free, True)),
        ("gp_predict", (spec, X, L, alpha, mean, std, Xs, True, True)),
        ("gp_predict_grad", (spec, X, L, alpha, mean, std, Xs)),
        ("gp_cho_solve", (L, y)),
        ("cholesky", (L @ L.T,)),
        ("rng_draw", (1, 2, 100, 1)),
    ]
    bad = [
        ("kernel_matrix", (spec, X[:, :1])),
        ("kernel_matrix", (spec, np.full((2, 2), np.nan))),
        ("gp_fit", (spec, X, y[:3], noise, 1e-4)),
        ("gp_lml", (spec, X, y, noise, (True,), True)),
        ("gp_predict", (spec, X, L[:3], alpha, mean, std, Xs, True, False)),
        ("gp_cho_solve", (L, y[:2])),
        ("cholesky", (-np.eye(3),)),
        ("cholesky", (np.ones((2, 3)),)),
        ("kernel_diag", ((1, 2), X)),
        ("rng_draw", (1, 2, -1, 0)),
    ]
    return ok, bad


def _call_many(name, args, n=300, expect_error=False):
    fn = getattr(_core, name)
    before = [sys.getrefcount(a) for a in args]
    for _ in range(n):
        if expect_error:
            with pytest.raises(Exception):
                fn(*args)
        else:
            out = fn(*args)
            del out
    gc.collect()
    after = [sys.getrefcount(a) for a in args]
    assert before == after, f"{name}: argument reference counts changed {before} -> {after}"


def test_success_paths_keep_reference_counts():
    ok, _ = _gp_cases()
    for name, args in ok:
        _call_many(name, args)


def test_error_paths_keep_reference_counts():
    _, bad = _gp_cases()
    for name, args in bad:
        _call_many(name, args, expect_error=True)


def test_outputs_are_owned_by_the_caller():
    ok, _ = _gp_cases()
    for name, args in ok:
        out = getattr(_core, name)(*args)
        if isinstance(out, tuple):
            arrays = [o for o in out if isinstance(o, np.ndarray)]
            del out
            for a in arrays:  # the list, the loop variable and getrefcount's argument
                assert sys.getrefcount(a) == 3, name
        elif isinstance(out, np.ndarray):
            assert sys.getrefcount(out) == 2, name


def test_memory_is_stable_over_many_calls():
    ok, bad = _gp_cases()
    for name, args in ok:  # warm up allocator pools
        getattr(_core, name)(*args)
    gc.collect()
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(2000):
        for name, args in ok:
            getattr(_core, name)(*args)
        for name, args in bad:
            try:
                getattr(_core, name)(*args)
            except Exception:
                pass
    gc.collect()
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start
    assert grown_kib < 20_000, f"peak RSS grew by {grown_kib} KiB over 2000 rounds"
