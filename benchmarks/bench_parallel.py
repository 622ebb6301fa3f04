"""Throughput and per-task overhead of activesci.parallel: serial vs process pool vs Dask.

A slow Python "simulator" (``time.sleep(50 ms)`` then a seeded draw) and a ~0 ms one are
evaluated through :func:`activesci.parallel.map_tasks` on 1 and 2 workers of a spawn process
pool and of a Dask ``LocalCluster`` (single-threaded worker processes), and, as the reference
a user would otherwise write, through the raw ``ProcessPoolExecutor.map`` and
``client.map``/``client.gather``. One JSON line per case: the median wall time over repeats
for activesci and the reference, their ratio, the speed-up over serial, the per-task overhead
(worker-seconds per task beyond the task's own time: ``wall × workers / n − t_task``), and the
quality figure (results identical to serial with the same seeds: ``same_as_serial``).
Startup costs (spawning the pool, starting the cluster) are reported separately. The ~0 ms
task is also run with ``chunksize=20`` (20 tasks per submission).

With :mod:`activesci.optimizer` available, the asynchronous driver :func:`run_async` is also
timed against the optimizer's own sequential loop (otherwise that case prints ``skipped``).

Usage: python benchmarks/bench_parallel.py [--n-slow 40] [--n-fast 200] [--repeats 3]
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing
import statistics
import time

import numpy as np

import _checkout  # noqa: E402,F401  (activesci installed, or this checkout)

SLOW = 0.050


def simulator(x, random_state=None):
    """A slow Python simulator: 50 ms of "work", then a seeded draw."""
    time.sleep(SLOW)
    return float(x) + float(np.random.default_rng(random_state).normal())


def instant(x, random_state=None):
    return float(x) + float(np.random.default_rng(random_state).normal())


def _raw(args):
    fn, x, seed = args
    return fn(x, random_state=seed)


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def emit(**rec):
    print(json.dumps({k: (round(v, 6) if isinstance(v, float) else v) for k, v in rec.items()}),
          flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-slow", type=int, default=40)
    ap.add_argument("--n-fast", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)

    from distributed import Client, LocalCluster

    from activesci.parallel import get_executor, map_tasks, task_seeds

    cases = [("slow_50ms", simulator, args.n_slow, SLOW, 1),
             ("fast_0ms", instant, args.n_fast, 0.0, 1),
             ("fast_0ms_chunksize20", instant, args.n_fast, 0.0, 20)]
    serial = {}
    for name, fn, n, t_task, _ in cases[:2]:
        wall, res = timed(lambda: map_tasks(fn, range(n), seeds=1), args.repeats)
        ref, ref_out = timed(lambda: [fn(x, random_state=s)
                                      for x, s in zip(range(n), task_seeds(1, n))], args.repeats)
        serial[name] = (wall, res.values)
        emit(case=name, backend="serial", workers=1, n_tasks=n, activesci_s=wall,
             reference="python loop", reference_s=ref, ratio=wall / ref, speedup=1.0,
             overhead_ms_per_task=1e3 * (wall / n - t_task),
             reference_overhead_ms_per_task=1e3 * (ref / n - t_task),
             same_as_serial=res.values == ref_out)
    serial["fast_0ms_chunksize20"] = serial["fast_0ms"]

    ctx = multiprocessing.get_context("spawn")
    for workers in (1, 2):
        # ------------------------------------------------------------ process pool
        t0 = time.perf_counter()
        backend = get_executor("processes", n_workers=workers)
        backend.submit(int, 0).result()  # a pool spawns its workers on first use
        for _ in range(workers):
            backend.submit(time.sleep, 0.01)
        emit(case="startup", backend="processes", workers=workers,
             seconds=time.perf_counter() - t0)
        raw = cf.ProcessPoolExecutor(workers, mp_context=ctx)
        list(raw.map(int, range(workers * 2)))
        for name, fn, n, t_task, chunk in cases:
            wall, res = timed(lambda: map_tasks(fn, range(n), backend, seeds=1,
                                                chunksize=chunk), args.repeats)
            seeds = task_seeds(1, n)
            ref, ref_out = timed(lambda: list(raw.map(_raw, [(fn, x, s) for x, s in
                                                             zip(range(n), seeds)],
                                                      chunksize=chunk)), args.repeats)
            emit(case=name, backend="processes", workers=workers, n_tasks=n, activesci_s=wall,
                 chunksize=chunk,
                 reference="ProcessPoolExecutor.map", reference_s=ref, ratio=wall / ref,
                 speedup=serial[name][0] / wall,
                 overhead_ms_per_task=1e3 * (wall * workers / n - t_task),
                 reference_overhead_ms_per_task=1e3 * (ref * workers / n - t_task),
                 same_as_serial=res.values == serial[name][1] == ref_out)
        raw.shutdown()
        backend.close()

        # ------------------------------------------------------------ Dask
        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        client.submit(int, 0, pure=False).result()
        emit(case="startup", backend="dask", workers=workers, seconds=time.perf_counter() - t0)
        for name, fn, n, t_task, chunk in cases:
            wall, res = timed(lambda: map_tasks(fn, range(n), client, seeds=1,
                                                chunksize=chunk), args.repeats)
            seeds = task_seeds(1, n)
            ref, ref_out = timed(lambda: client.gather(client.map(
                _raw, [(fn, x, s) for x, s in zip(range(n), seeds)], pure=False)),
                args.repeats)  # client.map has no chunks: the reference is per task
            emit(case=name, backend="dask", workers=workers, n_tasks=n, activesci_s=wall,
                 chunksize=chunk,
                 reference="client.map+gather", reference_s=ref, ratio=wall / ref,
                 speedup=serial[name][0] / wall,
                 overhead_ms_per_task=1e3 * (wall * workers / n - t_task),
                 reference_overhead_ms_per_task=1e3 * (ref * workers / n - t_task),
                 same_as_serial=res.values == serial[name][1] == ref_out)
        client.close()
        cluster.close()

    try:
        from activesci.optimizer import Optimizer  # noqa: F401
    except ImportError:
        emit(case="run_async_minimize", skipped="activesci.optimizer is not available")
        return
    from activesci.parallel import run_async

    def objective(x, random_state=None):
        time.sleep(SLOW)
        return float(np.sum((np.asarray(x) - 0.3) ** 2))

    for workers in (1, 2):
        with get_executor("processes", n_workers=workers) as backend:
            opt = Optimizer([(-1.0, 1.0), (-1.0, 1.0)], random_state=0)
            t0 = time.perf_counter()
            res = run_async(opt, objective, 30, workers, backend)
            wall = time.perf_counter() - t0
        opt = Optimizer([(-1.0, 1.0), (-1.0, 1.0)], random_state=0)
        t0 = time.perf_counter()
        for _ in range(30):
            x = opt.ask()
            opt.tell(x, objective(x))
        ref = time.perf_counter() - t0
        emit(case="run_async_minimize", backend="processes", workers=workers, n_calls=30,
             activesci_s=wall, reference="sequential ask/tell loop", reference_s=ref,
             ratio=wall / ref, best=res.fun, reference_best=float(min(opt.yi)))


if __name__ == "__main__":
    main()
