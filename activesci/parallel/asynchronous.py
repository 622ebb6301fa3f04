"""Asynchronous evaluation for ask/tell optimizers: ``n_parallel`` points always in flight.

:func:`run_async` works with any object that has ``ask(n_points=k) -> list of k points`` and
``tell(x, y)`` (the :class:`activesci.optimizer.Optimizer`, scikit-optimize's ``Optimizer``).
Whenever a slot is free it asks for new points (the optimizer is expected to exclude its pending,
asked-but-untold points from new proposals), submits them, and tells each result as soon as it
completes. Failed evaluations (after ``max_retries``) are not told; they are reported in the
result and count against ``n_calls``.

With a ``store``, every completed evaluation is one committed row and every ask is a committed
record, so after a crash ``run_async(..., store=same_path)`` with a fresh optimizer replays the
history (the same asks and tells in the same order), re-submits only the points that were in
flight, and continues: no evaluation lost or repeated, and, for an optimizer that is
deterministic given its seed, the same proposals as an uninterrupted run.
"""
from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import numpy as np

from ..storage import dumps
from .executors import ExecutorLike, get_executor
from .tasks import (FAILED, TaskResult, _check_options, _check_picklable, _Driver, _store_of,
                    derive_seed, store_result, stored_results)

__all__ = ["AsyncResult", "run_async"]


@dataclass
class AsyncResult:
    """The outcome of :func:`run_async`.

    Attributes
    ----------
    x_iters : list
        Points told to the optimizer, in the order they were told.
    func_vals : ndarray
        Their values.
    results : list of TaskResult
        Every completed evaluation (failed ones included) in completion order; resumed ones
        have ``from_store=True``.
    failed : list of TaskResult
    interrupted : bool
        Stopped by Ctrl-C (everything completed before is kept and stored).
    """

    x_iters: List[Any]
    func_vals: np.ndarray
    results: List[TaskResult]
    interrupted: bool = False
    optimizer: Any = field(default=None, repr=False)

    @property
    def failed(self) -> List[TaskResult]:
        return [r for r in self.results if not r.ok]

    @property
    def x(self) -> Any:
        """The best (lowest-valued) point told."""
        return self.x_iters[int(np.argmin(self.func_vals))] if len(self.func_vals) else None

    @property
    def fun(self) -> float:
        return float(np.min(self.func_vals)) if len(self.func_vals) else float("nan")

    def __repr__(self) -> str:
        return (f"AsyncResult(fun={self.fun:.6g}, {len(self.func_vals)} told, "
                f"{len(self.failed)} failed{', interrupted' if self.interrupted else ''})")


def _ask(optimizer, k: int) -> List[Any]:
    points = optimizer.ask(n_points=k)
    points = list(points) if not isinstance(points, np.ndarray) else [p for p in points]
    if len(points) != k:
        raise TypeError(f"optimizer.ask(n_points={k}) returned {len(points)} points; run_async "
                        "needs ask(n_points=k) to return a list of k points")
    return [np.asarray(p).tolist() if isinstance(p, np.ndarray) else p for p in points]


def _as_objective(r: TaskResult) -> TaskResult:
    """A successful result whose value is not a real scalar becomes a failure."""
    if not r.ok:
        return r
    try:
        y = float(r.value)
    except (TypeError, ValueError):
        return TaskResult(r.index, r.task, FAILED, None,
                          f"TypeError: the objective returned {type(r.value).__name__}, "
                          "not a real number", r.attempts, r.seed, r.seconds)
    r.value = y
    return r


