"""Benchmark: activesci's C L-BFGS-B (csrc/qn.c) against scipy.optimize L-BFGS-B.

Both minimize the same Python objectives (seeded problems of tests/qn_problems.py: convex
quadratics in random boxes, Rosenbrock with and without bounds, GP negative log marginal
likelihoods with 3-8 log-hyperparameters) from the same start with the same tolerances
(pgtol 1e-5, factr 1e7).  The cost that matters is the number of objective evaluations (each is
a Cholesky in a GP fit); wall time is reported too but is dominated by the Python objective.

Prints one JSON line per case, then one summary line per family:
    python benchmarks/bench_qn.py [--repeat 5] [--quick]
target_met: the optimum reached is at least as good as scipy's (within 1e-8 relative); for the
non-convex GP cases the summary also compares the best of four starts per data set.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import qn_problems as Q  # noqa: E402

import _checkout  # noqa: E402,F401  (activesci installed, or this checkout)
from activesci import _core  # noqa: E402

REL = 1e-8


def ours(p):
    x, f, n_iter, n_fun, reason = _core.qn_minimize(p["fun"], p["x0"], p["lower"], p["upper"])
    return f, n_fun


def scipy_lbfgsb(p):
    r = minimize(p["fun"], p["x0"], jac=True, method="L-BFGS-B",
                 bounds=list(zip(p["lower"], p["upper"])))
    return float(r.fun), int(r.nfev)


def timed(fn, p, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(p)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def cases(quick):
    seeds = range(2) if quick else range(4)
    for n in (2, 5, 10, 20):
        for s in seeds:
            yield "quadratic", None, Q.quadratic(n, s)
    for n in (2, 5, 10):
        for s in seeds:
            for b in (False, True):
                yield "rosenbrock", None, Q.rosenbrock(n, s, bounded=b)
    for d in (1, 2, 3, 4, 5, 6):
        for s in seeds:
            for start in ("zero", 11, 12, 13):
                yield "gp", (d, s), Q.gp_nlml(d, s, start=start)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rows = []
    for family, group, p in cases(args.quick):
        t_ours, (f_ours, n_ours) = timed(ours, p, args.repeat)
        t_ref, (f_ref, n_ref) = timed(scipy_lbfgsb, p, args.repeat)
        excess = (f_ours - f_ref) / max(1.0, abs(f_ref))
        row = dict(case=p["name"], n=len(p["x0"]), ours_median_s=t_ours, scipy_median_s=t_ref,
                   ratio=t_ours / t_ref, ours_nfev=n_ours, scipy_nfev=n_ref,
                   nfev_ratio=n_ours / n_ref, ours_f=f_ours, scipy_f=f_ref,
                   rel_excess=excess, target_met=bool(excess <= REL))
        print(json.dumps(row), flush=True)
        rows.append((family, group, row))
    for family in ("quadratic", "rosenbrock", "gp", "all"):
        sel = [r for f, _, r in rows if family in (f, "all")]
        a = np.array([(r["ours_nfev"], r["scipy_nfev"]) for r in sel], dtype=float)
        t = np.array([(r["ours_median_s"], r["scipy_median_s"]) for r in sel])
        summary = dict(summary=family, cases=len(sel),
                       ours_nfev_median=float(np.median(a[:, 0])),
                       scipy_nfev_median=float(np.median(a[:, 1])),
                       ours_nfev_mean=float(a[:, 0].mean()), scipy_nfev_mean=float(a[:, 1].mean()),
                       ours_time_total_s=float(t[:, 0].sum()),
                       scipy_time_total_s=float(t[:, 1].sum()),
                       per_start_worse=int(sum(not r["target_met"] for r in sel)))
        if family in ("gp", "all"):
            groups = {}
            for f, g, r in rows:
                if f == "gp":
                    b = groups.setdefault(g, [np.inf, np.inf])
                    b[0] = min(b[0], r["ours_f"])
                    b[1] = min(b[1], r["scipy_f"])
            worse = sum((o - s) / max(1.0, abs(s)) > REL for o, s in groups.values())
            better = sum((s - o) / max(1.0, abs(s)) > REL for o, s in groups.values())
            summary.update(gp_datasets=len(groups), gp_best_of_starts_worse=int(worse),
                           gp_best_of_starts_better=int(better))
            if family == "all":
                smooth_worse = sum(not r["target_met"] for f, _, r in rows if f != "gp")
                summary["target_met"] = bool(worse == 0 and smooth_worse == 0)
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
