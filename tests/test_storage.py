"""RunStore: one committed row per evaluation, resume after SIGKILL, concurrent readers (WAL)."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np

import activesci
import pytest

from activesci.storage import (DuplicateEvaluationError, RunStore, StoreMismatchError, dumps,
                               fingerprint)

# where the activesci under test lives (the installed package in CI, the source tree when built
# in place): a subprocess must import the same one, not the source tree without its C core
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(activesci.__file__)))
TESTS = os.path.dirname(os.path.abspath(__file__))


def run_script(tmp_path, name, body, *args, token=None):
    """Start ``body`` in a fresh Python process with the worktree first on sys.path (and,
    with ``token``, an environment marker its child processes inherit)."""
    script = tmp_path / name
    script.write_text(f"import sys\nsys.path[:0] = [{ROOT!r}, {TESTS!r}]\n"
                      + textwrap.dedent(body))
    env = dict(os.environ)
    if token is not None:
        env["ACTIVESCI_TEST_RUN"] = token
    return subprocess.Popen([sys.executable, str(script), *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def wait_for_rows(path, group, n, proc, limit=60.0):
    """Poll the store read-only (as a notebook would) until it holds n rows of group."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if os.path.exists(path):
            try:
                with RunStore(path, readonly=True) as watcher:
                    if watcher.count(group) >= n:
                        return
            except sqlite3.OperationalError:  # the tables are not created yet
                pass
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.02)
    raise AssertionError(f"{n} rows of {group} did not appear within {limit} s")


# ---------------------------------------------------------------------------- basics
def test_rows_round_trip_and_duplicates_are_refused(tmp_path):
    path = tmp_path / "s.sqlite"
    with RunStore(path, config={"a": 1}) as store:
        store.put_evaluation("g", 1, {"phi": [1.0, 2.0]}, 0.25, {"stderr": 0.1})
        store.put_evaluation("g", 0, [np.float64(3.0)], None, status="failed", error="boom",
                             attempts=3)
        with pytest.raises(DuplicateEvaluationError, match="already stored"):
            store.put_evaluation("g", 1, {}, 1.0)
        with pytest.raises(ValueError, match="status"):
            store.put_evaluation("g", 5, {}, 1.0, status="maybe")
        rows = store.evaluations("g")
        assert [r["task"] for r in rows] == [0, 1]
        assert rows[0]["status"] == "failed" and rows[0]["error"] == "boom"
        assert rows[0]["attempts"] == 3 and rows[0]["x"] == [3.0]
        assert rows[1]["x"] == {"phi": [1.0, 2.0]} and rows[1]["value"] == 0.25
        assert rows[1]["extra"] == {"stderr": 0.1}
        assert store.done("g") == {0: "failed", 1: "ok"} and store.groups() == ["g"]
    with pytest.raises(StoreMismatchError, match="another run"):
        RunStore(path, config={"a": 2})
    with RunStore(path, config={"a": 1}) as store:
        assert store.count() == 2 and store.config == {"a": 1}


def test_put_many_is_one_transaction(tmp_path):
    with RunStore(tmp_path / "m.sqlite") as store:
        store.put_many({"x/1": [1, 2], "x/2": {"k": float("nan")}})
        assert list(store.keys("x/")) == ["x/1", "x/2"]
        assert np.isnan(store.get("x/2")["k"])
        with pytest.raises(TypeError):  # an unserializable value: nothing is written
            store.put_many({"x/3": 1, "x/4": object()})
        assert list(store.keys("x/")) == ["x/1", "x/2"]


def test_keys_match_prefixes_literally_and_closed_stores_refuse_use(tmp_path):
    store = RunStore(tmp_path / "k.sqlite")
    store.put_many({"a_1": 1, "ab1": 2, "a%2": 3, "b": 4})
    assert list(store.keys("a_")) == ["a_1"]
    assert list(store.keys("a%")) == ["a%2"]
    assert list(store.keys()) == ["a%2", "a_1", "ab1", "b"]
    store.close()
    assert "closed" in repr(store)
    with pytest.raises(ValueError, match="closed"):
        store.count()


