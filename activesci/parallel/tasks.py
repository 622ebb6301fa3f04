"""Evaluate a function over many tasks on any backend, with per-task seeds, retries and storage.

The driver (:func:`imap_tasks`) keeps at most about ``n_workers`` tasks in flight, so a timeout
measured from submission is close to the run time, Ctrl-C has little to cancel, and memory does
not grow with the number of tasks. An attempt fails when the function raises, returns NaN,
exceeds ``timeout`` seconds, or its worker dies (a process pool's ``BrokenProcessPool``: the pool
is replaced; Dask reschedules the tasks of a lost worker itself and reports ``KilledWorker`` only
after repeated losses). A failed attempt is retried up to ``max_retries`` times; then the task is
recorded as failed, with its error, and the run goes on.

Seeds: with ``seeds=base``, task ``i`` receives ``random_state=derive_seed(base, i)``
(a :class:`numpy.random.SeedSequence` of ``(base, i)``), the same on every attempt, on every
backend and whatever the completion order, so results depend on neither the number of workers
nor the scheduling.
"""
from __future__ import annotations

import base64
import collections
import concurrent.futures as cf
import contextlib
from concurrent.futures.process import BrokenProcessPool
import math
import numbers
import pickle
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np

from ..storage import dumps
from .executors import Backend, ExecutorLike, get_executor

__all__ = ["TaskResult", "MapResult", "TaskTimeoutError", "derive_seed", "task_seeds",
           "map_tasks", "imap_tasks"]

OK, FAILED = "ok", "failed"


class TaskTimeoutError(TimeoutError):
    """An evaluation ran longer than the ``timeout`` it was given."""


def derive_seed(base: int, *keys: int) -> int:
    """A 63-bit seed for ``(base, *keys)`` from :class:`numpy.random.SeedSequence`.

    Independent streams for every key tuple; the same inputs always give the same seed.

    Examples
    --------
    >>> derive_seed(7, 0) == derive_seed(7, 0), derive_seed(7, 0) == derive_seed(7, 1)
    (True, False)
    """
    ss = np.random.SeedSequence([int(base) & 0xFFFFFFFFFFFFFFFF, *[int(k) for k in keys]])
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> 1)


def task_seeds(seeds: Any, n_tasks: int) -> Optional[List[int]]:
    """Per-task seeds: ``None`` (no seeds), a base (int or Generator) expanded with
    :func:`derive_seed`, or an explicit sequence of ``n_tasks`` non-negative ints."""
    if seeds is None:
        return None
    if isinstance(seeds, np.random.Generator):
        seeds = int(seeds.integers(0, 2**63 - 1))
    if isinstance(seeds, (numbers.Integral, np.integer)) and not isinstance(seeds, bool):
        if seeds < 0:
            raise ValueError(f"seeds must be a non-negative integer, got {seeds}")
        return [derive_seed(int(seeds), i) for i in range(n_tasks)]
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__"):
        raise TypeError("seeds must be None, a non-negative int, a numpy Generator or a sequence "
                        f"of ints, got {type(seeds).__name__}")
    out = [int(s) for s in seeds]
    if len(out) != n_tasks:
        raise ValueError(f"seeds has {len(out)} entries but there are {n_tasks} tasks; give one "
                         "seed per task or a single base seed")
    return out


