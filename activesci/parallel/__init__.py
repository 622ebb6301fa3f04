"""Run simulations and objective evaluations in parallel: serially, on a process pool, or on Dask.

One interface over every backend:

- :func:`get_executor` resolves ``None``/``"serial"``, ``"processes"``, ``"dask"``, a
  ``distributed.Client``, a scheduler address or any :class:`concurrent.futures.Executor`;
- :func:`map_tasks` / :func:`imap_tasks` evaluate a function over tasks with deterministic
  per-task seeds (:func:`derive_seed`), timeouts, retries of failed attempts (exception, NaN,
  timeout, dead worker), Ctrl-C that keeps every completed result, and an optional
  :class:`~activesci.storage.RunStore` that commits each result as it completes and resumes;
- :func:`run_async` drives any ask/tell optimizer with ``n_parallel`` evaluations in flight.

Examples
--------
>>> from activesci.parallel import map_tasks
>>> res = map_tasks(float.__neg__, [1.0, 2.0])
>>> res.values
[-1.0, -2.0]
"""
from .asynchronous import AsyncResult, run_async
from .executors import Backend, SerialExecutor, get_executor
from .tasks import (MapResult, TaskResult, TaskTimeoutError, derive_seed, imap_tasks, map_tasks,
                    task_seeds)

__all__ = ["AsyncResult", "Backend", "MapResult", "SerialExecutor", "TaskResult",
           "TaskTimeoutError", "derive_seed", "get_executor", "imap_tasks", "map_tasks",
           "run_async", "task_seeds"]