def test_a_store_can_be_shared_by_threads(tmp_path):
    import threading

    store = RunStore(tmp_path / "t.sqlite")
    errors = []

    def writer(group):
        try:
            for i in range(50):
                store.put_evaluation(group, i, [i], float(i))
                store.count(group)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"g{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [store.count(f"g{k}") for k in range(4)] == [50] * 4
    store.close()


def test_fingerprint_is_stable_under_key_order_and_numpy_types():
    assert fingerprint({"a": 1, "b": [1.0]}) == fingerprint({"b": np.array([1.0]), "a": np.int64(1)})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    assert json.loads(dumps({"v": np.float32(0.5)})) == {"v": 0.5}


def test_readonly_store_must_exist(tmp_path):
    with pytest.raises(FileNotFoundError):
        RunStore(tmp_path / "absent.sqlite", readonly=True)


# ---------------------------------------------------------------------------- concurrency
WRITER = """
import time
from activesci.storage import RunStore
path, n = sys.argv[1], int(sys.argv[2])
with RunStore(path) as store:
    for i in range(n):
        store.put_evaluation("w", i, {"i": i}, float(i), {"square": i * i})
        time.sleep(0.005)
print("done", flush=True)
"""


def test_a_reader_watches_a_running_writer(tmp_path):
    path = tmp_path / "w.sqlite"
    n = 150
    proc = run_script(tmp_path, "writer.py", WRITER, path, n)
    wait_for_rows(path, "w", 1, proc)
    seen = []
    with RunStore(path, readonly=True) as watcher:
        while proc.poll() is None or not seen or seen[-1] < n:
            rows = watcher.evaluations("w")
            # every row a reader sees is complete and rows arrive in order, never twice
            assert [r["task"] for r in rows] == list(range(len(rows)))
            assert all(r["extra"]["square"] == r["task"] ** 2 for r in rows)
            seen.append(len(rows))
            if proc.poll() is not None and seen[-1] == n:
                break
            time.sleep(0.01)
    assert proc.wait(30) == 0
    assert seen == sorted(seen) and seen[-1] == n
    assert len(set(seen)) > 2  # the reader really saw the run in progress


# ---------------------------------------------------------------------------- crash and resume
def _processes_of_run(token):
    """Live processes started by a test run (they inherit its ACTIVESCI_TEST_RUN variable)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"ACTIVESCI_TEST_RUN={token}".encode() in env and state != "Z":
            found.append(int(pid))
    return found


def _assert_no_orphans(token):
    """The pool workers of a SIGKILLed driver exit by themselves (they watch their parent)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 15 and _processes_of_run(token):
        time.sleep(0.1)
    assert not _processes_of_run(token)


