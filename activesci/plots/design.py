"""Plots of an experiment campaign (matplotlib; every function returns its axes)."""
from __future__ import annotations

import numpy as np

from . import pyplot

__all__ = ["plot_posterior_evolution", "plot_utility", "plot_designs"]


def _axes(ax):
    if ax is None:
        plt = pyplot()
        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def plot_posterior_evolution(result, ax=None):
    """1 parameter: the prior and the posterior after each step (darker = later), the truth as
    a vertical line. 2 parameters: posterior mean ± std of each parameter per step.

    Examples
    --------
    >>> from activesci.design import Campaign, GridPosterior
    >>> from activesci.simulators import GaussianToy
    >>> prior = GridPosterior.uniform([(-3.0, 3.0)], 101)
    >>> res = Campaign(GaussianToy(), prior, (0.5, 2.0), n_events=5, policy="grid",
    ...                random_state=0).run(3, progress=False)
    >>> ax = plot_posterior_evolution(res)
    """
    ax = _axes(ax)
    if result.posterior.ndim == 1:
        import matplotlib.cm as cm
        x, p0 = result.prior.marginal(0)
        w = x[1] - x[0]
        ax.plot(x, p0 / w, color="0.6", lw=1, ls="--", label="prior")
        from ..design.posterior import GridPosterior  # noqa: F401 (type of result.posterior)
        means = result.posterior_means()[:, 0] if result.steps else []
        stds = result.posterior_stds()[:, 0] if result.steps else []
        n = len(result.steps)
        for k, (m, s) in enumerate(zip(means, stds)):
            # Gaussian summary of each intermediate posterior; the final one drawn exactly
            ax.plot(x, np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi)),
                    color=cm.viridis(0.15 + 0.8 * k / max(n - 1, 1)), lw=1, alpha=0.7)
        xf, pf = result.posterior.marginal(0)
        ax.plot(xf, pf / w, color="k", lw=2, label=f"posterior after {n} experiments")
        ax.axvline(result.truth[0], color="C3", lw=1, label="truth")
        lo, hi = result.posterior.quantile([1e-4, 1 - 1e-4], 0)
        pad = max(hi - lo, 1e-12)
        ax.set_xlim(min(lo, result.truth[0]) - pad, max(hi, result.truth[0]) + pad)
        ax.set_xlabel(result.param_names[0])
        ax.set_ylabel("density")
        ax.legend(fontsize=8)
    else:
        steps = np.arange(1, len(result.steps) + 1)
        for i, name in enumerate(result.param_names):
            m, s = result.posterior_means()[:, i], result.posterior_stds()[:, i]
            ax.errorbar(steps, m, yerr=s, fmt="o-", ms=3, label=name)
            ax.axhline(result.truth[i], color=f"C{i}", ls=":", lw=1)
        ax.set_xlabel("experiment")
        ax.set_ylabel("posterior mean ± std")
        ax.legend(fontsize=8)
    ax.set_title("posterior evolution")
    return ax


def plot_utility(result, step: int = -1, ax=None):
    """The utility estimates of one step (points with Monte Carlo errors), the fitted GP mean
    ± std, and the chosen design."""
    ax = _axes(ax)
    if not result.steps:
        raise ValueError("the campaign has no steps yet")
    s = result.steps[step]
    if "surface" not in s:
        raise ValueError(f"step {s['step']} chose its design without a utility model "
                         "(policy random or grid)")
    phi = np.asarray(s["surface"]["phi"], dtype=float)
    if phi.ndim != 1:
        raise ValueError("plot_utility draws 1-D design spaces")
    mean, std = np.asarray(s["surface"]["mean"]), np.asarray(s["surface"]["std"])
    order = np.argsort(phi)
    ax.plot(phi[order], mean[order], color="C0", label="GP mean")
    ax.fill_between(phi[order], (mean - 2 * std)[order], (mean + 2 * std)[order], color="C0",
                    alpha=0.2, label="± 2 std")
    ev = s["evaluations"]
    ax.errorbar([e["phi"][0] for e in ev], [e["value"] for e in ev],
                yerr=[e["stderr"] for e in ev], fmt="o", color="k", ms=4, label="estimates")
    ax.axvline(s["phi"][0], color="C3", label=f"chosen phi = {s['phi'][0]:.4g}")
    ax.set_xlabel("design phi")
    ax.set_ylabel("expected information gain" if result.config.get("utility") !=
                  "variance_reduction" else "expected variance reduction")
    ax.set_title(f"utility at step {s['step']}")
    ax.legend(fontsize=8)
    return ax


def plot_designs(result, ax=None):
    """The chosen design of every step."""
    ax = _axes(ax)
    phis = result.phis
    for j in range(phis.shape[1]):
        ax.plot(np.arange(1, len(phis) + 1), phis[:, j], "o-", ms=4, label=f"phi[{j}]")
    ax.set_ylim(result.phi_space[:, 0].min(), result.phi_space[:, 1].max())
    ax.set_xlabel("experiment")
    ax.set_ylabel("design phi")
    ax.set_title("designs chosen")
    if phis.shape[1] > 1:
        ax.legend(fontsize=8)
    return ax
