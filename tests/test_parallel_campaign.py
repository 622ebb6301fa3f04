"""Campaign utility estimates through activesci.parallel: same values on every executor."""
import numpy as np
import pytest

from activesci.design import Campaign, GridPosterior
from activesci.design.campaign import _derive
from activesci.design.eig import expected_information_gain
from activesci.parallel import get_executor
from activesci.simulators import GaussianDemo



def make(**kw):
    prior = GridPosterior.from_logpdf(lambda t: -0.5 * t[:, 0] ** 2, [(-5, 5)], 101)
    args = dict(n_events=5, truth=0.3, n_utility_evals=6, n_datasets=30, random_state=4)
    args.update(kw)
    return Campaign(GaussianDemo(), prior, (0.0, 2 * np.pi), **args)


class RandomSearch:
    """A test-only ask/tell object (the loop under test does not depend on the model)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.told = []

    def ask(self, n_points=None):
        if n_points is None:
            return [float(self.rng.uniform(0.0, 2 * np.pi))]
        return [[float(self.rng.uniform(0.0, 2 * np.pi))] for _ in range(n_points)]

    def tell(self, x, y):
        self.told.append((x, y))


def optimizer(seed=0):
    return RandomSearch(seed)


def direct(c, phi, step, j):
    """The utility estimate computed directly with the seed the serial campaign uses."""
    return expected_information_gain(c.simulator, phi, c.posterior, c.n_events,
                                     n_datasets=c.n_datasets,
                                     random_state=_derive(c.seed, step, 100 + j)).value


@pytest.fixture(scope="module")
def pool():
    backend = get_executor("processes", n_workers=2)
    yield backend
    backend.close()


def test_batch_estimates_equal_the_serial_reference_on_a_pool(pool):
    c_serial, c_pool = make(), make(executor=pool, n_parallel=3)
    phis = [np.array([x]) for x in (0.5, 1.5, 3.0)]
    serial = [c_serial._evaluate(p, 0, j) for j, p in enumerate(phis)]
    batch = c_pool._evaluate_batch(phis, 0, [0, 1, 2])
    assert [r["value"] for r in batch] == [r["value"] for r in serial]
    for j, p in enumerate(phis):
        assert batch[j]["value"] == pytest.approx(direct(c_serial, p[0], 0, j), rel=1e-12)


def test_utility_loop_n_parallel_1_identical_on_serial_and_pool(pool):
    a = make()._optimize_utility(optimizer(), 0)
    b = make(executor=pool)._optimize_utility(optimizer(), 0)
    assert a == b and len(a) == 6


def test_utility_loop_batches_do_not_depend_on_the_executor(pool):
    a = make(n_parallel=3)._optimize_utility(optimizer(), 1)
    b = make(executor=pool, n_parallel=3)._optimize_utility(optimizer(), 1)
    assert a == b and len(a) == 6


def test_utility_loop_on_a_dask_cluster_equals_serial():
    distributed = pytest.importorskip("distributed")
    # threads start fast; the process-based cluster is tested in test_parallel.py
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        b = make(executor=client, n_parallel=3)._optimize_utility(optimizer(2), 0)
    a = make(n_parallel=3)._optimize_utility(optimizer(2), 0)
    assert a == b and len(a) == 6


def test_batched_utility_loop_resumes_from_the_store(tmp_path, pool):
    path = tmp_path / "c.sqlite"
    c = make(executor=pool, n_parallel=2, storage=path)
    first = c._optimize_utility(optimizer(), 0)
    c.close()
    again = make(executor=pool, n_parallel=2, storage=path)
    calls = []
    task = again._utility_task

    def counting_task():
        calls.append(1)
        return task()
    again._utility_task = counting_task
    assert again._optimize_utility(optimizer(), 0) == first
    assert calls == []  # every estimate came from the store
    assert again.store.count("step0") == 6
    again.close()


def test_failed_estimates_are_stored_and_skipped(tmp_path):
    class Broken(GaussianDemo):
        def simulate(self, theta, phi, n, random_state=None):
            if np.any(np.asarray(phi) > 4.0):
                raise RuntimeError("detector off above 4")
            return super().simulate(theta, phi, n, random_state=random_state)

    prior = GridPosterior.from_logpdf(lambda t: -0.5 * t[:, 0] ** 2, [(-5, 5)], 101)
    path = tmp_path / "b.sqlite"
    c = Campaign(Broken(), prior, (0.0, 2 * np.pi), n_events=5, truth=0.3, n_utility_evals=8,
                 n_datasets=20, random_state=0, storage=path, max_retries=1)
    evals = c._optimize_utility(optimizer(1), 0)
    rows = c.store.evaluations("step0")
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(rows) == 8 and len(evals) == 8 - len(failed)
    assert all(r["x"][0] > 4.0 and r["attempts"] == 2 and "detector off" in r["error"]
               for r in failed)
    assert all(e["phi"][0] <= 4.0 for e in evals)
    c.close()


def test_slow_estimates_time_out_and_are_recorded(tmp_path):
    import time

    class Slow(GaussianDemo):
        def simulate(self, theta, phi, n, random_state=None):
            if np.any(np.asarray(phi) > 5.0):
                time.sleep(30)
            return super().simulate(theta, phi, n, random_state=random_state)

    prior = GridPosterior.from_logpdf(lambda t: -0.5 * t[:, 0] ** 2, [(-5, 5)], 101)
    c = Campaign(Slow(), prior, (0.0, 2 * np.pi), n_events=5, truth=0.3, n_utility_evals=6,
                 n_datasets=10, random_state=0, storage=tmp_path / "t.sqlite", timeout=0.5)
    phis = [np.array([1.0]), np.array([6.0]), np.array([2.0])]
    recs = c._evaluate_batch(phis, 0, [0, 1, 2])
    assert recs[0] is not None and recs[1] is None and recs[2] is not None
    row = c.store.evaluations("step0")[1]
    assert row["status"] == "failed" and "TaskTimeoutError" in row["error"]
    c.close()


def test_campaign_validates_parallel_arguments():
    with pytest.raises(ValueError, match="n_parallel"):
        make(n_parallel=0)
    with pytest.raises(ValueError, match="max_retries"):
        make(max_retries=-1)
    with pytest.raises(ValueError, match="timeout"):
        make(timeout=0.0)
