"""Plots of ABC results (matplotlib; every function returns its axes)."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from . import pyplot

__all__ = ["plot_abc_marginals", "plot_abc_pairs"]


def _check(result):
    if result.n_samples == 0:
        raise ValueError("the ABC result has no accepted samples to plot; increase eps, "
                         "quantile or n_simulations")


def plot_abc_marginals(result, axes: Any = None, bins: int = 40,
                       reference: Optional[Sequence[float]] = None, **hist_kwargs: Any):
    """Weighted histogram of each parameter's ABC posterior, one panel per parameter.

    ``reference`` (optional, one value per parameter, e.g. the true θ) is drawn as a line.

    Examples
    --------
    >>> from activesci.abc import ABCResult
    >>> rng = np.random.default_rng(0)
    >>> r = ABCResult(rng.normal(size=(200, 2)), rng.random(200), 1.0, 2000,
    ...               param_names=["a", "b"])
    >>> axes = plot_abc_marginals(r, reference=[0.0, 0.0])
    >>> len(axes)
    2
    """
    _check(result)
    p = result.n_params
    if axes is None:
        plt = pyplot()

        _, axes = plt.subplots(1, p, figsize=(3.2 * p, 3.0), squeeze=False)
        axes = axes[0]
    axes = np.atleast_1d(axes)
    if axes.size < p:
        raise ValueError(f"axes must hold at least {p} axes (one per parameter), got {axes.size}")
    hist_kwargs.setdefault("color", "C0")
    hist_kwargs.setdefault("alpha", 0.7)
    for j in range(p):
        ax = axes[j]
        ax.hist(result.samples[:, j], bins=bins, weights=result.weights, density=True,
                **hist_kwargs)
        if reference is not None:
            ax.axvline(reference[j], color="C3", lw=1.5)
        ax.set_xlabel(result.param_names[j])
    axes[0].set_ylabel("posterior density")
    return axes


def plot_abc_pairs(result, axes: Any = None, bins: int = 30,
                   reference: Optional[Sequence[float]] = None, max_points: int = 5000):
    """Corner plot: weighted histograms on the diagonal, scatter plots below it.

    Examples
    --------
    >>> from activesci.abc import ABCResult
    >>> rng = np.random.default_rng(0)
    >>> r = ABCResult(rng.normal(size=(100, 3)), rng.random(100), 1.0, 1000)
    >>> plot_abc_pairs(r).shape
    (3, 3)
    """
    _check(result)
    p = result.n_params
    if axes is None:
        plt = pyplot()

        _, axes = plt.subplots(p, p, figsize=(2.6 * p, 2.6 * p), squeeze=False)
    axes = np.asarray(axes).reshape(p, p)
    x, w = result.samples, result.weights
    if x.shape[0] > max_points:  # thin evenly for the scatter plots
        keep = np.linspace(0, x.shape[0] - 1, max_points).astype(int)
        xs, ws = x[keep], w[keep]
    else:
        xs, ws = x, w
    alpha = np.clip(ws / ws.max(), 0.05, 1.0) if ws.max() > 0 else np.ones_like(ws)
    for i in range(p):
        for j in range(p):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(x[:, i], bins=bins, weights=w, density=True, color="C0", alpha=0.7)
                if reference is not None:
                    ax.axvline(reference[i], color="C3", lw=1.5)
            else:
                ax.scatter(xs[:, j], xs[:, i], s=3, c="C0", alpha=alpha, linewidths=0)
                if reference is not None:
                    ax.plot(reference[j], reference[i], "x", color="C3", ms=8)
            if i == p - 1:
                ax.set_xlabel(result.param_names[j])
            if j == 0 and i > 0:
                ax.set_ylabel(result.param_names[i])
    return axes
