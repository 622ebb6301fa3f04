"""Property-based tests (hypothesis): GP invariants, run-store invariants, seed derivation.

(Space transforms and ABC acceptance properties come with those modules.)
"""
import concurrent.futures as cf
import math
import os
import sys
import tempfile

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

sys.path.insert(0, os.path.dirname(__file__))
import parallel_helpers as h  # noqa: E402

from activesci.gp import GaussianProcessRegressor  # noqa: E402
from activesci.gp.kernels import RBF, ConstantKernel, Matern  # noqa: E402
from activesci.parallel import derive_seed, map_tasks, task_seeds  # noqa: E402
from activesci.storage import RunStore  # noqa: E402

FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


@st.composite
def training_sets(draw):
    """1-3 dimensional inputs with points at least 0.3 apart (a well-conditioned kernel)."""
    d = draw(st.integers(1, 3))
    n = draw(st.integers(1, 8))
    X = draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-3, 3)))
    dists = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)) + np.eye(n) * 1e9
    assume(dists.min() > 0.3)
    y = draw(hnp.arrays(np.float64, (n,), elements=finite))
    return X, y


def fixed_kernel(kind, d):
    base = RBF(np.full(d, 0.7), "fixed") if kind == "rbf" else Matern(np.full(d, 0.7), "fixed",
                                                                        nu=2.5)
    return ConstantKernel(2.0, "fixed") * base


@FAST
@given(training_sets(), st.sampled_from(["rbf", "matern"]), st.booleans())
def test_gp_mean_interpolates_at_zero_noise_and_std_is_nonnegative(data, kind, normalize):
    X, y = data
    gp = GaussianProcessRegressor(fixed_kernel(kind, X.shape[1]), alpha=1e-10,
                                  normalize_y=normalize, optimizer=None).fit(X, y)
    mean, std = gp.predict(X, return_std=True)
    scale = max(1.0, float(np.abs(y).max()))
    np.testing.assert_allclose(mean, y, atol=1e-5 * scale)
    assert np.all(std >= 0) and np.all(std < 1e-3 * scale + 1e-3)
    rng = np.random.default_rng(0)
    Xq = rng.uniform(-4, 4, (20, X.shape[1]))
    mq, sq = gp.predict(Xq, return_std=True)
    assert np.all(np.isfinite(mq)) and np.all(sq >= 0)
    # the prior std bounds the posterior std (variance only shrinks with data)
    # (normalize_y divides by std(y) unless it is below 10 eps, as scikit-learn does)
    y_sd = float(np.std(y))
    prior_sd = math.sqrt(2.0) * (y_sd if normalize and y_sd >= 10 * np.finfo(float).eps else 1.0)
    assert np.all(sq <= prior_sd * (1 + 1e-9) + 1e-12)


@FAST
@given(training_sets(), st.floats(1e-3, 1.0))
def test_gp_std_grows_with_noise_and_cov_is_symmetric_psd(data, noise):
    X, y = data
    k = fixed_kernel("rbf", X.shape[1])
    quiet = GaussianProcessRegressor(k, alpha=1e-8, optimizer=None).fit(X, y)
    noisy = GaussianProcessRegressor(k, alpha=noise, optimizer=None).fit(X, y)
    _, s_quiet = quiet.predict(X, return_std=True)
    _, s_noisy = noisy.predict(X, return_std=True)
    assert np.all(s_noisy >= s_quiet - 1e-9)
    _, cov = noisy.predict(X, return_cov=True)
    np.testing.assert_allclose(cov, cov.T, atol=1e-10)
    assert np.linalg.eigvalsh(cov).min() > -1e-8


# ---------------------------------------------------------------------------- storage
rows = st.dictionaries(
    st.integers(0, 10_000),
    st.tuples(st.one_of(st.none(), finite), st.lists(finite, max_size=3),
              st.sampled_from(["ok", "failed"])),
    max_size=25)


@FAST
@given(rows, st.randoms(use_true_random=False))
def test_store_holds_every_evaluation_once_in_task_order(data, rnd):
    items = list(data.items())
    rnd.shuffle(items)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "p.sqlite")
        with RunStore(path) as store:
            for task, (value, x, status) in items:
                store.put_evaluation("g", task, x, value, {"n": len(x)}, status=status)
        with RunStore(path, readonly=True) as store:
            back = store.evaluations("g")
            assert store.count("g") == len(data)
    assert [r["task"] for r in back] == sorted(data)
    for r in back:
        value, x, status = data[r["task"]]
        assert r["x"] == x and r["status"] == status and r["extra"] == {"n": len(x)}
        assert r["value"] == value  # floats round-trip exactly


# ---------------------------------------------------------------------------- seeds
@FAST
@given(st.integers(0, 2**64 - 1), st.integers(1, 50))
def test_task_seeds_are_63_bit_deterministic_and_distinct(base, n):
    seeds = task_seeds(base, n)
    assert seeds == task_seeds(base, n)
    assert all(0 <= s < 2**63 for s in seeds)
    assert len(set(seeds)) == n
    assert seeds[:3] == [derive_seed(base, i) for i in range(min(3, n))]


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.lists(st.floats(0, 0.004), min_size=1, max_size=12),
       st.integers(0, 1000))
def test_results_do_not_depend_on_worker_count_or_completion_order(n_workers, delays, base):
    """Tasks sleep random times on pools of 1-4 threads, so they complete in varying
    orders; each result equals the serial one for the same base seed."""
    tasks = list(enumerate(delays))
    serial = map_tasks(h.delayed_noisy, tasks, seeds=base)
    with cf.ThreadPoolExecutor(n_workers) as pool:
        pooled = map_tasks(h.delayed_noisy, tasks, pool, seeds=base)
    assert pooled.values == serial.values
    assert [r.index for r in pooled] == list(range(len(tasks)))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.sampled_from(["raise", "nan"])), min_size=1,
                max_size=10),
       st.integers(0, 3), st.sampled_from([None, 1, 3]))
def test_retries_follow_the_failure_schedule_exactly(schedule, max_retries, threads):
    """Task i fails (by raising or returning NaN) on its first k_i attempts: it ends ok after
    k_i + 1 attempts when k_i <= max_retries, else failed after max_retries + 1 attempts."""
    import threading

    lock = threading.Lock()
    seen = {}

    def task(i):
        with lock:
            seen[i] = seen.get(i, 0) + 1
            attempt = seen[i]
        k, how = schedule[i]
        if attempt <= k:
            if how == "raise":
                raise RuntimeError(f"attempt {attempt} of {i}")
            return float("nan")
        return float(i)

    pool = cf.ThreadPoolExecutor(threads) if threads else None
    try:
        res = map_tasks(task, range(len(schedule)), pool, max_retries=max_retries)
    finally:
        if pool:
            pool.shutdown()
    assert len(res) == len(schedule)
    for r, (k, how) in zip(res, schedule):
        if k <= max_retries:
            assert r.ok and r.value == float(r.index) and r.attempts == k + 1
        else:
            assert not r.ok and r.attempts == max_retries + 1
            assert ("RuntimeError" if how == "raise" else "NaN") in r.error
        assert seen[r.index] == r.attempts