def run_async(optimizer, func: Callable, n_calls: int, n_parallel: Optional[int] = None,
              executor: ExecutorLike = None, *, n_workers: Optional[int] = None,
              seeds: Optional[int] = None, timeout: Optional[float] = None,
              max_retries: int = 0, nan_is_failure: bool = True, store=None,
              group: str = "optimizer", on_result: Optional[Callable[[TaskResult], Any]] = None,
              progress: bool = False, resume: bool = True,
              synchronous: bool = False,
              should_stop: Optional[Callable[[], bool]] = None) -> AsyncResult:
    """Minimize ``func`` with ``optimizer``, keeping ``n_parallel`` evaluations in flight.

    Parameters
    ----------
    optimizer : object with ``ask(n_points=k)`` and ``tell(x, y)``
    func : callable
        ``func(x)`` (or ``func(x, random_state=seed)`` with ``seeds``) -> float; picklable for
        process pools and Dask.
    n_calls : int
        Evaluations in total (failed ones count; resumed ones count).
    n_parallel : int, optional
        Points in flight (default: the executor's worker count).
    executor, n_workers, timeout, max_retries, nan_is_failure
        As in :func:`activesci.parallel.map_tasks`.
    seeds : int, optional
        Base seed: evaluation ``i`` (in ask order) gets ``random_state=derive_seed(seeds, i)``.
    store : RunStore or path, optional
        Commit each evaluation and each ask; an existing store of the same ``group`` is resumed.
    group : str, default="optimizer"
    resume : bool, default=True
        Replay and continue a run stored under ``group``; with False, a group that already
        holds evaluations is an error.
    on_result : callable, optional
        Called with each new :class:`TaskResult` as it completes.
    progress : bool, default=False
    synchronous : bool, default=False
        Ask ``n_parallel`` points, wait for all of them, tell them in ask order, repeat. The
        proposals then depend only on the seed, never on which worker finished first, so any
        executor and any number of workers give the run of a serial loop (what
        :func:`activesci.optimizer.minimize` uses). Asynchronous mode (the default) keeps the
        workers busier when evaluation times vary, at the price of that determinism.

    Returns
    -------
    AsyncResult

    Examples
    --------
    A stand-in optimizer with the ask/tell protocol (random search):

    >>> class RandomSearch:
    ...     def __init__(self, seed):
    ...         self.rng, self.told = np.random.default_rng(seed), []
    ...     def ask(self, n_points):
    ...         return [[float(self.rng.uniform(-2, 2))] for _ in range(n_points)]
    ...     def tell(self, x, y):
    ...         self.told.append((x, y))
    >>> res = run_async(RandomSearch(0), lambda x: (x[0] - 1) ** 2, n_calls=20, n_parallel=3)
    >>> len(res.func_vals), res.fun < 0.1
    (20, True)
    """
    if not (hasattr(optimizer, "ask") and hasattr(optimizer, "tell")):
        raise TypeError(f"optimizer must have ask(n_points) and tell(x, y) methods, got "
                        f"{type(optimizer).__name__}")
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    if isinstance(n_calls, bool) or not isinstance(n_calls, numbers.Integral) or n_calls < 1:
        raise ValueError(f"n_calls must be a positive integer, got {n_calls!r}")
    if n_parallel is not None and (isinstance(n_parallel, bool) or not isinstance(
            n_parallel, numbers.Integral) or n_parallel < 1):
        raise ValueError(f"n_parallel must be a positive integer, got {n_parallel!r}")
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(
            seeds, (numbers.Integral, np.integer)) or seeds < 0):
        raise ValueError(f"seeds must be a non-negative integer base seed, got {seeds!r}")
    _check_options(timeout, max_retries)

    store, own_store = _store_of(store)
    backend = get_executor(executor, n_workers)
    own_backend = backend is not executor
    n_parallel = int(n_parallel or backend.n_workers)
    try:
        _check_picklable(backend, func, "func")
    except TypeError:
        if own_backend:
            backend.close()
        if own_store:
            store.close()
        raise
    tasks: Dict[int, Any] = {}
    seed_map: Optional[Dict[int, int]] = None if seeds is None else {}
    driver = _Driver(backend, func, tasks, seed_map, timeout, max_retries, nan_is_failure,
                     window=n_parallel)
    x_iters: List[Any] = []
    y_iters: List[float] = []
    results: List[TaskResult] = []
    n_asked = 0
    interrupted = False
    bar = None

    def add_points(points: List[Any]) -> None:
        nonlocal n_asked
        for p in points:
            tasks[n_asked] = p
            if seed_map is not None:
                seed_map[n_asked] = derive_seed(int(seeds), n_asked)
            driver.add(n_asked)
            n_asked += 1

    def told(r: TaskResult) -> None:
        results.append(r)
        if r.ok:
            optimizer.tell(r.task, r.value)
            x_iters.append(r.task)
            y_iters.append(r.value)

    batch: List[TaskResult] = []  # synchronous mode: results waiting for their batch
    try:
        if store is not None and not resume and store.count(group):
            raise ValueError(
                f"the store {store.path} already holds {store.count(group)} evaluation(s) of "
                f"group {group!r}; pass resume=True to continue that run, or use another group "
                "or path")
        if store is not None:
            n_asked = _replay(optimizer, store, group, tasks, seed_map, seeds, driver, told)
        if progress:
            try:
                from tqdm.auto import tqdm
                bar = tqdm(total=n_calls, initial=min(len(results), n_calls), unit="call")
            except ImportError:  # pragma: no cover
                bar = None
        while len(results) + len(batch) < n_calls:
            in_use = driver.n_in_flight + len(driver.queue)
            if synchronous and in_use > 0:
                k = 0
            else:
                k = min(n_parallel - in_use, n_calls - n_asked)
            if k > 0:
                first = n_asked
                points = _ask(optimizer, k)
                if store is not None:
                    store.put(f"{group}/ask/{first:08d}",
                              {"after": len(results), "first": first, "points": points})
                add_points(points)
            elif not driver.busy:  # pragma: no cover - nothing left to wait for
                break
            decided = driver.fill()  # tasks that could not even be submitted, if any
            for r in decided + driver.wait():
                r = _as_objective(r)
                if synchronous:
                    # told in ask order once the batch is complete; stored now, with the
                    # position it will be told at, so a resumed run replays the same order
                    if store is not None:
                        store_result(store, group, r, {"seq": r.index})
                    batch.append(r)
                else:
                    if store is not None:
                        store_result(store, group, r, {"seq": len(results)})
                    told(r)
                if on_result is not None:
                    on_result(r)
                if bar is not None:
                    bar.update(1)
            if synchronous and driver.n_in_flight + len(driver.queue) == 0:
                for r in sorted(batch, key=lambda r: r.index):
                    told(r)
                batch = []
                if should_stop is not None and should_stop():
                    break
            elif not synchronous and should_stop is not None and should_stop():
                driver.cancel()
                break
    except KeyboardInterrupt:
        driver.cancel()
        interrupted = True
        for r in sorted(batch, key=lambda r: r.index):  # completed: returned, not lost
            told(r)
    finally:
        if bar is not None:
            bar.close()
        if own_backend:
            backend.close()
        if own_store:
            store.close()
    return AsyncResult(x_iters, np.asarray(y_iters, dtype=float), results, interrupted,
                       optimizer)


