"""One interface over in-process serial execution, a process pool and Dask.

:func:`get_executor` turns what a user passes (``None``, ``"serial"``, ``"processes"``,
``"dask"``, a ``distributed.Client``, a scheduler address such as ``"tcp://10.0.0.1:8786"``, any
:class:`concurrent.futures.Executor`, or an existing :class:`Backend`) into a :class:`Backend`:
``submit(fn, *args)`` returning a :class:`concurrent.futures.Future`, the number of workers, and
the recovery operations the task driver needs (replace a process pool whose worker died, stop
workers on Ctrl-C). Backends created here are owned (closed by ``close()``); executors and clients
the user passes in are borrowed and left running.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import numbers
import os
import signal
import threading
import time
from typing import Any, Callable, List, Optional, Union

__all__ = ["Backend", "SerialExecutor", "get_executor", "ExecutorLike"]

ExecutorLike = Union[None, str, cf.Executor, "Backend", Any]


class SerialExecutor(cf.Executor):
    """Runs each submitted call immediately, in the calling thread, and returns a done Future.

    Exceptions (but not ``KeyboardInterrupt``/``SystemExit``) are stored in the Future, as a pool
    would; Ctrl-C propagates to the caller at once.

    Examples
    --------
    >>> SerialExecutor().submit(pow, 2, 10).result()
    1024
    """

    def submit(self, fn: Callable, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - stored in the future like a pool does
            future.set_exception(exc)
        return future


def _watch_parent(parent: int, period: float = 0.5) -> None:
    while os.getppid() == parent:
        time.sleep(period)
    os._exit(1)  # the driver died (even by SIGKILL): do not linger as an orphan


def _init_worker() -> None:
    """Pool worker initializer: Ctrl-C is the driver's to handle (it then stops the workers),
    and the worker exits when the driver process dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True,
                     name="activesci-parent-watch").start()


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Backend:
    """A :class:`concurrent.futures.Executor` plus what the driver needs to know about it.

    Attributes
    ----------
    kind : {"serial", "processes", "dask", "executor"}
    executor : concurrent.futures.Executor
    n_workers : int
        Tasks that can run at once (Dask: the total threads of the cluster's workers).
    owned : bool
        Whether ``close()`` shuts the executor (and a Dask client/cluster made here) down.
    """

    def __init__(self, kind: str, executor: cf.Executor, n_workers: int, owned: bool,
                 factory: Optional[Callable[[], cf.Executor]] = None, closers=(), client=None):
        self.kind = kind
        self.client = client
        self.executor = executor
        self.n_workers = int(n_workers)
        self.owned = owned
        self._factory = factory
        self._closers = list(closers)

    def _live(self) -> cf.Executor:
        if self.executor is None:  # stopped by restart()/terminate(): a fresh pool on demand
            self.executor = self._factory()
        return self.executor

    def submit(self, fn: Callable, *args) -> cf.Future:
        return self._live().submit(fn, *args)

    def submit_many(self, func: Callable, first: List[Any], /, **common) -> List[cf.Future]:
        """``func(item, **common)`` for every item. On Dask one ``client.map`` call sends them
        all (one scheduler message rather than one per task); elsewhere one ``submit``
        each."""
        if self.client is not None:
            futures = self.client.map(func, first, pure=False, **common)
            return [_as_cf_future(f) for f in futures]
        executor = self._live()
        return [executor.submit(func, item, **common) for item in first]

    @property
    def restartable(self) -> bool:
        """A broken executor can be replaced (only process pools created here)."""
        return self._factory is not None

    def restart(self) -> None:
        """Replace a broken process pool by a fresh one (a worker died)."""
        if self._factory is None:
            raise RuntimeError(f"cannot restart a borrowed {self.kind} executor")
        old, self.executor = self.executor, None
        if old is not None:
            _terminate_pool(old)

    def terminate(self) -> None:
        """Stop the work in progress now (Ctrl-C): owned pools lose their workers, which are
        recreated on the next submission; borrowed executors are left alone."""
        if self._factory is not None:
            old, self.executor = self.executor, None
            if old is not None:
                _terminate_pool(old)

    def close(self) -> None:
        if not self.owned:
            return
        if self.executor is not None:
            try:
                self.executor.shutdown(wait=True, cancel_futures=True)
            except TypeError:  # executors without cancel_futures
                self.executor.shutdown(wait=True)
        for close in reversed(self._closers):
            try:
                close()
            except Exception:  # noqa: BLE001 - best effort at shutdown
                pass
        self._closers = []

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Backend {self.kind}: {self.n_workers} worker(s){'' if self.owned else ', borrowed'}>"


