"""Plots of Bayesian-optimization results (matplotlib; scikit-optimize's names).

Every function returns the matplotlib axes it drew on.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from activesci.optimizer import minimize
>>> from activesci.benchmarks import bench1
>>> from activesci.plots import plot_convergence
>>> res = minimize(bench1, [(-2.0, 2.0)], n_calls=8, n_initial_points=4, random_state=0)
>>> ax = plot_convergence(res, true_minimum=0.0)
>>> ax.get_ylabel()
'min f(x) after n calls'
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from . import pyplot

__all__ = ["plot_convergence", "plot_regret", "plot_gaussian_process", "plot_objective",
           "plot_evaluations"]


def _plt():
    return pyplot()


def _named_results(args):
    """(name, [results]) pairs from results, lists of results, or (name, result(s)) tuples."""
    out = []
    for i, a in enumerate(args):
        name = None
        if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], str):
            name, a = a
        results = list(a) if isinstance(a, (list, tuple)) else [a]
        for r in results:
            if not hasattr(r, "func_vals"):
                raise TypeError(f"argument {i}: expected an OptimizeResult (or a list of them, "
                                f"or a (name, result) tuple), got {type(r).__name__}")
        out.append((name, results))
    return out


def _curves(ax, args, transform, true_minimum, ylabel, title, yscale):
    plt = _plt()
    if ax is None:
        ax = plt.gca()
    ax.set_title(title)
    ax.set_xlabel("Number of calls $n$")
    ax.set_ylabel(ylabel)
    ax.grid(True)
    colors = plt.cm.viridis(np.linspace(0.25, 1.0, max(1, len(args))))
    for (name, results), color in zip(_named_results(args), colors):
        curves = [transform(np.asarray(r.func_vals, dtype=float)) for r in results]
        n = max(len(c) for c in curves)
        calls = np.arange(1, n + 1)
        if len(curves) == 1:
            ax.plot(calls[:len(curves[0])], curves[0], c=color, marker=".", ms=8, lw=2,
                    label=name)
        else:
            for c in curves:
                ax.plot(calls[:len(c)], c, c=color, alpha=0.2)
            m = min(len(c) for c in curves)
            ax.plot(calls[:m], np.mean([c[:m] for c in curves], axis=0), c=color, marker=".",
                    ms=8, lw=2, label=name)
    if true_minimum is not None and ylabel.startswith("min"):
        ax.axhline(true_minimum, linestyle="--", color="r", lw=1, label="True minimum")
    if yscale is not None:
        ax.set_yscale(yscale)
    if any(name for name, _ in _named_results(args)) or true_minimum is not None:
        ax.legend(loc="best")
    return ax


def plot_convergence(*args, ax=None, true_minimum: Optional[float] = None,
                     yscale: Optional[str] = None):
    """The best value found after each call, for one or several results.

    Parameters
    ----------
    *args : OptimizeResult, list of them, or (name, result(s)) tuples
        Several results of one tuple are drawn faintly with their mean in bold.
    ax : matplotlib Axes, optional
    true_minimum : float, optional
        Drawn as a dashed line.
    yscale : str, optional
        e.g. ``"log"``.

    Returns
    -------
    ax : matplotlib Axes
    """
    return _curves(ax, args, np.minimum.accumulate, true_minimum, "min f(x) after n calls",
                   "Convergence plot", yscale)


def plot_regret(*args, ax=None, true_minimum: float = 0.0, yscale: Optional[str] = None):
    """Cumulative regret Σ_i (f(x_i) − true_minimum) after each call.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from activesci.optimizer import dummy_minimize
    >>> res = dummy_minimize(lambda x: x[0] ** 2, [(-1.0, 1.0)], n_calls=5, random_state=0)
    >>> plot_regret(res).get_ylabel()
    'cumulative regret after n calls'
    """
    return _curves(ax, args, lambda v: np.cumsum(v - true_minimum), None,
                   "cumulative regret after n calls", "Cumulative regret plot", yscale)


def plot_gaussian_process(res, ax=None, n_points: int = 400, objective=None,
                          show_acq_func: bool = False, show_next_point: bool = False,
                          n_calls: int = -1):
    """The GP of a 1-D problem: mean, ±1.96 std band, observations (and the objective).

    Parameters
    ----------
    res : OptimizeResult with a model and a one-dimensional real space
    objective : callable, optional
        Drawn as a dashed line for comparison.
    show_acq_func : bool
        Also draw the expected improvement (scaled to the axis) on a twin axis.
    n_calls : int
        Which model to draw (-1: the last).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from activesci.optimizer import minimize
    >>> res = minimize(lambda x: x[0] ** 2, [(-1.0, 1.0)], n_calls=6, n_initial_points=3,
    ...                random_state=0)
    >>> len(plot_gaussian_process(res).lines) >= 2
    True
    """
    from ..acquisition import _predict, acquisition_values

    plt = _plt()
    space = res.space
    if space.n_dims != 1:
        raise ValueError(f"plot_gaussian_process needs a one-dimensional space, got "
                         f"{space.n_dims} dimensions; use plot_objective")
    if not res.models:
        raise ValueError("the result holds no model; run more calls than n_initial_points")
    if ax is None:
        ax = plt.gca()
    model = res.models[n_calls]
    dim = space.dimensions[0]
    xt = np.linspace(0.0, 1.0, n_points)[:, None]
    if dim.transformed_size != 1:
        raise ValueError("plot_gaussian_process needs a real or integer dimension")
    x = np.asarray(space.inverse_transform(xt), dtype=float)[:, 0]
    mean, std = _predict(model, xt)
    if objective is not None:
        ax.plot(x, [objective([v]) for v in x], "r--", label="f(x)")
    ax.plot(x, mean, "g-", label="GP mean")
    ax.fill_between(x, mean - 1.96 * std, mean + 1.96 * std, alpha=0.2, color="g",
                    label="95% interval")
    n = model.X_train_.shape[0]
    xs = [p[0] for p in res.x_iters[:n]]
    ax.plot(xs, res.func_vals[:n], "r.", ms=10, label="observations")
    if show_acq_func:
        ei = -acquisition_values(mean, std, "EI", y_opt=float(np.min(res.func_vals[:n])))
        ax2 = ax.twinx()
        ax2.plot(x, ei, "b-", label="EI")
        ax2.set_ylabel("EI")
        if show_next_point:
            ax2.axvline(x[int(np.argmax(ei))], color="b", linestyle=":")
    ax.set_xlabel(space.dimension_names[0])
    ax.set_ylabel("f(x)")
    ax.legend(loc="best")
    return ax


def _grid_values(dim, n_points):
    from ..space import Categorical

    if isinstance(dim, Categorical):
        return list(dim.categories)
    u = np.linspace(0.0, 1.0, n_points)
    vals = dim.inverse_transform(u)
    out = []
    for v in vals:
        if not out or v != out[-1]:
            out.append(v)
    return out


def _axis_values(dim, values):
    from ..space import Categorical

    if isinstance(dim, Categorical):
        return np.array([dim.categories.index(v) for v in values], dtype=float)
    return np.asarray(values, dtype=float)


def plot_objective(res, n_points: int = 40, n_samples: int = 250, size: float = 2.0,
                   random_state=0):
    """Partial dependence of the model's mean: 1-D curves on the diagonal, 2-D contours below
    it (Friedman, Ann. Statist. 29 (2001) 1189), averaged over ``n_samples`` random points.

    Returns
    -------
    axes : ndarray of matplotlib Axes, shape (n_dims, n_dims)

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from activesci.optimizer import minimize
    >>> res = minimize(lambda x: x[0] ** 2 + x[1], [(-1.0, 1.0), (0.0, 1.0)], n_calls=8,
    ...                n_initial_points=5, random_state=0)
    >>> plot_objective(res, n_points=8, n_samples=20).shape
    (2, 2)
    """
    from .._validation import check_random_state

    plt = _plt()
    if not res.models:
        raise ValueError("the result holds no model; run more calls than n_initial_points")
    model = res.models[-1]
    space = res.space
    d = space.n_dims
    rng = check_random_state(random_state)
    base = space.rvs(n_samples, random_state=rng)
    fig, axes = plt.subplots(d, d, figsize=(size * d, size * d), squeeze=False)
    grids = [_grid_values(dim, n_points) for dim in space.dimensions]

    def mean_at(fixed):
        """The model's mean over the random points with the coordinates in ``fixed`` set."""
        pts = [list(p) for p in base]
        for p in pts:
            for k, v in fixed.items():
                p[k] = v
        return float(np.mean(model.predict(space.transform(pts))))

    def pd1(i):
        return np.array([mean_at({i: v}) for v in grids[i]])

    def pd2(i, j):
        return np.array([[mean_at({i: vi, j: vj}) for vj in grids[j]] for vi in grids[i]])

    names = space.dimension_names
    best = res.x
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
            elif i == j:
                xi = _axis_values(space.dimensions[i], grids[i])
                ax.plot(xi, pd1(i), "b-")
                ax.axvline(_axis_values(space.dimensions[i], [best[i]])[0], color="r",
                           linestyle="--")
                ax.set_xlabel(names[i])
            else:
                Z = pd2(i, j)
                xj = _axis_values(space.dimensions[j], grids[j])
                xi = _axis_values(space.dimensions[i], grids[i])
                ax.contourf(xj, xi, Z, 10, cmap="viridis_r")
                pts = np.array([[_axis_values(space.dimensions[j], [p[j]])[0],
                                 _axis_values(space.dimensions[i], [p[i]])[0]]
                                for p in res.x_iters])
                ax.plot(pts[:, 0], pts[:, 1], "k.", ms=3)
                ax.plot(*_axis_values(space.dimensions[j], [best[j]]),
                        *_axis_values(space.dimensions[i], [best[i]]), "r*", ms=10)
                ax.set_xlabel(names[j])
                ax.set_ylabel(names[i])
    fig.tight_layout()
    return axes


def plot_evaluations(res, bins: int = 20, size: float = 2.0):
    """Where the optimizer evaluated: histograms on the diagonal, the points (coloured by
    order) below it.

    Returns
    -------
    axes : ndarray of matplotlib Axes, shape (n_dims, n_dims)

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from activesci.optimizer import dummy_minimize
    >>> res = dummy_minimize(lambda x: x[0] + (x[1] == "a"), [(0.0, 1.0), ["a", "b"]], n_calls=6,
    ...                      random_state=0)
    >>> plot_evaluations(res).shape
    (2, 2)
    """
    plt = _plt()
    space = res.space
    d = space.n_dims
    fig, axes = plt.subplots(d, d, figsize=(size * d, size * d), squeeze=False)
    cols = [_axis_values(dim, [p[k] for p in res.x_iters])
            for k, dim in enumerate(space.dimensions)]
    order = np.arange(len(res.x_iters))
    names = space.dimension_names
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
            elif i == j:
                ax.hist(cols[i], bins=bins)
                ax.set_xlabel(names[i])
            else:
                ax.scatter(cols[j], cols[i], c=order, s=10, cmap="viridis")
                ax.set_xlabel(names[j])
                ax.set_ylabel(names[i])
    fig.tight_layout()
    return axes
