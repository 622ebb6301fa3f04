"""Rejection ABC on MA(2): activesci (C simulator; the same NumPy simulator) vs ELFI and pyABC.

Model: MA(2), n_obs = 100, θ = (0.6, 0.2) for the observed series, summaries the uncentred
autocovariances at lags 1 and 2, euclidean distance, keep the closest 0.1 %.  Quality: the
largest |ABC posterior mean - exact posterior mean| / exact posterior std over θ1, θ2 (exact
posterior on a grid; the ABC posterior given non-sufficient summaries differs from it, so this
is a comparison between packages on equal terms, not an absolute error).

Cases (one JSON line each):
  c_ma2_kernel_only                activesci's C MA(2) batches alone on 1 and 2 threads: the
                                   speed-up two threads can give on this machine
  c_ma2_1thread / c_ma2_2threads   activesci's built-in C MA(2), against ELFI on the NumPy MA(2)
  numpy_ma2_user_code_only         the NumPy simulator + summaries alone: ELFI's time over it is
                                   the largest ratio any package can reach on one thread
  numpy_ma2_vs_elfi_*              the same vectorized NumPy MA(2) (and NumPy summaries) through
                                   activesci (1 and 2 threads) and ELFI's Rejection (if ELFI
                                   imports); *_builtin_summaries: activesci's C autocovariances
                                   (divided by n instead of n - lag) on the same NumPy simulator
  numpy_ma2_vs_pyabc               the same NumPy MA(2) through activesci and pyABC (one Python
                                   call per particle; a single ABCSMC generation with a fixed eps
                                   is its rejection sampler; box prior for both, since pyABC has
                                   no triangle prior)

Throughputs are simulations per wall-clock second; ``*_cpu_sims_per_s`` divides by the CPU time
of the process (all threads), which is the fair figure on a shared machine.  ELFI runs
alternately with each activesci case it is compared with (its figures in each line come from
those runs), so a ratio is not skewed by the machine's speed drifting between the two.

Run: python benchmarks/bench_abc.py [--repeats 3] [--n 1000000]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
import warnings

import numpy as np

import _checkout  # noqa: E402,F401  (activesci installed, or this checkout)

from activesci.abc import (MA2, Autocov, MA2Triangle, Uniform, ma2_grid_posterior,  # noqa: E402
                           rejection_abc)

N_OBS = 100
TRUE = (0.6, 0.2)


# ------------------------------------------------------------------ the shared NumPy model
def ma2_numpy(t1, t2, n_obs=N_OBS, batch_size=1, random_state=None):
    """x_t = w_t + t1 w_{t-1} + t2 w_{t-2}; t1, t2 broadcast against (batch_size, 1)."""
    t1 = np.asarray(t1, dtype=float).reshape(-1, 1)
    t2 = np.asarray(t2, dtype=float).reshape(-1, 1)
    w = random_state.standard_normal((batch_size, n_obs + 2))
    return w[:, 2:] + t1 * w[:, 1:-1] + t2 * w[:, :-2]


def autocov(x, lag=1):
    """Uncentred autocovariance at `lag`, averaged over the n - lag products, per row."""
    x = np.atleast_2d(x)
    return np.mean(x[:, lag:] * x[:, :-lag], axis=1)


def activesci_numpy_simulator(theta, random_state):
    return ma2_numpy(theta[:, 0], theta[:, 1], N_OBS, theta.shape[0], random_state)


def activesci_numpy_summary(x):
    return np.column_stack([autocov(x, 1), autocov(x, 2)])


# ------------------------------------------------------------------ helpers
def quality(mean, exact):
    m_ex, sd_ex = exact
    return float(np.max(np.abs(np.asarray(mean) - m_ex) / sd_ex))


def _once(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def _medians(runs):
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
            runs[-1][2])


def timed(fn, repeats):
    """Median wall and CPU seconds of fn over repeats, and its last output."""
    return _medians([_once(fn) for _ in range(repeats)])


def timed_vs(fn, ref_fn, repeats):
    """timed(fn) and timed(ref_fn) with the two run alternately, so that both see the same
    machine (its speed drifts by tens of percent from one minute to the next); ref_fn None
    gives (timed(fn), None)."""
    ours, ref = [], []
    for _ in range(repeats):
        ours.append(_once(fn))
        if ref_fn is not None:
            ref.append(_once(ref_fn))
    return _medians(ours), (_medians(ref) if ref else None)


def elfi_figures(timing, exact):
    """ELFI's median wall and CPU seconds and quality, from timed_vs's second result."""
    if timing is None:
        return None
    wall, cpu, res = timing
    return {"wall": wall, "cpu": cpu,
            "quality": quality([res.samples["t1"].mean(), res.samples["t2"].mean()], exact)}


def run_activesci(simulator, summary, prior, y, n, n_jobs=1, seed=0):
    return rejection_abc(simulator, prior, y, summary=summary, quantile=0.001, n_simulations=n,
                         n_jobs=n_jobs, random_state=seed)


def elfi_rejection(y, n, triangle=True, seed=0):
    import elfi
    from elfi.examples.ma2 import CustomPrior1, CustomPrior2

    m = elfi.ElfiModel()
    if triangle:
        elfi.Prior(CustomPrior1, 2, model=m, name="t1")
        elfi.Prior(CustomPrior2, m["t1"], 1, name="t2")
    else:
        elfi.Prior("uniform", -2, 4, model=m, name="t1")
        elfi.Prior("uniform", -1, 2, model=m, name="t2")
    elfi.Simulator(lambda a, b, batch_size=1, random_state=None:
                   ma2_numpy(a, b, N_OBS, batch_size, random_state),
                   m["t1"], m["t2"], observed=y[None, :], name="MA2")
    elfi.Summary(autocov, m["MA2"], name="S1")
    elfi.Summary(autocov, m["MA2"], 2, name="S2")
    elfi.Distance("euclidean", m["S1"], m["S2"], name="d")
    rej = elfi.Rejection(m["d"], batch_size=10_000, seed=seed)
    res = rej.sample(int(n * 0.001), quantile=0.001, bar=False)
    return res


def pyabc_rejection(y, n_samples, eps, seed=0):
    import pyabc

    logging.getLogger("ABC").setLevel(logging.ERROR)
    for name in ("ABC.Sampler", "ABC.History", "ABC.Epsilon", "ABC.Distance", "ABC.Population",
                 "ABC.Predictor", "ABC.Adaptation"):
        logging.getLogger(name).setLevel(logging.ERROR)
    rs = np.random.RandomState(seed)
    np.random.seed(seed)

    def model(p):
        x = ma2_numpy(p["t1"], p["t2"], N_OBS, 1, rs)
        return {"s": np.array([autocov(x, 1)[0], autocov(x, 2)[0]])}

    prior = pyabc.Distribution(t1=pyabc.RV("uniform", -2, 4), t2=pyabc.RV("uniform", -1, 2))
    s_obs = np.array([autocov(y, 1)[0], autocov(y, 2)[0]])
    abc = pyabc.ABCSMC(model, prior, lambda a, b: float(np.linalg.norm(a["s"] - b["s"])),
                       population_size=n_samples, sampler=pyabc.sampler.SingleCoreSampler(),
                       eps=pyabc.epsilon.ListEpsilon([eps]))
    with tempfile.TemporaryDirectory() as tmp:
        abc.new("sqlite:///" + os.path.join(tmp, "abc.db"), {"s": s_obs})
        hist = abc.run(max_nr_populations=1)
        df, w = hist.get_distribution(m=0, t=hist.max_t)
        n_sim = int(hist.total_nr_simulations)
    mean = np.array([np.average(df["t1"], weights=w), np.average(df["t2"], weights=w)])
    return mean, n_sim


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n", type=int, default=1_000_000, help="simulations per ABC run")
    ap.add_argument("--pyabc-samples", type=int, default=10,
                    help="accepted samples pyABC must reach (its run is ~1000x slower)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")

    y = MA2(N_OBS)(np.array([TRUE]), random_state=np.random.default_rng(7))[0]
    pts, w = ma2_grid_posterior(y, n_grid=101)
    m_ex = w @ pts
    exact = (m_ex, np.sqrt(w @ (pts - m_ex) ** 2))
    n = args.n

    try:
        import elfi  # noqa: F401
        have_elfi = True
    except Exception as exc:  # pragma: no cover - depends on the machine
        have_elfi = False
        print(json.dumps({"note": f"ELFI not importable ({exc}); comparing with pyABC only"}))

    # ELFI runs alternately with every activesci case it is compared with
    elfi_run = (lambda: elfi_rejection(y, n)) if have_elfi else None

    # 0. what two threads can give on this machine: the bare C kernel (no Python between
    #    batches) on one thread and on two
    kernel = kernel_scaling(n, args.repeats)
    print(json.dumps(kernel), flush=True)

    # 1. built-in C MA(2) on 1 and 2 threads
    walls = {}
    for n_jobs in (1, 2):
        (wall, cpu, res), ref_timing = timed_vs(
            lambda: run_activesci(MA2(N_OBS), Autocov([1, 2], center=False), MA2Triangle(), y,
                                  n, n_jobs),
            elfi_run, args.repeats)
        ref = elfi_figures(ref_timing, exact)
        line = {"case": f"c_ma2_{n_jobs}thread{'s' if n_jobs > 1 else ''}", "n_simulations": n,
                "activesci_median_s": round(wall, 4),
                "activesci_sims_per_s": round(n / wall),
                "activesci_cpu_sims_per_s": round(n / cpu),
                "activesci_quality": round(quality(res.mean(), exact), 4)}
        walls[n_jobs] = wall
        if n_jobs == 1:
            line.update({"target": ">= 1,000,000 simulations/s per core",
                         "target_met": n / wall >= 1e6})
        else:
            speedup = walls[1] / wall
            line.update({"speedup_2_threads": round(speedup, 2),
                         "kernel_speedup_2_threads": kernel["speedup_2_threads"],
                         "speedup_over_kernel_speedup": round(speedup
                                                              / kernel["speedup_2_threads"], 2)})
        if ref:
            line.update({"reference": "elfi (NumPy MA(2), 1 thread)",
                         "reference_median_s": round(ref["wall"], 4),
                         "reference_sims_per_s": round(n / ref["wall"]),
                         "reference_cpu_sims_per_s": round(n / ref["cpu"]),
                         "reference_quality": round(ref["quality"], 4),
                         "ratio": round(ref["wall"] / wall, 2)})
        print(json.dumps(line), flush=True)

    # 2. the same NumPy simulator through activesci (1 and 2 threads; NumPy releases the GIL
    #    in its random generators and ufuncs) and ELFI (its default single-process client)
    user, ref_timing = user_code_time(n, args.repeats, elfi_run)
    line = {"case": "numpy_ma2_user_code_only", "n_simulations": n,
            "median_s": round(user, 4)}
    if ref_timing:
        line["largest_possible_1_thread_ratio_vs_elfi"] = round(ref_timing[0] / user, 2)
    print(json.dumps(line), flush=True)
    for n_jobs in (1, 2):
        _numpy_case(n_jobs, y, n, exact, elfi_run, args.repeats)
    # the same NumPy simulator with activesci's built-in (C) autocovariance summaries
    _numpy_case(1, y, n, exact, elfi_run, args.repeats, summary=Autocov([1, 2], center=False))

    # 3. the same NumPy simulator through activesci and pyABC (box prior), at the eps of an
    #    activesci run keeping the closest 0.1 % of n simulations
    _pyabc_case(y, n, exact, args)


def kernel_scaling(n, repeats):
    """The bare C MA(2) batches (simulate + summarise, GIL released) on one and two threads.

    Their speed-up is the most two threads can give on this machine (two vCPUs may share a
    physical core, and other jobs share the machine); rejection_abc's is compared with it.
    """
    from concurrent.futures import ThreadPoolExecutor

    from activesci.abc.rejection import BatchRunner, _c_core

    run = BatchRunner(MA2(N_OBS), MA2Triangle(), Autocov([1, 2], center=False), seed=0,
                      batch_size=10_000, n_total=n)
    core = _c_core()
    theta = np.ascontiguousarray(MA2Triangle().sample(run.batch_size, random_state=0))
    batches = range(run.n_batches)

    def one(b):
        core.abc_run_batch(run.c_spec, theta, 0, b * run.batch_size, run.c_items)

    def serial():
        for b in batches:
            one(b)

    def threaded():
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(one, batches))

    t1, _, _ = timed(serial, repeats)
    t2, _, _ = timed(threaded, repeats)
    return {"case": "c_ma2_kernel_only", "n_simulations": n,
            "sims_per_s_1_thread": round(n / t1), "sims_per_s_2_threads": round(n / t2),
            "speedup_2_threads": round(t1 / t2, 2)}


def user_code_time(n, repeats, elfi_run=None):
    """The NumPy simulator and summaries alone, batch by batch: no ABC package can run them
    faster on one thread, so ELFI's time over this is the largest 1-thread ratio possible.
    Returns its median wall time and timed_vs's ELFI timing (None without ELFI)."""
    rng = np.random.default_rng(0)
    theta = MA2Triangle().sample(10_000, random_state=0)

    def run():
        for _ in range(-(-n // 10_000)):
            activesci_numpy_summary(activesci_numpy_simulator(theta, rng))

    ours, ref = timed_vs(run, elfi_run, repeats)
    return ours[0], ref


def _numpy_case(n_jobs, y, n, exact, elfi_run, repeats, summary=None):
    builtin = summary is not None
    summary = summary if builtin else activesci_numpy_summary
    (wall, cpu, res), ref_timing = timed_vs(
        lambda: run_activesci(activesci_numpy_simulator, summary, MA2Triangle(), y, n,
                              n_jobs=n_jobs),
        elfi_run, repeats)
    ref = elfi_figures(ref_timing, exact)
    case = f"numpy_ma2_vs_elfi_{n_jobs}thread{'s' if n_jobs > 1 else ''}"
    line = {"case": case + ("_builtin_summaries" if builtin else ""),
            "n_simulations": n,
            "activesci_median_s": round(wall, 4), "activesci_sims_per_s": round(n / wall),
            "activesci_cpu_sims_per_s": round(n / cpu),
            "activesci_quality": round(quality(res.mean(), exact), 4)}
    if ref:
        line.update({"reference": "elfi", "reference_median_s": round(ref["wall"], 4),
                     "reference_sims_per_s": round(n / ref["wall"]),
                     "reference_cpu_sims_per_s": round(n / ref["cpu"]),
                     "reference_quality": round(ref["quality"], 4),
                     "ratio": round(ref["wall"] / wall, 2),
                     "cpu_ratio": round(ref["cpu"] / cpu, 2)})
    else:
        line["reference"] = "elfi unavailable"
    print(json.dumps(line), flush=True)


def _pyabc_case(y, n, exact, args):
    box = Uniform([-2.0, -1.0], [2.0, 1.0], names=["t1", "t2"])
    base = run_activesci(activesci_numpy_simulator, activesci_numpy_summary, box, y, n)
    eps = base.eps
    walls, cpus, sims, quals = [], [], [], []
    for r in range(max(1, min(args.repeats, 2))):
        t0, c0 = time.perf_counter(), time.process_time()
        mean, n_sim = pyabc_rejection(y, args.pyabc_samples, eps, seed=r)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        sims.append(n_sim)
        quals.append(quality(mean, exact))
    ref_rate = statistics.median(s / t for s, t in zip(sims, walls))
    ref_cpu_rate = statistics.median(s / t for s, t in zip(sims, cpus))
    wall, cpu, res = timed(lambda: run_activesci(activesci_numpy_simulator,
                                                 activesci_numpy_summary, box, y, n),
                           args.repeats)
    print(json.dumps({
        "case": "numpy_ma2_vs_pyabc", "eps": round(eps, 5),
        "activesci_n_simulations": n, "activesci_median_s": round(wall, 4),
        "activesci_sims_per_s": round(n / wall), "activesci_cpu_sims_per_s": round(n / cpu),
        "activesci_quality": round(quality(res.mean(), exact), 4),
        "reference": f"pyabc {__import__('pyabc').__version__} (ABCSMC, 1 generation, "
                     f"{args.pyabc_samples} particles, SingleCoreSampler)",
        "reference_n_simulations": int(statistics.median(sims)),
        "reference_median_s": round(statistics.median(walls), 4),
        "reference_sims_per_s": round(ref_rate), "reference_cpu_sims_per_s": round(ref_cpu_rate),
        "reference_quality": round(statistics.median(quals), 4),
        "reference_quality_note": f"mean of only {args.pyabc_samples} accepted samples",
        "ratio": round((n / wall) / ref_rate, 1)}), flush=True)


if __name__ == "__main__":
    main()