def _as_cf_future(dask_future) -> cf.Future:
    """A concurrent.futures Future mirroring a Dask future (cancelling it cancels the task)."""
    out: cf.Future = cf.Future()

    def mirror(f) -> None:  # runs in a Dask callback thread when the task ends
        if out.done():
            return
        try:
            if f.status == "finished":
                out.set_result(f.result())
            elif f.status == "cancelled":
                if out.cancel():
                    out.set_running_or_notify_cancel()
            else:
                out.set_exception(f.exception())
        except BaseException as exc:  # noqa: BLE001 - the future may have been cancelled
            if not out.done():
                try:
                    out.set_exception(exc)
                except cf.InvalidStateError:
                    pass

    def forward_cancel(c: cf.Future) -> None:
        if c.cancelled() and dask_future.status not in ("finished", "error", "cancelled"):
            dask_future.cancel()

    out.add_done_callback(forward_cancel)
    dask_future.add_done_callback(mirror)
    return out


def _terminate_pool(pool: cf.Executor) -> None:
    """Shut a process pool down without waiting for its running tasks: kill its workers."""
    processes = dict(getattr(pool, "_processes", None) or {})
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except TypeError:  # pragma: no cover
        pool.shutdown(wait=False)
    for proc in processes.values():
        try:
            proc.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass
    for proc in processes.values():
        try:
            proc.join(timeout=5)
        except Exception:  # noqa: BLE001
            pass


def _process_pool_factory(n_workers: int) -> Callable[[], cf.Executor]:
    ctx = multiprocessing.get_context("spawn")

    def make() -> cf.Executor:
        pool = cf.ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx,
                                      initializer=_init_worker)
        # Start every worker now. A spawn pool otherwise starts workers on demand and counts
        # each finished task as an idle worker, so a pool fed short tasks can stay at one
        # process for good (CPython 3.9-3.13 behaviour).
        launch = getattr(pool, "_launch_processes", None)
        if launch is not None:
            launch()
        return pool
    return make


def _is_dask_client(obj: Any) -> bool:
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - dask is optional
        return False
    return isinstance(obj, Client)


def _dask_threads(client) -> int:
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))


def _dask_backend(client, owned: bool, closers=()) -> Backend:
    return Backend("dask", client.get_executor(pure=False), _dask_threads(client), owned,
                   closers=closers, client=client)


def get_executor(executor: ExecutorLike = None, n_workers: Optional[int] = None) -> Backend:
    """Resolve an executor specification into a :class:`Backend`.

    Parameters
    ----------
    executor : None, str, Executor, distributed.Client or Backend
        ``None`` or ``"serial"``: in-process, one task at a time (the reference path).
        ``"processes"``: a spawn-based :class:`~concurrent.futures.ProcessPoolExecutor` of
        ``n_workers`` processes (default: the CPUs this process may use), replaced
        automatically when a worker dies.
        ``"dask"``: a local Dask cluster of ``n_workers`` single-threaded worker processes.
        A ``distributed.Client``, or a scheduler address string (``"tcp://host:8786"``): that
        cluster. Any :class:`concurrent.futures.Executor`: used as is (``n_workers`` is taken
        from it where possible). A :class:`Backend`: returned unchanged.
    n_workers : int, optional
        Worker count for the pools created here; for a borrowed executor, overrides the count
        the driver assumes (tasks kept in flight).

    Returns
    -------
    Backend
        Close it (or use it as a context manager) to shut down what was created here.

    Examples
    --------
    >>> with get_executor("serial") as backend:
    ...     backend.submit(sum, [1, 2, 3]).result(), backend.n_workers
    (6, 1)
    """
    if n_workers is not None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, numbers.Integral):
            raise TypeError(f"n_workers must be a positive integer, got {n_workers!r}")
        if n_workers < 1:
            raise ValueError(f"n_workers must be >= 1, got {n_workers}")
        n_workers = int(n_workers)
    if isinstance(executor, Backend):
        return executor
    if executor is None or (isinstance(executor, str) and executor == "serial"):
        return Backend("serial", SerialExecutor(), 1, owned=True)
    if isinstance(executor, str):
        if executor == "processes":
            factory = _process_pool_factory(n_workers or _default_workers())
            return Backend("processes", factory(), n_workers or _default_workers(), owned=True,
                           factory=factory)
        if executor == "dask":
            from distributed import Client, LocalCluster
            cluster = LocalCluster(n_workers=n_workers or _default_workers(),
                                   threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
            return _dask_backend(client, True, closers=[cluster.close, client.close])
        if "://" in executor or ":" in executor:
            from distributed import Client
            client = Client(executor)
            return _dask_backend(client, True, closers=[client.close])
        raise ValueError(
            f"executor must be None, 'serial', 'processes', 'dask', a Dask scheduler address "
            f"('tcp://host:port'), a distributed.Client or a concurrent.futures.Executor; got "
            f"{executor!r}")
    if _is_dask_client(executor):
        backend = _dask_backend(executor, owned=False)
        if n_workers is not None:
            backend.n_workers = n_workers
        return backend
    if isinstance(executor, cf.Executor):
        count = n_workers or getattr(executor, "_max_workers", None) or _default_workers()
        kind = "serial" if isinstance(executor, SerialExecutor) else "executor"
        return Backend(kind, executor, count, owned=False)
    raise TypeError(
        f"executor must be None, a string, a distributed.Client or a concurrent.futures.Executor,"
        f" got {type(executor).__name__}")
