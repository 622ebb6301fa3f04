"""Likelihood ratios with classifiers: activesci versus scikit-learn, side by side in one process.

Cases (issue 4, "Performance"):

* ``mlp``: train MLPClassifier((32, 32), tanh, batch 256, alpha 1e-4, Adam lr 1e-3, a fixed
  number of epochs, no early stopping) on 200k samples of the mixture-of-normals problem's
  signal N(1, 0.5) versus background ½(N(−2, 0.75) + N(0, 2)); activesci's C core against
  ``sklearn.neural_network.MLPClassifier`` with the same settings.  Quality: log-loss on 100k
  held-out samples.  Target: at least 5x faster with an equal or lower log-loss.
* ``pipeline``: carl's recipe for r(x) = p(x | γ=0.05) / p(x | γ=0) from 200k samples (label 0
  for the numerator): activesci ``ClassifierRatio(CalibratedClassifierCV(MLPClassifier,
  method="histogram"))`` against scikit-learn's MLPClassifier followed by its
  CalibratedClassifierCV (isotonic) on the same data (classifier and calibration both on the
  training set, carl's ``cv=1``).  Quality: mean squared error of log r against the exact
  log-ratio (KnownDensityRatio) on 50k samples of the numerator, in the central 98 %.
  Target: at least 5x faster with an equal or lower error.

Prints one JSON line per case. Usage::

    python benchmarks/bench_ratios.py [--repeats 3] [--epochs 10] [--cases mlp,pipeline]
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

from activesci.distributions import Mixture, Normal  # noqa: E402
from activesci.learning import CalibratedClassifierCV, MLPClassifier  # noqa: E402
from activesci.ratios import ClassifierRatio, KnownDensityRatio  # noqa: E402

BKG = Mixture([Normal(-2.0, 0.75), Normal(0.0, 2.0)], [0.5, 0.5])
SIG = Normal(1.0, 0.5)


def p_gamma(g):
    return Mixture([BKG, SIG], [1.0 - g, g])


def median_time(fn, repeats):
    time.sleep(0.3)  # let BLAS worker threads of a previous call stop spinning
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def machine():
    return {"python": platform.python_version(), "cpus": os.cpu_count(),
            "machine": platform.machine(), "load1": round(os.getloadavg()[0], 2)}


def labelled(p0, p1, n, seed):
    rng = np.random.default_rng(seed)
    X = np.vstack([p0.rvs(n // 2, random_state=rng), p1.rvs(n - n // 2, random_state=rng)])
    y = np.r_[np.zeros(n // 2), np.ones(n - n // 2)]
    return X, y


def log_loss(y, p1):
    p1 = np.clip(p1, 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(p1) + (1 - y) * np.log1p(-p1)))


def mlp_kwargs(epochs):
    return dict(hidden_layer_sizes=(32, 32), activation="tanh", alpha=1e-4, batch_size=256,
                learning_rate_init=1e-3, max_iter=epochs, tol=0.0, n_iter_no_change=10**6,
                random_state=0)


def case_mlp(repeats, epochs, n=200_000):
    from sklearn.neural_network import MLPClassifier as SkMLP
    X, y = labelled(SIG, BKG, n, 1)
    Xt, yt = labelled(SIG, BKG, 100_000, 2)
    ours_t, ours = median_time(
        lambda: MLPClassifier(standardize=False, **mlp_kwargs(epochs)).fit(X, y), repeats)

    def sk():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return SkMLP(**mlp_kwargs(epochs)).fit(X, y)
    ref_t, ref = median_time(sk, repeats)
    return {"case": "mlp", "n_samples": n, "epochs": epochs, "activesci_s": ours_t,
            "sklearn_s": ref_t, "speedup": ref_t / ours_t,
            "activesci_log_loss": log_loss(yt, ours.predict_proba(Xt)[:, 1]),
            "sklearn_log_loss": log_loss(yt, ref.predict_proba(Xt)[:, 1])}


def case_pipeline(repeats, epochs, n=200_000):
    from sklearn.calibration import CalibratedClassifierCV as SkCal
    from sklearn.frozen import FrozenEstimator
    from sklearn.neural_network import MLPClassifier as SkMLP
    p0, p1 = p_gamma(0.05), p_gamma(0.0)
    X, y = labelled(p0, p1, n, 3)
    Xt = p0.rvs(50_000, random_state=4)
    lo, hi = np.quantile(Xt[:, 0], [0.01, 0.99])
    bulk = (Xt[:, 0] > lo) & (Xt[:, 0] < hi)
    exact = KnownDensityRatio(p0, p1).predict(Xt, log=True)

    def ours():
        clf = CalibratedClassifierCV(MLPClassifier(standardize=False, **mlp_kwargs(epochs)),
                                     method="histogram")
        return ClassifierRatio(clf).fit(X, y)

    def sk():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mlp = SkMLP(**mlp_kwargs(epochs)).fit(X, y)
            return SkCal(FrozenEstimator(mlp), method="isotonic").fit(X, y)

    ours_t, r = median_time(ours, repeats)
    ref_t, cal = median_time(sk, repeats)
    P = np.clip(cal.predict_proba(Xt), 1e-12, 1.0)
    ref_lr = np.log(P[:, 0]) - np.log(P[:, 1])
    mse = lambda lr: float(np.mean((lr[bulk] - exact[bulk]) ** 2))  # noqa: E731
    return {"case": "pipeline", "n_samples": n, "epochs": epochs, "activesci_s": ours_t,
            "sklearn_s": ref_t, "speedup": ref_t / ours_t,
            "activesci_log_ratio_mse": mse(r.predict(Xt, log=True)),
            "sklearn_log_ratio_mse": mse(ref_lr),
            "exact_log_ratio_var": float(np.var(exact[bulk]))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--cases", default="mlp,pipeline")
    args = ap.parse_args(argv)
    cases = {"mlp": case_mlp, "pipeline": case_pipeline}
    for name in args.cases.split(","):
        out = cases[name](args.repeats, args.epochs)
        out["machine"] = machine()
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
