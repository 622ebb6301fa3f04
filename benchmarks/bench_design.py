"""Experiment design: experiments needed to measure sin^2(theta_W) to a target precision.

e+e- -> mu+mu- with 200 events per experiment, beam energies in [40, 50] GeV, kappa tied to
theta: the active campaign (Bayesian optimization of the expected information gain) against
random and evenly spaced (grid) designs run through the same code; the median over seeds of
the number of experiments until the posterior standard deviation of sin^2(theta_W) is below
the target (aim: at least 2x fewer than random). Also the wall time of one active step and
where it goes.

Usage: python benchmarks/bench_design.py [--seeds 5] [--target 0.004] [--max 60]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import _checkout  # noqa: E402,F401  (activesci installed, or this checkout)


def experiments_needed(policy: str, seed: int, target: float, max_steps: int, events: int):
    from activesci.design import Campaign, GridPosterior
    from activesci.simulators import EEToMuMu

    sim = EEToMuMu(phi_bounds=(40.0, 50.0), theta_bounds=(0.20, 0.25))
    prior = GridPosterior.uniform([(0.20, 0.25)], 201, sim.param_names)
    c = Campaign(sim, prior, (40.0, 50.0), n_events=events, truth=0.2312, policy=policy,
                 random_state=seed, optimizer_kwargs={"n_grid": 6} if policy == "grid" else None)
    t0 = time.perf_counter()
    res = c.run(n_experiments=max_steps, target_std=target, progress=False)
    dt = time.perf_counter() - t0
    reached = res.posterior.std()[0] <= target
    return (len(res.steps) if reached else np.inf), dt / max(len(res.steps), 1), res.covers_truth()


def step_profile(seed: int = 0):
    """Where one active step's time goes: utility estimates vs the rest."""
    from activesci.design import Campaign, GridPosterior, expected_information_gain
    from activesci.simulators import EEToMuMu

    sim = EEToMuMu(phi_bounds=(40.0, 50.0), theta_bounds=(0.20, 0.25))
    prior = GridPosterior.uniform([(0.20, 0.25)], 201, sim.param_names)
    t0 = time.perf_counter()
    for phi in np.linspace(40, 50, 12):
        expected_information_gain(sim, phi, prior, n_events=200, n_datasets=100, random_state=1)
    t_eig = (time.perf_counter() - t0) / 12
    c = Campaign(sim, prior, (40.0, 50.0), n_events=200, truth=0.2312, random_state=seed)
    t0 = time.perf_counter()
    c.step()
    t_step = time.perf_counter() - t0
    return {"case": "step_profile", "step_s": t_step, "eig_estimate_s": t_eig,
            "utility_evals_per_step": c.n_utility_evals,
            "share_in_utility_estimates": min(1.0, t_eig * c.n_utility_evals / t_step)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--target", type=float, default=0.004)
    ap.add_argument("--max", type=int, default=60)
    ap.add_argument("--events", type=int, default=200)
    args = ap.parse_args(argv)
    out = {}
    for policy in ("bo", "random", "grid"):
        runs = [experiments_needed(policy, s, args.target, args.max, args.events)
                for s in range(args.seeds)]
        n = [r[0] for r in runs]
        out[policy] = float(np.median(n))
        print(json.dumps({"case": "experiments_to_target", "policy": policy,
                          "target_std": args.target, "events_per_experiment": args.events,
                          "median_experiments": out[policy], "per_seed": n,
                          "seconds_per_step": float(np.median([r[1] for r in runs])),
                          "posterior_covers_truth": [bool(r[2]) for r in runs]}), flush=True)
    ratio = out["random"] / out["bo"]
    print(json.dumps({"case": "summary", "random_over_active": ratio,
                      "grid_over_active": out["grid"] / out["bo"], "target": ">= 2x",
                      "target_met": bool(ratio >= 2)}), flush=True)
    print(json.dumps(step_profile()), flush=True)


if __name__ == "__main__":
    main()
