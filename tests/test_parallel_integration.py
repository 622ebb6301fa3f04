"""The parallel layer under the real consumers: rejection ABC and the ask/tell Optimizer on a
Dask LocalCluster give the results of a serial run with the same seed (issue 8)."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # workers import the task functions by module
import parallel_helpers as h  # noqa: E402

from activesci.abc import Mean, Normal, rejection_abc  # noqa: E402
from activesci.optimizer import Optimizer  # noqa: E402
from activesci.parallel import get_executor, run_async  # noqa: E402


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _abc(executor=None, n_jobs=1):
    return rejection_abc(h.normal_mean_simulator, Normal(0.0, 1.0), np.full(10, 0.5),
                         summary=Mean(), quantile=0.02, n_simulations=40_000, batch_size=5_000,
                         random_state=11, n_jobs=n_jobs, executor=executor)


def test_rejection_abc_on_dask_equals_serial(dask_client):
    serial = _abc()
    on_dask = _abc(executor=dask_client)
    np.testing.assert_array_equal(serial.samples, on_dask.samples)
    np.testing.assert_array_equal(serial.distances, on_dask.distances)
    # and the answer is right: the conjugate posterior mean 10 * 0.5 / 11 within MC error
    assert abs(serial.mean()[0] - 5.0 / 11.0) < 0.05


def test_rejection_abc_on_a_process_pool_equals_serial():
    backend = get_executor("processes", n_workers=2)
    try:
        pooled = _abc(executor=backend.executor if hasattr(backend, "executor") else backend)
    finally:
        backend.close()
    np.testing.assert_array_equal(_abc().samples, pooled.samples)


def _optimize(executor):
    opt = Optimizer([(-5.0, 10.0), (0.0, 15.0)], n_initial_points=6, acq_func="EI",
                    random_state=3)
    res = run_async(opt, h.branin_list, n_calls=14, n_parallel=2, executor=executor,
                    synchronous=True)
    return opt, res


def test_optimizer_with_points_in_flight_on_dask_equals_serial(dask_client):
    opt_serial, serial = _optimize(None)
    opt_dask, on_dask = _optimize(dask_client)
    assert len(serial.func_vals) == len(on_dask.func_vals) == 14
    np.testing.assert_allclose(opt_serial.get_result().x_iters, opt_dask.get_result().x_iters)
    np.testing.assert_allclose(serial.func_vals, on_dask.func_vals)
    assert min(on_dask.func_vals) < 5.0  # it optimizes: branin's minimum is 0.397887
