"""Bayesian optimization: activesci's Optimizer versus scikit-optimize, side by side in one
process.

Cases (issue 3, "Performance and quality"):

* ``step``: time per ask+tell on hart6 (d = 6) with n = 50, 100, 200 observations already told
  (random points), acq_func "EI" and "gp_hedge", both with their default GP and acquisition
  optimizer (10,000 candidates, quasi-Newton polish). activesci's figure is the mean over
  ``--steps`` consecutive steps (so it includes the periodic hyperparameter re-optimization),
  skopt's the median of ``--skopt-steps`` steps (its every step refits). Target: >= 30x.
* ``batch``: ask(n_points=8, strategy="cl_min") at n = 100 on hart6. Target: >= 30x.
* ``quality``: median over seeds of the best value after each budget of ``--calls``
  evaluations on branin and hart6, ``minimize`` versus ``skopt.gp_minimize``, each with its
  defaults (acq_func="gp_hedge", n_initial_points=10, 10,000 candidates, 5 polished starts,
  xi=0.01, kappa=1.96; skopt's initial points are random, ours scrambled Sobol' unless
  ``--initial random``). One run of the largest budget per seed: the best after 50 of a
  100-call run is the best of a 50-call run, as neither optimizer depends on n_calls.
  ``--cache FILE`` keeps skopt's runs (~85 s of CPU per 100-call run), so activesci variants
  are compared against the same skopt runs. The issue asks for 10 seeds and 50/100 calls:
  ``--seeds 10 --calls 50,100``.

Times are CPU seconds of this process (``time.process_time``), and wall seconds for the
step case: run with ``OPENBLAS_NUM_THREADS=1`` so both packages compute on one thread and
the CPU time is the work done, whatever else shares the machine.

Prints one JSON line per case. Usage::

    python benchmarks/bench_optimizer.py [--cases step,batch,quality] [--sizes 50,100,200]
        [--steps 20] [--skopt-steps 3] [--seeds 3] [--calls 50,100] [--functions branin,hart6]
        [--cache skopt_quality.json] [--initial sobol]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
import warnings

import numpy as np

import _checkout  # noqa: E402,F401  (activesci installed, or this checkout)
from activesci.benchmarks import BRANIN_MIN, HART6_MIN, branin, hart6
from activesci.optimizer import Optimizer, minimize

warnings.filterwarnings("ignore")

FUNCS = {"branin": (branin, [(-5.0, 10.0), (0.0, 15.0)], BRANIN_MIN),
         "hart6": (hart6, [(0.0, 1.0)] * 6, HART6_MIN)}


def machine():
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "load1": round(os.getloadavg()[0], 2)}


def quiesce():
    time.sleep(0.3)


def preload(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, 6))
    return X.tolist(), [hart6(x) for x in X]


def steps(opt, n_steps, f):
    """Wall and CPU seconds of each ask+tell (CPU time of this process: robust to other
    processes sharing the machine when BLAS runs on one thread)."""
    wall, cpu = [], []
    for _ in range(n_steps):
        t0, c0 = time.perf_counter(), time.process_time()
        x = opt.ask()
        opt.tell(x, f(x))
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return np.array(wall), np.array(cpu)


def case_step(sizes, acqs, n_steps, n_skopt, seed=0):
    import skopt

    for n in sizes:
        X, y = preload(n, seed)
        for acq in acqs:
            ours = Optimizer([(0.0, 1.0)] * 6, n_initial_points=0, acq_func=acq,
                             random_state=seed)
            ours.tell(X, y)
            steps(ours, 1, hart6)  # first fit from scratch (restarts), not a steady step
            quiesce()
            t_ours, c_ours = steps(ours, n_steps, hart6)
            ref = skopt.Optimizer([(0.0, 1.0)] * 6, base_estimator="gp", n_initial_points=1,
                                  acq_func=acq, random_state=seed)
            ref.tell(X, y)
            quiesce()
            t_ref, c_ref = steps(ref, n_skopt, hart6)
            print(json.dumps({
                "case": "step", "function": "hart6", "n": n, "acq_func": acq,
                "activesci_mean_cpu_s": round(float(np.mean(c_ours)), 5),
                "activesci_median_cpu_s": round(float(np.median(c_ours)), 5),
                "activesci_max_cpu_s": round(float(np.max(c_ours)), 5),
                "skopt_median_cpu_s": round(float(np.median(c_ref)), 4),
                "ratio_cpu": round(float(np.median(c_ref)) / float(np.mean(c_ours)), 1),
                "activesci_mean_wall_s": round(float(np.mean(t_ours)), 5),
                "skopt_median_wall_s": round(float(np.median(t_ref)), 4),
                "ratio_wall": round(float(np.median(t_ref)) / float(np.mean(t_ours)), 1),
                "activesci_steps": n_steps, "skopt_steps": n_skopt,
                "activesci_best": round(float(np.min(ours.yi)), 5),
                "skopt_best": round(float(np.min(ref.yi)), 5), **machine()}), flush=True)


def case_batch(n=100, q=8, repeats=3, skopt_repeats=1, seed=0):
    import skopt

    X, y = preload(n, seed)
    ours = Optimizer([(0.0, 1.0)] * 6, n_initial_points=0, acq_func="EI", random_state=seed)
    ours.tell(X, y)
    ours.ask()  # fit once
    ours.pending = []
    times = []
    for _ in range(repeats):
        quiesce()
        t0 = time.process_time()
        batch = ours.ask(n_points=q, strategy="cl_min")
        times.append(time.process_time() - t0)
        ours.pending = []
    ref = skopt.Optimizer([(0.0, 1.0)] * 6, base_estimator="gp", n_initial_points=1,
                          acq_func="EI", random_state=seed)
    ref.tell(X, y)
    rtimes = []
    for _ in range(skopt_repeats):
        ref.cache_ = {}
        quiesce()
        t0 = time.process_time()
        rbatch = ref.ask(n_points=q, strategy="cl_min")
        rtimes.append(time.process_time() - t0)
    # quality of a batch: the best true value among its points
    print(json.dumps({
        "case": "batch", "function": "hart6", "n": n, "n_points": q, "strategy": "cl_min",
        "activesci_median_cpu_s": round(float(np.median(times)), 4),
        "skopt_median_cpu_s": round(float(np.median(rtimes)), 3),
        "ratio_cpu": round(float(np.median(rtimes)) / float(np.median(times)), 1),
        "activesci_batch_best": round(min(hart6(x) for x in batch), 5),
        "skopt_batch_best": round(min(hart6(x) for x in rbatch), 5), **machine()}), flush=True)


def _skopt_trace(f, space, n_calls, seed, cache, key):
    """skopt.gp_minimize's func_vals for one seed (from the cache file when it holds them:
    skopt does not change between runs of activesci variants, and costs ~85 s per run)."""
    import skopt

    hit = cache.get(key)
    if hit is not None and len(hit["func_vals"]) >= n_calls:
        return hit["func_vals"][:n_calls], hit["cpu_s"] * n_calls / len(hit["func_vals"])
    t0 = time.process_time()
    res = skopt.gp_minimize(f, space, n_calls=n_calls, n_initial_points=10,
                            acq_func="gp_hedge", random_state=seed)
    cpu = time.process_time() - t0
    cache[key] = {"func_vals": [float(v) for v in res.func_vals], "cpu_s": cpu,
                  "skopt": skopt.__version__}
    return cache[key]["func_vals"], cpu


def case_quality(functions, seeds, calls, cache_path=None, initial="sobol"):
    """One run of ``max(calls)`` evaluations per seed and package; the best value after each
    budget in ``calls`` is read from the same run (neither optimizer depends on n_calls: it
    only bounds the ask/tell loop, so the first k evaluations of a longer run are those of a
    k-call run with the same seed)."""
    cache = {}
    if cache_path and os.path.exists(cache_path):
        with open(cache_path) as fh:
            cache = json.load(fh)
    n_max = max(calls)
    for name in functions:
        f, space, fmin = FUNCS[name]
        ours, ref, t_ours, t_ref = [], [], [], []
        for s in range(seeds):
            t0 = time.process_time()
            res = minimize(f, space, n_calls=n_max, n_initial_points=10,
                           acq_func="gp_hedge", random_state=s,
                           initial_point_generator=initial)
            t_ours.append(time.process_time() - t0)
            ours.append(np.asarray(res.func_vals, dtype=float))
            vals, cpu = _skopt_trace(f, space, n_max, s, cache, f"{name}/{s}")
            ref.append(np.asarray(vals, dtype=float))
            t_ref.append(cpu)
            if cache_path:
                with open(cache_path, "w") as fh:
                    json.dump(cache, fh)
        for n_calls in calls:
            a = [float(np.min(v[:n_calls])) for v in ours]
            b = [float(np.min(v[:n_calls])) for v in ref]
            print(json.dumps({
                "case": "quality", "function": name, "n_calls": n_calls, "seeds": seeds,
                "true_minimum": fmin, "activesci_initial_points": initial,
                "activesci_median_best": round(float(np.median(a)), 5),
                "skopt_median_best": round(float(np.median(b)), 5),
                "activesci_best_per_seed": [round(v, 5) for v in a],
                "skopt_best_per_seed": [round(v, 5) for v in b],
                "activesci_wins": int(sum(x < y for x, y in zip(a, b))),
                "skopt_wins": int(sum(y < x for x, y in zip(a, b))),
                "activesci_median_run_cpu_s": round(float(np.median(t_ours)), 2),
                "skopt_median_run_cpu_s": round(float(np.median(t_ref)), 2),
                "run_calls": n_max, **machine()}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default="step,batch,quality")
    ap.add_argument("--sizes", default="50,100,200")
    ap.add_argument("--acq", default="EI,gp_hedge")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--skopt-steps", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--calls", default="50")
    ap.add_argument("--functions", default="branin,hart6")
    ap.add_argument("--cache", default=None,
                    help="JSON file of skopt's quality runs (read if present, written after "
                         "each run)")
    ap.add_argument("--initial", default="sobol",
                    help="activesci's initial_point_generator in the quality case")
    a = ap.parse_args()
    cases = a.cases.split(",")
    if "step" in cases:
        case_step([int(s) for s in a.sizes.split(",")], a.acq.split(","), a.steps,
                  a.skopt_steps)
    if "batch" in cases:
        case_batch()
    if "quality" in cases:
        case_quality(a.functions.split(","), a.seeds, [int(c) for c in a.calls.split(",")],
                     a.cache, a.initial)


if __name__ == "__main__":
    main()
