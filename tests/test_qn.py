"""The bound-constrained quasi-Newton minimizer of the C core (csrc/qn.c) against scipy's L-BFGS-B.

Acceptance: on seeded convex quadratics in random boxes, Rosenbrock variants and Gaussian-process
negative log marginal likelihoods (3-8 log-hyperparameters, some pinned at a bound), the optimum
reached is at least as good as scipy's (within 1e-8 relative), with a comparable number of
evaluations.  The GP likelihood is not convex, so there the comparison is over the best of four
starts (as a GP fit with restarts uses it); run with ``-s`` to see the evaluation counts.
"""
from __future__ import annotations

import functools
import sys

import numpy as np
import pytest

from activesci import _core

scipy_optimize = pytest.importorskip("scipy.optimize")

import qn_problems as Q  # noqa: E402  (tests/ is on sys.path under pytest)

PGTOL, FTOL, MAX_ITER, MAX_FUN, LS_FAILED, NO_FINITE_START = range(6)
REL = 1e-8


def excess(f, f_ref):
    """How much worse f is than f_ref, relative to max(|f_ref|, 1)."""
    return (f - f_ref) / max(1.0, abs(f_ref))


class Counted:
    """Wrap an objective, counting calls and recording whether any point left the box."""

    def __init__(self, fun, lower, upper):
        self.fun, self.lower, self.upper = fun, lower, upper
        self.calls = 0
        self.outside = False

    def __call__(self, x):
        self.calls += 1
        self.outside |= bool(np.any(x < self.lower) or np.any(x > self.upper))
        return self.fun(x)


def run_ours(p, **kw):
    fun = Counted(p["fun"], p["lower"], p["upper"])
    x, f, n_iter, n_fun, reason = _core.qn_minimize(fun, p["x0"], p["lower"], p["upper"], **kw)
    assert n_fun == fun.calls and not fun.outside
    return dict(x=x, f=f, n_iter=n_iter, n_fun=n_fun, reason=reason)


def run_scipy(p):
    bounds = list(zip(p["lower"], p["upper"]))
    r = scipy_optimize.minimize(p["fun"], p["x0"], jac=True, method="L-BFGS-B", bounds=bounds)
    return dict(x=r.x, f=float(r.fun), n_fun=int(r.nfev))


# ------------------------------------------------------------------ the comparison suite

def _smooth_problems():
    probs = [Q.quadratic(n, s) for n in (2, 5, 10, 20) for s in range(5)]
    probs += [Q.rosenbrock(n, s, bounded=b) for n in (2, 5, 10) for s in range(4)
              for b in (False, True)]
    return {p["name"]: p for p in probs}


SMOOTH = _smooth_problems()
GP_CASES = [(d, seed) for d in (1, 2, 3, 4, 5, 6) for seed in range(4)]
GP_STARTS = ("zero", 11, 12, 13)


@functools.lru_cache(maxsize=None)
def smooth_pair(name):
    p = SMOOTH[name]
    return run_ours(p), run_scipy(p)


@functools.lru_cache(maxsize=None)
def gp_pair(d, seed):
    ours, ref = [], []
    for start in GP_STARTS:
        p = Q.gp_nlml(d, seed, start=start)
        ours.append(run_ours(p))
        ref.append(run_scipy(p))
    return ours, ref


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_reaches_scipy_optimum(name):
    ours, ref = smooth_pair(name)
    p = SMOOTH[name]
    assert ours["reason"] in (PGTOL, FTOL)
    assert excess(ours["f"], ref["f"]) <= REL, (ours["f"], ref["f"])
    assert np.all(ours["x"] >= p["lower"]) and np.all(ours["x"] <= p["upper"])
    assert p["fun"](ours["x"])[0] == ours["f"]  # f belongs to the returned x


@pytest.mark.parametrize("d,seed", GP_CASES)
def test_gp_nlml_best_of_starts_matches_scipy(d, seed):
    ours, ref = gp_pair(d, seed)
    best = min(r["f"] for r in ours)
    best_ref = min(r["f"] for r in ref)
    assert excess(best, best_ref) <= REL, (best, best_ref)
    assert all(r["reason"] in (PGTOL, FTOL) for r in ours)


def test_gp_active_bounds_agree_with_scipy():
    # Length scales of irrelevant inputs run to their upper bound: every coordinate scipy pins
    # at a bound is exactly on that bound in our result too (from the same start).
    pinned = 0
    for d in (2, 3, 4, 5, 6):
        for seed in range(4):
            p = Q.gp_nlml(d, seed, start="zero")
            ours, ref = run_ours(p), run_scipy(p)
            for bound in (p["lower"], p["upper"]):
                at = ref["x"] == bound
                pinned += at.sum()
                np.testing.assert_array_equal(ours["x"][at], bound[at])
    assert pinned >= 15


