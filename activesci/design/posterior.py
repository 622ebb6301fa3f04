"""Posteriors over one or two parameters on a grid: the state an experiment campaign updates.

A :class:`GridPosterior` holds log probabilities of the cells of a regular grid over the
parameter box (cell centres as support points). Updating with a log-likelihood evaluated on
the grid is exact Bayes' rule on that discretization; summaries (mean, standard deviation,
credible intervals, entropy, Kullback-Leibler divergence) are sums over cells.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

from .._validation import RandomState, check_random_state

__all__ = ["GridPosterior"]


def _logsumexp(a: np.ndarray, axis=None) -> np.ndarray:
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):  # all -inf: log 0 = -inf is the answer
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


class GridPosterior:
    """A normalized distribution on a regular grid over 1 or 2 parameters.

    Parameters
    ----------
    axes : sequence of 1-D arrays
        Cell centres along each parameter (evenly spaced).
    log_prob : ndarray of shape ``tuple(len(a) for a in axes)``
        Unnormalized log probabilities of the cells (-inf allowed).
    param_names : sequence of str, optional

    Examples
    --------
    >>> import numpy as np
    >>> post = GridPosterior.uniform([(0.0, 1.0)], n_points=101)
    >>> round(float(post.mean()[0]), 6), round(float(post.std()[0]), 3)
    (0.5, 0.289)
    >>> updated = post.update(-0.5 * ((post.points[:, 0] - 0.3) / 0.05) ** 2)
    >>> round(float(updated.mean()[0]), 3)
    0.3
    """

    def __init__(self, axes: Sequence[np.ndarray], log_prob: np.ndarray,
                 param_names: Optional[Sequence[str]] = None):
        self.axes = [np.asarray(a, dtype=float) for a in axes]
        if not 1 <= len(self.axes) <= 2:
            raise ValueError(f"a grid posterior supports 1 or 2 parameters, got {len(self.axes)};"
                             " use weighted samples (ABC) for more")
        shape = tuple(len(a) for a in self.axes)
        lp = np.asarray(log_prob, dtype=float).reshape(shape)
        if np.any(np.isnan(lp)):
            raise ValueError("log_prob contains NaN")
        norm = _logsumexp(lp)
        if not np.isfinite(norm):
            raise ValueError("log_prob is -inf everywhere: the data are impossible under every "
                             "grid point (check the simulator's support and the grid bounds)")
        self.log_prob = lp - norm
        self.param_names = list(param_names) if param_names is not None else [
            f"theta{i}" for i in range(len(self.axes))]

    # ------------------------------------------------------------------ construction
    @classmethod
    def uniform(cls, bounds: Sequence[Tuple[float, float]], n_points: Union[int, Sequence[int]] = 201,
                param_names=None) -> "GridPosterior":
        """A uniform prior on the box ``bounds`` with ``n_points`` cells per axis."""
        return cls.from_logpdf(lambda t: np.zeros(len(t)), bounds, n_points, param_names)

    @classmethod
    def from_logpdf(cls, logpdf: Callable[[np.ndarray], np.ndarray],
                    bounds: Sequence[Tuple[float, float]], n_points: Union[int, Sequence[int]] = 201,
                    param_names=None) -> "GridPosterior":
        """Discretize a density given by ``logpdf(points (m, d)) -> (m,)`` on the box."""
        bounds = np.asarray(bounds, dtype=float).reshape(-1, 2)
        if np.any(~np.isfinite(bounds)) or np.any(bounds[:, 0] >= bounds[:, 1]):
            raise ValueError(f"bounds must be finite (low, high) pairs with low < high, got "
                             f"{bounds.tolist()}")
        d = bounds.shape[0]
        counts = [int(n_points)] * d if np.ndim(n_points) == 0 else [int(c) for c in n_points]
        if any(c < 2 for c in counts):
            raise ValueError("n_points must be >= 2 per axis")
        axes = []
        for (lo, hi), c in zip(bounds, counts):
            width = (hi - lo) / c
            axes.append(lo + width * (np.arange(c) + 0.5))
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
        lp = np.asarray(logpdf(mesh), dtype=float).reshape(counts)
        lp = np.where(np.isnan(lp), -np.inf, lp)
        return cls(axes, lp, param_names)

    # ------------------------------------------------------------------ geometry
    @property
    def ndim(self) -> int:
        return len(self.axes)

    @property
    def shape(self) -> Tuple[int, ...]:
        return self.log_prob.shape

    @property
    def points(self) -> np.ndarray:
        """Cell centres, shape (n_cells, ndim), in the order of ``log_prob.ravel()``."""
        return np.stack(np.meshgrid(*self.axes, indexing="ij"), axis=-1).reshape(-1, self.ndim)

    @property
    def cell_widths(self) -> np.ndarray:
        return np.array([a[1] - a[0] for a in self.axes])

    @property
    def bounds(self) -> np.ndarray:
        w = self.cell_widths
        return np.array([[a[0] - w[i] / 2, a[-1] + w[i] / 2] for i, a in enumerate(self.axes)])

    @property
    def prob(self) -> np.ndarray:
        return np.exp(self.log_prob)

    # ------------------------------------------------------------------ Bayes
    def update(self, loglike: np.ndarray) -> "GridPosterior":
        """Multiply by a likelihood given as log values on the cells (flat or grid-shaped)."""
        ll = np.asarray(loglike, dtype=float).reshape(self.shape)
        return GridPosterior(self.axes, self.log_prob + np.where(np.isnan(ll), -np.inf, ll),
                             self.param_names)

    # ------------------------------------------------------------------ summaries
    def mean(self) -> np.ndarray:
        p = self.prob.ravel()
        return p @ self.points

    def cov(self) -> np.ndarray:
        p = self.prob.ravel()
        c = self.points - self.mean()
        # the within-cell variance (uniform cells: width²/12) keeps a collapsed posterior from
        # reporting zero spread
        return (c * p[:, None]).T @ c + np.diag(self.cell_widths ** 2 / 12.0)

    def std(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov()))

    def marginal(self, i: int) -> Tuple[np.ndarray, np.ndarray]:
        """(axis values, probabilities) of parameter i."""
        p = self.prob
        other = tuple(j for j in range(self.ndim) if j != i)
        return self.axes[i], p.sum(axis=other) if other else p

    def quantile(self, q: Union[float, Sequence[float]], i: int = 0) -> np.ndarray:
        """Quantiles of parameter i's marginal (linear within cells)."""
        x, p = self.marginal(i)
        w = x[1] - x[0]
        edges = np.concatenate([[x[0] - w / 2], x + w / 2])
        cdf = np.concatenate([[0.0], np.cumsum(p)])
        return np.interp(np.atleast_1d(q), cdf, edges)

    def credible_interval(self, level: float = 0.68, i: int = 0) -> Tuple[float, float]:
        """Central credible interval of parameter i."""
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        lo, hi = self.quantile([(1 - level) / 2, (1 + level) / 2], i)
        return float(lo), float(hi)

    def entropy(self) -> float:
        """Differential entropy (nats) of the piecewise-constant density."""
        p = self.prob.ravel()
        logp = self.log_prob.ravel()
        vol = float(np.prod(self.cell_widths))
        nz = p > 0
        return float(-np.sum(p[nz] * (logp[nz] - np.log(vol))))

    def kl_from(self, other: "GridPosterior") -> float:
        """KL(self || other) on the same grid (nats)."""
        p = self.prob.ravel()
        nz = p > 0
        return float(np.sum(p[nz] * (self.log_prob.ravel()[nz] - other.log_prob.ravel()[nz])))

    def sample(self, n: int, random_state: RandomState = None, jitter: bool = True) -> np.ndarray:
        """Draw n points: a cell by its probability, then uniformly inside it (``jitter``)."""
        rng = check_random_state(random_state)
        p = self.prob.ravel()
        idx = rng.choice(p.size, size=int(n), p=p / p.sum())
        pts = self.points[idx]
        if jitter:
            pts = pts + (rng.random(pts.shape) - 0.5) * self.cell_widths
        return pts

    def summary(self, level: float = 0.68) -> dict:
        """Mean, std and central credible interval of every parameter."""
        m, s = self.mean(), self.std()
        return {name: {"mean": float(m[i]), "std": float(s[i]),
                       "interval": self.credible_interval(level, i), "level": level}
                for i, name in enumerate(self.param_names)}

    def to_dict(self) -> dict:
        return {"axes": [a.tolist() for a in self.axes], "log_prob": self.log_prob.tolist(),
                "param_names": self.param_names}

    @classmethod
    def from_dict(cls, d: dict) -> "GridPosterior":
        lp = np.array(d["log_prob"], dtype=float)
        return cls([np.array(a) for a in d["axes"]], lp, d["param_names"])

    def __repr__(self) -> str:
        parts = [f"{n} = {m:.5g} ± {s:.3g}" for n, m, s in
                 zip(self.param_names, self.mean(), self.std())]
        return f"GridPosterior({', '.join(parts)}; grid {'x'.join(map(str, self.shape))})"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{n}</td><td>{v['mean']:.6g}</td><td>{v['std']:.3g}</td>"
                       f"<td>[{v['interval'][0]:.6g}, {v['interval'][1]:.6g}]</td></tr>"
                       for n, v in self.summary().items())
        return ("<table><caption>GridPosterior</caption><tr><th>parameter</th><th>mean</th>"
                f"<th>std</th><th>68% interval</th></tr>{rows}</table>")
