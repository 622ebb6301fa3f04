"""activesci.parallel on real backends: serial, a spawn process pool and a Dask LocalCluster."""
import concurrent.futures as cf
import os
import signal
import sys
import threading

import numpy as np

import activesci
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # workers import the task functions by module
import parallel_helpers as h  # noqa: E402

from activesci.parallel import (Backend, SerialExecutor, derive_seed, get_executor,  # noqa: E402
                                imap_tasks, map_tasks, run_async, task_seeds)
from activesci.storage import RunStore, StoreMismatchError  # noqa: E402


@pytest.fixture(scope="module")
def pool():
    backend = get_executor("processes", n_workers=2)
    yield backend
    backend.close()


class RandomSearch:
    """A minimal ask/tell object (random search) for the driver tests."""

    def __init__(self, seed, dim=2):
        self.rng = np.random.default_rng(seed)
        self.dim = dim
        self.told = []

    def ask(self, n_points):
        return [self.rng.uniform(-1, 1, self.dim).tolist() for _ in range(n_points)]

    def tell(self, x, y):
        self.told.append((list(x), float(y)))


# ---------------------------------------------------------------------------- seeds
def test_task_seeds_are_seedsequence_children_and_independent_of_the_backend():
    expected = [int(np.random.SeedSequence([5, i]).generate_state(1, np.uint64)[0] >> 1)
                for i in range(4)]
    assert task_seeds(5, 4) == expected == [derive_seed(5, i) for i in range(4)]
    assert len(set(task_seeds(5, 100))) == 100
    assert task_seeds([1, 2], 2) == [1, 2]
    assert task_seeds(None, 3) is None
    with pytest.raises(ValueError, match="one seed per task"):
        task_seeds([1, 2, 3], 2)
    with pytest.raises(ValueError, match="non-negative"):
        task_seeds(-1, 2)
    with pytest.raises(TypeError, match="seeds"):
        task_seeds("abc", 2)


def test_same_results_serial_pool_dask_and_any_worker_count(pool, dask_client):
    tasks = list(range(12))
    serial = map_tasks(h.noisy_square, tasks, seeds=11)
    # the reference: each task computed directly with its derived seed
    direct = [h.noisy_square(x, derive_seed(11, i)) for i, x in enumerate(tasks)]
    assert serial.values == direct
    assert map_tasks(h.noisy_square, tasks, pool, seeds=11).values == direct
    assert map_tasks(h.noisy_square, tasks, dask_client, seeds=11).values == direct
    one_worker = map_tasks(h.noisy_square, tasks, cf.ThreadPoolExecutor(1), seeds=11)
    assert one_worker.values == direct
    assert all(r.ok and r.attempts == 1 for r in serial)


@pytest.mark.parametrize("chunksize", [1, 3, 50])
def test_chunks_change_nothing_but_the_submissions(pool, dask_client, chunksize):
    tasks = list(range(10))
    direct = [h.noisy_square(x, derive_seed(2, i)) for i, x in enumerate(tasks)]
    for ex in (None, pool, dask_client):
        res = map_tasks(h.noisy_square, tasks, ex, seeds=2, chunksize=chunksize)
        assert res.values == direct and [r.index for r in res] == tasks
    # failures inside a chunk are per task: retried and reported one by one
    res = map_tasks(h.fail_on, range(7), pool, chunksize=chunksize, max_retries=2)
    assert [r.index for r in res.failed] == [3] and res.failed[0].attempts == 3
    assert res.values == [0, 10, 20, 40, 50, 60]


def test_chunked_pool_run_survives_a_worker_death(pool):
    res = map_tasks(h.die_always, range(9), pool, chunksize=3, max_retries=1)
    assert [r.index for r in res.failed] == [2] and "worker died" in res[2].error
    assert [r.value for r in res if r.ok] == [i * i for i in range(9) if i != 2]