MAP_RUN = """
import parallel_helpers as h
from activesci.parallel import map_tasks
if __name__ == "__main__":
    path, executor = sys.argv[1], sys.argv[2]
    res = map_tasks(h.slow_noisy_square, range(40), executor, n_workers=2, seeds=9,
                    store=path, group="sim")
    print(sum(not r.from_store for r in res), flush=True)
"""


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_map_tasks_killed_with_sigkill_resumes_without_loss_or_repetition(tmp_path, executor):
    import parallel_helpers as h
    from activesci.parallel import derive_seed

    path = tmp_path / "run.sqlite"
    token = f"{os.getpid()}-{time.time_ns()}"
    proc = run_script(tmp_path, "run.py", MAP_RUN, path, executor, token=token)
    wait_for_rows(path, "sim", 8, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    with RunStore(path, readonly=True) as store:
        before = {r["task"]: r["value"] for r in store.evaluations("sim")}
    assert 8 <= len(before) < 40
    proc = run_script(tmp_path, "run.py", MAP_RUN, path, executor)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert int(out.split()[-1]) == 40 - len(before)  # only the missing tasks ran
    with RunStore(path, readonly=True) as store:
        rows = store.evaluations("sim")
    assert [r["task"] for r in rows] == list(range(40))  # each exactly once
    assert all(r["status"] == "ok" for r in rows)
    if os.path.isdir("/proc"):
        _assert_no_orphans(token)
    for r in rows:
        assert r["value"] == h.slow_noisy_square(r["task"], derive_seed(9, r["task"]))
        if r["task"] in before:
            assert r["value"] == before[r["task"]]


CAMPAIGN_RUN = """
import time
import numpy as np
from activesci.design import Campaign, GridPosterior
from activesci.simulators import GaussianDemo

path, n = sys.argv[1], int(sys.argv[2])
prior = GridPosterior.from_logpdf(lambda t: -0.5 * t[:, 0] ** 2, [(-5, 5)], 101)
c = Campaign(GaussianDemo(), prior, (0.0, 2 * np.pi), n_events=5, truth=0.3, policy="grid",
             random_state=5, storage=path or None)
res = c.run(n_experiments=n, progress=False, callback=lambda r: time.sleep(0.1))
print(json.dumps({"phis": res.phis.ravel().tolist(),
                  "log_prob": np.asarray(res.posterior.log_prob).ravel().tolist()}))
"""


def test_campaign_killed_with_sigkill_resumes_to_the_uninterrupted_result(tmp_path):
    body = "import json\n" + CAMPAIGN_RUN
    proc = run_script(tmp_path, "ref.py", body, "", 8)
    ref_out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    reference = json.loads(ref_out.strip().splitlines()[-1])

    path = tmp_path / "campaign.sqlite"
    proc = run_script(tmp_path, "campaign.py", body, path, 8)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 60:
        if os.path.exists(path):
            try:
                with RunStore(path, readonly=True) as watcher:
                    if len(list(watcher.keys("step/"))) >= 3:
                        break
            except sqlite3.OperationalError:
                pass
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    with RunStore(path, readonly=True) as store:
        n_before = len(list(store.keys("step/")))
        # a step is stored with its data in one transaction
        assert list(store.keys("data/")) == [k.replace("step", "data") for k in store.keys("step/")]
    assert 3 <= n_before < 8
    proc = run_script(tmp_path, "campaign.py", body, path, 8)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    resumed = json.loads(out.strip().splitlines()[-1])
    assert resumed["phis"] == reference["phis"]
    np.testing.assert_allclose(resumed["log_prob"], reference["log_prob"], rtol=1e-12)
    with RunStore(path, readonly=True) as store:
        assert list(store.keys("step/")) == [f"step/{k:06d}" for k in range(8)]
        assert [store.get(f"step/{k:06d}")["step"] for k in range(8)] == list(range(8))


UTILITY_RUN = """
import json
import numpy as np
from activesci.design import Campaign, GridPosterior
from activesci.simulators import GaussianDemo

class RandomSearch:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
    def ask(self, n_points=None):
        if n_points is None:
            return [float(self.rng.uniform(0.0, 2 * np.pi))]
        return [[float(self.rng.uniform(0.0, 2 * np.pi))] for _ in range(n_points)]
    def tell(self, x, y):
        pass

if __name__ == "__main__":
    path, executor = sys.argv[1], sys.argv[2]
    prior = GridPosterior.from_logpdf(lambda t: -0.5 * t[:, 0] ** 2, [(-5, 5)], 101)
    c = Campaign(GaussianDemo(), prior, (0.0, 2 * np.pi), n_events=5, truth=0.3,
                 n_utility_evals=30, n_datasets=200, random_state=2, storage=path,
                 executor=executor, n_parallel=2)
    evals = c._optimize_utility(RandomSearch(0), 0)
    print(json.dumps([e["value"] for e in evals]))
"""


def test_campaign_utility_estimates_survive_sigkill_exactly_once(tmp_path):
    path = tmp_path / "u.sqlite"
    proc = run_script(tmp_path, "u.py", UTILITY_RUN, path, "serial")
    wait_for_rows(path, "step0", 6, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    with RunStore(path, readonly=True) as store:
        before = {r["task"]: r["value"] for r in store.evaluations("step0")}
    assert 6 <= len(before) < 30
    proc = run_script(tmp_path, "u.py", UTILITY_RUN, path, "serial")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    values = json.loads(out.strip().splitlines()[-1])
    with RunStore(path, readonly=True) as store:
        rows = store.evaluations("step0")
    assert [r["task"] for r in rows] == list(range(30))
    assert [r["value"] for r in rows] == values
    assert all(rows[j]["value"] == v for j, v in before.items())