def test_evaluation_counts_comparable_to_scipy():
    rows = []
    for name in sorted(SMOOTH):
        ours, ref = smooth_pair(name)
        rows.append((name.split("-")[0], ours["n_fun"], ref["n_fun"]))
    for d, seed in GP_CASES:
        ours, ref = gp_pair(d, seed)
        rows.extend(("gp", a["n_fun"], b["n_fun"]) for a, b in zip(ours, ref))
    lines = ["evaluations (ours vs scipy L-BFGS-B):"]
    for fam in ("quadratic", "rosenbrock", "gp", "all"):
        a = np.array([(o, s) for f, o, s in rows if fam in (f, "all")], dtype=float)
        lines.append(f"  {fam:10s} n={len(a):3d}  median {np.median(a[:, 0]):5.1f} vs "
                     f"{np.median(a[:, 1]):5.1f}   mean {a[:, 0].mean():5.1f} vs "
                     f"{a[:, 1].mean():5.1f}")
    print("\n" + "\n".join(lines))
    a = np.array([(o, s) for _, o, s in rows], dtype=float)
    # "few evaluations": no more than scipy's total plus 20 %
    assert a[:, 0].sum() <= 1.2 * a[:, 1].sum()


# ------------------------------------------------------------------ robustness

def test_cholesky_failure_region_is_an_infinitely_bad_point():
    # A region of the box where the GP objective "fails" (returns inf, as scikit-learn does on
    # a failed Cholesky).  scipy's L-BFGS-B stops at the first such point; ours steps back.
    worse_than_scipy, failed = 0, 0
    for d, seed in [(1, 0), (2, 1), (3, 2), (4, 3)]:
        best, best_ref = np.inf, np.inf
        for start in GP_STARTS:
            p = Q.gp_nlml(d, seed, start=start)
            base = p["fun"]

            def fun(t, base=base):
                if t[0] > 1.0 or t[-1] < -9.0:
                    fun.failed += 1
                    return np.inf, np.zeros_like(t)
                return base(t)

            fun.failed = 0
            p["fun"] = fun
            p["x0"][0] = min(p["x0"][0], 0.5)
            p["x0"][-1] = max(p["x0"][-1], -8.0)
            r = run_ours(p)
            failed += fun.failed
            assert np.isfinite(r["f"]) and r["reason"] in (PGTOL, FTOL)
            assert r["x"][0] <= 1.0 and r["x"][-1] >= -9.0
            best = min(best, r["f"])
            with np.errstate(all="ignore"):
                best_ref = min(best_ref, run_scipy(p)["f"])
        worse_than_scipy += excess(best, best_ref) > REL
    assert failed > 0  # the failure path was exercised
    assert worse_than_scipy == 0


def test_nan_region_and_start():
    def fun(x):
        f, g = Q._rosen(x)
        return (np.nan if x[0] > 1.05 else f), g

    x, f, _, _, reason = _core.qn_minimize(fun, [-1.2, 1.0])
    assert reason in (PGTOL, FTOL) and f < 1e-9
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-4)
    x, f, n_iter, n_fun, reason = _core.qn_minimize(fun, [2.0, 1.0], [-3, -3], [1.5, 3])
    assert reason == NO_FINITE_START and f == np.inf and n_fun == 1
    np.testing.assert_array_equal(x, [1.5, 1.0])  # the start, projected onto the box


def test_start_outside_box_is_projected_and_bounds_hit_exactly():
    x, f, _, _, reason = _core.qn_minimize(Q._rosen, [5.0, -7.0], [-1, -1], [2, 0.5])
    assert x[1] == 0.5 and reason in (PGTOL, FTOL)
    ref = scipy_optimize.minimize(Q._rosen, [2.0, -1.0], jac=True, method="L-BFGS-B",
                                  bounds=[(-1, 2), (-1, 0.5)])
    assert excess(f, ref.fun) <= REL


def test_fixed_variables_and_one_variable():
    a = np.diag([1.0, 2.0, 3.0])

    def quad(x):
        return 0.5 * x @ a @ x - x.sum(), a @ x - 1.0

    x, f, _, _, _ = _core.qn_minimize(quad, [0.0, 0.0, 0.0], [-1, 0.25, -1], [1, 0.25, 1],
                                      pgtol=1e-10)
    np.testing.assert_allclose(x, [1.0, 0.25, 1 / 3], atol=1e-9)
    assert x[1] == 0.25
    x, f, n_iter, n_fun, reason = _core.qn_minimize(quad, [9, 9, 9], [1, 2, 3], [1, 2, 3])
    np.testing.assert_array_equal(x, [1, 2, 3])
    assert (n_iter, n_fun, reason) == (0, 1, PGTOL)
    x, f, _, _, _ = _core.qn_minimize(lambda x: ((x[0] - 3) ** 2, 2 * (x - 3)), [0.0], [-1], [2])
    assert x[0] == 2.0 and f == 1.0


