"""Rejection ABC (Pritchard et al. 1999; Beaumont, Zhang & Balding 2002) in batches.

θ is drawn from the prior and data are simulated in batches of ``batch_size``; each batch is a
pure function of its index (:class:`BatchRunner`): its prior draws and a Python simulator's noise
come from the two children of ``numpy.random.SeedSequence(seed, spawn_key=(b,))``, and a built-in C simulator's row
``i`` of batch ``b`` uses the counter-based stream ``(seed, b * batch_size + i)``.  Batches may
therefore run in any order, on any number of threads or processes, and the accepted set is
always merged in batch order: results do not depend on ``n_jobs`` or the executor.

Memory holds the accepted set plus the batches in flight (about ``2 * n_jobs``), never all
``n_simulations`` simulations.  The distance is fitted on the first batch (for scaled and
Mahalanobis distances).
"""
from __future__ import annotations

import collections
import contextlib
import copy
import math
import numbers
import os
import signal
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator, Optional, Tuple

import numpy as np

from .._validation import RandomState, as_float_array, seed_from_random_state
from .distances import as_distance
from .priors import Prior, as_prior
from .result import ABCResult
from .summaries import Summary, as_summary

__all__ = ["rejection_abc", "BatchRunner", "posterior_samples"]

_DEFAULT_BUDGET = 10_000_000


def _c_core():
    try:
        from .. import _core
    except ImportError:  # pragma: no cover
        return None
    return _core if hasattr(_core, "abc_run_batch") else None


def _heap_core():
    core = _c_core()
    return core if core is not None and hasattr(core, "abc_keep_closest") else None