def _replay(optimizer, store, group, tasks, seed_map, seeds, driver, told) -> int:
    """Re-apply a stored history to a fresh optimizer; queue the evaluations that were in
    flight at the crash; return the number of points asked so far."""
    asks = [store.get(k) for k in store.keys(f"{group}/ask/")]
    done = stored_results(store, group)
    rows = {row["task"]: row for row in store.evaluations(group)}
    by_seq = sorted(done.values(), key=lambda r: (rows[r.index]["extra"] or {}).get("seq", 0))
    n_asked = 0
    ai = 0
    mismatch = False
    for seq in range(len(by_seq) + 1):
        while ai < len(asks) and asks[ai]["after"] <= seq:
            rec = asks[ai]
            replayed = _ask(optimizer, len(rec["points"]))
            mismatch |= dumps(replayed) != dumps(rec["points"])
            for j, p in enumerate(rec["points"]):
                idx = rec["first"] + j
                tasks[idx] = p
                if seed_map is not None:
                    seed_map[idx] = derive_seed(int(seeds), idx)
            n_asked = rec["first"] + len(rec["points"])
            ai += 1
        if seq < len(by_seq):
            told(_as_objective(by_seq[seq]))
    if mismatch:
        warnings.warn("the resumed optimizer did not propose the stored points again (is it "
                      "seeded?); the stored history is kept, later proposals may differ",
                      RuntimeWarning, stacklevel=3)
    for idx in sorted(tasks):
        if idx not in done:
            driver.add(idx)  # was in flight when the run stopped: evaluate it now
    return n_asked