def test_limits():
    fun = Counted(Q._rosen, -np.inf, np.inf)
    _, _, _, n_fun, reason = _core.qn_minimize(fun, [-1.2, 1.0], max_fun=9)
    assert reason == MAX_FUN and n_fun == 9 == fun.calls
    _, f, n_iter, _, reason = _core.qn_minimize(Q._rosen, [-1.2, 1.0], max_iter=4)
    assert reason == MAX_ITER and n_iter == 4 and f < 24.2
    # a stricter pgtol takes more iterations and gets closer
    x1, *_ = _core.qn_minimize(Q._rosen, [-1.2, 1.0], pgtol=1e-2, ftol=0.0)
    x2, *_ = _core.qn_minimize(Q._rosen, [-1.2, 1.0], pgtol=1e-9, ftol=0.0)
    assert np.abs(x2 - 1).max() < np.abs(x1 - 1).max()


def test_exceptions_in_fun_propagate():
    calls = []

    def boom(x):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom at call 3")
        return Q._rosen(x)

    with pytest.raises(RuntimeError, match="boom at call 3"):
        _core.qn_minimize(boom, [-1.2, 1.0])
    assert len(calls) == 3

    def interrupt(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _core.qn_minimize(interrupt, [0.0])


@pytest.mark.parametrize("ret, exc, match", [
    (lambda x: 1.0, TypeError, "tuple"),
    (lambda x: (1.0, np.zeros(3)), ValueError, "grad"),
    (lambda x: ("a", np.zeros(2)), TypeError, None),
    (lambda x: (1.0, np.zeros((2, 1))), ValueError, "grad"),
])
def test_bad_return_values(ret, exc, match):
    with pytest.raises(exc, match=match):
        _core.qn_minimize(ret, [0.0, 0.0])


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(x0=[0.0, 0.0], lower=[0, 1], upper=[1, 0]), ValueError, "lower\\[1\\]"),
    (dict(x0=[0.0, 0.0], lower=[0, 0, 0]), ValueError, "lower must have 2"),
    (dict(x0=[0.0, 0.0], upper=[1.0]), ValueError, "upper must have 2"),
    (dict(x0=[[0.0, 0.0]]), ValueError, "x0 must have 1 dimension"),
    (dict(x0=[]), ValueError, "x0"),
    (dict(x0=[np.nan, 0.0]), ValueError, "NaN"),
    (dict(x0=[0.0, 0.0], lower=[np.nan, 0]), ValueError, "lower\\[0\\]"),
    (dict(x0=[0.0, 0.0], m=0), ValueError, "m "),
    (dict(x0=[0.0, 0.0], max_fun=0), ValueError, "max_fun"),
    (dict(x0=[0.0, 0.0], max_iter=-1), ValueError, "max_iter"),
    (dict(x0=[0.0, 0.0], pgtol=-1.0), ValueError, "pgtol"),
    (dict(x0=[0.0, 0.0], ftol=np.inf), ValueError, "ftol"),
    (dict(x0="ab"), TypeError, "x0"),
])
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        _core.qn_minimize(Q._rosen, **kwargs)


def test_fun_must_be_callable():
    with pytest.raises(TypeError, match="callable"):
        _core.qn_minimize(3, [0.0])


def test_inputs_not_mutated_and_any_layout_accepted():
    x0 = np.array([[-1.2, 0], [1.0, 0]])[:, 0]  # non-contiguous
    lower = np.array([-2, -2])                   # integers
    upper = [2.0, 2.0]
    saved = x0.copy()
    x, f, *_ = _core.qn_minimize(Q._rosen, x0, lower, upper)
    np.testing.assert_array_equal(x0, saved)
    assert x.dtype == np.float64 and x.flags.c_contiguous and f < 1e-9


def test_no_reference_leaks():
    fun = Q._rosen
    x0 = np.array([-1.2, 1.0])
    lower, upper = np.full(2, -2.0), np.full(2, 2.0)
    before = [sys.getrefcount(o) for o in (fun, x0, lower, upper)]
    for _ in range(50):
        _core.qn_minimize(fun, x0, lower, upper)
        with pytest.raises(ValueError):
            _core.qn_minimize(lambda x: (1.0, np.zeros(3)), x0, lower, upper)
    after = [sys.getrefcount(o) for o in (fun, x0, lower, upper)]
    assert before == after