def test_tasks_that_look_like_dask_graph_nodes_are_passed_through(dask_client):
    # a tuple starting with a callable is a task in a Dask graph; here it is just data
    tasks = [(abs, -1.5), (round, 2.4), [max, 1, 2], {"f": min}]
    for ex in (None, dask_client):
        res = map_tasks(h.describe, tasks, ex)
        assert res.values == ["tuple:abs", "tuple:round", "list:max", "dict:min"]


def test_dask_scheduler_address_string(dask_client):
    address = dask_client.scheduler.address
    res = map_tasks(h.noisy_square, [1, 2], address, seeds=3)
    assert res.values == [h.noisy_square(1, derive_seed(3, 0)), h.noisy_square(2, derive_seed(3, 1))]


def test_pool_runs_in_several_processes(pool):
    pids = map_tasks(h.sleep_then_pid, [0.3] * 6, pool).values
    assert len(set(pids)) == 2 and os.getpid() not in pids


# ---------------------------------------------------------------------------- failures
def test_exception_is_recorded_with_its_error_and_the_run_goes_on(pool):
    for ex in (None, pool):
        res = map_tasks(h.fail_on, range(6), ex, max_retries=1)
        assert [r.index for r in res.failed] == [3]
        bad = res.failed[0]
        assert bad.attempts == 2 and "RuntimeError: simulator failed at 3" in bad.error
        assert res.values == [0, 10, 20, 40, 50]
        assert len(res) == 6 and not res.interrupted


def test_nan_is_a_failure_unless_disabled():
    res = map_tasks(h.nan_on_odd, range(4), max_retries=2)
    assert [r.index for r in res.failed] == [1, 3]
    assert all(r.attempts == 3 and "NaN" in r.error for r in res.failed)
    assert len(map_tasks(h.nan_on_odd, range(4), nan_is_failure=False).failed) == 0


def test_retry_succeeds_after_a_transient_failure(tmp_path, pool):
    for ex in (None, pool):
        marker = str(tmp_path / f"flaky-{ex is None}")
        res = map_tasks(h.flaky, [(1.0, marker)], ex, max_retries=1)
        assert res[0].ok and res[0].value == 1.5 and res[0].attempts == 2


def test_timeout_interrupts_serial_and_pool_tasks(pool):
    for ex in (None, pool):
        res = map_tasks(h.sleep_for, [0.0, 30.0, 0.0], ex, timeout=0.5)
        assert [r.status for r in res] == ["ok", "failed", "ok"]
        assert "TaskTimeoutError" in res[1].error


def test_timeout_counts_from_the_start_not_from_the_queue(pool):
    # 12 tasks of 0.3 s on 2 workers take ~1.8 s, longer than timeout + the driver's 1 s of
    # grace: queued tasks must not be charged for their wait, even when more are asked to be
    # in flight than there are workers
    res = map_tasks(h.sleep_for, [0.3] * 12, pool, timeout=0.6, max_in_flight=12)
    assert all(r.ok for r in res), [r.error for r in res.failed]


def test_timeout_on_dask_abandons_the_task(dask_client):
    res = map_tasks(h.sleep_for, [0.0, 4.0], dask_client, timeout=0.3)
    assert [r.status for r in res] == ["ok", "failed"]
    assert "timeout" in res[1].error


def _killed_pid(tmp_path):
    return int((tmp_path / "died-2").read_text())


def test_pool_worker_killed_during_an_evaluation_is_retried_in_a_new_worker(tmp_path):
    with get_executor("processes", n_workers=2) as backend:
        res = map_tasks(h.die_first, [(i, str(tmp_path)) for i in range(5)], backend,
                        max_retries=1)
        assert [r.value[0] for r in res] == [i * i for i in range(5)]
        assert all(r.ok for r in res)
        assert res[2].value[1] != _killed_pid(tmp_path)  # ran again, in another process
        # the replaced pool keeps working
        assert map_tasks(h.noisy_square, [1], backend, seeds=0).values == [
            h.noisy_square(1, derive_seed(0, 0))]


