"""Diagnostics of likelihood-ratio estimates (matplotlib; every function returns its axes).

Convention: r(x) = p0(x) / p1(x), numerator samples labelled 0.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import pyplot

__all__ = ["plot_reliability", "plot_log_ratio", "plot_reweighting", "plot_nllr_scan"]


def _axes(ax):
    if ax is None:
        plt = pyplot()
        _, ax = plt.subplots(figsize=(5, 4))
    return ax


def plot_reliability(y_true: Any, proba: Any, n_bins: int = 10, ax=None, label: str = None):
    """Reliability (calibration) curve: the observed frequency of class 1 against the mean
    predicted probability, in equal-frequency bins of the prediction; the diagonal is perfect
    calibration.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=1000); y = (rng.uniform(size=1000) < p).astype(float)
    >>> ax = plot_reliability(y, p)
    """
    y = np.asarray(y_true, dtype=float).ravel()
    p = np.asarray(proba, dtype=float)
    if p.ndim == 2:
        p = p[:, 1]
    if y.shape != p.shape:
        raise ValueError(f"y_true and proba must have one entry per sample, got {y.shape} "
                         f"and {p.shape}")
    if n_bins < 2:
        raise ValueError(f"n_bins must be >= 2, got {n_bins}")
    ax = _axes(ax)
    edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, edges.size - 2)
    cnt = np.bincount(idx, minlength=edges.size - 1)
    ok = cnt > 0
    mean_p = np.bincount(idx, weights=p, minlength=edges.size - 1)[ok] / cnt[ok]
    freq = np.bincount(idx, weights=y, minlength=edges.size - 1)[ok] / cnt[ok]
    err = np.sqrt(np.clip(freq * (1 - freq), 1e-12, None) / cnt[ok])
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1, label="perfectly calibrated")
    ax.errorbar(mean_p, freq, yerr=err, marker="o", ms=3, lw=1, label=label or "classifier")
    ax.set_xlabel("mean predicted P(y = 1)")
    ax.set_ylabel("observed frequency of y = 1")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_log_ratio(x: Any, exact: Any, *estimates: Any, labels: Optional[list] = None,
                   ax=None):
    """The exact log-ratio and estimated ones against a one-dimensional x (sorted), or, for
    multi-dimensional x, estimated against exact with the diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-3, 3, 50)
    >>> ax = plot_log_ratio(x, 0.5 * x - 0.125, 0.48 * x - 0.1, labels=["calibrated"])
    """
    ax = _axes(ax)
    x = np.asarray(x, dtype=float)
    exact = np.asarray(exact, dtype=float).ravel()
    labels = labels or [f"estimate {k + 1}" for k in range(len(estimates))]
    if x.ndim == 1 or (x.ndim == 2 and x.shape[1] == 1):
        xs = x.ravel()
        o = np.argsort(xs)
        ax.plot(xs[o], exact[o], color="k", lw=2, label="exact")
        for est, lab in zip(estimates, labels):
            ax.plot(xs[o], np.asarray(est, dtype=float).ravel()[o], lw=1, label=lab)
        ax.set_xlabel("x")
        ax.set_ylabel("log r(x)")
    else:
        lo, hi = np.min(exact), np.max(exact)
        ax.plot([lo, hi], [lo, hi], color="0.6", ls="--", lw=1)
        for est, lab in zip(estimates, labels):
            ax.scatter(exact, np.asarray(est, dtype=float).ravel(), s=3, alpha=0.5, label=lab)
        ax.set_xlabel("exact log r(x)")
        ax.set_ylabel("estimated log r(x)")
    ax.legend(fontsize="small")
    return ax


def plot_reweighting(result: dict, ax=None):
    """ROC curves of the reweighting test (:func:`activesci.ratios.reweighting_test`): with
    the r-weights the curve should lie on the diagonal (AUC ≈ 0.5).

    Examples
    --------
    >>> from activesci.distributions import Normal
    >>> from activesci.ratios import KnownDensityRatio, reweighting_test
    >>> p0, p1 = Normal(0.5, 1.0), Normal(0.0, 1.0)
    >>> res = reweighting_test(p0.rvs(1000, random_state=0), p1.rvs(1000, random_state=1),
    ...                        KnownDensityRatio(p0, p1), random_state=0)
    >>> ax = plot_reweighting(res)
    """
    ax = _axes(ax)
    y, w = result["y"], result["weights"]
    for weights, lab, key in ((np.ones_like(w), "p1 unweighted", "unweighted"),
                              (w, "p1 weighted by r", "weighted")):
        s = result[f"scores_{key}"]
        o = np.argsort(-s)
        tp = np.cumsum(np.where(y[o] == 1, weights[o], 0.0))
        fp = np.cumsum(np.where(y[o] == 0, weights[o], 0.0))
        ax.plot(fp / fp[-1], tp / tp[-1], label=f"{lab} (AUC {result['auc_' + key]:.3f})")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1)
    ax.set_xlabel("false-positive rate (p0)")
    ax.set_ylabel("true-positive rate (p1)")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_nllr_scan(thetas: Any, nllr: Any, *more: Any, labels: Optional[list] = None,
                   truth: Optional[float] = None, ax=None):
    """The −2 log Λ scan over a parameter: 2 (nllr(θ) − min nllr) for one or more curves,
    with each minimum marked and the 1σ level (1.0) drawn.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(-1, 1, 41)
    >>> ax = plot_nllr_scan(t, 50 * (t - 0.2) ** 2, truth=0.2)
    """
    ax = _axes(ax)
    t = np.asarray(thetas, dtype=float).ravel()
    curves = [nllr, *more]
    labels = labels or (["estimated"] if len(curves) == 1 else
                        [f"curve {k + 1}" for k in range(len(curves))])
    for c, lab in zip(curves, labels):
        c = np.asarray(c, dtype=float).ravel()
        if c.shape != t.shape:
            raise ValueError(f"each nllr curve needs one value per θ ({t.size}), got {c.size}")
        q = 2.0 * (c - np.nanmin(c))
        line, = ax.plot(t, q, label=lab)
        k = int(np.nanargmin(c))
        ax.plot(t[k], 0.0, marker="v", color=line.get_color())
    ax.axhline(1.0, color="0.6", ls=":", lw=1)
    if truth is not None:
        ax.axvline(truth, color="C3", lw=1, label="truth")
    ax.set_xlabel("θ")
    ax.set_ylabel("−2 log Λ(θ)")
    ax.set_ylim(bottom=0.0)
    ax.legend(fontsize="small")
    return ax