@dataclass
class TaskResult:
    """The outcome of one task.

    Attributes
    ----------
    index : int
        Position of the task in the input.
    task : object
        The task's argument.
    status : {"ok", "failed"}
    value : object
        The function's return value (None when failed).
    error : str or None
        Why the last attempt failed (exception type, message and remote traceback).
    attempts : int
        Attempts made (retries + 1 at most).
    seed : int or None
        The ``random_state`` the task received.
    seconds : float
        Run time of the successful (or last) attempt, as measured where it ran.
    from_store : bool
        Read back from a store instead of being computed in this run.
    """

    index: int
    task: Any
    status: str
    value: Any = None
    error: Optional[str] = None
    attempts: int = 1
    seed: Optional[int] = None
    seconds: float = float("nan")
    from_store: bool = False

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass
class MapResult:
    """All task results of a :func:`map_tasks` run, in task order.

    Attributes
    ----------
    results : list of TaskResult
        One per task that completed (successfully or not); tasks cancelled by Ctrl-C are absent.
    n_tasks : int
    interrupted : bool
        The run was stopped by Ctrl-C; ``results`` holds everything completed before.
    """

    results: List[TaskResult]
    n_tasks: int
    interrupted: bool = False

    @property
    def values(self) -> List[Any]:
        """Values of the successful tasks, in task order."""
        return [r.value for r in self.results if r.ok]

    @property
    def failed(self) -> List[TaskResult]:
        return [r for r in self.results if not r.ok]

    @property
    def complete(self) -> bool:
        return len(self.results) == self.n_tasks and not self.interrupted

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self) -> Iterator[TaskResult]:
        return iter(self.results)

    def __getitem__(self, i: int) -> TaskResult:
        return self.results[i]

    def __repr__(self) -> str:
        n_ok = sum(r.ok for r in self.results)
        extra = ", interrupted" if self.interrupted else ""
        return (f"MapResult({n_ok} ok, {len(self.results) - n_ok} failed, "
                f"{self.n_tasks - len(self.results)} not run of {self.n_tasks}{extra})")