def test_pool_worker_death_is_charged_to_the_task_that_kills_it(pool):
    res = map_tasks(h.die_always, range(6), pool, max_retries=1)
    assert [r.index for r in res.failed] == [2]
    assert "worker died" in res[2].error and res[2].attempts == 2
    # the tasks that shared the dead pool were not charged
    assert [r.value for r in res if r.ok] == [0, 1, 9, 16, 25]
    assert all(r.attempts == 1 for r in res if r.ok)


def test_dask_worker_killed_during_an_evaluation_is_retried_elsewhere(tmp_path, dask_client):
    res = map_tasks(h.die_first, [(i, str(tmp_path)) for i in range(4)], dask_client,
                    max_retries=1)
    assert all(r.ok for r in res)
    assert [r.value[0] for r in res] == [0, 1, 4, 9]
    assert res[2].value[1] != _killed_pid(tmp_path)


def test_ctrl_c_returns_everything_completed():
    def interrupt_at_3(x):
        if x == 3:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, delivered to this process
        return x

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT is delivered to the main thread")
    res = map_tasks(interrupt_at_3, range(10))
    assert res.interrupted and not res.complete
    assert res.values == [0, 1, 2]


# the directory holding the activesci under test (installed or built in place), for subprocesses
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(activesci.__file__)))


def test_ctrl_c_in_a_pool_run_stops_the_workers_and_keeps_results(tmp_path):
    """A driver process running on a pool gets SIGINT: it returns what completed."""
    import subprocess
    import time

    script = tmp_path / "driver.py"
    script.write_text(f"""
import sys, json
sys.path[:0] = [{_PACKAGE_PARENT!r}, {os.path.dirname(__file__)!r}]
import parallel_helpers as h
from activesci.parallel import map_tasks
if __name__ == "__main__":
    res = map_tasks(h.sleep_for, [0.05] * 4 + [60.0] * 4, "processes", n_workers=2,
                    on_result=lambda r: print("done", r.index, flush=True))
    print(json.dumps({{"interrupted": res.interrupted, "n": len(res)}}), flush=True)
""")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    seen = 0
    while seen < 4:
        line = proc.stdout.readline()
        assert line, "driver exited early"
        seen += line.startswith("done")
    time.sleep(0.3)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    import json
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary == {"interrupted": True, "n": 4}
    assert time.monotonic() - t0 < 55  # did not wait for the 60 s tasks


# ---------------------------------------------------------------------------- storage
def test_map_tasks_store_resumes_without_repeating(tmp_path):
    path = tmp_path / "tasks.sqlite"
    calls = []

    def f(x, random_state):
        calls.append(x)
        return h.noisy_square(x, random_state)

    first = map_tasks(f, range(3), seeds=2, store=path)
    assert calls == [0, 1, 2]
    res = map_tasks(f, range(6), seeds=2, store=path)
    assert calls == [0, 1, 2, 3, 4, 5]
    assert res.values == map_tasks(h.noisy_square, range(6), seeds=2).values
    assert [r.from_store for r in res] == [True] * 3 + [False] * 3
    assert first.values == res.values[:3]
    with RunStore(path) as store:
        assert store.count("tasks") == 6
    with pytest.raises(ValueError, match="resume=True"):
        map_tasks(f, range(6), seeds=2, store=path, resume=False)
    with pytest.raises(ValueError, match="resume=True"):
        run_async(RandomSearch(0), h.quadratic, 2, store=path, group="tasks", resume=False)
    assert map_tasks(f, range(2), seeds=2, store=path, group="other", resume=False).complete
    with pytest.raises(StoreMismatchError, match="task 0"):
        map_tasks(f, [9, 9], store=path)