class BatchRunner:
    """Batch index -> (theta, summaries): the unit of work an executor runs.

    Parameters are fixed at construction; ``runner(b)`` is deterministic in ``b`` and
    picklable when the simulator and prior are.

    Examples
    --------
    >>> from activesci.abc import MA2, MA2Triangle, Autocov
    >>> run = BatchRunner(MA2(), MA2Triangle(), Autocov([1, 2]), seed=0, batch_size=100,
    ...                   n_total=250)
    >>> theta, s = run(2)
    >>> theta.shape, s.shape
    ((50, 2), (50, 2))
    >>> bool(np.array_equal(run(2)[1], s))
    True
    """

    def __init__(self, simulator: Callable, prior: Prior, summary: Any, seed: int,
                 batch_size: int, n_total: int, use_c: Optional[bool] = None):
        self.simulator, self.prior, self.summary = simulator, prior, summary
        self.seed, self.batch_size, self.n_total = int(seed), int(batch_size), int(n_total)
        spec = getattr(simulator, "_abc_c_spec", None)
        items = summary._c_items() if isinstance(summary, Summary) else None
        can_c = spec is not None and items is not None and _c_core() is not None
        self.c_spec = spec() if (can_c and use_c is not False) else None
        self.c_items = items

    @property
    def n_batches(self) -> int:
        return -(-self.n_total // self.batch_size)

    def size(self, b: int) -> int:
        return max(0, min(self.batch_size, self.n_total - b * self.batch_size))

    def __call__(self, b: int) -> Tuple[np.ndarray, np.ndarray]:
        n = self.size(b)
        ss_prior, ss_sim = np.random.SeedSequence(self.seed, spawn_key=(int(b),)).spawn(2)
        # a short last batch takes the first rows of a full batch's prior draws, so a run of N
        # simulations is a prefix of a longer run with the same seed and batch size
        theta = self.prior._sample(self.batch_size, np.random.default_rng(ss_prior))[:n]
        theta = np.ascontiguousarray(theta, dtype=float)
        if self.c_spec is not None:
            core = _c_core()
            s = core.abc_run_batch(self.c_spec, theta, self.seed, b * self.batch_size,
                                   self.c_items)
            return theta, s
        x = self.simulator(theta, np.random.default_rng(ss_sim))
        x = np.asarray(x, dtype=float)
        if x.ndim == 0 or x.shape[0] != n:
            raise ValueError(f"the simulator returned an array of shape {x.shape} for a batch of "
                             f"{n} parameter rows; it must return one data set per row, shape "
                             f"({n}, ...)")
        s = np.asarray(self.summary(x), dtype=float)
        if s.ndim == 1:
            s = s[:, None]
        return theta, s.reshape(n, -1)


def _check_positive_int(x: Any, name: str, allow_none: bool = True) -> Optional[int]:
    if x is None and allow_none:
        return None
    if isinstance(x, bool) or not isinstance(x, (numbers.Integral, np.integer)) or x < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {x!r}")
    return int(x)


def _plan(quantile, eps, n_samples, n_simulations):
    """Check the stopping arguments: returns (mode, n_total, k, eps, n_target)."""
    n_samples = _check_positive_int(n_samples, "n_samples")
    n_simulations = _check_positive_int(n_simulations, "n_simulations")
    if quantile is not None:
        if isinstance(quantile, bool) or not isinstance(quantile, numbers.Real) or not (
                0 < quantile <= 1):
            raise ValueError(f"quantile must be a number in (0, 1], got {quantile!r}")
        quantile = float(quantile)
    if eps is not None:
        if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not (eps > 0) or \
                math.isnan(eps):
            raise ValueError(f"eps must be a number > 0, got {eps!r}")
        eps = float(eps)
    choices = ("give exactly one of these combinations: quantile with n_simulations (keep the "
               "closest fraction), quantile with n_samples (run n_samples / quantile "
               "simulations), eps with n_simulations (keep everything within eps), or eps with "
               "n_samples (run until n_samples are within eps, at most n_simulations)")
    if quantile is not None and eps is None:
        if (n_simulations is None) == (n_samples is None):
            raise ValueError(f"with quantile={quantile}: {choices}")
        if n_simulations is None:
            n_simulations = int(math.ceil(n_samples / quantile))
        k = max(1, int(round(quantile * n_simulations)))
        return "quantile", n_simulations, k, None, None
    if eps is not None and quantile is None:
        if n_samples is None and n_simulations is None:
            raise ValueError(f"with eps={eps}: {choices}")
        if n_samples is None:
            return "eps", n_simulations, None, eps, None
        return "eps_samples", n_simulations or _DEFAULT_BUDGET, None, eps, n_samples
    raise ValueError(f"quantile={quantile!r}, eps={eps!r}: {choices}")


def _iter_results(run: BatchRunner, start: int, n_jobs: int, executor: Any
                  ) -> Iterator[Tuple[np.ndarray, np.ndarray]]:
    """Results of batches start..n_batches-1 in order, at most ~2 workers' worth in flight."""
    stop = run.n_batches
    if executor is None and n_jobs == 1:
        for b in range(start, stop):
            yield run(b)
        return
    own = executor is None
    pool = ThreadPoolExecutor(max_workers=n_jobs) if own else executor
    window = 2 * max(n_jobs, int(getattr(pool, "_max_workers", n_jobs) or 1))
    pending: collections.deque = collections.deque()
    nxt = start
    try:
        while pending or nxt < stop:
            while nxt < stop and len(pending) < window:
                pending.append(pool.submit(run, nxt))
                nxt += 1
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def _observed_summary(observed: Any, summary: Any) -> np.ndarray:
    obs = as_float_array(observed, "observed")
    if obs.size == 0:
        raise ValueError("observed is empty; pass the observed data set (one simulator row)")
    if not np.isfinite(obs).all():
        raise ValueError("observed contains NaN or infinity; remove or impute those values")
    row = obs.reshape(1, -1) if obs.ndim != 2 or obs.shape[0] != 1 else obs
    s = np.asarray(summary(row), dtype=float).reshape(-1)
    if not np.isfinite(s).all():
        raise ValueError(f"the summaries of observed are not finite ({s.tolist()}); check the "
                         "summary function")
    return s


def rejection_abc(simulator: Callable, prior: Any, observed: Any, summary: Any = None,
                  distance: Any = "euclidean", quantile: Optional[float] = None,
                  eps: Optional[float] = None, n_samples: Optional[int] = None,
                  n_simulations: Optional[int] = None, batch_size: int = 10_000,
                  scale: Any = None, random_state: RandomState = None, n_jobs: int = 1,
                  executor: Any = None, progress: bool = False, on_invalid: str = "raise"
                  ) -> ABCResult:
    """Rejection ABC: keep the prior draws whose simulated summaries are closest to the data.

    Parameters
    ----------
    simulator : callable or built-in
        ``simulator(theta, random_state) -> x`` vectorized over rows of ``theta`` (batch,
        n_params), returning one data set per row (batch, ...).  :class:`~activesci.abc.MA2`,
        :class:`~activesci.abc.GaussianMean` and :func:`~activesci.abc.at_design` objects run
        in C (fused with built-in summaries, without the GIL).
    prior : Prior
        E.g. ``Uniform``, ``Normal``, ``LogUniform``, ``Product``, ``Constrained``,
        ``MA2Triangle`` from :mod:`activesci.abc.priors`.
    observed : array-like
        The observed data set, shaped like one row of the simulator's output.
    summary : None, Summary, list of Summary, or callable
        Summaries of a batch of data sets, ``(batch, ...) -> (batch, k)``; None uses the data.
    distance : {"euclidean", "scaled", "std", "mahalanobis"}, Distance or callable
        See :mod:`activesci.abc.distances`; scaled/Mahalanobis are fitted on the first batch.
    quantile, eps, n_samples, n_simulations
        Stopping rule, exactly one of: ``quantile`` + ``n_simulations`` (keep the closest
        fraction), ``quantile`` + ``n_samples`` (run ``n_samples / quantile``),
        ``eps`` + ``n_simulations`` (keep all within eps), ``eps`` + ``n_samples`` (stop when
        ``n_samples`` are within eps; at most ``n_simulations``, default 10⁷).
    batch_size : int, default=10000
        Simulations per batch (also the pilot size for fitted distances).
    scale : array-like, optional
        Fixed per-summary scales for a scaled euclidean distance.
    random_state : None, int or numpy.random.Generator
    n_jobs : int, default=1
        Threads running batches (-1: all cores).  Results do not depend on it.
    executor : concurrent.futures.Executor, optional
        Runs batches instead of the internal thread pool (``submit`` is used).
    progress : bool, default=False
        Show a tqdm progress bar.
    on_invalid : {"raise", "drop"}, default="raise"
        Simulations whose summaries are NaN/inf: raise a ValueError, or drop and count them
        (``result.n_invalid``).

    Returns
    -------
    ABCResult
        ``partial=True`` if interrupted with Ctrl-C (what was accepted so far).

    Examples
    --------
    >>> from activesci.abc import rejection_abc, Normal, GaussianMean, Mean
    >>> res = rejection_abc(GaussianMean(sigma=1.0, n_obs=10), Normal(0.0, 1.0),
    ...                     observed=np.full(10, 0.5), summary=Mean(), quantile=0.01,
    ...                     n_simulations=50_000, random_state=0)
    >>> res.n_samples
    500
    >>> bool(abs(res.mean()[0] - 5.0 / 11.0) < 0.05)
    True
    """
    prior = as_prior(prior)
    if not callable(simulator):
        raise TypeError(f"simulator must be callable as simulator(theta, random_state), got "
                        f"{type(simulator).__name__}")
    if on_invalid not in ("raise", "drop"):
        raise ValueError(f"on_invalid must be 'raise' or 'drop', got {on_invalid!r}")
    mode, n_total, k_keep, eps_v, n_target = _plan(quantile, eps, n_samples, n_simulations)
    batch_size = _check_positive_int(batch_size, "batch_size", allow_none=False)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (numbers.Integral, np.integer)) or \
            n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1 (all cores), got {n_jobs!r}")
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)
    if executor is not None and not hasattr(executor, "submit"):
        raise TypeError("executor must have a submit(fn, *args) method "
                        "(a concurrent.futures.Executor)")
    sim_names = getattr(simulator, "param_names", None)
    if sim_names is not None and len(sim_names) != prior.n_params:
        raise ValueError(f"the prior has {prior.n_params} parameter(s) but the simulator expects "
                         f"{len(sim_names)} ({', '.join(sim_names)}); make them agree")
    summary_fn = as_summary(summary)
    s_obs = _observed_summary(observed, summary_fn)
    dist = copy.deepcopy(as_distance(distance, scale))
    seed = seed_from_random_state(random_state)
    run = BatchRunner(simulator, prior, summary_fn, seed, batch_size, n_total)

    acc = _Accepted(mode, k_keep, eps_v, n_target)
    done = 0
    n_invalid = 0
    partial = False
    bar = stream = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_total, unit="sim", desc="rejection ABC")
    try:
        theta, S = run(0)
        if S.shape[1] != s_obs.shape[0]:
            raise ValueError(f"observed has {s_obs.shape[0]} summaries but the simulator's data "
                             f"give {S.shape[1]}; observed must be shaped like one simulator "
                             "row (check the prior's dimension and the observed data)")
        ok = np.isfinite(S).all(axis=1)
        pilot = S[ok]
        if pilot.shape[0] == 0:
            raise ValueError("every simulation of the first batch gave NaN/inf summaries; check "
                             "the simulator and the prior's support")
        dist.fit(pilot)
        stream = _chain(((theta, S),), _iter_results(run, 1, n_jobs, executor))
        for b, (theta, S) in enumerate(stream):
            if S.shape != (theta.shape[0], s_obs.shape[0]):
                raise ValueError(f"the summaries of batch {b} have shape {S.shape}, expected "
                                 f"({theta.shape[0]}, {s_obs.shape[0]}); the simulator must "
                                 "return data of a fixed shape")
            ok = np.isfinite(S).all(axis=1)
            if ok.all():  # the usual case: no copy of the finite rows
                d = dist(S, s_obs)
            else:
                d = np.full(theta.shape[0], np.nan)
                if ok.any():
                    d[ok] = dist(S[ok], s_obs)
            ok &= np.isfinite(d)
            bad = theta.shape[0] - int(np.count_nonzero(ok))
            if bad and on_invalid == "raise":
                row = int(np.flatnonzero(~ok)[0])
                raise ValueError(f"the simulation at theta={theta[row].tolist()} gave NaN/inf "
                                 f"summaries or distance ({bad} in batch {b}); fix the simulator "
                                 "or pass on_invalid='drop' to drop and count such rows")
            with _interrupts_deferred():
                n_invalid += bad
                stop_at = acc.add(theta, S, d, ok, b * batch_size)
                if stop_at is not None:
                    n_invalid -= int((~ok[stop_at:]).sum())
                    done = b * batch_size + stop_at
                else:
                    done += theta.shape[0]
            if bar is not None:
                bar.update(theta.shape[0] if stop_at is None else stop_at)
            if stop_at is not None:
                break
    except KeyboardInterrupt:
        partial = True
        warnings.warn(f"rejection_abc interrupted after {done} simulations; returning the "
                      "partial result (result.partial is True)", RuntimeWarning, stacklevel=2)
    finally:
        if stream is not None:
            stream.close()  # cancels batches still queued and joins the worker threads
        if bar is not None:
            bar.close()
    samples, summaries, distances = acc.result()
    if distances.size == 0:
        samples, summaries = np.empty((0, prior.n_params)), np.empty((0, s_obs.shape[0]))
    res_eps = eps_v if eps_v is not None else (float(distances.max()) if distances.size
                                               else float("nan"))
    res = ABCResult(samples, distances, res_eps, done, summaries=summaries,
                    observed_summary=s_obs, param_names=prior.param_names, n_invalid=n_invalid,
                    partial=partial, method="rejection",
                    info={"mode": mode, "distance": repr(dist), "seed": seed,
                          "batch_size": batch_size, "c_path": run.c_spec is not None,
                          "scale": getattr(dist, "scale_", None),
                          "prior_bounds": _prior_bounds(prior)})
    if res.n_samples == 0:
        warnings.warn("rejection_abc accepted no simulation; increase eps, quantile or "
                      "n_simulations (the result is empty)", RuntimeWarning, stacklevel=2)
    elif mode == "eps_samples" and res.n_samples < n_target and not partial:
        warnings.warn(f"only {res.n_samples} of n_samples={n_target} were accepted within "
                      f"eps={eps_v} in {done} simulations; increase eps or n_simulations",
                      RuntimeWarning, stacklevel=2)
    return res