# ---------------------------------------------------------------------------- worker side
@contextlib.contextmanager
def _alarm(timeout: Optional[float]):
    """Raise TaskTimeoutError in the running code after ``timeout`` s (SIGALRM; main thread of
    a POSIX process only, i.e. serial runs and process-pool workers; elsewhere the driver
    enforces the deadline by abandoning the task)."""
    usable = (timeout is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def handler(signum, frame):
        raise TaskTimeoutError(f"evaluation exceeded timeout={timeout} s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, float(timeout))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def _format_error(exc: BaseException) -> str:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3))
    return f"{type(exc).__name__}: {exc}\n{tb}".strip()


def _run_task(fn: Callable, task: Any, seed: Optional[int], timeout: Optional[float]):
    """What a worker executes: returns (ok, value-or-error-text, seconds). Exceptions become
    text here so unpicklable exceptions and remote tracebacks reach the driver intact."""
    t0 = time.perf_counter()
    try:
        with _alarm(timeout):
            value = fn(task) if seed is None else fn(task, random_state=seed)
        return True, value, time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - reported to the driver as a failed attempt
        return False, _format_error(exc), time.perf_counter() - t0


def _run_chunk(fn: Callable, items: List[Tuple[Any, Optional[int]]],
               timeout: Optional[float]) -> List[Tuple[bool, Any, float]]:
    """Several tasks in one submission (``chunksize``): one outcome per task, each with its
    own seed and timeout."""
    return [_run_task(fn, task, seed, timeout) for task, seed in items]


class _Chunk:
    """An opaque container for a chunk's (task, seed) pairs: Dask looks inside tuples, lists
    and dicts of arguments (a tuple starting with a callable would be taken for a task of its
    graph), never inside this."""

    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items

    def __getstate__(self):
        return self.items

    def __setstate__(self, items):
        self.items = items


def _run_chunk_kw(chunk: _Chunk, fn: Callable = None,
                  timeout: Optional[float] = None) -> List[Tuple[bool, Any, float]]:
    """:func:`_run_chunk` with the chunk first (the shape ``client.map`` calls)."""
    return _run_chunk(fn, chunk.items, timeout)


def _has_nan(value: Any) -> bool:
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return bool(np.isnan(value).any())
    return False


# ---------------------------------------------------------------------------- driver side
def _is_worker_death(exc: BaseException) -> bool:
    if isinstance(exc, BrokenProcessPool):
        return True
    return type(exc).__name__ in ("KilledWorker", "CommClosedError")


@dataclass
class _Flight:
    index: int
    attempts: int
    submitted: float


def _check_picklable(backend: Backend, fn: Callable, name: str) -> None:
    """Process pools pickle the function by reference: refuse a lambda or local function
    before any task runs, with the remedy."""
    if isinstance(backend.executor, cf.ProcessPoolExecutor):
        try:
            pickle.dumps(fn)
        except Exception as exc:  # noqa: BLE001 - pickling can fail in many ways
            raise TypeError(
                f"{name} {fn!r} cannot be sent to worker processes ({exc}); use a module-level "
                "function or a functools.partial of one, or executor='serial' or a Dask "
                "client (which pickles by value)") from None


def _check_options(timeout, max_retries):
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
            raise TypeError(f"timeout must be a positive number of seconds, got {timeout!r}")
        if not (timeout > 0 and math.isfinite(timeout)):
            raise ValueError(f"timeout must be a positive finite number of seconds, got {timeout}")
    if isinstance(max_retries, bool) or not isinstance(max_retries, numbers.Integral):
        raise TypeError(f"max_retries must be a non-negative integer, got {max_retries!r}")
    if max_retries < 0:
        raise ValueError(f"max_retries must be >= 0, got {max_retries}")


def default_window(backend: Backend, timeout: Optional[float]) -> int:
    """Tasks kept in flight: the worker count with a timeout (so the deadline, counted from
    submission, is close to the run time); otherwise a prefetch that hides the round trip to
    the workers: 4 per worker and at least 8; on Dask, whose round trip through the scheduler
    takes milliseconds, 16 per worker and at least 64 (benchmarks/bench_parallel.py)."""
    if backend.kind == "serial":
        return 1
    n = backend.n_workers
    if timeout is not None:
        return n
    return max(64, 16 * n) if backend.kind == "dask" else max(8, 4 * n)


class _Driver:
    """Submits tasks to a backend in chunks, keeps a bounded number of chunks in flight,
    retries failed attempts, recovers from dead process-pool workers and abandons tasks past
    their deadline."""

    GRACE = 1.0  # extra seconds before the driver abandons a task the worker could not stop

    def __init__(self, backend: Backend, fn: Callable, tasks: Dict[int, Any],
                 seeds: Optional[Dict[int, int]], timeout: Optional[float], max_retries: int,
                 nan_is_failure: bool, window: Optional[int] = None, chunksize: int = 1):
        self.backend = backend
        self.fn = fn
        self.tasks = tasks
        self.seeds = seeds
        self.timeout = timeout
        self.max_retries = int(max_retries)
        self.nan_is_failure = nan_is_failure
        window = int(window if window is not None else default_window(backend, timeout))
        if timeout is not None:
            # a deadline counts from submission: never submit more than can start at once
            window = min(window, backend.n_workers)
        self.window = max(1, window)
        self.chunksize = max(1, int(chunksize))
        self.queue: collections.deque = collections.deque()
        self.flight: Dict[cf.Future, List[_Flight]] = {}
        self.isolate: set = set()  # tasks to run alone after a pool break
        self.breaks: Dict[int, int] = {}

    def add(self, index: int, attempts: int = 0) -> None:
        self.queue.append((index, attempts))

    @property
    def busy(self) -> bool:
        return bool(self.queue or self.flight)

    @property
    def n_in_flight(self) -> int:
        return sum(len(fls) for fls in self.flight.values())

    def _seed(self, index: int) -> Optional[int]:
        return None if self.seeds is None else self.seeds[index]

    def _final(self, index, attempts, error, seconds=float("nan")) -> TaskResult:
        return TaskResult(index, self.tasks[index], FAILED, None, error, attempts,
                          self._seed(index), seconds)

    def _failed_attempt(self, fl: _Flight, error: str,
                        seconds: float = float("nan")) -> Optional[TaskResult]:
        """Requeue a failed attempt while retries remain (None), else the failed result."""
        if fl.attempts <= self.max_retries:
            self.queue.appendleft((fl.index, fl.attempts))
            return None
        return self._final(fl.index, fl.attempts, error, seconds)

    def _decided(self, index: int, r: Optional[TaskResult], out: List[TaskResult]) -> None:
        self.isolate.discard(index)
        if r is not None:
            out.append(r)

    # ------------------------------------------------------------------ submission
    def _submit(self, items: List[Tuple[int, int]], out: List[TaskResult]) -> None:
        payload = [(self.tasks[i], self._seed(i)) for i, _ in items]
        for _ in range(2):
            try:
                fut = self.backend.submit(_run_chunk, self.fn, payload, self.timeout)
            except BrokenProcessPool as exc:
                if self.backend.restartable:
                    self.backend.restart()
                    continue
                for i, attempts in items:
                    self._decided(i, self._final(i, attempts + 1, _format_error(exc)), out)
                return
            now = time.monotonic()
            self.flight[fut] = [_Flight(i, attempts + 1, now) for i, attempts in items]
            return
        for i, attempts in items:
            self._decided(i, self._final(i, attempts + 1,
                                         "could not submit: the executor keeps breaking"), out)

    def fill(self) -> List[TaskResult]:
        """Submit queued tasks while chunks in flight are fewer than the window (one task at a
        time while isolating after a pool break); returns results decided without running."""
        out: List[TaskResult] = []
        if self.backend.client is not None:  # Dask: everything that fits, in one message
            batch = []
            while self.queue and len(self.flight) + len(batch) < self.window:
                batch.append([self.queue.popleft()
                              for _ in range(min(self.chunksize, len(self.queue)))])
            if batch:
                payloads = [_Chunk([(self.tasks[i], self._seed(i)) for i, _ in items])
                            for items in batch]
                futures = self.backend.submit_many(_run_chunk_kw, payloads, fn=self.fn,
                                                   timeout=self.timeout)
                now = time.monotonic()
                for fut, items in zip(futures, batch):
                    self.flight[fut] = [_Flight(i, attempts + 1, now) for i, attempts in items]
            return out
        while self.queue and len(self.flight) < (1 if self.isolate else self.window):
            size = 1 if self.isolate else self.chunksize
            items = [self.queue.popleft() for _ in range(min(size, len(self.queue)))]
            self._submit(items, out)
        return out

    # ------------------------------------------------------------------ completion
    def _judge(self, fl: _Flight, ok: bool, payload: Any, seconds: float) -> Optional[TaskResult]:
        if not ok:
            return self._failed_attempt(fl, payload, seconds)
        if self.nan_is_failure and _has_nan(payload):
            return self._failed_attempt(fl, "ValueError: the evaluation returned NaN", seconds)
        return TaskResult(fl.index, self.tasks[fl.index], OK, payload, None, fl.attempts,
                          self._seed(fl.index), seconds)

    def _outcomes(self, fut: cf.Future, fls: List[_Flight], out: List[TaskResult]) -> None:
        try:
            outcomes = fut.result()
        except cf.CancelledError:
            for fl in fls:
                self._decided(fl.index, self._failed_attempt(fl, "cancelled by the executor"),
                              out)
            return
        except Exception as exc:  # noqa: BLE001 - worker death or executor error
            prefix = "worker died during the evaluation: " if _is_worker_death(exc) else ""
            error = prefix + _format_error(exc)
            for fl in fls:
                self._decided(fl.index, self._failed_attempt(fl, error), out)
            return
        if not (isinstance(outcomes, list) and len(outcomes) == len(fls)):
            # a result lost with its worker (Dask can report such a task finished with no
            # value): the evaluation itself did not fail, so run it again uncharged
            for fl in fls:
                self.breaks[fl.index] = self.breaks.get(fl.index, 0) + 1
                if self.breaks[fl.index] > 3:
                    self._decided(fl.index, self._failed_attempt(
                        fl, "the result was lost with its worker, repeatedly"), out)
                else:
                    self.queue.appendleft((fl.index, fl.attempts - 1))
            return
        for fl, (ok, payload, seconds) in zip(fls, outcomes):
            self._decided(fl.index, self._judge(fl, ok, payload, seconds), out)

    @staticmethod
    def _broke(fut: cf.Future) -> bool:
        return (not fut.cancelled()) and isinstance(fut.exception(), BrokenProcessPool)

    def _deadline(self, fls: List[_Flight]) -> float:
        return fls[0].submitted + self.timeout * len(fls) + self.GRACE

    def wait(self) -> List[TaskResult]:
        """Wait for at least one completion (or a deadline); return the decided results."""
        if not self.flight:
            return []
        poll = None
        if self.timeout is not None:
            first = min(self._deadline(fls) for fls in self.flight.values())
            poll = max(0.0, first - time.monotonic())
        done, _ = cf.wait(list(self.flight), timeout=poll, return_when=cf.FIRST_COMPLETED)
        out: List[TaskResult] = []
        casualties: List[_Flight] = []  # in flight when a pool worker died
        # in submission order: deterministic when several are done at once (serial runs)
        for fut in sorted(done, key=lambda f: (self.flight[f][0].submitted,
                                               self.flight[f][0].index)):
            fls = self.flight.pop(fut)
            if self._broke(fut):
                casualties.extend(fls)
            else:
                self._outcomes(fut, fls, out)
        if casualties and self.backend.restartable:
            # the pool is dead: its other futures fail too (or finished just before it died)
            rest = list(self.flight)
            finished, _ = cf.wait(rest, timeout=10)
            for fut in rest:
                fls = self.flight.pop(fut)
                if fut in finished and not self._broke(fut):
                    self._outcomes(fut, fls, out)
                else:
                    casualties.extend(fls)
            self.backend.restart()
        self._bury(casualties, out)
        if self.timeout is not None:
            now = time.monotonic()
            for fut, fls in list(self.flight.items()):
                if now > self._deadline(fls):
                    fut.cancel()
                    del self.flight[fut]
                    for fl in fls:
                        self._decided(fl.index, self._failed_attempt(
                            fl, f"TaskTimeoutError: no result within timeout={self.timeout} s "
                            "(abandoned)"), out)
        return out

    def _bury(self, casualties: List[_Flight], out: List[TaskResult]) -> None:
        """Tasks in flight when a process-pool worker died. Which one killed it is unknown when
        several ran, so none is charged: they run again one at a time (isolation), and a task
        that kills its worker while alone in flight is charged the attempt."""
        error = ("worker died during the evaluation (BrokenProcessPool: a pool process was "
                 "killed or exited abruptly). If every task fails this way, a script that "
                 "starts a process pool must guard its entry point with "
                 "`if __name__ == \"__main__\":` (spawned workers import the main module); "
                 "otherwise look for crashes or out-of-memory kills of the simulator")
        if len(casualties) == 1 or not self.backend.restartable:
            for fl in casualties:
                self._decided(fl.index, self._failed_attempt(fl, error), out)
            return
        for fl in sorted(casualties, key=lambda f: -f.index):
            self.breaks[fl.index] = self.breaks.get(fl.index, 0) + 1
            if self.breaks[fl.index] > 3:  # keeps breaking pools even in isolation: charge
                self._decided(fl.index, self._failed_attempt(fl, error), out)
            else:
                self.queue.appendleft((fl.index, fl.attempts - 1))
                self.isolate.add(fl.index)

    def cancel(self) -> None:
        for fut in self.flight:
            fut.cancel()
        self.flight.clear()
        self.queue.clear()
        self.backend.terminate()

    def run(self) -> Iterator[TaskResult]:
        try:
            while self.busy:
                yield from self.fill()
                yield from self.wait()
        except BaseException:
            self.cancel()
            raise


# ---------------------------------------------------------------------------- storage glue
def _store_of(store):
    from ..storage import RunStore
    if store is None or isinstance(store, RunStore):
        return store, False
    return RunStore(store), True


def _json_native(v: Any) -> bool:
    """Whether JSON gives ``v`` back unchanged (types included)."""
    if v is None or type(v) in (bool, int, float, str):
        return True
    if type(v) is list:
        return all(_json_native(x) for x in v)
    if type(v) is dict:
        return all(type(k) is str and _json_native(x) for k, x in v.items())
    return False


def _task_record(task: Any) -> Any:
    """How a task's argument is stored: itself if JSON can hold it, else its repr."""
    try:
        dumps(task)
        return task
    except (TypeError, ValueError):
        return {"repr": repr(task)}


def stored_results(store, group: str) -> Dict[int, TaskResult]:
    """The task results a store holds for ``group``, by task index (values decoded as
    :func:`store_result` wrote them)."""
    out = {}
    for row in store.evaluations(group):
        extra = row["extra"] or {}
        if "value_pickle" in extra:
            value = pickle.loads(base64.b64decode(extra["value_pickle"]))
        else:
            value = extra["value"] if "value" in extra else row["value"]
        out[row["task"]] = TaskResult(
            row["task"], row["x"], row["status"], value if row["status"] == OK else None,
            row["error"], row["attempts"], extra.get("seed"), extra.get("seconds", float("nan")),
            from_store=True)
    return out


def store_result(store, group: str, r: TaskResult, extra: Optional[Dict[str, Any]] = None) -> None:
    """Commit one task result as one row. A float goes to the ``value`` column; values JSON
    gives back unchanged (ints, strings, lists, dicts) to ``extra`` as JSON; anything else
    (arrays, tuples, objects) is pickled, so a resumed run returns the very same values."""
    ex: Dict[str, Any] = {"seed": r.seed, "seconds": r.seconds, **(extra or {})}
    scalar = None
    if r.ok:
        v = r.value
        if isinstance(v, float) and not math.isnan(v):
            scalar = float(v)
        elif _json_native(v):
            ex["value"] = v
        else:
            ex["value_pickle"] = base64.b64encode(pickle.dumps(v, protocol=4)).decode("ascii")
    store.put_evaluation(group, r.index, _task_record(r.task), scalar, ex, status=r.status,
                         error=r.error, attempts=r.attempts)


# ---------------------------------------------------------------------------- public API
def imap_tasks(fn: Callable, tasks: Iterable[Any], executor: ExecutorLike = None, *,
               n_workers: Optional[int] = None, seeds: Any = None,
               timeout: Optional[float] = None, max_retries: int = 0,
               nan_is_failure: bool = True, store=None, group: str = "tasks",
               on_result: Optional[Callable[[TaskResult], Any]] = None,
               max_in_flight: Optional[int] = None, chunksize: int = 1,
               resume: bool = True) -> Iterator[TaskResult]:
    """Like :func:`map_tasks`, but yield each :class:`TaskResult` as it completes (completion
    order; tasks already in ``store`` are skipped and not yielded). Ctrl-C cancels the pending
    tasks and re-raises ``KeyboardInterrupt``.

    Examples
    --------
    >>> sorted(r.value for r in imap_tasks(abs, [-1, 2, -3]))
    [1, 2, 3]
    """
    _check_options(timeout, max_retries)
    if max_in_flight is not None and (isinstance(max_in_flight, bool) or not isinstance(
            max_in_flight, numbers.Integral) or max_in_flight < 1):
        raise ValueError(f"max_in_flight must be a positive integer, got {max_in_flight!r}")
    if isinstance(chunksize, bool) or not isinstance(chunksize, numbers.Integral) or chunksize < 1:
        raise ValueError(f"chunksize must be a positive integer, got {chunksize!r}")
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    task_list = list(tasks)
    seed_list = task_seeds(seeds, len(task_list))
    store, own_store = _store_of(store)
    backend = get_executor(executor, n_workers)
    own_backend = backend is not executor
    try:
        done = stored_results(store, group) if store is not None else {}
        if done and not resume:
            raise ValueError(
                f"the store {store.path} already holds {len(done)} evaluation(s) of group "
                f"{group!r}; pass resume=True to continue that run, or use another group or path")
        if store is not None:
            from ..storage import StoreMismatchError
            for i, r in done.items():
                if i >= len(task_list) or dumps(r.task) != dumps(_task_record(task_list[i])):
                    raise StoreMismatchError(
                        f"task {i} of group {group!r} in {store.path} was stored with argument "
                        f"{r.task!r}, which is not the task given now; use another group or "
                        "store to run different tasks")
        _check_picklable(backend, fn, "fn")
        driver = _Driver(backend, fn, dict(enumerate(task_list)),
                         None if seed_list is None else dict(enumerate(seed_list)),
                         timeout, max_retries, nan_is_failure, window=max_in_flight,
                         chunksize=chunksize)
        for i in range(len(task_list)):
            if i not in done:
                driver.add(i)
        for r in driver.run():
            if store is not None:
                store_result(store, group, r)
            if on_result is not None:
                on_result(r)
            yield r
    finally:
        if own_backend:
            backend.close()
        if own_store:
            store.close()


def map_tasks(fn: Callable, tasks: Iterable[Any], executor: ExecutorLike = None, *,
              n_workers: Optional[int] = None, seeds: Any = None,
              timeout: Optional[float] = None, max_retries: int = 0,
              nan_is_failure: bool = True, store=None, group: str = "tasks",
              on_result: Optional[Callable[[TaskResult], Any]] = None,
              progress: bool = False, max_in_flight: Optional[int] = None,
              chunksize: int = 1, resume: bool = True) -> MapResult:
    """Evaluate ``fn(task)`` (or ``fn(task, random_state=seed)``) for every task.

    Parameters
    ----------
    fn : callable
        A picklable (module-level) function for process pools and Dask.
    tasks : iterable
        One argument per evaluation.
    executor : None, "serial", "processes", "dask", distributed.Client, address, Executor
        Where to run; see :func:`activesci.parallel.get_executor`. Executors created here are
        shut down at the end; the ones passed in are left running.
    n_workers : int, optional
        Workers of a pool created here (and tasks kept in flight).
    seeds : None, int, Generator or sequence of int
        ``None``: ``fn(task)``. A base seed: task ``i`` gets
        ``random_state=derive_seed(base, i)``. A sequence: one seed per task.
    timeout : float, optional
        Seconds per attempt. Serial runs and process-pool workers interrupt the evaluation
        (SIGALRM); elsewhere (Dask, threads) the driver abandons it after ``timeout + 1`` s.
    max_retries : int, default=0
        Further attempts after a failure (exception, NaN, timeout, dead worker).
    nan_is_failure : bool, default=True
        A NaN float or an array containing NaN counts as a failed attempt.
    store : RunStore or path, optional
        Commit each result as one row of group ``group`` as it completes; tasks already in the
        store (a resumed run) are not run again (failed ones included), and the result holds
        them too (``from_store=True``).
    group : str, default="tasks"
        Name of this run's rows in the store (several runs can share a file).
    resume : bool, default=True
        Continue the run stored under ``group``; with False, a group that already holds
        evaluations is an error (a fresh run was meant).
    on_result : callable, optional
        ``on_result(task_result)`` in the calling process for each new result, as it completes.
    progress : bool, default=False
        A tqdm progress bar.
    max_in_flight : int, optional
        Submissions (chunks) sent and not yet finished (default: ``max(8, 4 × n_workers)``,
        on Dask ``max(64, 16 × n_workers)``, and ``n_workers`` with a timeout). More hides latency;
        fewer makes Ctrl-C and timeouts more precise.
    chunksize : int, default=1
        Tasks sent to a worker in one submission. For tasks of a few milliseconds, chunks
        divide the per-submission overhead (about 0.3 ms on a local process pool, 5-20 ms on
        Dask: see docs/cluster.md); each task keeps its own seed, timeout and retries, but a
        dead worker or a Dask timeout fails the whole chunk's attempt.

    Returns
    -------
    MapResult
        Results in task order; ``interrupted=True`` after Ctrl-C, holding everything completed.

    Examples
    --------
    >>> def noisy_square(x, random_state):
    ...     return x * x + np.random.default_rng(random_state).normal(scale=1e-3)
    >>> res = map_tasks(noisy_square, [1.0, 2.0, 3.0], seeds=42)
    >>> np.round(res.values, 2).tolist(), res.complete
    ([1.0, 4.0, 9.0], True)
    >>> res2 = map_tasks(noisy_square, [1.0, 2.0, 3.0], seeds=42)
    >>> res.values == res2.values
    True
    """
    task_list = list(tasks)
    results: Dict[int, TaskResult] = {}
    store_obj, own_store = _store_of(store)
    bar = _bar(len(task_list), progress)
    interrupted = False
    try:
        if store_obj is not None and resume:
            for i, r in stored_results(store_obj, group).items():
                if i < len(task_list):
                    r.task = task_list[i]  # checked equal to the stored one by imap_tasks
                results[i] = r
            if bar is not None:
                bar.update(len(results))
        for r in imap_tasks(fn, task_list, executor, n_workers=n_workers, seeds=seeds,
                            timeout=timeout, max_retries=max_retries,
                            nan_is_failure=nan_is_failure, store=store_obj, group=group,
                            on_result=on_result, max_in_flight=max_in_flight,
                            chunksize=chunksize, resume=resume):
            results[r.index] = r
            if bar is not None:
                bar.update(1)
                if not r.ok:
                    bar.set_postfix_str(f"{sum(not x.ok for x in results.values())} failed")
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if bar is not None:
            bar.close()
        if own_store:
            store_obj.close()
    return MapResult([results[i] for i in sorted(results)], len(task_list), interrupted)


def _bar(total: int, enabled: bool):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, unit="task")