def test_values_of_every_type_come_back_unchanged_from_the_store(tmp_path):
    path = tmp_path / "v.sqlite"
    values = {0: 1.5, 1: 7, 2: "text", 3: {"x": [1, 2.5]}, 4: np.arange(3.0),
              5: (1, "a"), 6: np.float32(0.25), 7: float("nan")}
    tasks = list(values)
    res = map_tasks(values.__getitem__, tasks, store=path, nan_is_failure=False)
    back = map_tasks(lambda i: None, tasks, store=path)
    assert all(r.from_store for r in back) and back.complete
    for r, orig in zip(back, res):
        v = r.value
        assert type(v) is type(orig.value), (type(v), type(orig.value))
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(v, orig.value)
        elif isinstance(v, float) and np.isnan(v):
            assert np.isnan(orig.value)
        else:
            assert v == orig.value


def test_objects_as_tasks_are_stored_by_repr_and_resumed(tmp_path):
    class Point:
        def __init__(self, x):
            self.x = x

        def __repr__(self):
            return f"Point({self.x})"

    pts = [Point(1), Point(2)]
    path = tmp_path / "o.sqlite"
    map_tasks(lambda p: p.x * 2, pts[:1], store=path)
    res = map_tasks(lambda p: p.x * 2, pts, store=path)
    assert res.values == [2, 4] and res[0].task is pts[0] and res[0].from_store
    with pytest.raises(StoreMismatchError):
        map_tasks(lambda p: p.x, [Point(5)], store=path)


def test_unpicklable_function_for_a_pool_is_refused_up_front(pool):
    with pytest.raises(TypeError, match="cannot be sent to worker processes"):
        map_tasks(lambda x: x, [1], pool)


# ---------------------------------------------------------------------------- run_async
def test_run_async_keeps_n_parallel_in_flight_and_tells_every_success(pool):
    opt = RandomSearch(0)
    res = run_async(opt, h.quadratic, n_calls=10, n_parallel=2, executor=pool)
    assert len(res.func_vals) == 10 and len(opt.told) == 10
    for x, y in opt.told:
        assert y == pytest.approx(h.quadratic(x))
    assert res.fun == min(y for _, y in opt.told)


def test_run_async_serial_matches_dask_for_n_parallel_1(dask_client):
    a = run_async(RandomSearch(4), h.quadratic, 6, 1, seeds=5)
    b = run_async(RandomSearch(4), h.quadratic, 6, 1, dask_client, seeds=5)
    assert a.x_iters == b.x_iters
    np.testing.assert_array_equal(a.func_vals, b.func_vals)


def test_run_async_skips_failures_and_reports_them():
    def f(x):
        if x[0] > 0.5:
            raise ValueError("unphysical region")
        return x[0]

    opt = RandomSearch(1)
    res = run_async(opt, f, n_calls=30, n_parallel=3)
    assert len(res.results) == 30 and len(res.failed) > 0
    assert len(opt.told) == 30 - len(res.failed)
    assert all(x[0] <= 0.5 for x, _ in opt.told)
    assert all("unphysical" in r.error for r in res.failed)


def test_run_async_ctrl_c_keeps_what_completed(tmp_path):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT is delivered to the main thread")
    calls = []

    def f(x):
        calls.append(x)
        if len(calls) == 6:
            os.kill(os.getpid(), signal.SIGINT)
        return x[0]

    path = tmp_path / "i.sqlite"
    opt = RandomSearch(3)
    res = run_async(opt, f, n_calls=20, n_parallel=1, store=path)
    assert res.interrupted and len(res.func_vals) == 5 and len(opt.told) == 5
    with RunStore(path) as store:
        assert store.count("optimizer") == 5
    # resuming finishes the run, evaluating the interrupted point again and nothing else
    res2 = run_async(RandomSearch(3), f, n_calls=20, n_parallel=1, store=path)
    assert not res2.interrupted and len(res2.func_vals) == 20 and len(calls) == 6 + 15


