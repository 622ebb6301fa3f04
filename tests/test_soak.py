"""Soak: 2,000 ask/tell cycles through the asynchronous driver and the store, memory stable.

Memory is measured with tracemalloc (Python allocations of this process). What a run must keep
is its observations (the result object); everything else — futures, the driver's bookkeeping,
database cursors, executor state — must be released, so after the result is dropped the traced
memory returns to where it started. The bounds are generous (a leak of one small object per
cycle, ~100 bytes × 2,000 cycles, would still exceed them) and involve no timing.
"""
import gc
import os
import sys
import tracemalloc

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))
import parallel_helpers as h  # noqa: E402

from activesci.parallel import get_executor, imap_tasks, run_async  # noqa: E402
from activesci.storage import RunStore  # noqa: E402

N = 2000


class BestOnly:
    """An ask/tell object that keeps nothing but the best value (random search)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.best = np.inf

    def ask(self, n_points):
        return [self.rng.uniform(-1, 1, 2).tolist() for _ in range(n_points)]

    def tell(self, x, y):
        self.best = min(self.best, y)


def traced():
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


@pytest.fixture
def tracing():
    tracemalloc.start()
    yield
    tracemalloc.stop()


def test_2000_async_ask_tell_cycles_with_a_store_keep_memory_flat(tmp_path, tracing):
    backend = get_executor("serial")
    try:
        with RunStore(tmp_path / "soak.sqlite") as store:
            # warm-up: imports, caches, the database's first pages
            run_async(BestOnly(0), h.quadratic, 50, 2, backend, store=store, group="warm")
            base = traced()
            opt = BestOnly(1)
            res = run_async(opt, h.quadratic, N, 2, backend, store=store, group="soak")
            with_result = traced()
            assert len(res.func_vals) == N and store.count("soak") == N
            assert opt.best == res.fun
            per_observation = (with_result - base) / N
            del res
            after = traced()
    finally:
        backend.close()
    # what stays while the result is alive is the observations (measured: ~370 bytes each)
    assert per_observation < 1500, per_observation
    # and nothing else: dropping the result gives the memory back
    assert after - base < 64 * 1024, (after - base)  # measured: < 1 kB


def test_2000_streamed_tasks_on_a_pool_retain_nothing(tracing):
    with get_executor("processes", n_workers=2) as backend:
        for _ in imap_tasks(h.noisy_square, range(50), backend, seeds=0):
            pass
        base = traced()
        n = 0
        # 10 tasks per submission: 200 round trips, 2,000 results through the driver
        for r in imap_tasks(h.noisy_square, range(N), backend, seeds=1, chunksize=10):
            n += r.ok
        after = traced()
    assert n == N
    assert after - base < 64 * 1024, (after - base)  # measured: ~20 kB