def _prior_bounds(prior: Prior) -> Optional[list]:
    """Bounds of a box-shaped prior (Uniform/LogUniform components), for logit transforms."""
    from .priors import LogUniform, MA2Triangle, Product, Uniform

    parts = prior.priors if isinstance(prior, Product) else (prior,)
    rows = []
    for p in parts:
        if isinstance(p, (Uniform, LogUniform)):
            rows.extend([float(a), float(b)] for a, b in zip(p.low, p.high))
        elif isinstance(p, MA2Triangle):
            rows.extend([[-2.0, 2.0], [-1.0, 1.0]])
        else:
            return None
    return rows


@contextlib.contextmanager
def _interrupts_deferred():
    """Hold Ctrl-C until the block ends, then deliver it: a batch is either wholly added to the
    accepted set and counted, or not at all (a KeyboardInterrupt between the two would leave
    the accepted set ahead of the count)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # KeyboardInterrupt is only ever raised in the main thread
        return
    caught = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    except (ValueError, TypeError, OSError):  # signals unavailable here: nothing to defer
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous != signal.SIG_IGN:
                raise KeyboardInterrupt


def _chain(*iters):
    for it in iters:
        yield from it


class _Accepted:
    """The accepted set, updated batch by batch (in batch order)."""

    def __init__(self, mode, k, eps, n_target):
        self.mode, self.k, self.eps, self.n_target = mode, k, eps, n_target
        self.theta, self.S, self.d, self.idx = [], [], [], []
        self.count = 0
        self.heap, self.size = None, 0  # the C bounded heap of the k closest (quantile mode)

    def add(self, theta, S, d, ok, offset) -> Optional[int]:
        """Add a batch; returns the number of rows consumed when the run is complete."""
        if self.mode == "quantile" and _heap_core() is not None:
            if self.heap is None:
                cap = self.k
                self.heap = (np.empty(cap), np.empty(cap, dtype=np.int64),
                             np.empty(cap, dtype=np.uintp), np.empty((cap, theta.shape[1])),
                             np.empty((cap, S.shape[1])))
            dd = d if ok.all() else np.where(ok, d, np.nan)  # the heap skips NaN rows
            self.size = _heap_core().abc_keep_closest(self.heap, self.size, dd, offset,
                                                      theta, S)
            return None
        if self.mode == "quantile":
            sel = np.flatnonzero(ok)
            th = np.concatenate(self.theta + [theta[sel]])
            SS = np.concatenate(self.S + [S[sel]])
            dd = np.concatenate(self.d + [d[sel]])
            ii = np.concatenate(self.idx + [offset + sel])
            if dd.shape[0] > self.k:
                order = np.lexsort((ii, dd))[:self.k]
                th, SS, dd, ii = th[order], SS[order], dd[order], ii[order]
            self.theta, self.S, self.d, self.idx = [th], [SS], [dd], [ii]
            return None
        sel = np.flatnonzero(ok & (d <= self.eps))
        if self.n_target is not None and self.count + sel.size >= self.n_target:
            sel = sel[:self.n_target - self.count]
            self._append(theta, S, d, sel, offset)
            return int(sel[-1]) + 1
        self._append(theta, S, d, sel, offset)
        return None

    def _append(self, theta, S, d, sel, offset):
        self.theta.append(theta[sel])
        self.S.append(S[sel])
        self.d.append(d[sel])
        self.idx.append(offset + sel)
        self.count += sel.size

    def result(self):
        if self.heap is not None:
            dist, index, slot, ts, ss = self.heap
            n = self.size
            order = _heap_core().abc_heap_order(dist, index, slot, n).astype(np.intp)
            by_slot = np.empty(n)
            by_slot[slot[:n].astype(np.intp)] = dist[:n]
            return ts[order], ss[order], by_slot[order]
        if not self.theta:
            return np.empty((0, 0)), np.empty((0, 0)), np.empty(0)
        th, SS, dd = (np.concatenate(self.theta), np.concatenate(self.S),
                      np.concatenate(self.d))
        if self.mode == "quantile":
            order = np.argsort(dd, kind="stable")
            th, SS, dd = th[order], SS[order], dd[order]
        return th, SS, dd


def posterior_samples(simulator: Any, prior: Any, observed: Any, *, phi: Any = None,
                      n_events: Optional[int] = None, summary: Any = None,
                      distance: Any = "scaled", n_simulations: int = 20_000,
                      quantile: float = 0.05, adjust: Optional[str] = None,
                      transform: Any = None, random_state: RandomState = None,
                      n_jobs: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    """Cheap approximate posterior draws for data observed at a design φ: (theta, weights).

    For use inside design loops (expected information gain by ABC): a built-in simulator
    (``GaussianToy``, ``EEToMuMu``, ...) with ``phi`` and ``n_events`` runs in C, fused with the
    built-in summaries; any ABC simulator callable is used as is (``phi`` must then be None).

    Examples
    --------
    >>> from activesci.simulators import GaussianToy
    >>> from activesci.abc import Uniform, Mean
    >>> th, w = posterior_samples(GaussianToy(), Uniform(-5, 5), np.full(20, 1.0), phi=1.0,
    ...                           n_events=20, summary=Mean(), n_simulations=20_000,
    ...                           random_state=0)
    >>> th.shape, w.shape
    ((1000, 1), (1000,))
    """
    from .models import at_design

    if phi is not None:
        if n_events is None:
            n_events = int(np.size(observed))
        simulator = at_design(simulator, phi, n_events)
    res = rejection_abc(simulator, prior, observed, summary=summary, distance=distance,
                        quantile=quantile, n_simulations=n_simulations,
                        batch_size=min(10_000, n_simulations), random_state=random_state,
                        n_jobs=n_jobs)
    if adjust is not None and res.n_samples > 0:
        res = res.adjust(method=adjust, transform=transform)
    return res.samples, res.weights