def test_run_async_resume_replays_and_makes_the_same_proposals(tmp_path):
    full = run_async(RandomSearch(7), h.quadratic, 12, 1, seeds=1)
    path = tmp_path / "opt.sqlite"
    calls = []

    def counted(x, random_state):
        calls.append(x)
        return h.quadratic(x, random_state)

    run_async(RandomSearch(7), counted, 5, 1, seeds=1, store=path)
    assert len(calls) == 5
    res = run_async(RandomSearch(7), counted, 12, 1, seeds=1, store=path)
    assert len(calls) == 12  # the 5 stored evaluations were not repeated
    assert res.x_iters == full.x_iters
    np.testing.assert_array_equal(res.func_vals, full.func_vals)


def test_run_async_batched_resume_after_interrupt_matches_the_uninterrupted_run(tmp_path):
    """n_parallel=3 on the serial executor is deterministic: an interrupted and resumed run
    must tell the same points with the same values, in the same order."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("SIGINT is delivered to the main thread")
    full = run_async(RandomSearch(11), h.quadratic, 14, 3, seeds=4)
    calls = []

    def interrupted_once(x, random_state):
        calls.append(x)
        if len(calls) == 8:
            os.kill(os.getpid(), signal.SIGINT)
        return h.quadratic(x, random_state)

    path = tmp_path / "b.sqlite"
    part = run_async(RandomSearch(11), interrupted_once, 14, 3, seeds=4, store=path)
    assert part.interrupted and 0 < len(part.results) < 14
    with _no_warning():
        res = run_async(RandomSearch(11), interrupted_once, 14, 3, seeds=4, store=path)
    assert res.x_iters == full.x_iters
    np.testing.assert_array_equal(res.func_vals, full.func_vals)
    with RunStore(path) as store:
        assert [r["task"] for r in store.evaluations("optimizer")] == list(range(14))


class _no_warning:
    def __enter__(self):
        import warnings
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error")  # a replay mismatch warning would fail the test

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


# ---------------------------------------------------------------------------- validation
def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="executor must be"):
        get_executor("gpu")
    with pytest.raises(TypeError, match="executor must be"):
        get_executor(3.5)
    with pytest.raises(ValueError, match="n_workers"):
        get_executor("processes", n_workers=0)
    with pytest.raises(TypeError, match="n_workers"):
        get_executor("processes", n_workers=1.5)
    with pytest.raises(ValueError, match="timeout"):
        map_tasks(abs, [1], timeout=-1)
    with pytest.raises(ValueError, match="max_retries"):
        map_tasks(abs, [1], max_retries=-1)
    with pytest.raises(ValueError, match="chunksize"):
        map_tasks(abs, [1], chunksize=0)
    with pytest.raises(ValueError, match="max_in_flight"):
        map_tasks(abs, [1], max_in_flight=0)
    with pytest.raises(TypeError, match="fn must be callable"):
        list(imap_tasks(3, [1]))
    with pytest.raises(TypeError, match="ask"):
        run_async(object(), abs, 3)
    with pytest.raises(ValueError, match="n_calls"):
        run_async(RandomSearch(0), abs, 0)
    with pytest.raises(ValueError, match="n_parallel"):
        run_async(RandomSearch(0), abs, 2, n_parallel=0)


def test_progress_bars_count_every_task(capsys):
    pytest.importorskip("tqdm")
    res = map_tasks(h.fail_on, range(5), progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and "1 failed" in err and len(res) == 5
    run_async(RandomSearch(0), h.quadratic, 4, 2, progress=True)
    assert "4/4" in capsys.readouterr().err


def test_backends_describe_themselves_and_borrowed_ones_stay_open():
    ex = cf.ThreadPoolExecutor(3)
    b = get_executor(ex)
    assert isinstance(b, Backend) and b.n_workers == 3 and not b.owned
    b.close()
    assert ex.submit(abs, -2).result() == 2  # not shut down
    ex.shutdown()
    assert get_executor(b) is b
    assert get_executor(SerialExecutor()).kind == "serial"
    assert "serial" in repr(get_executor())
