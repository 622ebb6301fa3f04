"""Events per second of the e+e- -> mu+mu- sampler: activesci (C) against NumPy.

The NumPy baselines are what a user would otherwise write:

``numpy_reject``
    Accept-reject of cos(theta) under the flat envelope max f (exact, ~1.4 proposals per event).
``numpy_inverse``
    The same exact inverse CDF as the C core (Cardano's formula with ``np.cbrt``), vectorized.

Each case is run ``--repeat`` times (median reported).  Quality figure: the Kolmogorov-Smirnov
distance of the sample to the exact CDF (and its p-value), the same for both implementations.
The floor is the rate at which the C core's Philox generator alone fills the same number of
uniforms (one per event for cos(theta), two for four-momenta).

Run:  PYTHONPATH=. python benchmarks/bench_simulators.py [--repeat 7] [--quick]
Prints one JSON line per case.  The issue names no speed target for the simulators
("target": null).  The machine is shared: timings are noisy, so repeat and compare medians.
"""
from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
from scipy import stats

import _checkout  # noqa: E402,F401  (activesci installed, or this checkout)
from activesci import _core
from activesci.simulators import EEToMuMu


def exact_cdf(c, h, ce):
    c = np.clip(c, -ce, ce)
    g = c + c**3 / 3 + h * c**2 / 2
    gm = -ce - ce**3 / 3 + h * ce**2 / 2
    return (g - gm) / (2 * ce + 2 * ce**3 / 3)


def shape_params(sim, theta, beam_energy):
    c = sim.coefficients(2 * beam_energy, theta)
    return c["A1"] / c["A0"], c["c_eff"]


def numpy_reject(h, ce, n, rng):
    """Accept-reject under the flat envelope: the textbook way."""
    fmax = 1 + ce * ce + abs(h) * ce
    out = np.empty(n)
    filled = 0
    while filled < n:
        m = int((n - filled) * 1.5) + 16
        c = rng.uniform(-ce, ce, m)
        keep = c[rng.uniform(0, fmax, m) < 1 + c * c + h * c]
        take = min(keep.size, n - filled)
        out[filled:filled + take] = keep[:take]
        filled += take
    return out


def numpy_inverse(h, ce, u):
    """The exact inverse CDF (Cardano), vectorized over u and h (broadcast)."""
    half = ce + ce**3 / 3
    tau = -half + 0.5 * h * ce * ce + 2 * u * half
    b = 1.5 * h
    p = 3 - b * b / 3
    q = 2 * b**3 / 27 - b - 3 * tau
    sq = np.sqrt(np.maximum(0.25 * q * q + p**3 / 27, 0))
    t = np.cbrt(-0.5 * q - np.copysign(sq, q))
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(t != 0, t - p / (3 * t), 0.0)
    return np.clip(y - 0.5 * h, -ce, ce)


def numpy_momenta(c, energy, rng):
    az = 2 * np.pi * rng.random(c.shape)
    sn = np.sqrt(np.maximum(1 - c * c, 0))
    px, py, pz = energy * sn * np.cos(az), energy * sn * np.sin(az), energy * c
    e = np.full(c.shape, energy)
    return np.stack([e, px, py, pz, e, -px, -py, -pz], axis=-1)


def median_time(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def ks(sample, h, ce):
    res = stats.kstest(np.ravel(sample)[:200_000], lambda t: exact_cdf(t, h, ce))
    return float(res.statistic), float(res.pvalue)


def emit(case, n_events, t_as, t_np, q_as, q_np, baseline, extra=None):
    line = {
        "case": case, "baseline": baseline, "n_events": n_events,
        "activesci_median_s": round(t_as, 6), "numpy_median_s": round(t_np, 6),
        "activesci_events_per_s": round(n_events / t_as), "numpy_events_per_s":
            round(n_events / t_np),
        "speedup": round(t_np / t_as, 2),
        "activesci_ks": q_as[0], "activesci_ks_pvalue": q_as[1],
        "numpy_ks": q_np[0], "numpy_ks_pvalue": q_np[1],
        "target": None, "target_met": None,
    }
    if extra:
        line.update(extra)
    print(json.dumps(line), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="smaller samples")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    rep = args.repeat
    theta, energy = 0.2312, 40.0
    machine = {"machine": platform.machine(), "python": platform.python_version(),
               "numpy": np.__version__}

    # one theta, many events, cos(theta), with cuts and polarisation
    sim = EEToMuMu(polarization=-0.3, cos_max=0.95, pt_min=5.0)
    h, ce = shape_params(sim, theta, energy)
    n = 2_000_000 // scale
    t_as, x_as = median_time(lambda: sim.simulate(theta, energy, n, random_state=1), rep)
    t_floor, _ = median_time(lambda: _core.rng_draw(1, 0, n, 0), rep)
    floor = {"c_uniform_floor_events_per_s": round(n / t_floor)}
    rng = np.random.default_rng(1)
    t_np, x_np = median_time(lambda: numpy_reject(h, ce, n, rng), rep)
    emit("ee_mumu_costheta", n, t_as, t_np, ks(x_as, h, ce), ks(x_np, h, ce), "numpy_reject",
         {**floor, **machine})
    t_np, x_np = median_time(lambda: numpy_inverse(h, ce, rng.random(n)), rep)
    emit("ee_mumu_costheta", n, t_as, t_np, ks(x_as, h, ce), ks(x_np, h, ce), "numpy_inverse",
         floor)

    # a batch of theta rows (an ABC round): 1000 rows x 1000 events
    thetas = np.linspace(0.15, 0.35, 1000 // scale)
    m = 1000
    n_tot = thetas.size * m
    hs = np.array([shape_params(sim, t, energy)[0] for t in thetas])
    t_as, x_as = median_time(lambda: sim.simulate(thetas, energy, m, random_state=2), rep)
    t_as2, _ = median_time(lambda: sim.simulate(thetas, energy, m, random_state=2, n_jobs=2),
                           rep)
    t_np, x_np = median_time(
        lambda: numpy_inverse(hs[:, None], ce, rng.random((thetas.size, m))), rep)
    q_as, q_np = ks(x_as[0], hs[0], ce), ks(x_np[0], hs[0], ce)
    emit("ee_mumu_batch_1000_theta", n_tot, t_as, t_np, q_as, q_np, "numpy_inverse",
         {"activesci_2_threads_events_per_s": round(n_tot / t_as2)})
    t_np, x_np = median_time(
        lambda: np.stack([numpy_reject(hh, ce, m, rng) for hh in hs]), max(1, rep // 2))
    emit("ee_mumu_batch_1000_theta", n_tot, t_as, t_np, q_as, ks(x_np[0], hs[0], ce),
         "numpy_reject")

    # four-momenta of both muons
    simp = EEToMuMu(polarization=-0.3, cos_max=0.95, pt_min=5.0, output="four_momenta")
    n4 = 1_000_000 // scale
    t_as, p_as = median_time(lambda: simp.simulate(theta, energy, n4, random_state=3), rep)
    t_floor, _ = median_time(lambda: _core.rng_draw(1, 0, 2 * n4, 0), rep)
    t_np, p_np = median_time(
        lambda: numpy_momenta(numpy_inverse(h, ce, rng.random(n4)), energy, rng), rep)
    emit("ee_mumu_four_momenta", n4, t_as, t_np, ks(p_as[:, 3] / p_as[:, 0], h, ce),
         ks(p_np[:, 3] / p_np[:, 0], h, ce), "numpy_inverse",
         {"c_uniform_floor_events_per_s": round(n4 / t_floor)})


if __name__ == "__main__":
    main()
